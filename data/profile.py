"""A city's profile (city.yaml): who the city is, what its feeds call things, in one reviewed file.

The profile names the city and its time zone, gives each of the city's channel codes (the
``source`` its feeds carry) a channel role the indicator catalog knows, declares its own category
taxonomy at any depth, its status words, and the files that make its store (``feeds``, ``units``,
``thresholds``). docs/CITY.md documents every field. :func:`load_profile` reports every problem of
the file at once, naming the key, and refuses keys it does not know (a misspelt ``timezon:`` would
otherwise leave the city in the wrong zone without a word). :func:`write_profile` puts it in a
store; the demo city writes its own profile through the same function.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from data import db, versions, writer, yamlfile
from data.ingest.batches import registered
from data.ingest.mapping import MappingError, resolve_mapping_path
from data.statuses import STATUSES

PROFILE_FILE = "city.yaml"
CATEGORY_DEFAULT_KEYS = ("domain", "sla_hours", "default_level", "department")
_TOP_KEYS = ("name_zh", "name_en", "timezone", "channels", "categories", "category_defaults", "statuses",
             "departments", "units", "thresholds", "feeds", "basemap")
_STYLE_URL = re.compile(r"^https?://[^\s'\"<>]{1,500}$")   # the city's intranet MapLibre style
_DEPARTMENT_KEYS = ("code", "name_zh", "name_en")
_CHANNEL_KEYS = ("code", "role", "name_zh", "name_en")
_CATEGORY_KEYS = ("code", "name_zh", "name_en", "parent", "canonical", *CATEGORY_DEFAULT_KEYS)
_FEED_KEYS = ("mapping", "file")
_CODE = re.compile(r"^[^\x00-\x1f']{1,128}$")     # any text but control characters and quotes
UNIT_COLUMNS = ("code", "population", "area_km2", "households")


class ProfileError(ValueError):
    """A city profile is invalid; the message lists every problem found."""


@dataclass(frozen=True)
class Channel:
    """One of the city's channels: its code in the feeds and the catalog role it plays."""

    code: str
    role: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Category:
    """One node of the city's category taxonomy (a leaf is what cases carry)."""

    code: str
    name_zh: str
    name_en: str
    domain: str
    sla_hours: float
    default_level: int
    department: str
    parent_code: str | None = None
    canonical_code: str | None = None


@dataclass(frozen=True)
class Department:
    """A department work orders go to: its code as the categories name it, and its names."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Feed:
    """One file of the city and the mapping that reads it, in load order."""

    mapping: Path
    file: Path


@dataclass(frozen=True)
class CityProfile:
    """A parsed, validated city profile; paths are resolved against the profile's folder."""

    name_zh: str
    name_en: str
    timezone: str
    channels: tuple[Channel, ...] = ()
    categories: tuple[Category, ...] = ()
    statuses: dict[str, str] = field(default_factory=dict)
    units: Path | None = None
    thresholds: Path | None = None
    feeds: tuple[Feed, ...] = ()
    departments: tuple[Department, ...] = ()
    basemap: str | None = None          # a MapLibre style URL on the city's intranet (else the store's own tiles)


def load_profile(path: str | Path, roles: tuple[str, ...]) -> CityProfile:
    """Return the profile at ``path`` (a city.yaml or the folder holding one); ``roles`` are the
    channel roles the catalog knows. Raise ProfileError listing every problem."""
    path = Path(path)
    if path.is_dir():
        path = path / PROFILE_FILE
    if not path.is_file():
        raise ProfileError(f"{path}: no such profile file")
    try:
        raw = yamlfile.read(path)
    except yamlfile.YamlError as exc:
        raise ProfileError(str(exc)) from exc
    return parse_profile(raw, path.parent, roles, where=str(path))


def parse_profile(raw, base: Path, roles: tuple[str, ...], where: str = PROFILE_FILE) -> CityProfile:
    """Return the profile from its parsed YAML, or raise ProfileError listing every problem."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: a profile is a mapping of keys (name_zh, name_en, timezone, ...)")
    _unknown_keys(raw, _TOP_KEYS, "", problems)
    for key in ("name_zh", "name_en", "timezone"):
        if not str(raw.get(key) or "").strip():
            problems.append(f"{key}: required")
    timezone = str(raw.get("timezone") or "")
    if timezone and timezone not in zoneinfo.available_timezones():
        problems.append(f"timezone: {timezone!r} is not an IANA time zone (e.g. Asia/Shanghai, America/Los_Angeles)")
    channels = _channels(raw.get("channels") or [], roles, problems)
    categories = _categories(raw.get("categories") or [], raw.get("category_defaults") or {}, problems)
    statuses = _statuses(raw.get("statuses") or {}, problems)
    units, thresholds = (_path(raw, key, base, problems) for key in ("units", "thresholds"))
    feeds = _feeds(raw.get("feeds") or [], base, problems)
    basemap = str(raw.get("basemap") or "").strip() or None
    if basemap and not _STYLE_URL.match(basemap):
        problems.append(f"basemap: {basemap!r} is not an http(s) URL of a MapLibre style (e.g. http://tiles.intranet/styles/city.json)")
    departments = _departments(raw.get("departments") or [], problems)
    if problems:
        raise ProfileError(f"{len(problems)} problem(s) in {where}:\n" + "\n".join(f"  {p}" for p in problems))
    return CityProfile(str(raw["name_zh"]), str(raw["name_en"]), timezone, channels, categories, statuses,
                       units, thresholds, feeds, departments, basemap)


def _departments(raw, problems: list[str]) -> tuple[Department, ...]:
    """Return the departments' names (optional: a department the categories name and this list
    lacks is named by its code in both languages)."""
    if not isinstance(raw, list):
        problems.append("departments: a list of {code, name_zh, name_en}")
        return ()
    found, seen = [], set()
    for i, item in enumerate(raw):
        where = f"departments[{i}]."
        if not isinstance(item, dict):
            problems.append(f"departments[{i}]: a mapping of {', '.join(_DEPARTMENT_KEYS)}")
            continue
        _unknown_keys(item, _DEPARTMENT_KEYS, where, problems)
        values = [str(item.get(key) or "").strip() for key in _DEPARTMENT_KEYS]
        if not all(values) or not _CODE.match(values[0]):
            problems.append(f"{where}code, name_zh, name_en: each required (a code without quotes)")
        elif values[0] in seen:
            problems.append(f"{where}code: {values[0]!r} listed twice")
        else:
            seen.add(values[0])
            found.append(Department(*values))
    return tuple(found)


def _unknown_keys(raw: dict, known: tuple[str, ...], where: str, problems: list[str]) -> None:
    for key in raw:
        if key not in known:
            line = raw.line_of(key) if isinstance(raw, yamlfile.KeyedDict) else None
            problems.append(f"{f'line {line}: ' if line else ''}{where}{key}: unknown key (known: {', '.join(known)})")


def _channels(raw, roles: tuple[str, ...], problems: list[str]) -> tuple[Channel, ...]:
    if not isinstance(raw, list):
        problems.append("channels: a list of {code, role, name_zh, name_en}")
        return ()
    channels, seen = [], set()
    for number, item in enumerate(raw, start=1):
        where = f"channels[{number}]."
        if not isinstance(item, dict):
            problems.append(f"{where}: a mapping of {', '.join(_CHANNEL_KEYS)}")
            continue
        _unknown_keys(item, _CHANNEL_KEYS, where, problems)
        code, role = str(item.get("code") or ""), str(item.get("role") or "")
        if not _CODE.match(code):
            problems.append(f"{where}code: required, without quotes or control characters")
        if role not in roles:
            problems.append(f"{where}role: {role!r} is not a channel role (choose from {', '.join(roles)})")
        if code in seen:
            problems.append(f"{where}code: {code!r} is declared twice")
        seen.add(code)
        channels.append(Channel(code, role, str(item.get("name_zh") or code), str(item.get("name_en") or code)))
    return tuple(channels)


def _categories(raw, defaults, problems: list[str]) -> tuple[Category, ...]:
    if not isinstance(raw, list) or not isinstance(defaults, dict):
        problems.append("categories: a list of {code, name_zh, name_en, parent, domain, ...}; "
                        "category_defaults: a mapping")
        return ()
    _unknown_keys(defaults, CATEGORY_DEFAULT_KEYS, "category_defaults.", problems)
    categories, seen = [], set()
    for number, item in enumerate(raw, start=1):
        where = f"categories[{number}]."
        if not isinstance(item, dict):
            problems.append(f"{where}: a mapping of {', '.join(_CATEGORY_KEYS)}")
            continue
        _unknown_keys(item, _CATEGORY_KEYS, where, problems)
        category = _category({**defaults, **item}, where, problems)
        if category is not None and category.code in seen:
            problems.append(f"{where}code: {category.code!r} is declared twice")
        elif category is not None:
            seen.add(category.code)
            categories.append(category)
    for category in categories:
        if category.parent_code is not None and category.parent_code not in seen:
            problems.append(f"categories: {category.code!r} names parent {category.parent_code!r}, "
                            "which is not declared")
    return tuple(categories)


def _category(item: dict, where: str, problems: list[str]) -> Category | None:
    before = len(problems)
    code = str(item.get("code") or "")
    if not _CODE.match(code):
        problems.append(f"{where}code: required, without quotes or control characters")
    for key in ("domain", "department"):
        if not str(item.get(key) or "").strip():
            problems.append(f"{where}{key}: required (here or in category_defaults)")
    try:
        sla_hours = float(item.get("sla_hours"))
        if not sla_hours > 0:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(f"{where}sla_hours: a number of hours above 0 (here or in category_defaults)")
        sla_hours = 0.0
    level = item.get("default_level")
    if level not in (1, 2, 3):
        problems.append(f"{where}default_level: 1 (district), 2 (street) or 3 (community)")
    if len(problems) > before:
        return None
    parent, canonical = item.get("parent"), item.get("canonical")
    return Category(code, str(item.get("name_zh") or code), str(item.get("name_en") or code), str(item["domain"]),
                    sla_hours, int(level), str(item["department"]), None if parent is None else str(parent),
                    None if canonical is None else str(canonical))


def _statuses(raw, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append("statuses: a mapping of the city's status word to a status of City Vitals")
        return {}
    for word, status in raw.items():
        if status not in STATUSES:
            problems.append(f"statuses.{word}: {status!r} is not a status (choose from {', '.join(STATUSES)})")
    return {str(word): str(status) for word, status in raw.items()}


def _path(raw: dict, key: str, base: Path, problems: list[str]) -> Path | None:
    if raw.get(key) is None:
        return None
    path = (base / str(raw[key])).resolve()
    if not path.is_file():
        problems.append(f"{key}: {path} does not exist")
    return path


def _mapping_path(item: dict, base: Path, problems: list[str]) -> Path | None:
    """Return a feed's mapping: a file beside the profile, or a mapping shipped with City Vitals by name."""
    if (base / str(item["mapping"])).is_file():
        return (base / str(item["mapping"])).resolve()
    try:
        return resolve_mapping_path(str(item["mapping"]))
    except MappingError:
        problems.append(f"mapping: {item['mapping']!r} is neither a file beside the profile nor a shipped mapping")
        return None


def _feeds(raw, base: Path, problems: list[str]) -> tuple[Feed, ...]:
    if not isinstance(raw, list):
        problems.append("feeds: a list of {mapping, file}, in load order (grids first)")
        return ()
    feeds = []
    for number, item in enumerate(raw, start=1):
        where = f"feeds[{number}]."
        if not isinstance(item, dict) or not item.get("mapping") or not item.get("file"):
            problems.append(f"{where}: needs 'mapping' and 'file'")
            continue
        _unknown_keys(item, _FEED_KEYS, where, problems)
        paths = {"mapping": _mapping_path(item, base, problems), "file": _path(item, "file", base, problems)}
        if None not in paths.values():
            feeds.append(Feed(paths["mapping"], paths["file"]))
    return tuple(feeds)


# ---- the profile in a store ------------------------------------------------------------------

def write_profile(con: duckdb.DuckDBPyConnection, profile: CityProfile, units: bool = True) -> dict[str, int]:
    """Put the profile in the store in one transaction: the city's names, zone and status words as
    settings, its channels (replacing the store's), its categories (added or updated by code, none
    removed: cases may carry them) and, with ``units``, the units file's population and area (the
    store must hold those units). Return how many rows of each were written."""
    units = read_units_file(profile.units) if profile.units and units else None
    with db.transaction(con):
        db.put_settings(con, {"city.name_zh": profile.name_zh, "city.name_en": profile.name_en,
                              "city.tz": profile.timezone, "city.statuses": json.dumps(profile.statuses,
                                                                                      ensure_ascii=False)})
        con.execute("DELETE FROM settings WHERE key = 'basemap.style_url'")
        if profile.basemap:
            db.put_settings(con, {"basemap.style_url": profile.basemap})
        con.execute("DELETE FROM channels")
        writer.append_frame(con, "channels", pd.DataFrame([vars(c) for c in profile.channels],
                                                          columns=list(_CHANNEL_KEYS)))
        _upsert_categories(con, profile.categories)
        _upsert_departments(con, profile.departments)
        updated = apply_units(con, units) if units is not None else 0
        versions.bump(con, "geometry", "events", "orders")     # names, roles and populations feed every view of cases
    return {"channels": len(profile.channels), "categories": len(profile.categories), "units_updated": updated}


def _upsert_categories(con: duckdb.DuckDBPyConnection, categories: tuple[Category, ...]) -> None:
    if not categories:
        return
    frame = pd.DataFrame([vars(c) for c in categories]).astype({"sla_hours": "float64", "default_level": "int8"})
    con.execute("DELETE FROM event_categories WHERE code IN (SELECT unnest(?::VARCHAR[]))", [frame["code"].tolist()])
    writer.append_frame(con, "event_categories", frame)


def _upsert_departments(con: duckdb.DuckDBPyConnection, named: tuple[Department, ...]) -> None:
    """Name the profile's departments, then add those the categories name by their code."""
    for department in named:
        con.execute("INSERT OR REPLACE INTO departments VALUES (?, ?, ?)",
                    [department.code, department.name_zh, department.name_en])
    con.execute("INSERT INTO departments SELECT DISTINCT department, department, department FROM event_categories "
                "WHERE coalesce(department, '') <> '' AND department NOT IN (SELECT code FROM departments)")


def write_units(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Apply a units file to the store's units in one transaction; return how many it updated."""
    units = read_units_file(path)
    with db.transaction(con):
        updated = apply_units(con, units)
        versions.bump(con, "geometry")
    return updated


def read_units_file(path: Path) -> pd.DataFrame:
    """Return the units file's rows (code and any of population, area_km2, households), checked."""
    frame = pd.read_csv(path, dtype={"code": str})
    unknown = set(frame.columns) - set(UNIT_COLUMNS)
    if "code" not in frame.columns or unknown:
        raise ProfileError(f"{path}: columns must be code and any of population, area_km2, households "
                           f"(unknown: {', '.join(sorted(unknown)) or 'none'})")
    for column in frame.columns.drop("code"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = frame.loc[values.isna() & frame[column].notna(), "code"].tolist() + \
            frame.loc[values < 0, "code"].tolist()
        if bad:
            raise ProfileError(f"{path}: {column} is not a number of 0 or more for {', '.join(map(str, bad[:5]))}")
        frame[column] = values
    return frame


def apply_units(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> int:
    """Set the population and area of the units the file names; return how many units it updated.
    A code the store does not hold is an error naming it (the grids are loaded before the units file)."""
    known = {row[0] for row in con.execute("SELECT code FROM admin_units").fetchall()}
    missing = [code for code in units["code"] if code not in known]
    if missing:
        raise ProfileError(f"units: {len(missing)} code(s) not in the store's units: {', '.join(missing[:5])}")
    columns = [c for c in units.columns if c != "code"]
    with registered(con, "_profile_units", units):
        sets = ", ".join(f"{c} = u.{c}" for c in columns)
        con.execute(f"UPDATE admin_units SET {sets} FROM _profile_units u WHERE admin_units.code = u.code")
    return len(units)


def city_statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Return the city's status words (word → status of City Vitals) its profile declared."""
    return json.loads(db.get_setting(con, "city.statuses", "{}") or "{}")


def describe_store(con: duckdb.DuckDBPyConnection) -> dict:
    """Return what the store knows of its city: names, zone, channels, taxonomy and sources without a role."""
    settings = {key: db.get_setting(con, f"city.{key}") for key in ("name_zh", "name_en", "tz")}
    channels = con.execute("SELECT code, role, name_zh, name_en FROM channels ORDER BY code").fetchall()
    categories = con.execute(
        "SELECT domain, count(*), count(*) FILTER (WHERE code NOT IN (SELECT parent_code FROM event_categories "
        "WHERE parent_code IS NOT NULL)) FROM event_categories GROUP BY domain ORDER BY domain").fetchall()
    unassigned = con.execute("SELECT source, count(*) FROM events WHERE source NOT IN (SELECT code FROM channels) "
                             "GROUP BY source ORDER BY source").fetchall()
    units = con.execute("SELECT level, count(*), count(population), count(area_km2) FROM admin_units "
                        "GROUP BY level, level_no ORDER BY level_no").fetchall()
    return {**settings, "statuses": city_statuses(con),
            "channels": [dict(zip(_CHANNEL_KEYS, row)) for row in channels],
            "categories": [{"domain": d, "categories": n, "leaves": leaves} for d, n, leaves in categories],
            "sources_without_role": [{"source": s, "cases": n} for s, n in unassigned],
            "units": [{"level": lv, "units": n, "with_population": p, "with_area": a} for lv, n, p, a in units]}
