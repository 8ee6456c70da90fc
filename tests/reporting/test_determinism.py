"""The same date gives the same brief: twice in a row, through the CLI, and after more data arrived
(cases received, cases closed and readings stored after the day ended)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from data import db
from data.clock import DEFAULT_TZ
from reporting.render import render_html
from reporting.schedule import due_day
from reporting.targets import SCORE_CAP, parse_targets, score
from tests.conftest import ROOT
from tests.reporting.conftest import DEMO_DAY, day_brief, day_span

SPAN = day_span(DEMO_DAY, DEFAULT_TZ)


def test_same_date_twice_gives_the_same_html(demo_html, tiny_con, engine):
    again = render_html(day_brief(tiny_con, DEMO_DAY, engine))
    assert again == demo_html


def test_cli_writes_the_same_html(demo_html, tiny_db_path, tmp_path):
    out = tmp_path / "brief.html"
    subprocess.run([sys.executable, "cli.py", "report", "--date", DEMO_DAY.isoformat(), "--format", "html",
                    "--out", str(out), "--db", str(tiny_db_path)], cwd=ROOT, check=True, capture_output=True)
    assert out.read_text(encoding="utf-8") == demo_html


def _add_data_after_the_day(con) -> None:
    after = SPAN.end + timedelta(hours=3)
    open_case = con.execute(
        """SELECT e.source, e.event_id FROM events e WHERE e.received_at < ? AND NOT EXISTS (
             SELECT 1 FROM event_history h WHERE h.source = e.source AND h.event_id = e.event_id
             AND h.status = 'closed' AND h.updated_at < ?) ORDER BY e.received_at LIMIT 1""",
        [SPAN.end, SPAN.end]).fetchall()[0]
    # The case's state before closing becomes an earlier version; the closed one is its current state.
    con.execute("INSERT INTO event_versions SELECT source, event_id, status, updated_at, handling_level, department, "
                "satisfaction, batch_id FROM events WHERE source = ? AND event_id = ?", open_case)
    con.execute("UPDATE events SET status = 'closed', resolved_at = coalesce(resolved_at, ?), closed_at = ?, updated_at = ? "
                "WHERE source = ? AND event_id = ?", [after, after, after, *open_case])
    con.execute("""INSERT INTO events (source, event_id, category_code, grid_code, received_at, status, handling_level, updated_at)
                   SELECT source, 'late-1', category_code, grid_code, ?, 'received', 1, ? FROM events LIMIT 1""", [after, after])
    con.execute("INSERT INTO readings SELECT sensor_id, ts + INTERVAL 30 DAY, metric, value * 3, quality FROM readings "
                "WHERE ts >= ? AND ts < ?", [SPAN.start, SPAN.end])


def test_more_data_after_the_day_changes_nothing(demo_html, tiny_db_copy, engine):
    con = db.open_store(tiny_db_copy)
    try:
        _add_data_after_the_day(con)
        later = render_html(day_brief(con, DEMO_DAY, engine))
    finally:
        con.close()
    assert later == demo_html


def test_the_brief_of_the_next_day_differs(demo_html, tiny_con, engine):
    other = render_html(day_brief(tiny_con, DEMO_DAY - timedelta(days=1), engine))
    assert other != demo_html


def test_score_is_direction_aware_and_capped():
    assert score(90.0, 100.0, "higher_is_better") == 0.9
    assert score(50.0, 100.0, "higher_is_worse") == SCORE_CAP
    assert score(200.0, 100.0, "higher_is_worse") == 0.5
    assert score(0.0, 5.0, "higher_is_worse") == SCORE_CAP
    assert score(None, 5.0, "higher_is_worse") is None


def test_targets_name_catalog_indicators(engine):
    from reporting.targets import load_targets
    keys = load_targets()
    assert len(keys) >= 10
    assert [k.id for k in keys if k.id not in engine.catalog] == []


def test_bad_targets_are_all_reported():
    try:
        parse_targets([{"id": "a", "target": 0, "direction": "up", "short_zh": "x", "short_en": "x"}, {"id": "b"}])
    except ValueError as exc:
        assert "direction" in str(exc) and "positive" in str(exc) and "entry 2" in str(exc)
    else:
        raise AssertionError("bad targets accepted")


def test_the_morning_job_writes_yesterday_once_after_its_time():
    from datetime import time
    seven = time(7, 0)
    before = SPAN.end_s + 6 * 3600          # 06:00 the next morning
    after = SPAN.end_s + 8 * 3600
    assert due_day(before, DEFAULT_TZ, seven, lambda d: False) is None
    assert due_day(after, DEFAULT_TZ, seven, lambda d: False) == DEMO_DAY
    assert due_day(after, DEFAULT_TZ, seven, lambda d: d == DEMO_DAY) is None
