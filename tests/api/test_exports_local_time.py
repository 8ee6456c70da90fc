"""/export/events.csv|json write the city's local time with its offset (not UTC, not epoch seconds),
on a store in America/Los_Angeles; the CSV starts with a BOM so that Excel reads it as UTF-8."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from api import exports
from tests.conftest import LA_TZ

CHANGE_DAY = date(2026, 11, 1)          # 01:00-02:00 happened twice: first at -07:00, then at -08:00


def test_exported_cases_are_the_local_day_with_local_times(la_con):
    rows = exports.fetch_events(la_con, CHANGE_DAY, LA_TZ)
    received = [datetime.fromisoformat(row["received_at"]) for row in rows]
    assert {r.date() for r in received} == {CHANGE_DAY}
    assert {row["received_at"][-6:] for row in rows} == {"-07:00", "-08:00"}
    in_day = la_con.execute("SELECT count(*) FROM events WHERE received_at >= ? AND received_at < ?",
                            [datetime.fromisoformat("2026-11-01T00:00:00-07:00"),
                             datetime.fromisoformat("2026-11-02T00:00:00-08:00")]).fetchone()[0]
    assert len(rows) == in_day > 0


def test_events_csv_has_a_bom_and_the_local_iso_times(la_con):
    rows = exports.fetch_events(la_con, CHANGE_DAY, LA_TZ)
    text = exports.events_csv(rows)
    assert text.startswith("\ufeff")
    written = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [r["received_at"] for r in written] == [row["received_at"] for row in rows]
    assert written[0]["received_at"].startswith("2026-11-01T00:")
