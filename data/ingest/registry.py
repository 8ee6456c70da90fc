"""The mappings the ingest API may use: the shipped ones and those an administrator registered.

A request names its mapping (``?mapping=NAME``); the name is looked up here and nowhere else, so
the network never names a server file (``?mapping=/etc/shadow`` opened and parsed it) and never
sends a mapping of its own (an inline mapping carried a catastrophic regex and an alias bomb).
An administrator registers a reviewed mapping file with ``python cli.py mappings register FILE``;
its text is validated then, stored, and parsed again (same limits) each time a request uses it.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from data import yamlfile
from data.clock import now_utc
from data.ingest.mapping import SHIPPED_DIR, Mapping, MappingError, load_mapping, parse_mapping, shipped_mappings

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def api_mapping(con: duckdb.DuckDBPyConnection, name: str) -> Mapping:
    """Return the shipped or registered mapping called ``name``; the error never names a file."""
    if not isinstance(name, str) or not NAME.match(name):
        raise MappingError("mapping: give the name of a shipped or registered mapping "
                           "(letters, digits, '.', '-', '_'; no paths)")
    if name in shipped_mappings():
        return load_mapping(SHIPPED_DIR / f"{name}.yaml")
    rows = con.execute("SELECT yaml_text FROM registered_mappings WHERE name = ?", [name]).fetchall()
    if not rows:
        raise MappingError(f"mapping: no shipped or registered mapping is called {name!r} "
                           f"(shipped: {', '.join(shipped_mappings())}; "
                           f"registered: {', '.join(registered_names(con)) or 'none'})")
    return _parse(rows[0][0], f"registered:{name}")


def _parse(text: str, origin: str) -> Mapping:
    try:
        return parse_mapping(yamlfile.load(text, origin), origin)
    except yamlfile.YamlError as exc:
        raise MappingError(str(exc)) from None


def register_mapping(con: duckdb.DuckDBPyConnection, path: str | Path, actor: str = "cli") -> Mapping:
    """Validate the mapping file at ``path`` and store it under its ``name`` (replacing an older one)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else None
    except UnicodeDecodeError:
        text = None
    if text is None:
        raise MappingError(f"{path}: not a readable UTF-8 file")
    mapping = _parse(text, str(path))
    if not NAME.match(mapping.name):
        raise MappingError(f"{path}: name {mapping.name!r} must be letters, digits, '.', '-' or '_' (at most 64)")
    if mapping.name in shipped_mappings():
        raise MappingError(f"{path}: {mapping.name!r} is a shipped mapping's name: choose another")
    con.execute("INSERT OR REPLACE INTO registered_mappings (name, yaml_text, registered_at, registered_by) "
                "VALUES (?, ?, ?, ?)", [mapping.name, text, now_utc(), actor])
    return mapping


def unregister_mapping(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Remove a registered mapping; return False when none has that name."""
    found = con.execute("SELECT count(*) FROM registered_mappings WHERE name = ?", [name]).fetchall()[0][0]
    con.execute("DELETE FROM registered_mappings WHERE name = ?", [name])
    return bool(found)


def registered_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the names of the registered mappings."""
    return [r[0] for r in con.execute("SELECT name FROM registered_mappings ORDER BY name").fetchall()]


def list_registered(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return each registered mapping's name, kind, date and registrar (not its text)."""
    rows = con.execute("SELECT name, yaml_text, registered_at, registered_by FROM registered_mappings "
                       "ORDER BY name").fetchall()
    return [{"name": r[0], "kind": _parse(r[1], f"registered:{r[0]}").kind, "registered_at": r[2].isoformat(),
             "registered_by": r[3]} for r in rows]
