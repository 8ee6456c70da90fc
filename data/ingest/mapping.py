"""Mapping files: how one city's export becomes City Vitals rows, parsed into frozen objects.

A mapping is YAML (format in docs/INGEST.md). :func:`load_mapping` validates the whole file and
reports every problem at once, like a compiler, instead of stopping at the first.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from data import yamlfile
from data.ingest.patterns import PatternError, compile_pattern
from data.statuses import STATUSES

KINDS = ("grids", "events", "sensors", "readings", "places")
FORMATS = ("csv", "xlsx", "xls", "parquet", "json", "ndjson", "open311", "geojson", "shapefile", "gpkg",
           "geoparquet")
COORDINATE_SYSTEMS = ("wgs84", "gcj02", "bd09")
OFFSET_POLICIES = ("respect", "ignore")      # ignore: '+00:00' labels on local wall-clock times
CATEGORY_POLICIES = ("quarantine", "default", "create")
LOCATION_POLICIES = ("quarantine", "keep")
OUTSIDE_POLICIES = ("quarantine", "keep")     # keep: a point in no grid is stored without one (city level only)
SHIPPED_DIR = Path(__file__).resolve().parent / "mappings"

# The target fields each kind accepts: the allow-list that keeps mapping text out of SQL.
FIELDS: dict[str, tuple[str, ...]] = {
    "events": ("source", "event_id", "category", "status", "received_at", "accepted_at", "dispatched_at",
               "resolved_at", "closed_at", "due_at", "updated_at", "lon", "lat", "grid_code", "handling_level",
               "department", "satisfaction", "is_repeat", "description", "caller_name", "caller_phone"),
    "sensors": ("sensor_id", "kind", "name_zh", "name_en", "lon", "lat", "grid_code", "metrics", "interval_min",
                "installed_at", "retired_at"),
    "readings": ("sensor_id", "ts", "metric", "value", "quality"),
    "grids": ("code", "name_zh", "name_en", "population", "households"),
    "places": ("place_id", "kind", "name", "name_en", "geometry", "lon", "lat"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "events": ("event_id", "received_at", "category"),
    "sensors": ("sensor_id",),
    "readings": ("sensor_id", "ts"),
    "grids": ("code",),
    "places": ("place_id", "kind", "name"),
}
UPPER_LEVELS = ("district", "street", "community")
TIME_PARTS = ("year", "month", "day", "hour", "minute", "second")
_COLUMN_NAME = re.compile(r"^[^\x00-\x1f\"]{1,128}$")
DEFAULT_NA = ("", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", "-", "—")


class MappingError(ValueError):
    """A mapping file is invalid; the message lists every problem found."""


@dataclass(frozen=True)
class FieldSpec:
    """Where one target field comes from and how its raw text is turned into a value."""

    column: str | None = None        # source column
    value: Any = None                # a constant, when there is no column
    map: dict | None = None          # raw value -> value (exact match after strip)
    regex: str | None = None         # keep the first group of this pattern
    format: str | None = None        # time format (strftime), 'ISO8601', 'epoch_s' or 'epoch_ms'
    scale: float | None = None       # multiply numbers (units: µg/m³ -> mg/m³ is 0.001)
    parts: dict | None = None        # a time built from columns: {year: y, month: m, day: d, hour: h}
    null: tuple[str, ...] = ()       # raw texts that mean "no value" in this field only (e.g. 01/01/1900)


@dataclass(frozen=True)
class MetricSpec:
    """One metric column of a wide readings file, with its unit scale and physical limits."""

    name: str
    column: str
    scale: float = 1.0
    min: float | None = None
    max: float | None = None
    suspect: tuple[float, ...] = ()   # raw values analysers emit as ceilings or fill codes


@dataclass(frozen=True)
class LevelSpec:
    """A parent level of a grid file: the columns naming its units."""

    level: str
    code: str | None
    name: str | None


@dataclass(frozen=True)
class Mapping:
    """A parsed, validated mapping file."""

    name: str
    kind: str
    format: str | None = None
    encoding: str = "auto"
    delimiter: str | None = None
    sheet: str | int = 0
    na_values: tuple[str, ...] = DEFAULT_NA
    timezone: str | None = None      # None: the store's own zone (city.tz), filled in by in_zone
    time_format: str | None = None
    offsets: str = "respect"
    coordinates: str = "wgs84"
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    status_map: dict[str, str] = field(default_factory=dict)
    category_map: dict[str, str] = field(default_factory=dict)
    unknown_category: str = "quarantine"
    default_category: str | None = None
    category_match: tuple[str, ...] = ("code",)
    new_category: dict = field(default_factory=dict)
    missing_location: str = "quarantine"
    outside_city: str = "quarantine"
    future_tolerance_min: float = 10.0
    earliest_time: pd.Timestamp = pd.Timestamp("2000-01-01T00:00:00Z")   # older = a reset clock
    metrics: tuple[MetricSpec, ...] = ()
    metric_limits: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    crs: str | None = None
    levels: tuple[LevelSpec, ...] = ()
    city: dict = field(default_factory=dict)
    code_template: str | None = None
    tolerance_m2: float = 1.0
    absent_columns: str = "error"    # 'empty': columns a record lacks are empty (JSON APIs omit nulls)
    path: str | None = None

    def spec(self, name: str) -> FieldSpec | None:
        """Return the spec of a target field, or None when the mapping does not name it."""
        return self.fields.get(name)


# The keys a mapping file may have, declared once: its dataclass's fields (path is where it came from).
TOP_KEYS = tuple(name for name in Mapping.__dataclass_fields__ if name != "path")
NUMBER_KEYS = ("future_tolerance_min", "tolerance_m2")


def load_mapping(path: str | Path) -> Mapping:
    """Read, validate and return the mapping at ``path`` (a shipped name like 'sf_311' works too)."""
    path = resolve_mapping_path(path)
    try:
        raw = yamlfile.read(path)
    except yamlfile.YamlError as exc:
        raise MappingError(str(exc)) from None
    return parse_mapping(raw, str(path))


def resolve_mapping_path(path: str | Path) -> Path:
    """Return the file for ``path``, falling back to a shipped mapping of that name."""
    candidate = Path(path)
    if candidate.exists():
        return candidate
    shipped = SHIPPED_DIR / f"{candidate.stem}.yaml"
    if shipped.exists():
        return shipped
    raise MappingError(f"No mapping file {path} (shipped mappings: {', '.join(shipped_mappings())})")


def shipped_mappings() -> list[str]:
    """Return the names of the mappings shipped with the project."""
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.yaml"))


def parse_mapping(raw: Any, origin: str = "<mapping>") -> Mapping:
    """Validate a mapping given as a dict and return it; raise MappingError listing every problem."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise MappingError(f"{origin}: a mapping is a YAML dictionary")
    problems += yamlfile.unknown_keys(raw, TOP_KEYS, origin)
    problems += [yamlfile.bad_value(origin, raw, key, "a number") for key in NUMBER_KEYS
                 if key in raw and not _is_number(raw[key])]
    kind = raw.get("kind")
    if kind not in KINDS:
        raise MappingError(f"{origin}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    fields = _parse_fields(raw.get("fields") or {}, kind, problems)
    metrics = _parse_metrics(raw.get("metrics") or {}, problems)
    _check_choices(raw, problems)
    _check_required(kind, fields, metrics, problems, raw.get("code_template"))
    if raw.get("timezone") is not None:
        _check_timezone(raw["timezone"], problems)
    levels = _parse_levels(raw.get("levels") or {}, problems)
    limits = {str(k): (v.get("min"), v.get("max")) for k, v in (raw.get("metric_limits") or {}).items()
              if isinstance(v, dict)}
    if problems:
        raise MappingError(f"{origin}: " + "; ".join(p.replace(f"{origin}:", "line ", 1) for p in problems))
    return Mapping(
        name=str(raw.get("name") or Path(origin).stem), kind=kind, format=raw.get("format"),
        encoding=str(raw.get("encoding", "auto")), delimiter=raw.get("delimiter"), sheet=raw.get("sheet", 0),
        na_values=tuple(str(v) for v in raw.get("na_values", DEFAULT_NA)),
        timezone=None if raw.get("timezone") is None else str(raw["timezone"]), time_format=raw.get("time_format"),
        offsets=raw.get("offsets", "respect"), coordinates=raw.get("coordinates", "wgs84"), fields=fields,
        status_map=_str_dict(raw.get("status_map")), category_map=_str_dict(raw.get("category_map")),
        unknown_category=raw.get("unknown_category", "quarantine"), default_category=raw.get("default_category"),
        category_match=tuple(raw.get("category_match", ("code",))),
        new_category=dict(raw.get("new_category") or {}), missing_location=raw.get("missing_location", "quarantine"),
        outside_city=raw.get("outside_city", "quarantine"),
        future_tolerance_min=float(raw.get("future_tolerance_min", 10)),
        earliest_time=_instant(raw.get("earliest_time", "2000-01-01T00:00:00Z"), raw), metrics=metrics, metric_limits=limits,
        crs=raw.get("crs"), levels=levels, city=dict(raw.get("city") or {}), code_template=raw.get("code_template"),
        tolerance_m2=float(raw.get("tolerance_m2", 1.0)), absent_columns=raw.get("absent_columns", "error"),
        path=origin,
    )


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)


def _instant(value: Any, raw: dict) -> pd.Timestamp:
    """Return a mapping's instant: in the mapping's zone when it carries no offset, or left without a
    zone until in_zone knows the store's."""
    try:
        instant = pd.Timestamp(str(value))
    except ValueError:
        raise MappingError(f"earliest_time: not a time: {value!r}") from None
    if instant.tzinfo is None and raw.get("timezone") is not None:
        return instant.tz_localize(str(raw["timezone"]))
    return instant


def in_zone(mapping: Mapping, tz: str) -> Mapping:
    """Return the mapping with the store's zone ``tz`` where it names none: a feed's times without an
    offset are the city's local times (a mapping that names a zone keeps it)."""
    if mapping.timezone is not None:
        return mapping
    earliest = mapping.earliest_time
    return replace(mapping, timezone=tz, earliest_time=earliest.tz_localize(tz) if earliest.tzinfo is None else earliest)


def _str_dict(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()}


def _parse_fields(raw: dict, kind: str, problems: list[str]) -> dict[str, FieldSpec]:
    allowed = FIELDS[kind]
    fields = {}
    for name, spec in raw.items():
        if name not in allowed:
            problems.append(f"unknown field {name!r} for {kind} (allowed: {', '.join(allowed)})")
            continue
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, dict):
            problems.append(f"field {name!r}: give a column name or a dictionary")
            continue
        unknown = set(spec) - set(FieldSpec.__dataclass_fields__)
        if unknown:
            problems.append(f"field {name!r}: unknown keys {sorted(unknown)}")
            continue
        null = spec.get("null", ())
        if isinstance(null, (str, int, float)):
            null = (null,)
        if not isinstance(null, (list, tuple)):
            problems.append(f"field {name!r}: null must be a text or a list of texts")
            continue
        parsed = FieldSpec(**{**spec, "null": tuple(str(v).strip() for v in null)})
        _check_field(name, parsed, problems)
        fields[name] = parsed
    return fields


def _check_field(name: str, spec: FieldSpec, problems: list[str]) -> None:
    sources = [spec.column is not None, spec.value is not None, spec.parts is not None]
    if sum(sources) != 1:
        problems.append(f"field {name!r}: give exactly one of column, value, parts")
    for column in [spec.column, *(spec.parts or {}).values()]:
        if column is not None and not _COLUMN_NAME.match(str(column)):
            problems.append(f"field {name!r}: column name {column!r} is not allowed")
    if spec.parts and not set(spec.parts) <= set(TIME_PARTS):
        problems.append(f"field {name!r}: parts must be among {', '.join(TIME_PARTS)}")
    if spec.regex is not None:
        try:
            compile_pattern(spec.regex)
        except PatternError as exc:
            problems.append(f"field {name!r}: {exc}")


def _parse_metrics(raw: dict, problems: list[str]) -> tuple[MetricSpec, ...]:
    metrics = []
    for name, spec in raw.items():
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, dict) or "column" not in spec or not re.match(r"^[a-z][a-z0-9_]*$", str(name)):
            problems.append(f"metric {name!r}: a lower-case name with at least a column")
            continue
        metrics.append(MetricSpec(name=str(name), column=str(spec["column"]), scale=float(spec.get("scale", 1.0)),
                                  min=spec.get("min"), max=spec.get("max"),
                                  suspect=tuple(float(v) for v in spec.get("suspect", ()))))
    return tuple(metrics)


def _check_choices(raw: dict, problems: list[str]) -> None:
    for key, choices in (("absent_columns", ("error", "empty")), ("format", FORMATS), ("coordinates", COORDINATE_SYSTEMS), ("offsets", OFFSET_POLICIES),
                         ("unknown_category", CATEGORY_POLICIES), ("missing_location", LOCATION_POLICIES),
                         ("outside_city", OUTSIDE_POLICIES)):
        if key in raw and raw[key] is not None and raw[key] not in choices:
            problems.append(f"{key} must be one of {', '.join(choices)}, not {raw[key]!r}")
    if not set(raw.get("category_match", ())) <= {"code", "name_zh", "name_en"}:
        problems.append("category_match takes code, name_zh and name_en")
    if raw.get("unknown_category") == "default" and not raw.get("default_category"):
        problems.append("unknown_category: default needs default_category")
    for word, status in (raw.get("status_map") or {}).items():
        if status not in STATUSES:
            problems.append(f"status_map: {word!r} maps to {status!r}, not a status ({', '.join(STATUSES)})")


def _check_required(kind: str, fields: dict, metrics: tuple, problems: list[str], code_template=None) -> None:
    for name in REQUIRED[kind]:
        if name not in fields and not (name == "code" and code_template):
            problems.append(f"field {name!r} is required for {kind}")
    if kind == "readings" and not metrics and not {"metric", "value"} <= set(fields):
        problems.append("readings need either metrics (wide files) or the metric and value fields (long files)")


def _check_timezone(name: str, problems: list[str]) -> None:
    try:
        zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(f"unknown time zone {name!r}")


def _parse_levels(raw: dict, problems: list[str]) -> tuple[LevelSpec, ...]:
    levels = []
    for level in UPPER_LEVELS:
        spec = raw.get(level)
        if spec is None:
            continue
        if not isinstance(spec, dict) or not (spec.get("code") or spec.get("name")):
            problems.append(f"level {level!r}: give a code column, a name column or both")
            continue
        levels.append(LevelSpec(level, spec.get("code"), spec.get("name")))
    unknown = set(raw) - set(UPPER_LEVELS)
    if unknown:
        problems.append(f"unknown levels {sorted(unknown)} (allowed: {', '.join(UPPER_LEVELS)})")
    return tuple(levels)
