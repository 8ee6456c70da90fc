"""State sources read at the 7 earlier instants in one pass equal each instant read on its own.

Open cases and sensors are states at an instant; their 7-day baselines read them shifted
(``Source.shifted_state_sql``: every row once per earlier instant, with that instant's state).
Each day_shift's rows must be exactly what ``Source.sql`` gives at ``$now - day_shift days``.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from data.clock import DAY_S, parse_instant
from indicators.sources import BASELINE_DAYS, SOURCES
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"
NOW_S = parse_instant(TINY_NOW, TZ)
COLUMNS = {
    "open_cases": "source, event_id, u_city, u_district, u_street, u_community, u_grid, category_domain, is_overdue, "
                  "is_accepted, is_dispatched, age_hours, handling_level",
    "sensors": "sensor_id, kind, u_city, u_grid, last_ts, age_s, is_reporting",
    "open_cases_near_places": "source, event_id, place_id, place_kind, distance_m, u_city, u_district, u_grid, "
                              "age_hours",
    "cameras": "camera_id, online, u_city, u_street, u_grid",
}


def _utc(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(epoch_s, timezone.utc)


def _rows(con, sql: str, columns: str, now_s: int, where: str = "true") -> pd.DataFrame:
    frame = con.execute(f"SELECT {columns} FROM ({sql}) AS base WHERE {where} ORDER BY ALL", {"now": _utc(now_s)}).df()
    return frame.reset_index(drop=True)


@pytest.mark.parametrize("source", list(COLUMNS))
@pytest.mark.parametrize("hours_before", [0, 7, 15])       # mid-afternoon, the morning, just after midnight
def test_each_day_shift_is_the_state_at_that_earlier_instant(tiny_con, source, hours_before):
    now_s = NOW_S - hours_before * 3600
    columns = COLUMNS[source]
    shifted = SOURCES[source].shifted_state_sql()
    for k in range(1, BASELINE_DAYS + 1):
        expected = _rows(tiny_con, SOURCES[source].sql(), columns, now_s - k * DAY_S)
        got = _rows(tiny_con, shifted, columns, now_s, f"day_shift = {k}")
        assert len(expected) > 0, (source, k)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_shifted_state_has_only_the_seven_earlier_instants(tiny_con):
    for source in COLUMNS:
        shifts = tiny_con.execute(f"SELECT DISTINCT day_shift FROM ({SOURCES[source].shifted_state_sql()}) ORDER BY 1",
                                  {"now": _utc(NOW_S)}).fetchall()
        assert [s[0] for s in shifts] == list(range(1, BASELINE_DAYS + 1))
