"""A live wall's tick answers from the newest prepared answer while the current second's is prepared."""

from __future__ import annotations

import threading

import plotly.io.json as plotly_json
from dash import no_update

from callbacks import screen
from layouts import screen_map
from tests.callbacks.test_screen import _refresh, prepared_answers, writable  # noqa: F401  (fixture)


def _live(monkeypatch, app_context) -> list:
    """Give the context a live clock the test moves; return the clock (a one-item list)."""
    clock = [app_context.now_s()]
    monkeypatch.setattr(app_context, "frozen_now_s", None)
    monkeypatch.setattr(app_context, "now_s", lambda: clock[0])
    return clock


def _held_renders(monkeypatch, release: threading.Event) -> list:
    """Make every render after the first wait for ``release``; return the second, thread and end of each."""
    renders, original = [], screen.render

    def held(*args, **kwargs):
        entry = {"second": args[2], "thread": threading.current_thread(), "finished": False}
        renders.append(entry)
        if len(renders) > 1:
            release.wait(timeout=20)
        answer = original(*args, **kwargs)
        entry["finished"] = True
        return answer
    monkeypatch.setattr(screen, "render", held)
    return renders


def test_a_tick_does_not_wait_while_the_seconds_answer_is_prepared(writable, monkeypatch):
    clock, release = _live(monkeypatch, writable), threading.Event()
    renders = _held_renders(monkeypatch, release)
    try:
        _figure, *_panels, sent = _refresh()                        # the first answer: waited for
        clock[0] += 1
        figure, *panels, again = _refresh(sent=sent)                # the next second's is held mid-computation
        assert not any(entry["finished"] for entry in renders[1:])  # the tick returned before it was done
        assert figure is no_update and all(panel is no_update for panel in panels) and again == sent
        _refresh(sent=sent)                                         # another wall's tick meanwhile
    finally:
        release.set()
    assert prepared_answers().settle() and len(renders) == 2       # prepared once for both ticks
    assert renders[1]["second"] == clock[0] and renders[1]["finished"]
    assert renders[1]["thread"] is not threading.current_thread()     # prepared on a preparing thread


def test_an_answer_older_than_a_wall_tolerates_is_waited_for(writable, monkeypatch):
    clock = _live(monkeypatch, writable)
    release = threading.Event()
    release.set()
    renders = _held_renders(monkeypatch, release)
    monkeypatch.setattr(screen, "WALL_STALE_S", 0)
    _refresh()
    clock[0] += 1
    _refresh()                                  # the last answer is a second old: this tick computes its own
    assert [entry["thread"] for entry in renders] == [threading.current_thread()] * 2
    assert prepared_answers().settle() and len(renders) == 2


def test_the_first_draw_is_the_figure_with_the_kept_geometry_not_a_copy(writable, monkeypatch):
    """The first tick sends plotly JSON built around an empty geometry, the kept grids' geometry put in as
    it is: the same figure as the validated one, without copying thousands of polygons per wall."""
    built, validated = [], screen_map.map_figure
    monkeypatch.setattr(screen_map, "map_figure", lambda *args, **kw: built.append(args[0]) or validated(*args, **kw))
    drawn, *_ = _refresh()
    kept = writable.remember("geojson.grid", lambda: None, families=("geometry",))
    assert drawn["data"][0]["geojson"] is kept and len(kept["features"]) > 0
    assert built == [screen_map.NO_FEATURES]                      # validated without the polygons
    monkeypatch.undo()
    view = {"center": {"lon": 119.4, "lat": 32.2}, "zoom": 9.5, "text_px": 24}
    parts = ({"locations": ["g1", "g2"], "z": [1.0, 2.5], "zmin": 0, "zmax": 3},
             {"events": {"lon": [119.41], "lat": [32.21]}, "newest": {"lon": [], "lat": []}},
             {"lon": [119.42], "lat": [32.22], "text": ["A"]}, "zh")
    assert (plotly_json.to_json_plotly(screen_map.map_json(kept, view, *parts))
            == plotly_json.to_json_plotly(screen_map.map_figure(kept, view, *parts)))
