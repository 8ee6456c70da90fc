"""Replaying the alert evaluator over past instants, and the false-alarm rate on the demo city's episodes.

A replay refreshes a subset of the catalog (the alerting indicators chosen, their inputs and
the outage health indicators) at each instant in turn and evaluates the alerts after each, as
the server would have. It writes into the store it is given: use a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

import duckdb
import pandas as pd

from data.clock import utc
from indicators.alerting.evaluator import AlertEvaluator
from indicators.alerting.rules import AlertConfig, alerting_indicators
from indicators.catalog import Catalog
from indicators.engine import Engine
from indicators.refresh import refresh

EPISODE_INDICATORS = ("air.*", "water_flood.rainfall.*", "water_flood.water_level.*", "crowding.people.*")
BASELINE_WARMUP_S = 8 * 86_400      # 7-day baselines are complete only after 7 whole days of data
EPISODE_LAG_S = {"pollution": 24 * 3600, "rainstorm": 72 * 3600, "crowd_surge": 3 * 3600}  # rivers recede over days


def subset_catalog(catalog: Catalog, config: AlertConfig, patterns: tuple[str, ...]) -> Catalog:
    """Return a catalog of the alerting indicators matching ``patterns``, their inputs and health indicators."""
    wanted = {i.id for i in alerting_indicators(config, catalog) if any(fnmatchcase(i.id, p) for p in patterns)}
    wanted |= {o.health for o in config.outages}
    wanted |= {catalog[i].input for i in list(wanted) if catalog[i].input}
    return Catalog(tuple(i for i in catalog.indicators if i.id in wanted), catalog.domains)


def replay(con: duckdb.DuckDBPyConnection, catalog: Catalog, config: AlertConfig, tz: str, instants: list[int],
           progress=None) -> AlertEvaluator:
    """Refresh ``catalog`` and evaluate the alerts at every instant, in order; return the evaluator."""
    engine = Engine(catalog, tz)
    evaluator = AlertEvaluator(catalog, tz, config)
    for at_s in instants:
        summary = refresh(con, engine, at_s, kind="replay", snapshot=True)
        evaluator(con, summary)
        if progress:
            progress(at_s)
    return evaluator


@dataclass(frozen=True)
class FalseAlarmReport:
    """Fired alerts inside and outside the episodes (with their lag), over a replayed span."""

    fired: int
    during_episodes: int
    outside: int
    quiet_days: float
    per_quiet_day: float
    by_indicator: pd.DataFrame


def fired_alerts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every threshold alert that fired: id, indicator, unit, level, peak severity, fired and resolved."""
    return con.execute("SELECT alert_id, indicator_id, unit_code, level, peak_severity, epoch(fired_at)::BIGINT AS fired_s, "
                       "epoch(resolved_at)::BIGINT AS resolved_s FROM alerts "
                       "WHERE kind = 'threshold' AND fired_at IS NOT NULL ORDER BY fired_at").df()


def false_alarms(con: duckdb.DuckDBPyConnection, windows: dict[str, tuple[int, int]], span: tuple[int, int]) -> FalseAlarmReport:
    """Count alerts fired within ``span`` outside every episode window (extended by its lag) as false alarms."""
    fired = fired_alerts(con)
    fired = fired[fired["fired_s"].between(span[0], span[1])].reset_index(drop=True)
    inside = pd.Series(False, index=fired.index)
    for name, (start, end) in windows.items():
        inside |= fired["fired_s"].between(start, end + EPISODE_LAG_S.get(name, 0))
    episode_s = sum(min(end + EPISODE_LAG_S.get(n, 0), span[1]) - max(start, span[0])
                    for n, (start, end) in windows.items() if end > span[0] and start < span[1])
    quiet_days = max(span[1] - span[0] - episode_s, 0) / 86_400
    outside = fired[~inside]
    by_indicator = outside.groupby("indicator_id").size().rename("false_alarms").reset_index()
    return FalseAlarmReport(len(fired), int(inside.sum()), len(outside), round(quiet_days, 2),
                            round(len(outside) / quiet_days, 2) if quiet_days else 0.0, by_indicator)


def utc_text(epoch_s: int) -> str:
    """Return an instant as ISO text in UTC (for reports)."""
    return utc(epoch_s).isoformat()
