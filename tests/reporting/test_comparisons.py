"""The brief's period figures are the period engine's (indicators.period_values, summed from the
daily partials) for the period and the one before, and its 同比 is the engine's figure of the same
period a year earlier: on a copy of the tiny city whose cases are repeated one year earlier."""

from __future__ import annotations

import pytest

from data import db
from data.clock import DEFAULT_TZ, parse_instant
from indicators.periods import Period
from reporting.area import resolve_area
from reporting.brief import build_brief
from reporting.comparisons import CLOSED, RECEIVED, period_values
from reporting.span import brief_span, first_data_s
from tests.conftest import TINY_NOW

NOW_S = parse_instant(TINY_NOW, DEFAULT_TZ)
TIMES = ("received_at", "accepted_at", "dispatched_at", "resolved_at", "closed_at", "due_at", "updated_at")


@pytest.fixture(scope="module")
def two_years(tiny_db_path, tmp_path_factory):
    """Return a copy of the tiny city with every case and version repeated exactly a year earlier."""
    path = tmp_path_factory.mktemp("two-years") / "c.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.open_store(path)
    shifted = ", ".join(f"{c} - INTERVAL 1 YEAR AS {c}" for c in TIMES)
    con.execute(f"INSERT INTO events SELECT * REPLACE (event_id || '-ly' AS event_id, {shifted}) FROM events")
    con.execute("INSERT INTO event_versions SELECT * REPLACE (event_id || '-ly' AS event_id, "
                "updated_at - INTERVAL 1 YEAR AS updated_at) FROM event_versions")
    yield con
    con.close()


def _engine_figures(con, engine, period: Period, area) -> tuple[int, int]:
    figures = period_values(engine).figures(con, period, NOW_S, ids=[RECEIVED, CLOSED], level=area.level)
    row = figures.values[figures.values["unit_code"] == area.code].set_index("indicator_id")["value"]
    return int(row[RECEIVED]), int(row[CLOSED])


@pytest.mark.parametrize("key", ["2026-11-19", "2026-W46", "2026-11"])
@pytest.mark.parametrize("district", [False, True])
def test_the_briefs_figures_are_the_period_engines(tiny_con, engine, key, district):
    code = tiny_con.execute("SELECT min(code) FROM admin_units WHERE level = 'district'").fetchone()[0] if district else None
    area, period = resolve_area(tiny_con, code), Period.parse(key)
    brief = build_brief(tiny_con, brief_span(period, DEFAULT_TZ, NOW_S, first_data_s(tiny_con)), area, engine)
    assert (brief.totals.received, brief.totals.closed) == _engine_figures(tiny_con, engine, period, area)
    if brief.totals.prev_received is not None:
        assert (brief.totals.prev_received, brief.totals.prev_closed) == _engine_figures(tiny_con, engine, period.previous(), area)
    assert not brief.totals.last_year.available          # the tiny city has no year-earlier data


def test_year_on_year_is_the_same_period_a_year_earlier(two_years, engine):
    area, period = resolve_area(two_years, None), Period.parse("2026-11-19")
    brief = build_brief(two_years, brief_span(period, DEFAULT_TZ, NOW_S, first_data_s(two_years)), area, engine)
    last_year = brief.totals.last_year
    assert last_year.period == "2025-11-19" and last_year.available
    assert (last_year.received, last_year.closed) == _engine_figures(two_years, engine, Period.parse("2025-11-19"), area)
    assert last_year.received == brief.totals.received       # the same cases, a year earlier
