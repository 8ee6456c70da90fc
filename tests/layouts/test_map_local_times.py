"""The /map page in the city's time zone (America/Los_Angeles here, not the default): the series axis,
the values CSV and the cases grid's CSV carry local times, the files as ISO 8601 with the offset."""

from __future__ import annotations

import io
import json

import pandas as pd

from data.clock import HOUR_S, local_iso, parse_instant
from layouts import map_page as view
from layouts import map_panel as side
from layouts.map_state import MapView
from queries import map_page as uq
from tests.conftest import LA_NOW, LA_TZ

NOW_S = parse_instant(LA_NOW, LA_TZ) // HOUR_S * HOUR_S
HOURS = [NOW_S - k * HOUR_S for k in (2, 1, 0)]


def test_series_axis_and_marker_are_local():
    series = pd.DataFrame({"as_of_s": HOURS, "value": [1.0, 2.0, 3.0], "baseline": [1.0] * 3, "status": ["normal"] * 3})
    figure = json.loads(side.series_figure(series, (), False, HOURS[1], "en", LA_TZ).to_json())
    assert [x[:19] for x in figure["data"][0]["x"]] == ["2026-11-03T10:00:00", "2026-11-03T11:00:00", "2026-11-03T12:00:00"]
    assert figure["layout"]["shapes"][0]["x0"].startswith("2026-11-03T11:00:00")


def test_values_csv_writes_local_iso_times_and_a_bom():
    frame = pd.DataFrame({"code": ["990101", "990102"], "name_zh": ["甲", "乙"], "name_en": ["A", "B"],
                          "value": [1.0, None], "numerator": [None] * 2, "denominator": [None] * 2,
                          "baseline": [None] * 2, "status": ["normal", "no_data"], "as_of_s": [NOW_S, None]})
    text = view.values_csv(frame, MapView(indicator="cases.intake.count.today", level="district"), LA_TZ)
    assert text.startswith("\ufeff")
    written = pd.read_csv(io.StringIO(text.removeprefix("\ufeff")), dtype={"code": str})
    assert "as_of_s" not in written.columns
    assert written["as_of"].iloc[0] == "2026-11-03T12:00:00-08:00" and pd.isna(written["as_of"].iloc[1])
    assert written["name_zh"].tolist() == ["甲", "乙"] and set(written["indicator_id"]) == {"cases.intake.count.today"}


def test_cases_grid_shows_local_minutes_and_exports_local_iso_times(la_con):
    events = uq.unit_events(la_con, uq.city_unit(la_con), parse_instant(LA_NOW, LA_TZ), days=3, limit=50)
    rows = side.event_rows(events, "en", LA_TZ)
    assert [r["received_at"] for r in rows] == [local_iso(s, LA_TZ) for s in events["received_s"]]
    assert [r["received"] for r in rows] == [r["received_at"][:16].replace("T", " ") for r in rows]
    assert {r["received_at"][-6:] for r in rows} == {"-08:00"}
    columns = {c["field"]: c for c in side.event_columns("en")}
    assert columns["received_at"]["hide"] and columns["due_at"]["hide"]
    exported = side.CSV_EXPORT["columnKeys"]
    assert "received_at" in exported and "due_at" in exported and "received" not in exported
