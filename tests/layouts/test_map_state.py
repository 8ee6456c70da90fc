"""The /map view state on a fake city: URL in and out, normalisation, drill-down, breadcrumb, hours
and every user action. No store: units, catalog and hours are small fakes."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from layouts.map_state import (DEFAULT_INDICATOR, LEVELS, Action, MapView, ViewFacts, action_of, allowed_levels,
                               apply_action, drill, go_up, hour_instant, hour_label, new_picker, next_view, normalise,
                               panel_unit, step_hour, time_index, unchanged)

CITY, DISTRICT, OTHER_DISTRICT = "99", "9901", "9902"
STREET, COMMUNITY, GRID, OTHER_GRID = "9901001", "9901001001", "9901001001001", "9901001001002"
PARENTS = {CITY: None, DISTRICT: CITY, OTHER_DISTRICT: CITY, STREET: DISTRICT, COMMUNITY: STREET,
           GRID: COMMUNITY, OTHER_GRID: COMMUNITY}
LEVEL_OF = {CITY: "city", DISTRICT: "district", OTHER_DISTRICT: "district", STREET: "street", COMMUNITY: "community",
            GRID: "grid", OTHER_GRID: "grid"}
UNITS = {code: {"code": code, "level": LEVEL_OF[code], "parent_code": parent} for code, parent in PARENTS.items()}
TO_STREET = "cases.to_street.count.today"               # computed down to streets only
CATALOG = {DEFAULT_INDICATOR: SimpleNamespace(levels=LEVELS),
           "air.aqi.value.now": SimpleNamespace(levels=LEVELS),
           TO_STREET: SimpleNamespace(levels=("city", "district", "street"))}
HOURS = ("2026-11-20T12:00", "2026-11-20T13:00", "2026-11-20T14:00")
FACTS = ViewFacts(CATALOG, UNITS.get, HOURS)
CITY_VIEW = MapView(indicator=DEFAULT_INDICATOR, level="district")
IN_DISTRICT = MapView(indicator=DEFAULT_INDICATOR, level="street", unit=DISTRICT, select=DISTRICT)
IN_COMMUNITY = MapView(indicator=DEFAULT_INDICATOR, level="grid", unit=COMMUNITY, select=GRID)


# --- the URL ---------------------------------------------------------------------------------

@pytest.mark.parametrize("search, expected", [
    ("", MapView()),
    (None, MapView()),
    ("?indicator=air.aqi.value.now", MapView(indicator="air.aqi.value.now")),
    (f"?indicator=air.aqi.value.now&unit={GRID}", MapView(indicator="air.aqi.value.now", unit=GRID)),
    (f"?indicator={DEFAULT_INDICATOR}&level=grid&unit={COMMUNITY}&select={GRID}&compare={OTHER_GRID}"
     "&t=2026-11-20T13%3A00",
     MapView(DEFAULT_INDICATOR, "grid", COMMUNITY, GRID, OTHER_GRID, "2026-11-20T13:00")),
    ("?indicator=x';DROP TABLE events;--&level=planet&unit=<script>&t=yesterday", MapView()),
    ("?indicator=Upper.Case&select=" + "9" * 41 + "&compare=a b&t=2026-11-20T13:30", MapView()),
    ("?unit=1&unit=2", MapView(unit="2")),                                        # the last value counts
], ids=["empty", "none", "indicator", "grid-link", "every-key", "hostile", "malformed", "repeated"])
def test_a_url_opens_its_view_and_malformed_values_are_dropped(search, expected):
    assert MapView.from_query(search) == expected


@pytest.mark.parametrize("shown, query", [
    (MapView(), "?"),
    (CITY_VIEW, f"?indicator={DEFAULT_INDICATOR}&level=district"),
    (replace(IN_COMMUNITY, compare=OTHER_GRID, t="2026-11-20T13:00", playing=True),
     f"?indicator={DEFAULT_INDICATOR}&level=grid&unit={COMMUNITY}&select={GRID}&compare={OTHER_GRID}"
     "&t=2026-11-20T13%3A00"),
], ids=["nothing", "city", "every-key"])
def test_a_view_writes_the_url_keys_it_always_had(shown, query):
    assert shown.to_query() == query
    assert MapView.from_query(query) == replace(shown, playing=False)           # playing is not in the URL


def test_the_store_keeps_every_key_and_playing():
    shown = replace(IN_COMMUNITY, playing=True)
    stored = shown.to_store()
    assert stored == {"indicator": DEFAULT_INDICATOR, "level": "grid", "unit": COMMUNITY, "select": GRID,
                      "compare": None, "t": None, "playing": True}
    assert MapView.from_store(stored) == shown and MapView.from_store(None) is None


def test_hours_are_written_in_city_time():
    assert hour_label(1795150800, "Asia/Shanghai") == "2026-11-20T13:00"
    assert hour_label(1795150800, "UTC") == "2026-11-20T05:00"


# --- normalisation ---------------------------------------------------------------------------

@pytest.mark.parametrize("given, expected", [
    (MapView(), CITY_VIEW),
    (MapView(indicator="no.such.indicator"), CITY_VIEW),
    (MapView(indicator="air.aqi.value.now"), replace(CITY_VIEW, indicator="air.aqi.value.now")),
    (MapView(unit=GRID), IN_COMMUNITY),                                           # a grid: selected in its community
    (MapView(unit=GRID, select=OTHER_GRID), IN_COMMUNITY),
    (MapView(unit=CITY, select=DISTRICT), replace(CITY_VIEW, select=DISTRICT)),  # the city is no unit
    (MapView(unit="404"), CITY_VIEW),
    (MapView(level="city"), CITY_VIEW),                                           # not below the city: falls back
    (MapView(level="grid"), replace(CITY_VIEW, level="grid")),                    # any level below may be shown
    (MapView(indicator=TO_STREET, level="grid"), replace(CITY_VIEW, indicator=TO_STREET)),
    (MapView(indicator=TO_STREET, unit=STREET), MapView(TO_STREET, "street", STREET)),   # its lowest: itself
    (MapView(select="404", compare="405"), CITY_VIEW),
    (MapView(select=DISTRICT, compare=DISTRICT), replace(CITY_VIEW, select=DISTRICT)),  # compare = select: dropped
    (MapView(select=DISTRICT, compare=OTHER_DISTRICT), replace(CITY_VIEW, select=DISTRICT, compare=OTHER_DISTRICT)),
    (MapView(t="2026-11-20T13:00"), replace(CITY_VIEW, t="2026-11-20T13:00")),
    (MapView(t="1999-01-01T00:00"), CITY_VIEW),                                   # an hour not stored: now
    (MapView(playing=True), replace(CITY_VIEW, playing=True)),
], ids=["defaults", "unknown-indicator", "known-indicator", "grid-unit", "grid-unit-wins", "city-unit", "unknown-unit",
        "level-city", "level-grid", "level-missing", "lowest-level", "unknown-units", "compare-is-select", "compare",
        "stored-hour", "unknown-hour", "playing-kept"])
def test_normalise_makes_every_field_valid(given, expected):
    assert normalise(given, FACTS) == expected
    assert normalise(expected, FACTS) == expected                                 # and is a fixed point


@pytest.mark.parametrize("given, compare", [
    (replace(IN_COMMUNITY, compare=OTHER_GRID), OTHER_GRID),                   # two grids of any communities
    (replace(IN_COMMUNITY, compare=DISTRICT), None),                           # a district beside a grid: dropped
    (replace(IN_DISTRICT, compare=OTHER_DISTRICT), OTHER_DISTRICT),
    (replace(IN_DISTRICT, select=None, compare=OTHER_DISTRICT), OTHER_DISTRICT),   # the panel shows the unit drilled into
    (replace(IN_DISTRICT, select=None, compare=STREET), None),                 # a unit on the map, of another level
    (replace(CITY_VIEW, compare=DISTRICT), None),                              # the city has no peer
    (replace(CITY_VIEW, select=DISTRICT, compare=GRID), None),
], ids=["grids", "other-level", "districts", "drilled-unit", "map-level-not-panel-level", "city", "district-grid"])
def test_a_compare_is_kept_only_beside_a_unit_of_its_level(given, compare):
    assert normalise(given, FACTS).compare == compare


@pytest.mark.parametrize("indicator, unit_level, levels", [
    (DEFAULT_INDICATOR, "city", ("district", "street", "community", "grid")),
    (DEFAULT_INDICATOR, "community", ("grid",)),
    (DEFAULT_INDICATOR, "grid", ("grid",)),
    (TO_STREET, "city", ("district", "street")),
    (TO_STREET, "street", ("street",)),
])
def test_the_levels_shown_inside_a_unit(indicator, unit_level, levels):
    assert allowed_levels(CATALOG[indicator], unit_level) == levels


# --- drill-down and breadcrumb -----------------------------------------------------------------

@pytest.mark.parametrize("start, clicked, expected", [
    (CITY_VIEW, DISTRICT, IN_DISTRICT),
    (replace(CITY_VIEW, compare=OTHER_DISTRICT), DISTRICT, IN_DISTRICT),         # a new place: compare dropped
    (IN_DISTRICT, STREET, MapView(DEFAULT_INDICATOR, "community", STREET, STREET)),
    (replace(IN_COMMUNITY, select=None), GRID, IN_COMMUNITY),                     # a grid is only selected
    (MapView(TO_STREET, "street", DISTRICT, compare=OTHER_DISTRICT), STREET,
     MapView(TO_STREET, "street", DISTRICT, STREET, OTHER_DISTRICT)),            # the indicator's lowest level
], ids=["district", "compare-dropped", "street", "grid", "lowest-level"])
def test_clicking_a_unit_drills_into_it(start, clicked, expected):
    assert drill(start, UNITS[clicked], CATALOG) == expected


@pytest.mark.parametrize("start, code, expected", [
    (IN_COMMUNITY, "", MapView(DEFAULT_INDICATOR)),                               # the city (level by normalise)
    (replace(IN_COMMUNITY, compare=OTHER_GRID), DISTRICT, IN_DISTRICT),           # an ancestor: drilled into again
    (IN_COMMUNITY, STREET, MapView(DEFAULT_INDICATOR, "community", STREET, STREET)),
])
def test_the_breadcrumb_goes_up(start, code, expected):
    assert go_up(start, code, FACTS) == expected


# --- hours -----------------------------------------------------------------------------------

@pytest.mark.parametrize("t, hours, expected", [
    (None, HOURS, HOURS[0]),                                                      # from now: the first hour
    (HOURS[0], HOURS, HOURS[1]),
    (HOURS[1], HOURS, HOURS[2]),
    (HOURS[2], HOURS, None),                                                      # past the last: now
    ("1999-01-01T00:00", HOURS, HOURS[0]),
    (None, (), None),                                                             # no history: stays
])
def test_step_hour(t, hours, expected):
    assert step_hour(replace(CITY_VIEW, t=t), hours).t == expected


@pytest.mark.parametrize("t, index", [(None, 3), (HOURS[0], 0), (HOURS[2], 2), ("1999-01-01T00:00", 3)])
def test_the_slider_shows_the_hour_and_now_at_its_end(t, index):
    assert time_index(replace(CITY_VIEW, t=t), HOURS) == index


def test_the_hour_shown_as_an_instant():
    hours = [1795147200, 1795150800]                                               # 12:00 and 13:00 in Shanghai
    assert hour_instant(replace(CITY_VIEW, t="2026-11-20T13:00"), hours, "Asia/Shanghai") == 1795150800
    assert hour_instant(CITY_VIEW, hours, "Asia/Shanghai") is None
    assert hour_instant(replace(CITY_VIEW, t="2026-11-20T14:00"), hours, "Asia/Shanghai") is None


# --- user actions ----------------------------------------------------------------------------

CRUMB_DISTRICT, CRUMB_CITY = {"type": "crumb", "code": DISTRICT}, {"type": "crumb", "code": ""}
INPUTS = {"url": {"id": "map-url", "value": "?unit=9901"}, "language": {"id": "language", "value": "en"},
          "click": {"id": "map-graph", "value": {"points": [{"location": STREET}]}},
          "crumb": [{"id": CRUMB_CITY, "value": 0}, {"id": CRUMB_DISTRICT, "value": 1}],
          "tick": {"id": "map-tick", "value": 7}, "stored": {"id": "map-state", "value": {"unit": DISTRICT}}}


@pytest.mark.parametrize("trigger, expected", [
    (None, Action("load")),
    ("map-url", Action("url", "?unit=9901")),
    ("language", Action("language", "en")),
    ("map-graph", Action("click", {"points": [{"location": STREET}]})),
    (CRUMB_DISTRICT, Action("crumb", 1, DISTRICT)),
    (CRUMB_CITY, Action("crumb", 0, "")),                                         # drawn, not clicked: value 0
    ("map-tick", Action("tick", 7)),
])
def test_the_input_that_fired_is_the_action(trigger, expected):
    assert action_of(trigger, INPUTS) == expected


def click(code):
    return Action("click", {"points": [{"location": code}]})


PLAYING_LAST = replace(CITY_VIEW, t=HOURS[-1], playing=True)


@pytest.mark.parametrize("start, action, expected, push", [
    (CITY_VIEW, click(DISTRICT), IN_DISTRICT, True),
    (IN_DISTRICT, click(STREET), MapView(DEFAULT_INDICATOR, "community", STREET, STREET), True),
    (replace(IN_COMMUNITY, select=None), click(GRID), IN_COMMUNITY, True),
    (CITY_VIEW, click("404"), CITY_VIEW, True),
    (CITY_VIEW, Action("click", {"points": []}), CITY_VIEW, True),
    (CITY_VIEW, Action("click", None), CITY_VIEW, True),
    (IN_COMMUNITY, Action("crumb", 1, ""), CITY_VIEW, True),
    (IN_COMMUNITY, Action("crumb", 2, DISTRICT), IN_DISTRICT, True),
    (IN_COMMUNITY, Action("crumb", 0, DISTRICT), IN_COMMUNITY, True),            # drawn, not clicked
    (IN_DISTRICT, Action("indicator", "air.aqi.value.now"), replace(IN_DISTRICT, indicator="air.aqi.value.now"), True),
    (IN_COMMUNITY, Action("indicator", TO_STREET), MapView(TO_STREET, "community", COMMUNITY, GRID), True),
    (IN_DISTRICT, Action("indicator", None), IN_DISTRICT, True),
    (IN_DISTRICT, Action("level", "grid"), replace(IN_DISTRICT, level="grid"), True),
    (IN_DISTRICT, Action("level", "district"), IN_DISTRICT, True),               # not below the unit: falls back
    (CITY_VIEW, Action("time", 1), replace(CITY_VIEW, t=HOURS[1]), True),
    (replace(CITY_VIEW, t=HOURS[1]), Action("time", 3), CITY_VIEW, True),        # the slider's end: now
    (CITY_VIEW, Action("time", None), CITY_VIEW, True),
    (CITY_VIEW, Action("play", 1), replace(CITY_VIEW, playing=True), True),
    (replace(CITY_VIEW, t=HOURS[1], playing=True), Action("play", 2), replace(CITY_VIEW, t=HOURS[1]), True),
    (replace(CITY_VIEW, playing=True), Action("tick", 1), replace(CITY_VIEW, t=HOURS[0], playing=True), False),
    (replace(CITY_VIEW, t=HOURS[0], playing=True), Action("tick", 2), replace(CITY_VIEW, t=HOURS[1], playing=True),
     False),
    (PLAYING_LAST, Action("tick", 3), CITY_VIEW, True),                           # reached now: stops, URL written
    (IN_DISTRICT, Action("compare", OTHER_DISTRICT), replace(IN_DISTRICT, compare=OTHER_DISTRICT), True),
    (IN_DISTRICT, Action("compare", DISTRICT), IN_DISTRICT, True),               # compare = select: dropped
    (replace(IN_DISTRICT, compare=OTHER_DISTRICT), Action("compare", None), IN_DISTRICT, True),
    (IN_DISTRICT, Action("language", "en"), IN_DISTRICT, False),
], ids=["click-district", "click-street", "click-grid", "click-unknown", "click-no-points", "click-nothing",
        "crumb-city", "crumb-district", "crumb-not-clicked", "indicator", "indicator-fewer-levels", "indicator-cleared",
        "level", "level-not-allowed", "time", "time-now", "time-none", "play", "pause", "tick-from-now", "tick",
        "tick-past-last", "compare", "compare-select", "compare-cleared", "language"])
def test_each_action_gives_its_view(start, action, expected, push):
    assert next_view(start, action, "?ignored=1", FACTS) == (expected, push)
    assert unchanged(start, expected, action) == (expected == start and action.kind != "language")


@pytest.mark.parametrize("start, kind", [(None, "click"), (IN_DISTRICT, "url"), (IN_DISTRICT, "load"), (None, "load")])
def test_the_url_gives_the_view_on_load_and_on_back_and_forward(start, kind):
    search = f"?indicator=air.aqi.value.now&unit={GRID}&t={HOURS[0]}"
    expected = MapView("air.aqi.value.now", "grid", COMMUNITY, GRID, t=HOURS[0])
    assert next_view(start, Action(kind, search), search, FACTS) == (expected, False)
    assert next_view(replace(IN_DISTRICT, playing=True), Action("url"), search, FACTS) == (expected, False)
    assert not unchanged(start, expected, Action(kind))


def test_apply_action_before_normalise():
    assert apply_action(CITY_VIEW, Action("level", "city"), FACTS) == replace(CITY_VIEW, level="city")
    assert apply_action(CITY_VIEW, Action("unknown", 1), FACTS) == CITY_VIEW


@pytest.mark.parametrize("old, new, kind, expected", [
    (None, CITY_VIEW, "load", True),
    (CITY_VIEW, CITY_VIEW, "url", True),
    (CITY_VIEW, CITY_VIEW, "language", True),
    (CITY_VIEW, replace(CITY_VIEW, indicator="air.aqi.value.now"), "indicator", True),
    (CITY_VIEW, IN_DISTRICT, "click", False),
    (CITY_VIEW, replace(CITY_VIEW, t=HOURS[0]), "tick", False),
])
def test_the_picker_gets_its_options_with_a_new_indicator(old, new, kind, expected):
    assert new_picker(old, new, Action(kind)) == expected


@pytest.mark.parametrize("shown, expected", [
    (CITY_VIEW, None),
    (IN_DISTRICT, DISTRICT),
    (IN_COMMUNITY, GRID),
    (replace(IN_COMMUNITY, select=None), COMMUNITY),
    (replace(IN_COMMUNITY, select="404"), COMMUNITY),
])
def test_the_panel_describes_the_selected_unit_else_the_unit_else_the_city(shown, expected):
    unit = panel_unit(shown, UNITS.get)
    assert (unit["code"] if unit else None) == expected
