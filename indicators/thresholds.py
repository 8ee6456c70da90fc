"""The city's thresholds file: per indicator and level, the bounds a person reviewed and keeps.

The shipped catalog holds no bound that depends on a city's volumes (a grid's case count); its
entries say ``thresholds: {calibrate: [grid]}`` instead. ``cli.py thresholds calibrate`` proposes
those bounds from the city's own history (indicators/calibration.py) as a YAML file, a person reviews
it, and ``cli.py thresholds use FILE`` validates it and keeps its text in the store, where
:func:`stored_thresholds` reads it and :func:`apply_thresholds` lays it over the catalog (which
``indicators.city_catalog.catalog_for_store`` does for every process). The format is in
docs/THRESHOLDS.md::

    city: {name_zh: 云江市, name_en: Yunjiang City}
    calibrated: {weeks: 4, from: "...", until: "...", percentiles: {blue: 95, yellow: 98, orange: 99, red: 99.5}}
    thresholds:
      hotline.intake.count.today:
        grid: {blue: 6, yellow: 8, orange: 13, red: 20}
      cases.backlog.open_count.now:
        grid: {relative_to: baseline_7d, blue: 1.2, yellow: 1.3, orange: 1.4, red: 1.6}

Every problem is collected before the file is refused, each naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from numbers import Real

import duckdb

from data import yamlfile
from data.city_thresholds import THRESHOLDS_KEY, clear_thresholds, put_thresholds_text, thresholds_text
from data.db import transaction
from indicators.catalog import BASELINE_WINDOWS, Catalog, bounds_in_order
from indicators.model import BASELINE_7D, LEVELS, SEVERITIES, Direction, Indicator, IndicatorType

TOP_KEYS = ("city", "calibrated", "thresholds")
LEVEL_KEYS = SEVERITIES + ("relative_to",)


class ThresholdsError(ValueError):
    """A thresholds file has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in the thresholds:\n" + "\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LevelBounds:
    """One level's bounds, mildest first: absolute, or ratios to the 7-day baseline."""

    bounds: tuple[tuple[str, float], ...]
    relative_to: str | None = None


Overrides = dict[str, dict[str, LevelBounds]]       # indicator id → level → bounds


@dataclass(frozen=True)
class ThresholdsFile:
    """A parsed thresholds file: whose it is, where it came from, and its bounds."""

    entries: Overrides = field(default_factory=dict)
    city: dict = field(default_factory=dict)
    calibrated: dict = field(default_factory=dict)

    @property
    def levels(self) -> int:
        """Return how many (indicator, level) pairs the file sets."""
        return sum(len(levels) for levels in self.entries.values())


# ---- reading -----------------------------------------------------------------------------

def parse_thresholds(text: str, source: str) -> tuple[ThresholdsFile, list[str]]:
    """Return the file's content and its problems of form (not yet checked against a catalog)."""
    try:
        document = yamlfile.load(text, source)
    except yamlfile.YamlError as exc:
        return ThresholdsFile(), [str(exc)]
    if not isinstance(document, dict):
        return ThresholdsFile(), [f"{source}: must be a mapping with the key 'thresholds'"]
    problems = yamlfile.unknown_keys(document, TOP_KEYS, source)
    entries = _entries(document.get("thresholds"), source, problems)
    for key in ("city", "calibrated"):
        if not isinstance(document.get(key) or {}, dict):
            problems.append(f"{source}: {key}: must be a mapping")
    return ThresholdsFile(entries, _mapping(document.get("city")), _mapping(document.get("calibrated"))), problems


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _entries(raw, source: str, problems: list[str]) -> Overrides:
    if not isinstance(raw, dict):
        problems.append(f"{source}: thresholds: must be a mapping of indicator ids to levels "
                        f"({'missing' if raw is None else type(raw).__name__})")
        return {}
    entries = {}
    for indicator_id, levels in raw.items():
        where = f"{source}: thresholds.{indicator_id}"
        if not isinstance(levels, dict) or not levels:
            problems.append(f"{where}: must map levels ({', '.join(LEVELS)}) to bounds")
            continue
        entries[str(indicator_id)] = {str(level): bounds for level, raw_bounds in levels.items()
                                      if (bounds := _level_bounds(level, raw_bounds, f"{where}.{level}", problems))}
    return entries


def _level_bounds(level, raw, where: str, problems: list[str]) -> LevelBounds | None:
    before = len(problems)
    if level not in LEVELS:
        problems.append(f"{where}: unknown level (choose from {', '.join(LEVELS)})")
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping like {{blue: 6, yellow: 8, orange: 13, red: 20}}")
        return None
    unknown = [str(key) for key in raw if key not in LEVEL_KEYS]
    if unknown:
        problems.append(f"{where}: unknown severities or keys {unknown} (use {', '.join(LEVEL_KEYS)})")
    if raw.get("relative_to", BASELINE_7D) != BASELINE_7D:
        problems.append(f"{where}: relative_to must be {BASELINE_7D}, not {raw['relative_to']!r}")
    bad = [s for s in SEVERITIES if s in raw and (isinstance(raw[s], bool) or not isinstance(raw[s], Real))]
    if bad:
        problems.append(f"{where}: bounds must be numbers: {', '.join(f'{s}={raw[s]!r}' for s in bad)}")
    if not any(s in raw for s in SEVERITIES):
        problems.append(f"{where}: no bounds (give some of {', '.join(SEVERITIES)})")
    if len(problems) > before:
        return None
    return LevelBounds(tuple((s, float(raw[s])) for s in SEVERITIES if s in raw), raw.get("relative_to"))


def check_thresholds(entries: Overrides, catalog: Catalog, source: str) -> list[str]:
    """Return every problem of ``entries`` against ``catalog``: unknown indicators, levels it is
    not computed at, no direction, ratios where it has no baseline, bounds out of order."""
    problems = []
    for indicator_id, levels in entries.items():
        where = f"{source}: thresholds.{indicator_id}"
        if indicator_id not in catalog:
            problems.append(f"{where}: unknown indicator")
            continue
        indicator = catalog[indicator_id]
        if indicator.direction == Direction.NEUTRAL:
            problems.append(f"{where}: the indicator has no direction, so it takes no thresholds")
            continue
        for level, bounds in levels.items():
            problems += [f"{where}.{level}: {p}" for p in _level_problems(indicator, level, bounds)]
    return problems


def _level_problems(indicator: Indicator, level: str, bounds: LevelBounds) -> list[str]:
    problems = []
    if level not in indicator.levels:
        problems.append(f"the indicator is not computed at this level (its levels: {', '.join(indicator.levels)})")
    if bounds.relative_to and not admits_baseline(indicator):
        problems.append("relative_to: baseline_7d needs a base indicator with a window of a day or less")
    if not bounds_in_order(bounds.bounds, indicator.direction):
        rising = "falling" if indicator.direction == Direction.HIGHER_IS_BETTER else "rising"
        problems.append(f"bounds out of order for {indicator.direction.value} (mildest first, strictly "
                        f"{rising}): {dict(bounds.bounds)}")
    return problems


def admits_baseline(indicator: Indicator) -> bool:
    """Return whether the engine computes a 7-day baseline for ``indicator`` (a ratio can use it)."""
    return indicator.type != IndicatorType.DERIVED and indicator.window in BASELINE_WINDOWS


def load_thresholds(text: str, catalog: Catalog, source: str) -> ThresholdsFile:
    """Return the thresholds file checked against ``catalog``, or raise ThresholdsError listing every problem."""
    parsed, problems = parse_thresholds(text, source)
    problems += check_thresholds(parsed.entries, catalog, source)
    if problems:
        raise ThresholdsError(problems)
    return parsed


# ---- applying and storing ----------------------------------------------------------------

def apply_thresholds(catalog: Catalog, overrides: Overrides) -> Catalog:
    """Return a new catalog whose indicators in ``overrides`` take those levels' bounds (the other
    levels keep the catalog's); raise ThresholdsError when an override does not fit the catalog."""
    if not overrides:
        return catalog
    problems = check_thresholds(overrides, catalog, "stored thresholds")
    if problems:
        raise ThresholdsError(problems + [f"Fix the file and store it again: python cli.py thresholds use FILE "
                                          f"(python cli.py thresholds show prints the stored one, setting {THRESHOLDS_KEY})"])
    indicators = tuple(with_bounds(i, overrides[i.id]) if i.id in overrides else i for i in catalog.indicators)
    return replace(catalog, indicators=indicators)          # whatever else the catalog carries, kept


def with_bounds(indicator: Indicator, levels: dict[str, LevelBounds]) -> Indicator:
    """Return ``indicator`` with ``levels``' bounds as its per-level thresholds."""
    own = indicator.thresholds
    per_level = {**dict(own.per_level), **{level: bounds.bounds for level, bounds in levels.items()}}
    relative = (set(own.relative_levels) - set(levels)) | {level for level, b in levels.items() if b.relative_to}
    ordered = [level for level in LEVELS if level in per_level]
    thresholds = replace(own, per_level=tuple((level, per_level[level]) for level in ordered),
                         relative_levels=tuple(level for level in ordered if level in relative))
    return replace(indicator, thresholds=thresholds)


def stored_thresholds(con: duckdb.DuckDBPyConnection) -> Overrides:
    """Return the bounds of the thresholds file the store keeps (empty when it keeps none)."""
    text = thresholds_text(con)
    if text is None:
        return {}
    parsed, problems = parse_thresholds(text, f"setting {THRESHOLDS_KEY}")
    if problems:
        raise ThresholdsError(problems)
    return parsed.entries


def use_thresholds(con: duckdb.DuckDBPyConnection, text: str, source: str, store_catalog) -> ThresholdsFile:
    """Check ``text`` against the store's catalog and keep it as the city's thresholds; return it parsed.

    ``store_catalog(con)`` gives the store's catalog; it is asked with no thresholds stored (inside
    the transaction), so a stored file that no longer fits cannot block its own replacement. On any
    problem the transaction rolls back and the file stored before stays."""
    with transaction(con):
        clear_thresholds(con)
        parsed = load_thresholds(text, store_catalog(con), source)
        put_thresholds_text(con, text)
    return parsed
