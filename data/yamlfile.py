"""The one YAML reader of the project: safe, bounded, and able to name the line of every key.

Every YAML file the product reads (catalog, lists, alert rules, thresholds, mappings, city
profiles, report targets) goes through :func:`read` or :func:`load`, so each gets the same limits:
at most ``MAX_BYTES`` of text, at most ``MAX_NODES`` nodes once aliases are expanded (a 524-byte
"billion laughs" alias bomb would otherwise expand to gigabytes when walked), no recursive
aliases, only plain YAML types (``SafeLoader``), and regular files only (never /dev/zero).

Dictionaries come back as :class:`KeyedDict`, a ``dict`` that remembers the line of each key, so
a schema check (:func:`unknown_keys`, :func:`bad_value`) can say "file:line: key".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import yaml

MAX_BYTES = 4 * 1024 * 1024          # the largest shipped file is under 100 KiB
MAX_NODES = 200_000                  # scalars, lists and dicts after alias expansion


class YamlError(ValueError):
    """A YAML text cannot be read safely; the message names the file (and line when known)."""


class KeyedDict(dict):
    """A dict from YAML that knows the (1-based) line of each of its keys."""

    lines: dict

    def line_of(self, key) -> int | None:
        """Return the line where ``key`` is written, or None."""
        return getattr(self, "lines", {}).get(key)


class _Loader(yaml.SafeLoader):
    """SafeLoader whose dictionaries remember their keys' lines."""


def _construct_map(loader: _Loader, node: yaml.MappingNode):
    data = KeyedDict()
    data.lines = {}
    yield data
    data.update(loader.construct_mapping(node))
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, (str, int, float, bool)) or key is None:
            data.lines.setdefault(key, key_node.start_mark.line + 1)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def load(text: str, origin: str = "<yaml>") -> Any:
    """Return the data of one YAML document, or raise YamlError naming ``origin``."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"{origin}: larger than {MAX_BYTES} bytes")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node, origin)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise YamlError(f"{origin}: not valid YAML: {exc}") from None
    except RecursionError:
        raise YamlError(f"{origin}: nested too deeply") from None
    finally:
        loader.dispose()


def read(path: str | Path) -> Any:
    """Return the data of the YAML file at ``path`` (a regular file of at most MAX_BYTES)."""
    path = Path(path)
    if not path.is_file():
        raise YamlError(f"{path}: no such file" if not path.exists() else f"{path}: not a regular file")
    if path.stat().st_size > MAX_BYTES:
        raise YamlError(f"{path}: larger than {MAX_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise YamlError(f"{path}: not UTF-8 text") from None
    return load(text, str(path))


def _check_size(root: yaml.Node, origin: str) -> None:
    """Raise YamlError when the node graph, aliases expanded, exceeds MAX_NODES or loops."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise YamlError(f"{origin}: line {node.start_mark.line + 1}: a recursive alias")
        visiting.add(key)
        children = node.value if isinstance(node, yaml.SequenceNode) else \
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else []
        total = 1 + sum(size(child) for child in children)
        visiting.discard(key)
        if total > MAX_NODES:
            raise YamlError(f"{origin}: more than {MAX_NODES} values once aliases are expanded")
        sizes[key] = total
        return total

    size(root)


# --- schemas -----------------------------------------------------------------------------------

def where(origin: str, raw: Any, key: Any = None) -> str:
    """Return 'origin:line' for ``key`` of ``raw`` (or 'origin' when the line is unknown)."""
    line = raw.line_of(key) if isinstance(raw, KeyedDict) and key is not None else None
    return f"{origin}:{line}" if line else origin


def unknown_keys(raw: Any, known: Iterable[str], origin: str, path: str = "") -> list[str]:
    """Return one problem per key of ``raw`` not in ``known``, naming file, line and key."""
    if not isinstance(raw, dict):
        return []
    known = tuple(known)
    return [f"{where(origin, raw, key)}: {path}{key}: unknown key (known: {', '.join(known)})"
            for key in raw if key not in known]


def bad_value(origin: str, raw: Any, key: str, expected: str, path: str = "") -> str:
    """Return the problem of a value that is not of the expected form, naming file, line and key."""
    value = raw.get(key) if isinstance(raw, dict) else raw
    return f"{where(origin, raw, key)}: {path}{key}: {value!r} is not {expected}"


def check_schema(raw: Any, schema: Any, origin: str, path: str = "", parent: Any = None) -> list[str]:
    """Return every problem of ``raw`` against ``schema``, each naming file, line and key.

    A schema is declared once per file format: a dict (a mapping with these keys; the key ``"*"``
    stands for any key name, e.g. subject codes), a one-item list (a list of such items), or None
    (any value; the loader checks it further). Adding a key to a format is one line in its schema.
    """
    if schema is None or raw is None:
        return []
    if isinstance(schema, list):
        if not isinstance(raw, list):
            return [f"{where(origin, parent, path.rsplit('.', 1)[-1])}: {path}: {raw!r} is not a list"]
        return [p for number, item in enumerate(raw, start=1)
                for p in check_schema(item, schema[0], origin, f"{path}[{number}]", parent)]
    if not isinstance(raw, dict):
        return [f"{where(origin, parent, path.rsplit('.', 1)[-1])}: {path}: {_short(raw)} is not a mapping "
                f"(keys: {', '.join(k for k in schema if k != '*')})"]
    problems = []
    for key, value in raw.items():
        if key not in schema and "*" not in schema:
            known = ", ".join(k for k in schema if k != "*")
            problems.append(f"{where(origin, raw, key)}: {path + '.' if path else ''}{key}: unknown key (known: {known})")
            continue
        problems += check_schema(value, schema.get(key, schema.get("*")), origin,
                                 f"{path}.{key}" if path else str(key), raw)
    return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
