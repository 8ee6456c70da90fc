"""Cases as they stood at the end of a day: the last version before midnight, kept whole."""

from __future__ import annotations

from datetime import date

import pandas as pd

from data import db
from reporting import cases
from tests.reporting.conftest import day_span

DAY = date(2026, 11, 20)


def _store(tmp_path, current: tuple, earlier: list[tuple]):
    con = db.connect(tmp_path / "cases.duckdb")
    db.migrate(con)
    status, level, at = current
    con.execute("INSERT INTO events (source, event_id, category_code, received_at, status, handling_level, updated_at) "
                "VALUES ('hotline_12345', 'c-1', 'hotline.noise', '2026-11-20 01:00Z', ?, ?, ?::TIMESTAMPTZ)",
                [status, level, at])
    for status, level, at in earlier:
        con.execute("INSERT INTO event_versions (source, event_id, status, handling_level, updated_at) "
                    "VALUES ('hotline_12345', 'c-1', ?, ?, ?::TIMESTAMPTZ)", [status, level, at])
    return con


def test_the_last_version_is_taken_whole_even_with_an_empty_handling_level(tmp_path):
    con = _store(tmp_path, ("dispatched", None, "2026-11-20 03:00Z"),
                 [("received", 2, "2026-11-20 01:00Z"), ("accepted", 2, "2026-11-20 02:00Z")])
    frame = cases.cases_at_end(con, day_span(DAY, "Asia/Shanghai"))
    assert frame["status"].tolist() == ["dispatched"] and pd.isna(frame["handling_level"].iloc[0])
    con.close()


def test_versions_at_the_same_instant_are_ordered_by_stage_and_later_ones_ignored(tmp_path):
    con = _store(tmp_path, ("closed", 1, "2026-11-21 03:00Z"),         # after the day's end: not read
                 [("resolved", 3, "2026-11-20 02:00Z"), ("closed", 2, "2026-11-20 02:00Z"),
                  ("received", 3, "2026-11-20 01:00Z")])
    frame = cases.cases_at_end(con, day_span(DAY, "Asia/Shanghai"))
    assert frame[["status", "handling_level"]].values.tolist() == [["closed", 2]]
    assert frame["closed_s"].iloc[0] == frame["resolved_s"].iloc[0] == pd.Timestamp("2026-11-20 02:00Z").timestamp()
    con.close()
