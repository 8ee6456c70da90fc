"""Thresholds relative to the same hour last week and z-scores against history, promtool style.

The machine tables give the observation directly; the evaluator tests write hourly snapshots
into indicator_history of the tiny city and check what the one history query hands the rules.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from data.clock import utc
from indicators.alerting import history
from indicators.alerting.evaluator import AlertEvaluator
from indicators.alerting.machine import Observation, Series, step
from indicators.alerting.rules import RULES_FILE, Rule, ZScore, parse_config
from layouts import alerts as alerts_view
from layouts.i18n import t
from tests.indicators.alerting.test_evaluator import CROWD, HOUR, T0, catalog, con, put  # noqa: F401  (fixtures)

DAY = 86_400
LAST_WEEK = Rule(bounds=(("orange", 1.5), ("red", 2.0)), relative_to="same_hour_last_week", for_s=0, keep_firing_s=0)
Z = Rule(bounds=(("orange", 3.0), ("red", 4.0)), relative_to="zscore", for_s=0, keep_firing_s=0,
         zscore=ZScore(weeks=2, min_samples=5, min_std=1.0, min_std_ratio=0.05))
Z_BETTER = Rule(bounds=(("orange", -3.0), ("red", -4.0)), sign=-1.0, relative_to="zscore", for_s=0, keep_firing_s=0,
                zscore=Z.zscore)
HIST = {"mean": 100.0, "std": 10.0, "samples": 14}

MACHINE_CASES = [
    # name, rule, observation, (state, severity), threshold recorded (in the value's unit)
    ("last week: twice last week fires red", LAST_WEEK, Observation(250.0, last_week=100.0), ("firing", "red"), 200.0),
    ("last week: must not fire at 1.4x", LAST_WEEK, Observation(140.0, last_week=100.0), ("normal", None), None),
    ("last week: the 7-day baseline is not used", LAST_WEEK, Observation(250.0, baseline=50.0, last_week=200.0),
     ("normal", None), None),
    ("last week: no snapshot is no data (keep: stays normal)", LAST_WEEK, Observation(900.0, baseline=10.0),
     ("normal", None), None),
    ("last week: zero last week is no data", LAST_WEEK, Observation(900.0, last_week=0.0), ("normal", None), None),
    ("zscore: 3.5 sigma fires orange at mean + 3 sigma", Z, Observation(135.0, **HIST), ("firing", "orange"), 130.0),
    ("zscore: 4.5 sigma fires red", Z, Observation(145.0, **HIST), ("firing", "red"), 140.0),
    ("zscore: must not fire at 2.5 sigma", Z, Observation(125.0, **HIST), ("normal", None), None),
    ("zscore: a flat series divides by the floor (5 % of the mean), not by ~0", Z,
     Observation(112.0, mean=100.0, std=0.0001, samples=14), ("normal", None), None),
    ("zscore: past the floor a flat series does fire", Z, Observation(121.0, mean=100.0, std=0.0, samples=14),
     ("firing", "red"), 120.0),
    ("zscore: too few samples is no data", Z, Observation(1000.0, mean=100.0, std=1.0, samples=4), ("normal", None), None),
    ("zscore: higher is better fires below the mean", Z_BETTER, Observation(55.0, **HIST), ("firing", "red"), 60.0),
]


@pytest.mark.parametrize("name,rule,obs,expected,threshold", MACHINE_CASES, ids=[c[0] for c in MACHINE_CASES])
def test_history_relative_rule_table(name, rule, obs, expected, threshold):
    series, moves = step(Series(), obs, rule, 0)
    assert (series.state, series.severity) == expected
    assert (moves[-1].threshold if moves and series.state == "firing" else None) == threshold


@pytest.mark.parametrize("mode,expected", [("keep", "firing"), ("normal", "normal"), ("alert", "no_data")])
def test_missing_history_follows_the_rules_no_data_mode(mode, expected):
    rule = Rule(bounds=Z.bounds, relative_to="zscore", for_s=0, keep_firing_s=0, no_data=mode, zscore=Z.zscore)
    firing, _ = step(Series(), Observation(200.0, **HIST), rule, 0)
    assert step(firing, Observation(200.0, mean=100.0, samples=2), rule, HOUR)[0].state == expected


def test_zscore_hysteresis_clears_only_past_the_clear_threshold():
    states, series = [], Series()
    for k, value in enumerate([135.0, 128.0, 127.5, 126.0]):      # orange clear threshold: z 2.7 → 127
        series, _ = step(series, Observation(value, **HIST), Z, k * HOUR)
        states.append(series.state)
    assert states == ["firing", "firing", "firing", "normal"]


@pytest.mark.parametrize("entry,message", [
    ({"match": "x.*", "relative_to": "zscore"}, "needs thresholds"),
    ({"match": "x.*", "relative_to": "last_month", "thresholds": {"red": 2}}, "relative_to must be"),
    ({"match": "x.*", "relative_to": "zscore", "thresholds": {"red": 3}, "zscore": {"min_std": 0, "min_std_ratio": 0}},
     "floor"),
    ({"match": "x.*", "relative_to": "zscore", "thresholds": {"red": 3}, "zscore": {"same": "hour_of_year"}}, "same"),
    ({"match": "x.*", "levels": ["street"], "enabled": False}, "levels"),
])
def test_bad_history_settings_are_refused(entry, message):
    with pytest.raises(ValueError, match=message):
        parse_config({"rules": [entry]})


# ---- the evaluator: one query reads the history every rule needs ----------------------------------------------

def config_with(*entries):
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    raw["rules"] = list(raw["rules"]) + list(entries)
    return parse_config(raw)


LAST_WEEK_RULE = {"match": CROWD, "relative_to": "same_hour_last_week", "min_severity": "blue",
                  "thresholds": {"orange": 1.5, "red": 2.0}}
Z_RULE = {"match": CROWD, "relative_to": "zscore", "min_severity": "blue", "thresholds": {"orange": 3, "red": 4},
          "zscore": {"weeks": 2, "min_samples": 5, "min_std": 1, "min_std_ratio": 0.05}}


def communities(con, n):
    return [r[0] for r in con.execute("SELECT code FROM admin_units WHERE level = 'community' ORDER BY code LIMIT ?",
                                      [n]).fetchall()]


def snapshot(con, unit, values_by_days_back, at_s=T0, hour_offset_s=0):
    """Write hourly snapshots of CROWD for ``unit``: {days back: value} at the hour of ``at_s``."""
    for days, value in values_by_days_back.items():
        as_of = utc(history.anchor_hour(at_s) - days * DAY + hour_offset_s)
        con.execute("INSERT INTO indicator_history VALUES (?, ?, 'community', ?, NULL, NULL, NULL, 'normal', ?, ?, NULL)",
                    [CROWD, unit, value, as_of, as_of])


def alert_of(con, unit):
    rows = con.execute("SELECT severity, state, threshold FROM alerts WHERE indicator_id = ? AND unit_code = ?",
                       [CROWD, unit]).fetchall()
    return rows[0] if rows else None


def test_same_hour_last_week_on_the_store(con, catalog):
    surge, usual, new = communities(con, 3)
    snapshot(con, surge, {7: 100.0, 1: 240.0})         # yesterday was busy too: only last week counts
    snapshot(con, usual, {7: 200.0})
    snapshot(con, surge, {7: 5000.0}, hour_offset_s=HOUR)   # another hour's snapshot is not "the same hour"
    at = T0 + 25 * 60                                   # a live refresh between snapshots: the hour of T0
    put(con, at, [(CROWD, surge, "community", 250.0, 250.0), (CROWD, usual, "community", 250.0, 250.0),
                  (CROWD, new, "community", 900.0, 100.0)])
    AlertEvaluator(catalog, "Asia/Shanghai", config_with(LAST_WEEK_RULE)).evaluate(con, at)
    assert alert_of(con, surge) == ("red", "firing", 200.0)
    assert alert_of(con, usual) is None
    assert alert_of(con, new) is None                   # no snapshot last week: no data, kept normal
    baseline = con.execute("SELECT baseline FROM alert_history WHERE unit_code = ? AND to_state = 'firing'",
                           [surge]).fetchone()[0]
    assert baseline == 100.0                            # the reference the ratio was taken against


def test_zscore_against_the_same_hour_of_day_on_the_store(con, catalog):
    spike, normal, flat, young = communities(con, 4)
    wobble = {d: 100.0 + (5 if d % 2 else -5) for d in range(1, 15)}       # mean 100, sd ≈ 5.2
    snapshot(con, spike, wobble)
    snapshot(con, spike, {d: 1e6 for d in range(15, 29)})                   # older than 2 weeks: not sampled
    snapshot(con, normal, wobble)
    snapshot(con, flat, {d: 100.0 for d in range(1, 15)})                   # sd 0: the floor (5) is used
    snapshot(con, young, {1: 10.0, 2: 10.0, 3: 10.0})                       # 3 samples < min_samples 5
    put(con, T0, [(CROWD, spike, "community", 130.0), (CROWD, normal, "community", 108.0),
                  (CROWD, flat, "community", 112.0), (CROWD, young, "community", 1000.0)])
    AlertEvaluator(catalog, "Asia/Shanghai", config_with(Z_RULE)).evaluate(con, T0)
    severity, state, threshold = alert_of(con, spike)
    assert (severity, state) == ("red", "firing") and threshold == pytest.approx(100 + 4 * 5.189, abs=0.01)
    assert alert_of(con, normal) is None and alert_of(con, flat) is None and alert_of(con, young) is None


def test_zscore_hour_of_week_samples_only_the_same_weekday(con, catalog):
    unit = communities(con, 1)[0]
    snapshot(con, unit, {d: (1000.0 if d % 7 == 0 else 100.0) for d in range(1, 29)})   # busy every seventh day
    put(con, T0, [(CROWD, unit, "community", 1000.0)])
    weekly = dict(Z_RULE, zscore={"weeks": 4, "same": "hour_of_week", "min_samples": 3, "min_std": 1})
    AlertEvaluator(catalog, "Asia/Shanghai", config_with(weekly)).evaluate(con, T0)
    assert alert_of(con, unit) is None                   # against the same weekday it is an ordinary value
    put(con, T0 + HOUR, [(CROWD, unit, "community", 1000.0)])
    daily = dict(Z_RULE, zscore={"weeks": 4, "min_samples": 3, "min_std": 1})
    AlertEvaluator(catalog, "Asia/Shanghai", config_with(daily)).evaluate(con, T0 + HOUR)
    assert alert_of(con, unit) is None                   # an hour later there is no history at that hour


class CountingCursor:
    """A connection stand-in counting the statements that read indicator_history."""

    def __init__(self, con):
        self._con, self.history_reads = con, 0

    def execute(self, sql, *params):
        self.history_reads += "FROM indicator_history" in sql
        return self._con.execute(sql, *params)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_history_is_read_in_one_query_per_evaluation(con, catalog):
    units = communities(con, 12)
    for unit in units:
        snapshot(con, unit, {d: 100.0 for d in range(1, 15)})
    put(con, T0, [(CROWD, unit, "community", 150.0) for unit in units])
    counting = CountingCursor(con)
    AlertEvaluator(catalog, "Asia/Shanghai", config_with(Z_RULE)).evaluate(counting, T0)
    assert counting.history_reads == 1
    assert con.execute("SELECT count(*) FROM alerts WHERE severity = 'red'").fetchone()[0] == len(units)


def test_moving_thresholds_of_the_value_trace():
    days = list(range(20))
    trace = pd.DataFrame({"at_s": [d * DAY for d in days], "value": [100.0 + (5 if d % 2 else -5) for d in days],
                          "baseline": [50.0] * 20})
    z = history.thresholds_over(trace, Z, 15 * DAY)              # 14 samples: mean 100, sd 5.189
    assert z["at_s"].tolist() == [d * DAY for d in range(15, 20)]
    assert z["red"].tolist() == pytest.approx([100 + 4 * 5.189] * 5, abs=0.01)
    week = history.thresholds_over(trace, LAST_WEEK, 18 * DAY)   # last week's value times the ratio
    assert week["red"].tolist() == [2 * 105.0, 2 * 95.0]
    base = history.thresholds_over(trace, Rule(bounds=(("red", 2.0),), relative_to="baseline_7d"), 19 * DAY)
    assert base["red"].tolist() == [100.0]
    early = history.thresholds_over(trace, Z, 0)                 # before min_samples: no bound to draw
    assert early["red"].isna().sum() == 5
    figure = alerts_view.trace_figure(trace, [], "zh", z, tz="Asia/Shanghai")
    assert [tr.name for tr in figure.data] == [t("alerts.col.value", "zh"), "橙色", "红色"]
