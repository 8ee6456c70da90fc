"""Table-driven rule tests in the style of promtool: a series of values, the states expected."""

from __future__ import annotations

import pytest

from indicators.alerting.machine import Observation, Series, held_severity, step
from indicators.alerting.rules import Rule

BOUNDS = (("yellow", 100.0), ("orange", 150.0), ("red", 200.0))
HOT = Rule(bounds=BOUNDS, for_s=600, keep_firing_s=0, hysteresis=0.1)   # 10 minutes `for`
MINUTE = 60


def run(values, rule=HOT, every_s=MINUTE, ages=None):
    """Return (state, severity) after each value, evaluated every ``every_s`` seconds."""
    series, out, history = Series(), [], []
    for i, value in enumerate(values):
        age = ages[i] if ages else None
        series, moves = step(series, Observation(value, age_s=age), rule, i * every_s)
        out.append((series.state, series.severity))
        history += moves
    return out, history


def states(values, **kw):
    return [s for s, _ in run(values, **kw)[0]]


CASES = [
    # name, values (one a minute), expected state at each minute index {i: state}
    ("fires after for, not a minute earlier", [120] * 12, {0: "pending", 9: "pending", 10: "firing"}),
    ("must not fire: dips below the bound resets for", [120] * 9 + [90] + [120] * 9,
     {8: "pending", 9: "normal", 10: "pending", 18: "pending"}),
    ("clears only past the clear threshold (90)", [120] * 11 + [95, 95, 89],
     {11: "firing", 12: "firing", 13: "normal"}),
    ("does not flap on a noisy series around the bound", [120] * 11 + [98, 103, 97, 101, 96, 104],
     {i: "firing" for i in range(10, 17)}),
    ("must not fire: never reaches the bound", [99.9] * 30, {i: "normal" for i in range(30)}),
]


@pytest.mark.parametrize("name,values,expected", CASES, ids=[c[0] for c in CASES])
def test_rule_table(name, values, expected):
    got = states(values)
    assert {i: got[i] for i in expected} == expected


def test_zero_for_fires_at_once_and_records_both_transitions():
    rule = Rule(bounds=BOUNDS, for_s=0, keep_firing_s=0)
    out, history = run([250], rule=rule)
    assert out == [("firing", "red")]
    assert [(t.from_state, t.to_state, t.threshold) for t in history] == [("normal", "pending", 200.0),
                                                                         ("pending", "firing", 200.0)]


def test_recovering_holds_for_keep_firing_time_and_refires_if_crossed_again():
    rule = Rule(bounds=BOUNDS, for_s=0, keep_firing_s=5 * MINUTE)
    got = states([120, 80, 80, 120, 80, 80, 80, 80, 80, 80], rule=rule)
    assert got[:4] == ["firing", "recovering", "recovering", "firing"]
    assert got[8] == "recovering" and got[9] == "normal"


def test_severity_rises_at_once_and_falls_only_past_its_clear_threshold():
    out, history = run([120] * 11 + [210, 185, 175, 130], rule=HOT)
    sev = [s for _, s in out]
    assert sev[10:] == ["yellow", "red", "red", "orange", "yellow"]
    assert [(t.to_state, t.severity) for t in history if t.reason == "severity changed"] == [
        ("firing", "red"), ("firing", "orange"), ("firing", "yellow")]


def test_held_severity_directly():
    assert held_severity(185, "red", HOT) == "red"        # clear of red is 180
    assert held_severity(179, "red", HOT) == "orange"


def test_higher_is_better_direction():
    rule = Rule(bounds=(("yellow", 95.0), ("red", 80.0)), sign=-1.0, for_s=0, keep_firing_s=0, hysteresis=0.05)
    got = run([99, 94, 79, 97, 100], rule=rule)[0]
    assert got == [("normal", None), ("firing", "yellow"), ("firing", "red"), ("firing", "yellow"), ("normal", None)]


@pytest.mark.parametrize("mode,expected", [("keep", "firing"), ("alert", "no_data"), ("normal", "normal")])
def test_no_data_modes(mode, expected):
    rule = Rule(bounds=BOUNDS, for_s=0, keep_firing_s=0, no_data=mode)
    assert states([250, None], rule=rule)[-1] == expected


def test_stale_when_the_source_stops_reporting_and_back_when_it_returns():
    rule = Rule(bounds=BOUNDS, for_s=0, keep_firing_s=0, stale_s=3 * 3600)
    got = states([50, 50, 50], rule=rule, ages=[600, 4 * 3600, 600])
    assert got == ["normal", "stale", "normal"]


def test_relative_bounds_use_the_baseline_and_record_an_absolute_threshold():
    rule = Rule(bounds=(("red", 2.0),), relative_to="baseline_7d", for_s=0, keep_firing_s=0)
    series, moves = step(Series(), Observation(90.0, baseline=40.0), rule, 0)
    assert series.state == "firing" and moves[-1].threshold == 80.0
    assert step(Series(), Observation(90.0, baseline=None), rule, 0)[0].state == "normal"


def test_hourly_evaluation_fires_at_the_first_evaluation_past_for():
    rule = Rule(bounds=BOUNDS, for_s=2 * 3600, keep_firing_s=0)
    assert states([120] * 4, rule=rule, every_s=3600) == ["pending", "pending", "firing", "firing"]


def test_min_value_keeps_ratios_of_tiny_counts_quiet():
    rule = Rule(bounds=(("red", 3.0),), relative_to="baseline_7d", for_s=0, keep_firing_s=0, min_value=10)
    assert step(Series(), Observation(4.0, baseline=1.0), rule, 0)[0].state == "normal"
    assert step(Series(), Observation(40.0, baseline=10.0), rule, 0)[0].state == "firing"
