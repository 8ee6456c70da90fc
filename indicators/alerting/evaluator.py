"""The alert evaluator: a refresh listener stepping every alerting series after each refresh.

It reads the refresh's values from indicator_latest, applies the rules (with unit overrides and
special periods active that local day), detects source outages (which inhibit the alerts of
the indicators they feed and raise one outage alert each), escalates unacknowledged red alerts
and queues notifications, all in one transaction. Instants at or before the last one evaluated
are ignored, so the history only moves forward and replaying refreshes in order reproduces it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

import duckdb
import pandas as pd

from data import db, roster, versions
from data.clock import utc
from data.db import transaction
from indicators.alerting import silences, store
from indicators.alerting.history import Reference, fetch_references
from indicators.alerting.machine import ACTIVE, Observation, Series, reference, step
from indicators.alerting.rules import AlertConfig, Outage, Rule, alerting_indicators, load_config, local_day
from indicators.catalog import Catalog
from indicators.refresh import RefreshSummary

log = logging.getLogger(__name__)
EVALUATED_KEY = "alerts.evaluated_s"
OUTAGE_PREFIX = "outage:"


def outage_rule(outage: Outage) -> Rule:
    """Return the rule of an outage series: red below the health share, at once."""
    return Rule(bounds=(("red", outage.below),), sign=-1.0, for_s=0, keep_firing_s=0, hysteresis=0.0,
                no_data="keep")


def observe(row, ref: Reference | None) -> Observation:
    """Return the observation of an indicator_latest row with the history its rule reads."""
    ref = ref or Reference()
    return Observation(row.value, row.baseline, row.data_age_s, ref.last_week, ref.mean, ref.std, ref.samples)


@dataclass
class AlertEvaluator:
    """Callable as a refresh listener: ``evaluator(cursor, summary)``."""

    catalog: Catalog
    tz: str
    config: AlertConfig = field(default_factory=load_config)
    on_notify: Callable[[list[int]], None] | None = None      # wakes the webhook sender
    _ids: list[str] = field(default_factory=list, init=False)
    _ancestors: dict[str, set[str]] | None = field(default=None, init=False)

    def __post_init__(self):
        self._ids = [i.id for i in alerting_indicators(self.config, self.catalog)]

    def __call__(self, con: duckdb.DuckDBPyConnection, summary: RefreshSummary) -> None:
        self.evaluate(con, summary.at_s)

    def evaluate(self, con: duckdb.DuckDBPyConnection, at_s: int) -> int:
        """Step every series at ``at_s`` from the stored latest values; return transitions recorded."""
        last = db.get_setting(con, EVALUATED_KEY)
        if last is not None and at_s <= int(last):
            return 0
        values = self._values(con, at_s)
        series = self._threshold_series(con, values, at_s)
        with transaction(con):
            count, queued = self._evaluate(con, values, series, at_s)
            db.put_settings(con, {EVALUATED_KEY: at_s})
            versions.bump(con, "alerts", earliest_s=at_s)
        if queued and self.on_notify:
            self.on_notify(queued)
        return count

    def _values(self, con, at_s: int) -> pd.DataFrame:
        ids = self._ids + [o.health for o in self.config.outages]
        return con.execute("SELECT indicator_id, unit_code, level, value, baseline, data_age_s FROM indicator_latest "
                           "WHERE indicator_id IN (SELECT unnest(?)) AND as_of = ?",
                           [ids, utc(at_s)]).df()

    def _threshold_series(self, con, values: pd.DataFrame, at_s: int) -> list[tuple[object, Rule, Observation]]:
        """Return (row, effective rule, observation) of every threshold series, history read in one query."""
        day = local_day(at_s, self.tz)
        rows = list(values[values["indicator_id"].isin(self._ids)].itertuples(index=False))
        rules = [self.config.rule_for(self.catalog[r.indicator_id], r.level, r.unit_code, day) for r in rows]
        refs = fetch_references(con, at_s, [(r.indicator_id, r.unit_code, rule) for r, rule in zip(rows, rules)])
        return [(r, rule, observe(r, refs.get((r.indicator_id, r.unit_code)))) for r, rule in zip(rows, rules)]

    def _evaluate(self, con, values: pd.DataFrame, series, at_s: int) -> tuple[int, list[int]]:
        silences.apply(con, at_s)                  # silences created since the last evaluation
        states = store.load_states(con)
        queued: list[int] = []
        outage_alerts, count = self._outages(con, values, states, at_s, queued)
        inhibited = self._inhibitions(con, outage_alerts)
        for row, rule, obs in series:
            key = (row.indicator_id, row.unit_code)
            if key in inhibited:
                continue
            count += self._step(con, key, row.level, "threshold", states.get(key), obs, rule, at_s, queued)
        queued += self._escalate(con, at_s)
        return count, queued

    def _step(self, con, key, level, kind, current, obs, rule, at_s, queued) -> int:
        prev, alert_id = current if current else (Series(), None)
        series, moves = step(prev, obs, rule, at_s)
        if not moves:
            return 0
        for t in moves:
            if t.to_state == "pending" and t.from_state not in ACTIVE:
                alert_id = store.open_alert(con, key, level, kind, t, at_s, self._handling_level(level))
                silences.apply(con, at_s, alert_id)       # a new alert under an active silence is silenced at once
            if alert_id is not None:
                store.update_alert(con, alert_id, t, at_s)
            store.add_history(con, key, alert_id, t, reference(obs, rule) if rule.relative else obs.baseline, at_s)
            if t.to_state == "firing" and t.severity == "red" and self._notifiable(con, alert_id, at_s):
                queued += store.enqueue(con, alert_id, "fired_red", self.config.webhooks, self.on_duty(con, at_s))
        if series.state == "normal":
            alert_id = None
        store.write_state(con, key, level, series, alert_id, obs.value, at_s)
        return len(moves)

    def _handling_level(self, level: str) -> int:
        default = self.config.default_handling_level
        return {"city": 1, "district": 1, "street": min(default, 2)}.get(level, default)

    def _notifiable(self, con, alert_id, at_s) -> bool:
        row = con.execute("SELECT coalesce(silenced_until > ?, false), inhibited_by IS NULL, state <> 'closed' "
                          "FROM alerts WHERE alert_id = ?", [utc(at_s), alert_id]).fetchone()
        return (not row[0]) and row[1] and row[2]

    def _outages(self, con, values, states, at_s, queued) -> tuple[dict[tuple[str, str], int], int]:
        """Step each outage series; return {(source, unit): open outage alert id} for active outages."""
        active, count = {}, 0
        for outage in self.config.outages:
            rows = values[values["indicator_id"] == outage.health]
            for row in rows.itertuples(index=False):
                key = (OUTAGE_PREFIX + outage.source, row.unit_code)
                count += self._step(con, key, row.level, "outage", states.get(key), Observation(row.value),
                                    outage_rule(outage), at_s, queued)
        rows = con.execute("SELECT indicator_id, unit_code, alert_id FROM alert_states "
                           "WHERE starts_with(indicator_id, ?) AND state = 'firing'", [OUTAGE_PREFIX]).fetchall()
        for indicator_id, unit_code, alert_id in rows:
            active[(indicator_id[len(OUTAGE_PREFIX):], unit_code)] = alert_id
        return active, count

    def _inhibitions(self, con, outage_alerts: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
        """Return the series held by an active outage and mark their open alerts as inhibited."""
        con.execute("UPDATE alerts SET inhibited_by = NULL WHERE inhibited_by IS NOT NULL")
        if not outage_alerts:
            return {}
        ancestors = self._unit_ancestors(con)
        by_source = {o.source: o for o in self.config.outages}
        held = {}
        for indicator_id in self._ids:
            for (source, unit), outage_id in outage_alerts.items():
                if by_source.get(source) and by_source[source].covers(indicator_id):
                    for code, ups in ancestors.items():
                        if code == unit or unit in ups:
                            held[(indicator_id, code)] = outage_id
        for (indicator_id, code), outage_id in held.items():
            con.execute("UPDATE alerts SET inhibited_by = ? WHERE indicator_id = ? AND unit_code = ? "
                        "AND state IN ('pending', 'firing', 'recovering')", [outage_id, indicator_id, code])
        return held

    def _unit_ancestors(self, con) -> dict[str, set[str]]:
        if self._ancestors is None:
            rows = con.execute("SELECT code, city_code, district_code, street_code, community_code FROM admin_units").fetchall()
            self._ancestors = {r[0]: {c for c in r[1:] if c} for r in rows}
        return self._ancestors

    def _escalate(self, con, at_s: int) -> list[int]:
        """Move unacknowledged, unsilenced red alerts one handling level up; return notifications queued."""
        due = con.execute(
            """SELECT alert_id FROM alerts
               WHERE state = 'firing' AND severity = 'red' AND acked_at IS NULL AND inhibited_by IS NULL
                 AND coalesce(silenced_until <= ?, true) AND coalesce(handling_level, 3) > 1
                 AND epoch(? - coalesce(escalated_at, fired_at)) >= (CASE WHEN escalated_at IS NULL THEN ? ELSE ? END)""",
            [utc(at_s), utc(at_s), self.config.escalate_after_s, self.config.repeat_after_s]).fetchall()
        queued = []
        for (alert_id,) in due:
            level = con.execute("UPDATE alerts SET handling_level = coalesce(handling_level, 3) - 1, "
                                "escalations = escalations + 1, escalated_at = ? WHERE alert_id = ? "
                                "RETURNING handling_level", [utc(at_s), alert_id]).fetchone()[0]
            store.audit(con, "system", "escalate", alert_id, {"handling_level": level, "reason": "red, unacknowledged"},
                        at_s)
            queued += store.enqueue(con, alert_id, "escalated", self.config.webhooks, self.leaders(con, at_s))
        return queued

    def on_duty(self, con, at_s: int) -> list[str]:
        """Return the mobile numbers of the people on duty at ``at_s`` (to @ in group robots)."""
        return roster.mobiles_on_duty(con, at_s)

    def leaders(self, con, at_s: int) -> list[str]:
        """Return the mobile numbers of the shift leaders on duty at ``at_s``."""
        return roster.mobiles_on_duty(con, at_s, leaders_only=True)
