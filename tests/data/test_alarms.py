"""Camera alarms: GB/T 28181 ids, de-duplication, quiet hours and the review queue, table-driven."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from data import alarm_review, alarm_types, alarms, cameras, db
from data.alarms import AlarmError

TZ = "Asia/Shanghai"
T0 = int(datetime(2026, 11, 19, 10, 0, tzinfo=ZoneInfo(TZ)).timestamp())     # a local 10:00
NOW = T0 + 86_400
CAM_A, CAM_B = "32110200001320000017", "32110200001320000018"
MIN = 60


@pytest.fixture(scope="module")
def store(tiny_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("alarms") / "city.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.open_store(path)
    grid, lon, lat = con.execute("SELECT code, 119.45, 32.2 FROM admin_units WHERE level = 'grid' ORDER BY code "
                                 "LIMIT 1").fetchone()
    con.execute("DELETE FROM cameras")                             # the tiny city's own, out of the way
    cameras.save_cameras(con, [{"camera_id": c, "name": f"东门{i}号", "place": "云江路口", "lon": lon, "lat": lat,
                                "grid_code": grid, "online": True} for i, c in enumerate((CAM_A, CAM_B))])
    yield con
    con.close()


@pytest.fixture
def con(store):
    """The module's store with no alarm, report or message, and the shipped alarm types."""
    for table in ("alarm_reports", "alarms", "outbox"):
        store.execute(f"DELETE FROM {table}")
    alarm_types.load_types(store, alarm_types.shipped_types())
    return store


@pytest.mark.parametrize("camera_id, problem", [
    ("32110200001320000017", None),
    ("3211020000132000001", "20 digits"),
    ("3211020000132000001x", "20 digits"),
    ("99110200001320000017", "not a GB/T 2260 province"),
    ("32000200001320000017", "county under no city"),
    ("32110200002160000017", "not a front-end device"),      # 216: a virtual organisation, not a device
    ("32110200003000000017", "not a front-end device"),      # 300: a user
])
def test_camera_ids_are_checked_by_structure(camera_id, problem):
    if problem is None:
        assert cameras.check_camera_id(camera_id) == camera_id
        assert cameras.describe_id(camera_id)["type_name"] == "network camera"
    else:
        with pytest.raises(cameras.CameraError, match=problem):
            cameras.check_camera_id(camera_id)


def report(camera=CAM_A, kind="smoke", minute=0, external_id=None, at=T0):
    item = {"camera_id": camera, "type": kind, "occurred_at": at + minute * MIN}
    return item | ({"external_id": external_id} if external_id else {})


# (reports, expected outcomes, expected alarms as (type, reports)); smoke folds within 10 minutes.
DEDUPE = [
    ([report(minute=0), report(minute=5), report(minute=9)], ["new", "merged", "merged"], [("smoke", 3)]),
    ([report(minute=0), report(minute=11)], ["new", "new"], [("smoke", 1), ("smoke", 1)]),
    ([report(minute=0), report(minute=8), report(minute=16), report(minute=24)],      # a chain: each within 10 of the last
     ["new", "merged", "merged", "merged"], [("smoke", 4)]),
    ([report(minute=10), report(minute=3)], ["merged", "new"], [("smoke", 2)]),         # taken in time order
    ([report(minute=0), report(camera=CAM_B, minute=1)], ["new", "new"], [("smoke", 1), ("smoke", 1)]),
    ([report(minute=0), report(kind="crowding", minute=1)], ["new", "new"], [("crowding", 1), ("smoke", 1)]),
    ([report(minute=0, external_id="e1"), report(minute=2, external_id="e1")], ["new", "duplicate"], [("smoke", 1)]),
    ([report(kind="bin_overflow", minute=0), report(kind="bin_overflow", minute=119)], ["new", "merged"],
     [("bin_overflow", 2)]),
]


@pytest.mark.parametrize("items, outcomes, expected", DEDUPE)
def test_de_duplication(con, items, outcomes, expected):
    results = alarms.receive(con, items, NOW, TZ)
    assert [r["status"] for r in results] == outcomes
    got = con.execute("SELECT type_code, reports FROM alarms ORDER BY type_code, first_at").fetchall()
    assert sorted(got) == sorted(expected)
    assert con.execute("SELECT count(*) FROM alarm_reports").fetchone()[0] == outcomes.count("new") + outcomes.count(
        "merged")


def test_a_late_report_joins_the_alarm_it_precedes(con):
    assert alarms.receive(con, [report(minute=10)], NOW, TZ)[0]["status"] == "new"
    assert alarms.receive(con, [report(minute=3)], NOW, TZ)[0]["status"] == "merged"
    assert con.execute("SELECT epoch(first_at), epoch(last_at), reports FROM alarms").fetchone() == (
        T0 + 3 * MIN, T0 + 10 * MIN, 2)


def local(hour: int, minute: int = 0) -> int:
    return int(datetime(2026, 11, 19, hour, minute, tzinfo=ZoneInfo(TZ)).timestamp())


# road_occupied is quiet 18:00-22:00 local; illegal_parking 07:00-09:30; smoke never.
QUIET = [
    ("road_occupied", local(17, 59), "new"),
    ("road_occupied", local(18, 0), "quiet"),
    ("road_occupied", local(21, 59), "quiet"),
    ("road_occupied", local(22, 0), "new"),
    ("illegal_parking", local(7, 0), "quiet"),
    ("illegal_parking", local(9, 29), "quiet"),
    ("illegal_parking", local(9, 30), "new"),
    ("smoke", local(19, 0), "new"),
]


@pytest.mark.parametrize("kind, at, outcome", QUIET)
def test_quiet_hours_in_local_time(con, kind, at, outcome):
    assert alarms.receive(con, [report(kind=kind, at=at)], NOW, TZ)[0]["status"] == outcome
    status = con.execute("SELECT status FROM alarms").fetchone()[0]
    assert status == ("quiet" if outcome == "quiet" else "pending")


@pytest.mark.parametrize("text, inside, outside", [
    ("22:00-06:00", ["22:00", "23:59", "00:00", "05:59"], ["06:00", "12:00", "21:59"]),
    ("09:00-17:30", ["09:00", "17:29"], ["08:59", "17:30", "23:00"]),
])
def test_quiet_windows_cross_midnight(text, inside, outside):
    window = alarm_types.parse_quiet_hours(text)
    clock = lambda hhmm: datetime.strptime(hhmm, "%H:%M").time()   # noqa: E731
    assert all(alarm_types.in_quiet_hours(window, clock(t)) for t in inside)
    assert not any(alarm_types.in_quiet_hours(window, clock(t)) for t in outside)


@pytest.mark.parametrize("bad", ["22:00", "25:00-06:00", "06:00-06:00", "6:00-7:00"])
def test_bad_quiet_hours_are_refused(bad):
    with pytest.raises(ValueError, match="quiet_hours"):
        alarm_types.parse_quiet_hours(bad)


def test_an_alarm_going_on_after_quiet_hours_opens_a_reviewable_one(con):
    items = [report(kind="road_occupied", at=local(21, 50)), report(kind="road_occupied", at=local(22, 5))]
    assert [r["status"] for r in alarms.receive(con, items, NOW, TZ)] == ["quiet", "new"]


@pytest.mark.parametrize("item, reason", [
    ({"camera_id": "32110200001320000099", "type": "smoke", "occurred_at": T0}, "not registered"),
    ({"camera_id": "123", "type": "smoke", "occurred_at": T0}, "camera_id: a camera id is 20 digits"),
    ({"camera_id": CAM_A, "type": "alien", "occurred_at": T0}, "type: not a known alarm type"),
    ({"camera_id": CAM_A, "type": "smoke", "occurred_at": "2026-11-19T10:00:00"}, "needs an offset"),
    ({"camera_id": CAM_A, "type": "smoke", "occurred_at": "yesterday"}, "ISO 8601"),
    ({"camera_id": CAM_A, "type": "smoke", "occurred_at": NOW + 3600}, "in the future"),
    ({"camera_id": CAM_A, "type": "smoke", "occurred_at": NOW - 8 * 86_400}, "7 days"),
    ({"camera_id": CAM_A, "type": "smoke", "occurred_at": T0, "description": "x" * 501}, "description is longer"),
    ({"camera_id": CAM_A, "type": "smoke", "occurred_at": T0, "description": "a\u202eb"}, "direction characters"),
    ({"camera_id": CAM_A, "type": "smoke", "occurred_at": T0, "confidence": 1.5}, "confidence"),
    ({"camera_id": CAM_A, "type": "smoke", "occurred_at": T0, "image": "file:///etc/passwd"}, "unknown field"),
    ("not an object", "a JSON object"),
])
def test_bad_reports_are_rejected_naming_the_field(con, item, reason):
    result = alarms.receive(con, [item, report()], NOW, TZ)
    assert result[0]["status"] == "rejected" and reason in result[0]["reason"]
    assert result[1]["status"] == "new"                 # the good report of the same request is kept


def test_a_new_red_alarm_is_queued_for_every_receiver_of_its_topic(con):
    alarms.receive(con, [report(kind="smoke"), report(kind="crowding", camera=CAM_B)], NOW, TZ)
    rows = con.execute("SELECT topic, receiver, body::JSON->>'$.alarm.type' FROM outbox").fetchall()
    assert rows == [("alarm.new", "*", "smoke")]        # crowding is orange: reviewed, not notified


def _pending(con) -> int:
    return alarms.receive(con, [report()], NOW, TZ)[0]["alarm_id"]


# (action, arguments, error or None, resulting status)
REVIEW = [
    ("confirm", {"note": "现场核实"}, None, "confirmed"),
    ("dismiss", {"reason": "false_detection", "note": None}, None, "dismissed"),
    ("dismiss", {"reason": "other", "note": "雾气反光"}, None, "dismissed"),
    ("dismiss", {"reason": "other", "note": None}, "note is required", "pending"),
    ("dismiss", {"reason": "bored", "note": None}, "reason must be one of", "pending"),
    ("confirm", {"note": "x" * 201}, "longer than 200", "pending"),
]


@pytest.mark.parametrize("action, kwargs, error, status", REVIEW)
def test_review_queue(con, action, kwargs, error, status):
    alarm_id = _pending(con)
    call = getattr(alarm_review, action)
    if error:
        with pytest.raises(ValueError, match=error):
            call(con, alarm_id, "duty-1", **kwargs, at_s=NOW)
    else:
        call(con, alarm_id, "duty-1", **kwargs, at_s=NOW)
        with pytest.raises(AlarmError, match="not waiting for review"):      # decided once
            alarm_review.dismiss(con, alarm_id, "duty-2", "false_detection", None, NOW)
    assert con.execute("SELECT status FROM alarms WHERE alarm_id = ?", [alarm_id]).fetchone()[0] == status


def test_confirming_makes_a_case_with_the_alarm_as_its_source(con):
    alarm_id = _pending(con)
    source, event_id = alarm_review.confirm(con, alarm_id, "duty-1", None, NOW)
    case = con.execute("SELECT e.category_code, e.status, e.grid_code, c.role, epoch(e.received_at), epoch(e.due_at) - "
                       "epoch(e.accepted_at), x.sla_hours FROM events e JOIN channels c ON c.code = e.source "
                       "JOIN event_categories x ON x.code = e.category_code WHERE source = ? AND event_id = ?",
                       [source, event_id]).fetchone()
    assert case[:2] == ("emergency.fire", "accepted") and case[3] == "camera" and case[4] == T0
    assert case[5] == case[6] * 3600
    assert con.execute("SELECT case_id, reviewed_by FROM alarms").fetchone() == (event_id, "duty-1")
    trail = con.execute("SELECT actor, action FROM audit_log WHERE target = ?", [f"alarm:{alarm_id}"]).fetchall()
    assert trail == [("duty-1", "alarm.confirm")]                  # alarm ids are never reused: one entry


def test_the_order_hook_runs_in_the_same_transaction(con):
    alarm_id = _pending(con)

    def failing_order(con, alarm, case):
        raise RuntimeError("orders are down")

    with pytest.raises(RuntimeError):
        alarm_review.confirm(con, alarm_id, "duty-1", None, NOW, then=failing_order)
    assert con.execute("SELECT count(*) FROM events WHERE event_id = ?", [f"ALARM-{alarm_id}"]).fetchone()[0] == 0
    alarm_review.confirm(con, alarm_id, "duty-1", None, NOW, then=lambda con, alarm, case: 77)
    assert con.execute("SELECT status, order_id FROM alarms").fetchone() == ("confirmed", 77)


def test_a_type_without_a_city_category_cannot_be_confirmed(con):
    con.execute("UPDATE alarm_types SET category_code = NULL WHERE code = 'smoke'")
    with pytest.raises(AlarmError, match="no case category"):
        alarm_review.confirm(con, _pending(con), "duty-1", None, NOW)
    assert con.execute("SELECT status FROM alarms").fetchone()[0] == "pending"


def test_alarm_severities_are_the_warning_colours():
    from indicators.model import SEVERITIES

    assert alarm_types.SEVERITIES == SEVERITIES
