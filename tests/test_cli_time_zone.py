"""Instants typed on the command line without an offset are the store's local time, and what the
commands print is local too, on a store in America/Los_Angeles (not the default zone)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import app as app_module
import cli
from data import audit, db
from data.clock import local_iso, parse_instant
from tests.callbacks.test_alerts_page import HOURS, fire_alert
from tests.conftest import LA_NOW, LA_TZ


def lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_the_demo_records_its_zone_and_reads_now_in_it(la_con):
    assert db.get_setting(la_con, "city.tz") == LA_TZ
    assert int(db.get_setting(la_con, "demo.anchor_s")) == parse_instant(LA_NOW, LA_TZ)


def test_refresh_at_without_offset_is_the_stores_local_time(la_db_copy, capsys):
    assert cli.main(["refresh", "--db", str(la_db_copy), "--at", "2026-11-02T10:00:00"]) == 0
    assert lines(capsys)[0]["at"] == "2026-11-02T10:00:00-08:00"
    con = db.open_store(la_db_copy, read_only=True)
    as_of = con.execute("SELECT DISTINCT epoch(as_of)::BIGINT FROM indicator_latest").fetchall()
    con.close()
    assert as_of == [(parse_instant("2026-11-02T10:00:00-08:00", "UTC"),)]


def test_alerts_state_at_without_offset_is_local_and_prints_local_times(la_db_copy, capsys):
    fire_alert(la_db_copy)                    # pending from 09:00, firing from 11:00, city-local
    assert cli.main(["alerts", "state", "--db", str(la_db_copy), "--at", "2026-11-03T10:30"]) == 0
    states = lines(capsys)
    assert [(s["state"], s["since"]) for s in states] == [("pending", local_iso(HOURS[0], LA_TZ))]
    assert states[0]["since"] == "2026-11-03T09:00:00-08:00"


def test_audit_prints_local_times(la_db_copy, capsys):
    con = db.open_store(la_db_copy)
    audit.record(con, "tester", "export.events", "2026-11-02")
    con.close()
    assert cli.main(["audit", "--db", str(la_db_copy), "--limit", "1"]) == 0
    written = datetime.fromisoformat(lines(capsys)[0]["occurred_at"])
    assert written.utcoffset() == written.astimezone(ZoneInfo(LA_TZ)).utcoffset()


def test_the_server_freezes_at_without_offset_in_the_stores_zone(la_db_copy):
    app_context = app_module.open_context(la_db_copy, "2026-11-03T12:00")
    try:
        assert app_context.tz == LA_TZ
        assert app_context.frozen_now_s == parse_instant("2026-11-03T12:00:00-08:00", "UTC")
    finally:
        app_context.con.close()
