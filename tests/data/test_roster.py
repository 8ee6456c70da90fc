"""The duty roster and shift handovers: a roster file checked whole, who is on duty when, and the
handover the background job writes at each shift change (open alerts, alarms waiting, hooks)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from data import db, handover, roster

TZ = "Asia/Shanghai"
DAY = """
shifts:
  - start: 2026-11-20T08:00
    end: 2026-11-20T20:00
    label: 白班
    people:
      - {name: 周建国, role: leader, mobile: "10000000001"}
      - {name: 李晓梅, role: officer, mobile: "100-0000-0002", username: duty_officer}
  - start: 2026-11-20T20:00
    end: 2026-11-21T08:00
    people:
      - {name: 陈志强, role: leader, mobile: "+8610000000003"}
"""


def local(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(TZ)).timestamp())


@pytest.fixture
def con(tmp_path):
    con = db.open_store(tmp_path / "roster.duckdb")
    yield con
    con.close()


def test_who_is_on_duty(con):
    assert roster.load_roster(con, DAY, TZ, "admin") == 2
    assert roster.mobiles_on_duty(con, local("2026-11-20T08:00")) == ["10000000001", "10000000002"]
    assert roster.mobiles_on_duty(con, local("2026-11-20T19:59"), leaders_only=True) == ["10000000001"]
    assert roster.mobiles_on_duty(con, local("2026-11-20T20:00")) == ["+8610000000003"]
    assert roster.mobiles_on_duty(con, local("2026-11-21T08:00")) == []


def test_loading_again_replaces_the_shifts_it_covers(con):
    roster.load_roster(con, DAY, TZ, "admin")
    roster.load_roster(con, DAY.replace("周建国", "赵敏"), TZ, "admin")
    assert con.execute("SELECT count(*) FROM duty_shifts").fetchone()[0] == 2
    assert con.execute("SELECT name FROM duty_people WHERE duty_role = 'leader' ORDER BY 1").fetchall() == [
        ("赵敏",), ("陈志强",)]


@pytest.mark.parametrize("change, problem", [
    (("mobile: \"10000000001\"", "mobile: \"12\""), r"shifts\[0\].people\[0\].mobile must be 5 to 15 digits"),
    (("role: leader, mobile: \"+86", "role: officer, mobile: \"+86"), r"shifts\[1\].people needs a leader"),
    (("role: officer, mobile: \"100", "role: chief, mobile: \"100"), r"people\[1\].role must be one of"),
    (("end: 2026-11-20T20:00", "end: 2026-11-20T07:00"), r"shifts\[0\].end must come after its start"),
    (("end: 2026-11-20T20:00", "end: 2026-11-20T21:00"), "overlap"),
    (("start: 2026-11-20T08:00", "start: tomorrow"), r"shifts\[0\].start must be a date and time"),
    (("name: 周建国", "name: \"周\u202e建国\""), "direction characters"),
    (("label: 白班", "label: " + "班" * 61), "longer than 60"),
])
def test_a_bad_roster_is_refused_whole_naming_the_field(con, change, problem):
    with pytest.raises(ValueError, match=problem):
        roster.load_roster(con, DAY.replace(*change), TZ, "admin")
    assert con.execute("SELECT count(*) FROM duty_shifts").fetchone()[0] == 0


def _alert(con, severity: str, state: str = "firing") -> int:
    return con.execute("INSERT INTO alerts (indicator_id, unit_code, level, kind, state, severity, peak_severity, "
                       "started_at) VALUES ('x.count.today', '990100', 'city', 'threshold', ?, ?, ?, "
                       "to_timestamp(?)) RETURNING alert_id",
                       [state, severity, severity, local("2026-11-20T07:00")]).fetchone()[0]


def test_a_handover_lists_what_is_open_at_the_shift_change_once(con):
    roster.load_roster(con, DAY, TZ, "admin")
    red, yellow = _alert(con, "red"), _alert(con, "yellow")
    _alert(con, "red", state="resolved")
    assert handover.write_due_handover(con, local("2026-11-20T07:59")) is None       # nobody on duty yet
    first = handover.write_due_handover(con, local("2026-11-20T08:01"))
    assert handover.write_due_handover(con, local("2026-11-20T09:00")) is None       # once per shift
    written = handover.handover(con, first)
    assert [a["alert_id"] for a in written["items"]["alerts"]["items"]] == [red, yellow]
    assert written["items"]["alarms"] == {"count": 0, "items": []}
    assert written["from_shift"] == [] and [p["name"] for p in written["to_shift"]] == ["周建国", "李晓梅"]
    second = handover.handover(con, handover.write_due_handover(con, local("2026-11-20T20:00")))
    assert [p["name"] for p in second["from_shift"]] == ["周建国", "李晓梅"]


def test_another_module_adds_its_open_items(con, monkeypatch):
    monkeypatch.setitem(handover.OPEN_ITEMS, "orders", lambda con, at_s: [{"order_id": 5, "state": "dispatched"}])
    roster.load_roster(con, DAY, TZ, "admin")
    handover_id = handover.write_due_handover(con, local("2026-11-20T08:30"))
    items = json.loads(con.execute("SELECT items FROM handovers WHERE handover_id = ?", [handover_id]).fetchone()[0])
    assert items["orders"] == {"count": 1, "items": [{"order_id": 5, "state": "dispatched"}]}


def test_a_file_replaces_only_the_span_it_covers(con):
    roster.load_roster(con, DAY, TZ, "admin")
    later = DAY.replace("2026-11-20T", "2026-11-25T").replace("2026-11-21T", "2026-11-26T")
    roster.load_roster(con, later, TZ, "admin")
    one = "shifts:\n  - {start: 2026-11-20T08:00, end: 2026-11-20T20:00, people: [{name: 赵敏, role: leader, mobile: '10000000009'}]}"
    roster.load_roster(con, one, TZ, "admin")
    assert con.execute("SELECT count(*) FROM duty_shifts").fetchone()[0] == 4         # the night and the 25th kept
    assert roster.mobiles_on_duty(con, local("2026-11-20T09:00")) == ["10000000009"]
