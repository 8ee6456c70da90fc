"""Loading the catalog: YAML files and their templates, expanded into validated Indicators.

Validation collects every problem before failing, each naming the file and indicator.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from data import alarm_types, places, yamlfile
from indicators.catalog_schema import CATALOG_FILE
from indicators.model import (
    LEVELS, SEVERITIES, DerivedOp, Direction, Indicator, IndicatorType, Measure, Thresholds, Window,
)
from indicators.periods import PeriodKind
from indicators.sources import SOURCES

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
LISTS_FILE = "_lists.yaml"
ID_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+){3,}$")
_CADENCE = re.compile(r"^(\d+)(s|m|h)$")


class CatalogError(ValueError):
    """The catalog has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in the indicator catalog:\n" + "\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Domain:
    """A catalog file's domain with its subjects (the two-level category)."""

    id: str
    name_zh: str
    name_en: str
    subjects: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalog:
    """The expanded, validated catalog; for a city's store, also what each indicator it cannot compute
    lacks (indicators.city_catalog: the engine gives those no value)."""

    indicators: tuple[Indicator, ...]
    domains: tuple[Domain, ...]
    lacking: dict[str, tuple] = field(default_factory=dict)    # indicator id → its coverage.Lack items

    def __post_init__(self):
        object.__setattr__(self, "_by_id", {i.id: i for i in self.indicators})

    def __getitem__(self, indicator_id: str) -> Indicator:
        return self._by_id[indicator_id]

    def __contains__(self, indicator_id: str) -> bool:
        return indicator_id in self._by_id

    def __len__(self) -> int:
        return len(self.indicators)


def load_catalog(directory: Path = CATALOG_DIR, lists: dict[str, list] | None = None,
                 translated: bool = True) -> Catalog:
    """Return the catalog from ``directory``, or raise CatalogError listing every problem.

    ``lists`` replaces named lists of the shipped ``_lists.yaml`` (a city's own categories, say:
    indicators.city_catalog), so the templates expand over them; ``alarm_types`` and ``place_kinds``
    default to the shipped alarm types and place kinds (data/alarm_types.yaml, data/place_kinds.yaml).
    Every entry needs ``definition_zh``; ``translated=False`` also reads a catalog of a revision before it
    (bench/threshold_colours.py compares another revision's thresholds), its definitions left English."""
    problems: list[str] = []
    shipped = _read_yaml(directory / LISTS_FILE, problems) if (directory / LISTS_FILE).exists() else {}
    lists = {**(shipped or {}), "alarm_types": alarm_types.list_items(), "place_kinds": places.list_items(),
             **(lists or {})}
    indicators, domains = [], []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == LISTS_FILE:
            continue
        document = _read_yaml(path, problems, CATALOG_FILE)
        if not isinstance(document, dict):
            continue
        domain = _parse_domain(document, path, problems)
        domains.append(domain)
        for raw in expand_entries(document, lists, path.name, problems):
            where = f"{yamlfile.where(path.name, raw, 'id')}: {raw.get('id', '?')}"
            if not translated:
                raw = {"definition_zh": raw.get("definition"), **raw}
            indicator = parse_indicator(raw, domain, document, where, problems)
            if indicator is not None:
                indicators.append(indicator)
    problems += validate_catalog(indicators, {d.id: d for d in domains})
    if problems:
        raise CatalogError(problems)
    return Catalog(tuple(indicators), tuple(domains))


def _read_yaml(path: Path, problems: list[str], schema=None):
    """Return the file's data (None after recording why it cannot be read); with ``schema``, record
    every unknown key with its line (indicators.catalog_schema)."""
    try:
        document = yamlfile.read(path)
    except yamlfile.YamlError as exc:
        problems.append(str(exc).replace(str(path), path.name, 1))
        return None
    problems += yamlfile.check_schema(document, schema, path.name)
    return document


def _parse_domain(document: dict, path: Path, problems: list[str]) -> Domain:
    subjects = {}
    for key, names in (document.get("subjects") or {}).items():
        subjects[key] = (names.get("name_zh", ""), names.get("name_en", ""))
    for key in ("domain", "name_zh", "name_en"):
        if not document.get(key):
            problems.append(f"{path.name}: the file needs a top-level '{key}'")
    if not subjects:
        problems.append(f"{path.name}: the file declares no subjects")
    return Domain(document.get("domain", path.stem), document.get("name_zh", ""), document.get("name_en", ""), subjects)


# ---- templates -------------------------------------------------------------------------

def expand_entries(document: dict, lists: dict, file_name: str, problems: list[str]) -> list[dict]:
    """Return the file's plain indicator entries followed by every template expansion."""
    entries = list(document.get("indicators") or [])
    for number, template in enumerate(document.get("templates") or [], start=1):
        where = f"{file_name}: template {number}"
        try:
            entries += expand_template(template, lists)
        except (KeyError, AttributeError, IndexError, ValueError, TypeError) as exc:
            problems.append(f"{where}: cannot expand: {exc!r}")
    return entries


def expand_template(template: dict, lists: dict) -> list[dict]:
    """Return one entry per combination of the template's ``foreach`` values."""
    names = list(template["foreach"])
    choices = [_choices(template["foreach"][name], lists) for name in names]
    return [_fill(template["indicator"], dict(zip(names, combo))) for combo in itertools.product(*choices)]


def _choices(spec, lists: dict) -> list:
    if isinstance(spec, list):
        items = spec
    else:
        items = [item for item in lists[spec["list"]] if _matches(item, spec.get("where", {}))]
    return [SimpleNamespace(**item) if isinstance(item, dict) else item for item in items]


def _matches(item: dict, where: dict) -> bool:
    for key, wanted in where.items():
        value = item.get(key)
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if isinstance(value, list):
            if not set(value) & set(allowed):
                return False
        elif value not in allowed:
            return False
    return True


_WHOLE_PLACEHOLDER = re.compile(r"^\{(\w+)\.(\w+)\}$")


def _fill(node, variables: dict):
    """Return a template node with its placeholders filled; a text that is exactly one placeholder
    of a list or null value (``periods: '{w.periods}'``) takes that value itself."""
    if isinstance(node, str):
        whole = _WHOLE_PLACEHOLDER.match(node)
        value = getattr(variables.get(whole.group(1)), whole.group(2), "") if whole else ""
        return value if value is None or isinstance(value, list) else node.format(**variables)
    if isinstance(node, dict):
        return {key: _fill(value, variables) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(value, variables) for value in node]
    return node


# ---- parsing -----------------------------------------------------------------------------

def parse_indicator(raw: dict, domain: Domain, document: dict, where: str, problems: list[str]) -> Indicator | None:
    """Return an Indicator from one expanded entry, or None after recording its problems."""
    before = len(problems)
    kind = _enum(IndicatorType, raw.get("type"), "type", where, problems)
    window = _enum(Window, raw.get("window"), "window", where, problems) if "window" in raw else None
    defaults = document.get("defaults") or {}
    fields = {**defaults, **raw}
    for key in ("id", "name_zh", "name_en", "subject", "definition", "definition_zh", "unit"):
        if not str(fields.get(key) or "").strip():
            problems.append(f"{where}: missing '{key}'")
    if len(problems) > before:
        return None
    base_filter = fields.get("filter", "true")
    try:
        return Indicator(
            id=fields["id"], name_zh=fields["name_zh"], name_en=fields["name_en"], domain=domain.id,
            subject=fields["subject"], definition=fields["definition"], unit=str(fields["unit"]), type=kind,
            source=fields.get("source"), window=window, time_column=fields.get("time_column"),
            measure=_measure(kind, fields, base_filter), numerator=_part(fields.get("numerator"), base_filter),
            denominator=_part(fields.get("denominator"), base_filter), scale=float(fields.get("scale", 1.0)),
            op=DerivedOp(fields["op"]) if fields.get("op") else None, input=fields.get("input"),
            aqi_mode=fields.get("aqi_mode"), levels=tuple(fields.get("levels") or LEVELS),
            direction=Direction(fields.get("direction", "neutral")), **_target(fields.get("target")),
            thresholds=_thresholds(fields.get("thresholds")), department=fields.get("department", ""),
            cadence_s=_cadence(fields.get("cadence", "60s")), no_data_expected=bool(fields.get("no_data_expected")),
            periods=_periods(raw.get("periods")), definition_zh=fields["definition_zh"],
        )
    except (ValueError, TypeError, KeyError) as exc:
        problems.append(f"{where}: {exc}")
        return None


def _enum(enum_type, value, name: str, where: str, problems: list[str]):
    try:
        return enum_type(value)
    except ValueError:
        problems.append(f"{where}: unknown {name} {value!r} (choose from {', '.join(e.value for e in enum_type)})")
        return None


def _measure(kind: IndicatorType, fields: dict, base_filter: str) -> Measure | None:
    if kind in (IndicatorType.RATIO, IndicatorType.DERIVED):
        return None
    if kind == IndicatorType.AQI:
        return Measure("avg", "value", base_filter)
    quantile = fields.get("quantile")
    return Measure(kind.value, str(fields.get("expression", "*")), base_filter,
                   float(quantile) if quantile is not None else None)


def _part(part: dict | None, base_filter: str) -> Measure | None:
    if part is None:
        return None
    own = part.get("filter", "true")
    combined = base_filter if own == "true" else own if base_filter == "true" else f"({base_filter}) AND ({own})"
    return Measure(part.get("agg", "count"), str(part.get("expression", "*")), combined)


def _target(value) -> dict:
    if value is None:
        return {"target": None, "target_kind": "none"}
    if value == "baseline_7d":
        return {"target": None, "target_kind": "baseline_7d"}
    return {"target": float(value), "target_kind": "manual"}


def _thresholds(raw: dict | None) -> Thresholds:
    if not raw:
        return Thresholds()
    if not isinstance(raw, dict):
        raise ValueError(f"thresholds must be a mapping like {{yellow: 10, red: 20}}, not {raw!r}")
    levels = tuple((s, float(raw[s])) for s in SEVERITIES if s in raw)
    per_level = tuple((level, tuple((s, float(v[s])) for s in SEVERITIES if s in v))
                      for level, v in (raw.get("per_level") or {}).items())
    unknown = set(raw) - set(SEVERITIES) - {"relative_to", "per_level", "calibrate"}
    if unknown:
        raise ValueError(f"unknown threshold keys {sorted(unknown)}")
    calibrate = raw.get("calibrate") or []
    if not isinstance(calibrate, list):
        raise ValueError(f"thresholds calibrate must be a list of levels like [grid], not {calibrate!r}")
    return Thresholds(levels, raw.get("relative_to"), per_level, calibrate=tuple(calibrate))


def _periods(value) -> tuple[PeriodKind, ...]:
    """Return the period views an entry declares (``periods: [week, month]``; not from ``defaults``)."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise ValueError(f"periods must be a list of {', '.join(PeriodKind)}, not {value!r}")
    return tuple(PeriodKind(kind) for kind in value)


def _cadence(text) -> int:
    match = _CADENCE.match(str(text))
    if not match:
        raise ValueError(f"cadence {text!r} is not like 60s, 5m or 1h")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]


# ---- validation ----------------------------------------------------------------------------

def validate_catalog(indicators: list[Indicator], domains: dict[str, Domain]) -> list[str]:
    """Return every problem of the parsed catalog as a whole (empty when it is sound)."""
    problems = _duplicates(indicators)
    by_id = {i.id: i for i in indicators}
    for indicator in indicators:
        problems += [f"{indicator.id}: {p}" for p in check_indicator(indicator, by_id, domains)]
    return problems


def _duplicates(indicators: list[Indicator]) -> list[str]:
    seen, problems = set(), []
    for indicator in indicators:
        if indicator.id in seen:
            problems.append(f"{indicator.id}: duplicate id")
        seen.add(indicator.id)
    return problems


def check_indicator(ind: Indicator, by_id: dict[str, Indicator], domains: dict[str, Domain]) -> list[str]:
    """Return the problems of one indicator (structure, references, thresholds)."""
    problems = []
    if not ID_PATTERN.match(ind.id):
        problems.append("id must look like <domain>.<subject>.<aggregation>.<window> (lowercase, dots)")
    if ind.subject not in domains.get(ind.domain, Domain("", "", "")).subjects:
        problems.append(f"subject {ind.subject!r} is not declared in domain {ind.domain!r}")
    unknown_levels = set(ind.levels) - set(LEVELS)
    if unknown_levels:
        problems.append(f"unknown levels {sorted(unknown_levels)}")
    problems += _check_inputs(ind, by_id)
    problems += _check_source(ind)
    problems += _check_thresholds(ind)
    if ind.periods and not ind.summable_by_day:
        problems.append("periods need a count, a sum or a ratio of counts and sums over the window 'today' "
                        "(a period's value is summed from its days' parts; a mean or a median is not)")
    return problems


def _check_inputs(ind: Indicator, by_id: dict[str, Indicator]) -> list[str]:
    if ind.type == IndicatorType.RATIO and (ind.numerator is None or ind.denominator is None):
        return ["a ratio needs both 'numerator' and 'denominator'"]
    if ind.type != IndicatorType.DERIVED:
        return []
    if ind.op is None or ind.input is None:
        return ["a derived indicator needs 'op' and 'input'"]
    if ind.input not in by_id:
        return [f"input {ind.input!r} does not exist"]
    source = by_id[ind.input]
    if source.type == IndicatorType.DERIVED:
        return [f"input {ind.input!r} is itself derived; derive from a base indicator"]
    if ind.op in (DerivedOp.PER_10K, DerivedOp.PER_KM2) and not source.additive:
        return [f"{ind.op.value} needs an additive input (count or sum), not {source.type.value}"]
    return []


def _check_source(ind: Indicator) -> list[str]:
    if ind.type == IndicatorType.DERIVED:
        return []
    source = SOURCES.get(ind.source or "")
    if source is None:
        return [f"unknown source {ind.source!r} (choose from {', '.join(SOURCES)})"]
    if source.state and ind.window != Window.NOW:
        return [f"source {source.name} is a state: its window must be 'now'"]
    if not source.state and ind.window in (None, Window.NOW):
        return [f"source {source.name} needs a time window other than 'now'"]
    if ind.time_column and ind.time_column not in source.time_columns:
        return [f"time_column {ind.time_column!r} is not one of {source.name}'s {source.time_columns}"]
    if ind.type == IndicatorType.PERCENTILE and not (ind.measure and ind.measure.quantile and 0 < ind.measure.quantile < 1):
        return ["a percentile needs 'quantile' between 0 and 1"]
    if ind.type == IndicatorType.AQI and ind.aqi_mode not in ("hourly", "daily"):
        return ["an aqi indicator needs aqi_mode 'hourly' or 'daily'"]
    return []


def bounds_in_order(bounds: tuple[tuple[str, float], ...], direction: Direction) -> bool:
    """Return whether (severity, bound) pairs, mildest first, move strictly in the bad direction."""
    values = [-v if direction == Direction.HIGHER_IS_BETTER else v for _, v in bounds]
    return values == sorted(values) and len(set(values)) == len(values)


BASELINE_WINDOWS = (Window.NOW, Window.LAST_HOUR, Window.TODAY, Window.YESTERDAY, Window.LAST_24H)


def _check_thresholds(ind: Indicator) -> list[str]:
    problems = []
    uses_baseline = ind.thresholds.uses_baseline or ind.target_kind == "baseline_7d"
    if uses_baseline and ind.type != IndicatorType.DERIVED and ind.window not in BASELINE_WINDOWS:
        problems.append(f"a 7-day baseline needs a window of a day or less, not {ind.window.value}; "
                        "compare longer windows with a change_vs_previous indicator")
    if ind.thresholds.relative_to not in (None, "baseline_7d"):
        problems.append(f"thresholds relative_to must be baseline_7d, not {ind.thresholds.relative_to!r}")
    for level, bounds in (("all", ind.thresholds.levels), *ind.thresholds.per_level):
        if not bounds_in_order(bounds, ind.direction):
            problems.append(f"thresholds ({level}) out of order for {ind.direction.value}: {list(bounds)}")
        if bounds and ind.direction == Direction.NEUTRAL:
            problems.append("thresholds need a direction (higher_is_worse or higher_is_better)")
    return problems + _check_calibrated(ind)


def _check_calibrated(ind: Indicator) -> list[str]:
    """Return the problems of ``calibrate``: levels the indicator has, and a direction to calibrate in."""
    calibrate = ind.thresholds.calibrate
    problems = [f"thresholds calibrate names levels the indicator does not have: {sorted(set(calibrate) - set(ind.levels))}"
                ] if set(calibrate) - set(ind.levels) else []
    if calibrate and ind.direction == Direction.NEUTRAL:
        problems.append("thresholds calibrate needs a direction (higher_is_worse or higher_is_better)")
    return problems
