"""Alarm types as data: what each type of camera or IoT alarm is, how severe, which case it becomes,
how repeated reports fold into one alarm, and when it is quiet.

The shipped list is data/alarm_types.yaml; a city loads its own with ``cli.py alarms types load``.
A type's case category is the city's category whose code or canonical code is the type's
``canonical`` (or its explicit ``category``); a type the city has no category for is kept and
reviewed, but confirming it says plainly that no category is configured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path

import duckdb

from data import yamlfile
from data.db import transaction
from data.text import TextError, check_text

TYPES_FILE = Path(__file__).resolve().parent / "alarm_types.yaml"
# The four warning colours in rising order: indicators.model.SEVERITIES, which data cannot import
# (tests/data/test_alarms.py checks they agree).
SEVERITIES = ("blue", "yellow", "orange", "red")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_QUIET = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")
MAX_TYPES = 200
CAMERA_CHANNEL = {"code": "camera_ai", "role": "camera", "name_zh": "视频智能告警", "name_en": "Video AI alarms"}


@dataclass(frozen=True)
class AlarmType:
    """One alarm type."""

    code: str
    name_zh: str
    name_en: str
    severity: str
    domain: str
    canonical: str | None
    category: str | None
    dedupe_minutes: int
    quiet_hours: str | None
    enabled: bool = True


def parse_quiet_hours(text: str | None) -> tuple[time, time] | None:
    """Return (start, end) local times of 'HH:MM-HH:MM' (end may be past midnight), None for none."""
    if text in (None, ""):
        return None
    match = _QUIET.match(str(text))
    if not match or match.group(1, 2) == match.group(3, 4):
        raise TextError(f"quiet_hours {text!r} must look like 22:00-06:00 (two different times)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return time(h1, m1), time(h2, m2)


def in_quiet_hours(quiet: tuple[time, time] | None, local: time) -> bool:
    """Return whether the local time of day falls in [start, end), across midnight when end < start."""
    if quiet is None:
        return False
    start, end = quiet
    return start <= local < end if start < end else (local >= start or local < end)


TYPE_KEYS = ("code", "name_zh", "name_en", "severity", "domain", "canonical", "category", "dedupe_minutes",
             "quiet_hours", "enabled")


def parse_type(raw: dict, where: str) -> AlarmType:
    """Return one checked AlarmType from a types-file entry."""
    if not isinstance(raw, dict):
        raise TextError(f"{where}: a type is a mapping")
    unknown = yamlfile.unknown_keys(raw, TYPE_KEYS, "alarm types", f"{where}.")
    if unknown:
        raise TextError("; ".join(unknown))
    code = str(raw.get("code", ""))
    if not _CODE.match(code):
        raise TextError(f"{where}.code must be lower-case letters, digits and _ (at most 32)")
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        raise TextError(f"{where}.severity must be one of {SEVERITIES}")
    minutes = raw.get("dedupe_minutes", 30)
    if not isinstance(minutes, int) or not 0 <= minutes <= 1440:
        raise TextError(f"{where}.dedupe_minutes must be a whole number of minutes, 0 to 1440")
    parse_quiet_hours(raw.get("quiet_hours"))
    text = lambda key, limit, required=True: check_text(raw.get(key), f"{where}.{key}", limit, required) or None  # noqa: E731
    return AlarmType(code, text("name_zh", 40), text("name_en", 60), severity, text("domain", 40),
                     text("canonical", 120, False), text("category", 120, False), minutes,
                     raw.get("quiet_hours") or None, bool(raw.get("enabled", True)))


def parse_types(text: str) -> list[AlarmType]:
    """Return the checked types of a types YAML file (a ``types`` list; each code once)."""
    try:
        raw = yamlfile.load(text, "alarm types") or {}
    except yamlfile.YamlError as exc:
        raise TextError(str(exc)) from None
    entries = raw.get("types") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_TYPES:
        raise TextError(f"an alarm types file needs a 'types' list of 1 to {MAX_TYPES} types")
    types = [parse_type(entry, f"types[{i}]") for i, entry in enumerate(entries)]
    codes = [t.code for t in types]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise TextError(f"alarm type(s) listed twice: {repeated}")
    return types


def shipped_types() -> list[AlarmType]:
    """Return the shipped alarm types (data/alarm_types.yaml)."""
    return parse_types(TYPES_FILE.read_text(encoding="utf-8"))


def resolve_category(con: duckdb.DuckDBPyConnection, kind: AlarmType) -> str | None:
    """Return the city's category for a type: its explicit category, else the one whose code or canonical
    code is the type's canonical; None when the city has neither."""
    for wanted, column in ((kind.category, "code"), (kind.canonical, "code"), (kind.canonical, "canonical_code")):
        if wanted:
            row = con.execute(f"SELECT code FROM event_categories WHERE {column} = ? ORDER BY code LIMIT 1",
                              [wanted]).fetchone()
            if row:
                return row[0]
    return None


def load_types(con: duckdb.DuckDBPyConnection, types: list[AlarmType]) -> dict[str, str | None]:
    """Store the types (replacing those of the same code) and make sure a camera channel exists;
    return each type's resolved case category (None: the city has none for it)."""
    resolved = {t.code: resolve_category(con, t) for t in types}
    with transaction(con):
        for t in types:
            con.execute("INSERT OR REPLACE INTO alarm_types VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [t.code, t.name_zh, t.name_en, t.severity, t.domain, resolved[t.code], t.dedupe_minutes,
                         t.quiet_hours, t.enabled])
        ensure_camera_channel(con)
    return resolved


def ensure_camera_channel(con: duckdb.DuckDBPyConnection) -> str:
    """Return the code of the store's channel of role camera, declaring CAMERA_CHANNEL when it has none."""
    row = con.execute("SELECT code FROM channels WHERE role = 'camera' ORDER BY code LIMIT 1").fetchone()
    if row:
        return row[0]
    c = CAMERA_CHANNEL
    con.execute("INSERT INTO channels VALUES (?, ?, ?, ?)", [c["code"], c["role"], c["name_zh"], c["name_en"]])
    return c["code"]


def stored_types(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Return the store's alarm types by code."""
    cursor = con.execute("SELECT * FROM alarm_types ORDER BY code")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row)) for row in cursor.fetchall()}


def list_items(con: duckdb.DuckDBPyConnection | None = None) -> list[dict]:
    """Return the alarm types as the catalog's template list (code, name_zh, name_en): the store's when
    a connection is given, else the shipped ones. Codes are [a-z0-9_], safe in a filter and an id."""
    if con is None:
        return [{"code": t.code, "name_zh": t.name_zh, "name_en": t.name_en} for t in shipped_types()]
    rows = con.execute("SELECT code, name_zh, name_en FROM alarm_types WHERE enabled ORDER BY code").fetchall()
    return [{"code": c, "name_zh": zh, "name_en": en} for c, zh, en in rows]
