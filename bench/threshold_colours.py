"""How coloured the levels left to the city's thresholds are: under another revision's catalog bounds
and under the store's calibrated ones, over the same past hours.

    git archive REV indicators/catalog | tar -x -C /tmp/old      # the catalog with the demo city's bounds
    python bench/threshold_colours.py --db PATH --old-catalog /tmp/old/indicators/catalog [--days 19] [--every-hours 6]

It evaluates the (indicator, level) pairs the store's catalog marks ``calibrate`` every --every-hours
over the last --days of data outside the demo's episodes (read-only; nothing is stored), grades each
value with both catalogs' thresholds, and prints per level the unit-hours and the share blue or worse, yellow or worse (what
alerts could fire on) and red, as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data import db  # noqa: E402
from data.clock import DEFAULT_TZ, HOUR_S  # noqa: E402
from indicators.calibration import calibration_targets  # noqa: E402
from indicators.catalog import Catalog, load_catalog  # noqa: E402
from indicators.city_catalog import catalog_for_store, city_categories  # noqa: E402
from indicators.alerting.replay import EPISODE_LAG_S  # noqa: E402
from indicators.engine import Engine  # noqa: E402
from indicators.model import SEVERITIES  # noqa: E402


def subset(catalog: Catalog, ids: set[str]) -> Catalog:
    """Return the catalog's indicators in ``ids`` and their inputs."""
    wanted = ids | {catalog[i].input for i in ids if catalog[i].input}
    return Catalog(tuple(i for i in catalog.indicators if i.id in wanted), catalog.domains)


def quiet(con, instants: list[int]) -> list[int]:
    """Return the instants outside the episodes the demo build recorded (each extended by its lag)."""
    windows = json.loads(db.get_setting(con, "demo.episodes") or "{}")
    return [t for t in instants
            if not any(start <= t <= end + EPISODE_LAG_S.get(name, 0) for name, (start, end) in windows.items())]


def tally(engines: dict[str, Engine], pairs: set[tuple[str, str]], con, instants: list[int]) -> Counter:
    """Return counts of (catalog name, level, status) over the pairs' unit-hours at ``instants``."""
    counts = Counter()
    for at_s in instants:
        for name, engine in engines.items():
            values = engine.evaluate(con, at_s)
            keep = [(i, level) in pairs for i, level in zip(values["indicator_id"], values["level"])]
            counts.update((name, level, status) for level, status in values.loc[keep, ["level", "status"]].itertuples(index=False))
        print(f"{at_s}", end="\r", file=sys.stderr)
    return counts


def report(counts: Counter) -> list[dict]:
    """Return per (catalog, level) the unit-hours and the shares at or past blue, yellow and red."""
    rows = []
    for name, level in sorted({(n, lv) for n, lv, _ in counts}):
        by_status = {s: counts[(name, level, s)] for s in ("normal", "no_data", *SEVERITIES)}
        total = sum(by_status.values())

        def share(severities: tuple[str, ...]) -> float:
            return round(100 * sum(by_status[s] for s in severities) / total, 2)
        rows.append({"catalog": name, "level": level, "unit_hours": total, "blue_or_worse_pct": share(SEVERITIES),
                     "yellow_or_worse_pct": share(SEVERITIES[1:]), "red_pct": share(SEVERITIES[3:])})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the colour shares of the calibrated levels under both catalogs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--old-catalog", required=True, help="an indicators/catalog directory of another revision")
    parser.add_argument("--days", type=float, default=19)
    parser.add_argument("--every-hours", type=int, default=6)
    args = parser.parse_args(argv)
    con = db.open_store(args.db, read_only=True)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    current = catalog_for_store(con)
    pairs = {(i.id, level) for i, level in calibration_targets(current)}
    ids = {i for i, _ in pairs}
    old = load_catalog(Path(args.old_catalog), {"event_categories": city_categories(con)}, translated=False)
    engines = {"old": Engine(subset(old, ids), tz), "calibrated": Engine(subset(current, ids), tz)}
    until = int(db.get_setting(con, "data.until_s"))
    instants = quiet(con, list(range(until // HOUR_S * HOUR_S - int(args.days * 86_400), until + 1, args.every_hours * HOUR_S)))
    for row in report(tally(engines, pairs, con, instants)):
        print(json.dumps({**row, "instants": len(instants)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
