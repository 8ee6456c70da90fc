"""The evaluator on the tiny city with values written straight into indicator_latest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data import db
from data.clock import utc
from indicators.alerting import store
from indicators.alerting.evaluator import AlertEvaluator
from indicators.alerting.rules import Webhook, load_config, parse_config, with_changes
from indicators.catalog import load_catalog
from indicators.refresh import replace_latest

PM25 = "air.pm25.avg.last_hour"              # for: 2h, yellow 115, red 250, city and district
CROWD = "crowding.people.sum.last_hour"   # relative to baseline, for 0m, orange 2.0, red 3.0
HEALTH = "sensor_health.air_national.reporting_share.now"
CITY = "990100"
T0 = 1_790_000_000 - 1_790_000_000 % 3600
HOUR = 3600
DUTY_ROOM = Webhook("duty-room", "http://127.0.0.1:9/robot", "wecom")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture
def con(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    yield con
    con.close()


def put(con, at_s, rows):
    """Replace indicator_latest by rows (indicator, unit, level, value[, baseline, age])."""
    filled = [(ind, unit, level, value, *(rest + [None, None])[:2]) for ind, unit, level, value, *rest in rows]
    values = pd.DataFrame(filled, columns=["indicator_id", "unit_code", "level", "value", "baseline", "data_age_s"])
    values = values.assign(numerator=np.nan, denominator=np.nan, status="normal", computed_at=float(at_s))
    replace_latest(con, values.astype({"value": "float64", "baseline": "float64", "data_age_s": "float64"}), at_s)


def usual_history(con, units, at_s=T0, value=100.0, days=14, indicator=CROWD):
    """Write ``days`` daily snapshots of ``value`` at the hour of ``at_s`` for (unit, level) pairs (z-score rules)."""
    for unit, level in units:
        for d in range(1, days + 1):
            as_of = utc(at_s // HOUR * HOUR - d * 86_400)
            con.execute("INSERT INTO indicator_history VALUES (?, ?, ?, ?, NULL, NULL, NULL, 'normal', ?, ?, NULL)",
                        [indicator, unit, level, value, as_of, as_of])


def run(con, evaluator, series):
    for k, rows in enumerate(series):
        put(con, T0 + k * HOUR, rows)
        evaluator.evaluate(con, T0 + k * HOUR)


def test_fires_after_for_records_history_and_reconstructs_past_states(con, catalog):
    ev = AlertEvaluator(catalog, "Asia/Shanghai", load_config())
    run(con, ev, [[(PM25, CITY, "city", 200.0)]] * 3 + [[(PM25, CITY, "city", 60.0)]] * 2)
    history = con.execute("SELECT from_state, to_state, severity, value, threshold FROM alert_history "
                          "WHERE indicator_id = ? ORDER BY history_id", [PM25]).fetchall()
    assert history == [("normal", "pending", "orange", 200.0, 150.0), ("pending", "firing", "orange", 200.0, 150.0),
                       ("firing", "recovering", "orange", 60.0, 103.5), ("recovering", "normal", None, 60.0, None)]
    assert store.state_at(con, T0 + HOUR)["state"].tolist() == ["pending"]
    assert store.state_at(con, T0 + 2 * HOUR)["state"].tolist() == ["firing"]
    assert store.state_at(con, T0 + 5 * HOUR).empty
    alert = store.alert_dict(con, con.execute("SELECT max(alert_id) FROM alerts").fetchone()[0])
    assert alert["state"] == "resolved" and alert["fired_at"] == T0 + 2 * HOUR


def test_earlier_instants_are_ignored(con, catalog):
    ev = AlertEvaluator(catalog, "Asia/Shanghai", load_config())
    put(con, T0, [(PM25, CITY, "city", 300.0)])
    assert ev.evaluate(con, T0) == 1
    put(con, T0 - HOUR, [(PM25, CITY, "city", 300.0)])
    assert ev.evaluate(con, T0 - HOUR) == 0


def test_source_outage_inhibits_fed_alerts_and_raises_one_outage_alert(con, catalog):
    ev = AlertEvaluator(catalog, "Asia/Shanghai", load_config())
    run(con, ev, [[(PM25, CITY, "city", 300.0), (HEALTH, CITY, "city", 100.0)]] * 3)
    assert con.execute("SELECT state FROM alerts WHERE indicator_id = ?", [PM25]).fetchone()[0] == "firing"
    run_at = T0 + 3 * HOUR
    put(con, run_at, [(PM25, CITY, "city", None), (HEALTH, CITY, "city", 20.0)])
    ev.evaluate(con, run_at)
    outage = con.execute("SELECT alert_id, state, kind FROM alerts WHERE indicator_id = 'outage:air_stations'").fetchall()
    assert len(outage) == 1 and outage[0][1:] == ("firing", "outage")
    assert con.execute("SELECT inhibited_by FROM alerts WHERE indicator_id = ?", [PM25]).fetchone()[0] == outage[0][0]


def test_unacknowledged_red_escalates_after_the_configured_time(con, catalog):
    community = con.execute("SELECT min(code) FROM admin_units WHERE level = 'community'").fetchone()[0]
    config = with_changes(load_config(), escalate_after_s=2 * HOUR, repeat_after_s=HOUR, webhooks=(DUTY_ROOM,))
    ev = AlertEvaluator(catalog, "Asia/Shanghai", config)
    run(con, ev, [[(CROWD, community, "community", 400.0, 100.0)]] * 6)   # red at once (for 0m)
    rows = con.execute("SELECT occurred_at, details FROM alert_audit WHERE action = 'escalate' ORDER BY 1").fetchall()
    assert [store.epoch(r[0]) - T0 for r in rows] == [2 * HOUR, 3 * HOUR]      # 3 → 2 → 1, then no higher
    assert con.execute("SELECT handling_level, escalations FROM alerts").fetchone() == (1, 2)
    assert con.execute("SELECT count(*) FROM outbox WHERE topic = 'alert.escalated' AND receiver = 'duty-room'"
                       ).fetchone()[0] == 2


def test_acknowledged_red_does_not_escalate(con, catalog):
    community = con.execute("SELECT min(code) FROM admin_units WHERE level = 'community'").fetchone()[0]
    ev = AlertEvaluator(catalog, "Asia/Shanghai", with_changes(load_config(), escalate_after_s=HOUR))
    run(con, ev, [[(CROWD, community, "community", 400.0, 100.0)]])
    con.execute("UPDATE alerts SET acked_at = now(), acked_by = 'duty'")
    run_at = T0 + 3 * HOUR
    put(con, run_at, [(CROWD, community, "community", 400.0, 100.0)])
    ev.evaluate(con, run_at)
    assert con.execute("SELECT count(*) FROM alert_audit").fetchone()[0] == 0


def test_overrides_and_special_periods_win_over_defaults(catalog):
    raw = {"defaults": {"for": "1h", "min_severity": "yellow"},
           "rules": [{"match": "air.*", "for": "2h"}],
           "overrides": [{"indicator": PM25, "unit": "990102", "for": "0m", "thresholds": {"red": 50}}],
           "special_periods": [{"match": "air.*", "from": "2026-12-20", "to": "2027-01-10", "for": "30m"}]}
    config = parse_config(raw)
    from datetime import date
    ind = catalog[PM25]
    assert config.rule_for(ind, "city", CITY, date(2026, 11, 1)).for_s == 2 * HOUR
    assert config.rule_for(ind, "city", CITY, date(2026, 12, 25)).for_s == 1800
    special = config.rule_for(ind, "district", "990102", date(2026, 11, 1))
    assert special.for_s == 0 and special.bounds == (("red", 50.0),)
    assert config.rule_for(ind, "district", "990102", date(2026, 12, 25)).for_s == 1800   # the period wins last
