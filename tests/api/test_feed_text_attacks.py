"""Issue 23, holes 4 and 11: feed and user text that crashed browsers or lied about itself.

A 100,000-character ``source`` crashed /events in every staff browser; U+202E displayed
``gnp.exe`` as ``exe.png``. Each test replays the attack through the ingest API or the store.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from data.text import BIDI_CONTROLS, DISPLAY_LIMIT, inert
from layouts.components import simple_table
from queries import events_page, screen
from tests.api.conftest import ORIGIN

RLO = "\u202e"
NOW_S = int(datetime(2026, 11, 20, 7, 30, tzinfo=timezone.utc).timestamp())


def _event(i: int, **changes) -> dict:
    row = {"source": "city_app", "event_id": f"TXT-{i}", "category": "hotline.noise",
           "received_at": "2026-11-20T09:00:00+08:00", "lon": 119.45, "lat": 32.2}
    return {**row, **changes}


def _ingest(secured, rows: list[dict]) -> dict:
    answer = secured.dash_app.server.test_client().post(
        "/api/v1/events", data=json.dumps(rows).encode(), content_type="application/json",
        headers={"Authorization": f"Bearer {secured.ingest_token}"})
    assert answer.status_code == 200, answer.data[:300]
    return answer.get_json()


def test_hole4_an_overlong_code_is_refused_and_an_overlong_text_is_cut_and_counted(secured):
    body = _ingest(secured, [_event(1, source="s" * 100_000), _event(2, event_id="E" * 5000),
                             _event(3, description="长" * 100_000, department="d" * 1000), _event(4)])
    assert [(r["row"], r["reason"]) for r in body["rejected_rows"]] == [(1, "bad_text"), (2, "bad_text")]
    assert "source" in body["rejected_rows"][0]["detail"]
    assert body["summary"]["flagged"]["text_truncated"] == 1
    stored = secured.app_context.cursor().execute(
        "SELECT length(description), length(department) FROM events WHERE event_id = 'TXT-3'").fetchall()
    assert stored == [(4000, 128)]


def test_hole4_pages_and_the_wall_show_bounded_text_even_for_rows_stored_before(secured):
    cursor = secured.app_context.cursor()
    at = datetime(2026, 11, 20, 7, 29, 50, tzinfo=timezone.utc)
    cursor.execute("INSERT INTO events (source, event_id, category_code, received_at, status, description, updated_at) "
                   "VALUES (?, 'OLD-LONG', (SELECT min(code) FROM event_categories), ?, 'received', ?, ?)",
                   ["x" * 100_000, at, "y" * 100_000, at])
    case = events_page.find_case(cursor, "OLD-LONG")
    assert len(case["source"]) <= DISPLAY_LIMIT and len(case["description"]) <= DISPLAY_LIMIT
    ticker = screen.newest_events(cursor, NOW_S, limit=50)
    row = ticker[ticker["event_id"] == "OLD-LONG"].iloc[0]
    assert len(row["source"]) <= screen.TICKER_TEXT_LIMIT and len(row["description"]) <= screen.TICKER_TEXT_LIMIT


def test_hole11_direction_controls_are_refused_in_codes_and_removed_from_text(secured):
    body = _ingest(secured, [_event(11, event_id=f"invoice{RLO}gnp.exe"),
                             _event(12, description=f"see attachment {RLO}gnp.exe", department=f"{RLO}ab")])
    assert [(r["row"], r["reason"]) for r in body["rejected_rows"]] == [(1, "bad_text")]
    stored = secured.app_context.cursor().execute(
        "SELECT description, department FROM events WHERE event_id = 'TXT-12'").fetchall()
    assert stored == [("see attachment gnp.exe", "ab")]


def test_hole11_every_display_path_neutralises_direction_controls(secured):
    cursor = secured.app_context.cursor()
    at = datetime(2026, 11, 20, 7, 29, 40, tzinfo=timezone.utc)
    text = "".join(f"{c}x" for c in BIDI_CONTROLS) + f"{RLO}gnp.exe"
    cursor.execute("INSERT INTO events (source, event_id, category_code, received_at, status, description, updated_at) "
                   "VALUES ('city_app', 'OLD-BIDI', (SELECT min(code) FROM event_categories), ?, 'received', ?, ?)",
                   [at, text, at])
    shown = [events_page.find_case(cursor, "OLD-BIDI")["description"],
             screen.newest_events(cursor, NOW_S, limit=50).set_index("event_id").loc["OLD-BIDI", "description"],
             str(simple_table(["c"], [[text]]).to_plotly_json()), inert(text)]
    for value in shown:
        assert not set(value) & set(BIDI_CONTROLS), value
    page = secured.client("admin").get("/events?case=OLD-BIDI", headers={"Origin": ORIGIN})
    assert page.status_code == 200
