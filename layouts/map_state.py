"""What the analysts' map (/map) shows: its view state, read from and written to the URL, and how
each user action changes it.

Pure: no Dash callbacks, no store. What a view is checked against (the catalog, the units, the
stored history hours) comes in as ``ViewFacts``. The URL carries the view:
``/map?indicator=ID&level=LEVEL&unit=CODE&select=CODE&compare=CODE&t=YYYY-MM-DDTHH:00``
(``unit`` absent = the city, ``t`` absent = now, city-local hour).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from urllib.parse import parse_qs, urlencode

from data.clock import local_datetime
from data.inputs import InputError
from data.levels import LEVELS, child_level, levels_below

DEFAULT_INDICATOR = "cases.intake.count.today"
QUERY_KEYS = ("indicator", "level", "unit", "select", "compare", "t")
HOUR_FORMAT = "%Y-%m-%dT%H:00"
_INDICATOR = r"[a-z0-9_.]{1,120}"
_CODE = re.compile(r"^[0-9A-Za-z_.-]{1,40}$")
_HOUR = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:00$")

# What the user did: the kinds of Action (callbacks.map_page names its inputs after them).
LOAD = "load"                           # nothing fired: the first call
URL = "url"                             # the address changed: a link opened, back or forward
LANGUAGE = "language"                   # the UI language changed: the view stays, its texts follow
PLAYBACK = "tick"                       # the play moved on by one hour


@dataclass(frozen=True)
class Action:
    """One user action: ``kind`` (load, url, language, click, crumb, indicator, level, time, tick,
    play, compare), the value of the control that fired, and for a breadcrumb button its unit
    (``""`` = the city)."""

    kind: str
    value: object = None
    code: str | None = None


def action_of(trigger, inputs: Mapping) -> Action:
    """Return the action of the input whose component id is ``trigger`` among ``inputs``, named after
    the kinds of Action as Dash's ``ctx.args_grouping`` gives them ({kind: {"id", "value"}}, a list of
    them for a pattern of buttons); nothing fired is LOAD."""
    for kind, entry in inputs.items():
        for item in entry if isinstance(entry, list) else [entry]:
            if item["id"] == trigger:
                return Action(kind, item["value"], trigger.get("code") if isinstance(trigger, dict) else None)
    return Action(LOAD)


@dataclass(frozen=True)
class ViewFacts:
    """What a view is checked against: the catalog (indicator id → indicator with its ``levels``),
    a unit's row by code (code, level, parent_code …; None when unknown) and the stored history
    hours as the URL writes them, oldest first."""

    catalog: Mapping
    unit_row: Callable[[str], dict | None]
    hours: tuple[str, ...]
    levels: tuple[str, ...] = LEVELS        # the levels the store's units have (a city may skip some)


@dataclass(frozen=True)
class MapView:
    """The view of the map: the indicator, the level shown inside the unit drilled into (None =
    the city), the selected and the compared unit, the history hour (None = now) and whether the
    hours are playing (not in the URL)."""

    indicator: str | None = None
    level: str | None = None
    unit: str | None = None
    select: str | None = None
    compare: str | None = None
    t: str | None = None
    playing: bool = False

    @classmethod
    def from_query(cls, search: str | None) -> MapView:
        """Return the view of a URL query string; malformed values are dropped, never used."""
        query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
        indicator = query.get("indicator", "")
        codes = {key: query[key] if _CODE.match(query.get(key, "")) else None for key in ("unit", "select", "compare")}
        return cls(indicator=indicator if re.fullmatch(_INDICATOR, indicator) else None,
                   level=query.get("level") if query.get("level") in LEVELS else None,
                   t=query["t"] if _HOUR.match(query.get("t", "")) else None, **codes)

    def to_query(self) -> str:
        """Return the URL query string ("?indicator=…"), omitting empty keys."""
        return "?" + urlencode([(k, getattr(self, k)) for k in QUERY_KEYS if getattr(self, k)])

    @classmethod
    def from_store(cls, data: dict | None) -> MapView | None:
        """Return the view kept in the page's store (None before the first one); its values pass the
        URL's checks (a crafted store drops malformed values, as a crafted URL does)."""
        if data is None:
            return None
        if not isinstance(data, dict):
            raise InputError("map-state.data", "an object")
        shown = cls.from_query(urlencode([(k, data[k]) for k in QUERY_KEYS if isinstance(data.get(k), str)]))
        return replace(shown, playing=data.get("playing") is True)

    def to_store(self) -> dict:
        """Return the view as the page's store keeps it (every key, ``playing`` included)."""
        return asdict(self)


def hour_label(epoch_s: int, tz: str) -> str:
    """Return a history hour as the URL writes it (city-local ``YYYY-MM-DDTHH:00``)."""
    return local_datetime(int(epoch_s), tz).strftime(HOUR_FORMAT)


def hour_labels(hours: list[int], tz: str) -> tuple[str, ...]:
    """Return the history hours (epoch seconds) as the URL writes them."""
    return tuple(hour_label(h, tz) for h in hours)


def allowed_levels(indicator, unit_level: str, present: tuple[str, ...] = LEVELS) -> tuple[str, ...]:
    """Return the levels the map may show inside a unit of ``unit_level`` for the indicator (of those
    the city has)."""
    below = levels_below(unit_level, present)
    levels = tuple(level for level in below if level in indicator.levels)
    return levels or (unit_level,)


def normalise(view: MapView, facts: ViewFacts) -> MapView:
    """Return the view with every field valid against the catalog and the store (unknown → default):
    a grid drilled into is shown selected inside its community, the city is no unit, a level the
    indicator lacks there falls back to the first allowed, a compare not of the
    shown unit's level (or the shown unit itself) is dropped."""
    indicator = view.indicator if view.indicator in facts.catalog else DEFAULT_INDICATOR
    select = view.select
    unit = facts.unit_row(view.unit) if view.unit else None
    if unit is not None and unit["level"] == "grid":
        select, unit = unit["code"], facts.unit_row(unit["parent_code"])
    if unit is not None and unit["level"] == "city":
        unit = None
    levels = allowed_levels(facts.catalog[indicator], unit["level"] if unit else "city", facts.levels)
    select = None if select and facts.unit_row(select) is None else select
    return replace(view, indicator=indicator, unit=unit["code"] if unit else None,
                   level=view.level if view.level in levels else levels[0], select=select,
                   compare=comparable(view.compare, facts.unit_row(select) if select else unit, facts),
                   t=view.t if view.t in facts.hours else None)


def comparable(compare: str | None, shown: dict | None, facts: ViewFacts) -> str | None:
    """Return the compared unit's code when it is another unit of the same level as the unit the
    panel describes (``shown``; None = the city, which has no peer), else None."""
    other = facts.unit_row(compare) if compare and shown else None
    return compare if other is not None and other["level"] == shown["level"] and compare != shown["code"] else None


def drill(view: MapView, unit: dict, catalog: Mapping, present: tuple[str, ...] = LEVELS) -> MapView:
    """Return the view after clicking ``unit``: its children (the next of the ``present`` levels) shown
    and it selected (only selected when the indicator has no level below it, as for a grid)."""
    below = child_level(unit["level"], present)
    if below is None or below not in catalog[view.indicator].levels:
        return replace(view, select=unit["code"])
    return replace(view, unit=unit["code"], select=unit["code"], level=below, compare=None)


def go_up(view: MapView, code: str, facts: ViewFacts) -> MapView:
    """Return the view after a breadcrumb click: back to the city ("") or to an ancestor unit."""
    if not code:
        return replace(view, unit=None, select=None, level=None, compare=None)
    return drill(replace(view, unit=None), facts.unit_row(code), facts.catalog, facts.levels)


def step_hour(view: MapView, hours: tuple[str, ...]) -> MapView:
    """Return the view one history hour later (from "now" the play starts at the first hour; past
    the last it is "now" again)."""
    if not hours:
        return view
    if view.t not in hours:
        return replace(view, t=hours[0])
    index = hours.index(view.t) + 1
    return replace(view, t=hours[index] if index < len(hours) else None)


def apply_action(view: MapView, action: Action, facts: ViewFacts) -> MapView:
    """Return the view after the user's action (before normalise)."""
    kind, value = action.kind, action.value
    if kind == "click" and value and value.get("points"):
        unit = facts.unit_row(str(value["points"][0].get("location")))
        return drill(view, unit, facts.catalog, facts.levels) if unit else view
    if kind == "crumb":
        return go_up(view, action.code, facts) if value else view
    if kind in ("indicator", "level") and value:
        return replace(view, **{kind: value})
    if kind == "time" and value is not None:
        return replace(view, t=facts.hours[value] if value < len(facts.hours) else None)
    if kind == PLAYBACK:
        return step_hour(view, facts.hours)
    if kind == "play":
        return replace(view, playing=not view.playing)
    if kind == "compare":
        return replace(view, compare=value)
    return view


def next_view(old: MapView | None, action: Action, search: str | None, facts: ViewFacts) -> tuple[MapView, bool]:
    """Return (the new view, normalised; whether it gets a new history entry): the URL's view on the
    first call and on back/forward, else the action applied to the view shown. Playing through the
    hours writes no history until the play stops at "now"."""
    if old is None or action.kind in (LOAD, URL):
        return normalise(MapView.from_query(search), facts), False
    new = apply_action(old, action, facts)
    if new.playing and action.kind == PLAYBACK and new.t is None:        # the play reached "now": stop there
        return normalise(replace(new, playing=False), facts), True
    return normalise(new, facts), action.kind not in (PLAYBACK, LANGUAGE)


def unchanged(old: MapView | None, new: MapView, action: Action) -> bool:
    """Return whether a user action left the view as it was (nothing to write or draw)."""
    return old is not None and action.kind not in (LOAD, URL, LANGUAGE) and new == old


def new_picker(old: MapView | None, new: MapView, action: Action) -> bool:
    """Return whether the indicator picker needs its options again (first view, URL, language or
    another indicator): they come with its value, or the dropdown would clear it."""
    return old is None or action.kind in (URL, LANGUAGE) or new.indicator != old.indicator


def time_index(view: MapView, hours: tuple[str, ...]) -> int:
    """Return the slider position of the view's hour (the last position, past the hours, is "now")."""
    return hours.index(view.t) if view.t in hours else len(hours)


def hour_instant(view: MapView, hours: list[int], tz: str) -> int | None:
    """Return the epoch second of the view's history hour among ``hours`` (None = the latest values)."""
    if not view.t:
        return None
    return {hour_label(h, tz): h for h in hours}.get(view.t)


def panel_unit(view: MapView, unit_row: Callable[[str], dict | None]) -> dict | None:
    """Return the unit the side panel describes: the selected one, else the unit drilled into
    (None = the city)."""
    for code in (view.select, view.unit):
        unit = unit_row(code) if code else None
        if unit is not None:
            return unit
    return None
