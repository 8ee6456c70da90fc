"""The /alerts detail in the city's time zone: the value trace's axis and the history's times are
local, on a store whose zone is not the default (America/Los_Angeles)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from dash import dcc

from data import db
from data.clock import HOUR_S, local_iso, parse_instant, utc
from indicators.alerting.evaluator import AlertEvaluator
from indicators.alerting.rules import load_config
from layouts import alerts as view
from tests.callbacks.installed import frozen_context, shared_catalog
from tests.conftest import LA_NOW, LA_TZ
from tests.indicators.alerting.test_evaluator import CITY, PM25, put

NOW_S = parse_instant(LA_NOW, LA_TZ) // HOUR_S * HOUR_S
HOURS = [NOW_S - k * HOUR_S for k in (3, 2, 1, 0)]


def axis(figure) -> list[str]:
    """Return the first trace's x values as the browser receives them (Plotly draws their wall clock)."""
    return json.loads(figure.to_json())["data"][0]["x"]


def local_wall_clock(epoch_s: int) -> str:
    return local_iso(epoch_s, LA_TZ)[:19]


def test_trace_figure_draws_the_citys_local_time():
    trace = pd.DataFrame({"at_s": HOURS, "value": [1.0, 2.0, 3.0, 4.0], "baseline": [1.0] * 4})
    moving = pd.DataFrame({"at_s": HOURS, "red": [5.0] * 4})
    figure = view.trace_figure(trace, [("orange", 3.5)], "en", moving, tz=LA_TZ)
    expected = [local_wall_clock(h) for h in HOURS]
    assert [x[:19] for x in axis(figure)] == expected
    assert [x[:19] for x in json.loads(figure.to_json())["data"][1]["x"]] == expected
    assert expected[-1] == "2026-11-03T12:00:00"


def fire_alert(path) -> int:
    """Fire a PM2.5 alert over the city in the hours before LA_NOW (its hourly history written too) in
    the store at ``path``; return its id."""
    con = db.open_store(path)
    evaluator = AlertEvaluator(shared_catalog(), LA_TZ, load_config())
    for hour in HOURS:
        put(con, hour, [(PM25, CITY, "city", 300.0)])
        evaluator.evaluate(con, hour)
        con.execute("INSERT INTO indicator_history VALUES (?, ?, 'city', 300.0, NULL, NULL, NULL, 'red', ?, ?, NULL)",
                    [PM25, CITY, utc(hour), utc(hour)])
    alert_id = con.execute("SELECT max(alert_id) FROM alerts WHERE indicator_id = ?", [PM25]).fetchone()[0]
    con.close()
    return alert_id


@pytest.fixture
def fired(la_db_copy):
    """Return (store connection, alert id) with fire_alert's alert in a copy of the Los Angeles city."""
    alert_id = fire_alert(la_db_copy)
    con = db.open_store(la_db_copy)
    yield con, alert_id
    con.close()


def test_alert_detail_plots_and_lists_local_times(fired):
    from callbacks.alerts import show_detail

    con, alert_id = fired
    with frozen_context(con, LA_TZ, LA_NOW):
        children = show_detail(alert_id, 0, "en")
    graph = next(c for c in children if isinstance(c, dcc.Graph))
    assert [x[:19] for x in axis(graph.figure)] == [local_wall_clock(h) for h in HOURS]
    history = str(next(c for c in children if getattr(c, "data-testid", None) == "alert-history"))
    assert "11-03 09:00" in history and "11-03 11:00" in history          # pending, then firing: local,
    assert "11-03 17:00" not in history and "11-03 19:00" not in history  # not UTC
