"""Silences by matcher: an indicator or prefix within a unit subtree, for a period, audited, applied to new alerts."""

from __future__ import annotations

import pytest

from data import audit
from indicators.alerting import handling, queries, silences
from indicators.alerting.evaluator import AlertEvaluator
from indicators.alerting.rules import load_config, with_changes
from tests.indicators.alerting.test_evaluator import CROWD, DUTY_ROOM, HOUR, T0, catalog, con, put, usual_history  # noqa: F401

RED_CROWD = (400.0, 100.0)       # value, baseline: red at once (for 0m)


def two_districts(con):
    """Return {district: (community, street)} for the first community of two districts."""
    rows = con.execute("SELECT district_code, min(code), min(street_code) FROM admin_units WHERE level = 'community' "
                       "GROUP BY district_code ORDER BY district_code LIMIT 2").fetchall()
    return {d: (c, s) for d, c, s in rows}


def crowd_rows(units):
    return [(CROWD, code, level, *RED_CROWD) for code, level in units]


def alert(con, unit, at_s=T0 + 2 * HOUR):
    """Return (alert id, silenced at ``at_s``, silence id) of the unit's newest crowd alert."""
    rows = con.execute("SELECT alert_id, coalesce(silenced_until > to_timestamp(?), false), silence_id "
                       "FROM alerts WHERE indicator_id = ? AND unit_code = ? ORDER BY alert_id DESC LIMIT 1",
                       [at_s, CROWD, unit]).fetchall()
    return rows[0] if rows else None


@pytest.fixture
def city(con, catalog):
    evaluator = AlertEvaluator(catalog, "Asia/Shanghai", with_changes(load_config(), escalate_after_s=HOUR,
                                                                         webhooks=(DUTY_ROOM,)))
    return con, evaluator, two_districts(con)


def test_silence_covers_existing_and_new_alerts_in_the_subtree_only(city):
    con, ev, districts = city
    (d1, (c1, s1)), (d2, (c2, _)) = districts.items()
    put(con, T0, crowd_rows([(c1, "community"), (c2, "community")]))
    ev.evaluate(con, T0)
    made = silences.create(con, "duty-1", "crowding.*", d1, "马拉松赛事，现场已布控", T0 + 6 * HOUR, T0 + 60)
    assert alert(con, c1)[1:] == (True, made["silence_id"])
    assert alert(con, c2)[1] is False                               # another district
    # The street beneath the silenced district starts alerting during the silence: silenced at once,
    # no red notification, no escalation; the other district's red alert escalates and notifies.
    put(con, T0 + HOUR, crowd_rows([(c1, "community"), (c2, "community"), (s1, "street")]))
    usual_history(con, [(s1, "street")], at_s=T0 + HOUR)          # a street's crowd rule is a z-score
    before = con.execute("SELECT coalesce(max(message_id), 0) FROM outbox").fetchone()[0]
    ev.evaluate(con, T0 + HOUR)
    put(con, T0 + 2 * HOUR, crowd_rows([(c1, "community"), (c2, "community"), (s1, "street")]))
    ev.evaluate(con, T0 + 2 * HOUR)
    street_alert = alert(con, s1)
    assert street_alert[1:] == (True, made["silence_id"])
    since = con.execute("SELECT (body::JSON->>'$.alert.alert_id')::BIGINT, body::JSON->>'$.event' FROM outbox "
                        "WHERE message_id > ?", [before]).fetchall()
    assert set(since) == {(alert(con, c2)[0], "escalated")}        # the silenced ones neither fire nor escalate
    assert con.execute("SELECT count(*) FROM alert_audit WHERE action = 'escalate' AND alert_id = ?",
                       [street_alert[0]]).fetchone()[0] == 0
    trail = handling.audit_trail(con, street_alert[0])
    assert [(e["actor"], e["action"]) for e in trail] == [("duty-1", "silence")]
    assert f'"silence": {made["silence_id"]}' in trail[0]["details"]
    assert [e["action"] for e in audit.recent(con, action_prefix="alert.silence")] == ["alert.silence.create"]


@pytest.mark.parametrize("match,covered", [(CROWD, True), ("crowding.people.*", True), ("crowding.*", True),
                                           ("crowding.people.sum.last_hour.*", False), ("air.*", False),
                                           ("crowding.people.sum", False)])
def test_matcher_is_an_indicator_id_or_a_prefix(city, match, covered):
    con, ev, districts = city
    community = next(iter(districts.values()))[0]
    silences.create(con, "duty-1", match, None, "reason", T0 + 6 * HOUR, T0)      # no unit: the whole city
    put(con, T0, crowd_rows([(community, "community")]))
    ev.evaluate(con, T0)
    assert alert(con, community)[1] is covered


def test_expired_scheduled_expired_early_and_removed_silences(city):
    con, ev, districts = city
    community = next(iter(districts.values()))[0]
    short = silences.create(con, "duty-1", CROWD, None, "short", T0 + HOUR, T0)
    later = silences.create(con, "duty-1", CROWD, None, "tonight only", T0 + 9 * HOUR, T0, starts_s=T0 + 5 * HOUR)
    put(con, T0 + 2 * HOUR, crowd_rows([(community, "community")]))
    ev.evaluate(con, T0 + 2 * HOUR)
    assert alert(con, community)[1] is False                        # one has expired, the other not begun
    listed = silences.list_silences(con, T0 + 2 * HOUR, include_ended=True).set_index("silence_id")["status"]
    assert listed.to_dict() == {short["silence_id"]: "expired", later["silence_id"]: "scheduled"}
    put(con, T0 + 6 * HOUR, crowd_rows([(community, "community")]))
    ev.evaluate(con, T0 + 6 * HOUR)
    assert alert(con, community, T0 + 6 * HOUR)[1:] == (True, later["silence_id"])
    silences.expire(con, later["silence_id"], "leader-2", T0 + 7 * HOUR)
    assert alert(con, community, T0 + 7 * HOUR)[1] is False                       # ended early: the alert is loud again
    assert silences.list_silences(con, T0 + 7 * HOUR).empty        # only live ones by default
    silences.remove(con, short["silence_id"], "leader-2", T0 + 7 * HOUR)
    assert short["silence_id"] not in silences.list_silences(con, T0 + 7 * HOUR, include_ended=True)["silence_id"].tolist()
    actions = [e["action"] for e in audit.recent(con, action_prefix="alert.silence")]
    assert actions == ["alert.silence.remove", "alert.silence.expire", "alert.silence.create", "alert.silence.create"]
    live = queries.live_alerts(con, T0 + 7 * HOUR)
    assert not live.loc[live["unit_code"] == community, "silenced"].iloc[0]


@pytest.mark.parametrize("match,unit,reason,until,message", [
    ("*", None, "r", T0 + HOUR, "not everything"),
    ("air*.pm25", None, "r", T0 + HOUR, "trailing"),
    ("air.*", "nonexistent", "r", T0 + HOUR, "no unit"),
    ("air.*", None, " ", T0 + HOUR, "reason"),
    ("air.*", None, "r", T0 - 1, "future"),
])
def test_invalid_silences_are_refused_and_not_audited(city, match, unit, reason, until, message):
    con, *_ = city
    with pytest.raises(handling.HandlingError, match=message):
        silences.create(con, "duty-1", match, unit, reason, until, T0)
    assert con.execute("SELECT count(*) FROM alert_silences").fetchone()[0] == 0
    assert audit.recent(con, action_prefix="alert.silence") == []


def test_a_silence_does_not_shorten_a_longer_alert_silence(city):
    con, ev, districts = city
    community = next(iter(districts.values()))[0]
    put(con, T0, crowd_rows([(community, "community")]))
    ev.evaluate(con, T0)
    alert_id = alert(con, community)[0]
    handling.silence(con, alert_id, "duty-1", "known works", T0 + 20 * HOUR, T0)
    silences.create(con, "duty-1", "crowding.*", None, "short", T0 + 2 * HOUR, T0)
    assert con.execute("SELECT epoch(silenced_until)::BIGINT, silence_id FROM alerts WHERE alert_id = ?",
                       [alert_id]).fetchone() == (T0 + 20 * HOUR, None)


def test_a_matcher_that_covers_no_known_indicator_is_refused(city, catalog):
    con, *_ = city
    known = [i.id for i in catalog.indicators]
    with pytest.raises(handling.HandlingError, match="matches no indicator"):
        silences.create(con, "duty-1", "crowds.*", None, "typo", T0 + HOUR, T0, known_ids=known)
    assert silences.create(con, "duty-1", "crowding.*", None, "ok", T0 + HOUR, T0, known_ids=known)["silence_id"]
