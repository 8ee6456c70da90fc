"""One build of an ended day's brief per server, shared by the page, the downloads and the morning job."""

from __future__ import annotations

import pytest

from indicators.periods import Period
from reporting import archive
from reporting.days import yesterday as yesterday_date
from reporting.schedule import generate_if_due
from tests.callbacks.installed import TZ, frozen_context


@pytest.fixture
def builds(monkeypatch, tmp_path):
    """Count the brief documents built; PDFs rendered as a stub (Chromium is tested in test_pdf.py)."""
    calls = []
    real = archive.build_document
    monkeypatch.setattr(archive, "build_document",
                        lambda *args, **kw: calls.append(args[1].period) or real(*args, **kw))
    monkeypatch.setattr(archive, "html_to_pdf", lambda html: b"%PDF-stub")
    monkeypatch.setenv("CITY_REPORTS_DIR", str(tmp_path))
    return calls


def yesterday(now_s: int, tz: str) -> Period:
    """Return yesterday as a day Period."""
    return Period.containing("day", yesterday_date(now_s, tz))


def test_the_morning_job_the_page_and_a_download_share_one_build(tiny_con, builds, tmp_path):
    from api.reports import brief_bytes
    from callbacks.summary import brief_document

    with frozen_context(tiny_con) as app_context:
        day = yesterday(app_context.now_s(), TZ)
        assert generate_if_due(app_context) == day.start            # the morning job wrote the archive
        page = brief_document(app_context, day)
        assert brief_document(app_context, day) is page
        assert brief_bytes(app_context, day, "html") == (tmp_path / f"brief-{day}.html").read_bytes()
        earlier = day.previous()                                       # not archived: rendered from the kept build
        assert brief_bytes(app_context, earlier, "pdf") == b"%PDF-stub"
        brief_document(app_context, earlier)
    assert builds == [day, earlier]


def test_a_day_not_yet_ended_is_built_each_time_and_never_archived(tiny_con, builds, tmp_path):
    with frozen_context(tiny_con) as app_context:
        today = yesterday(app_context.now_s(), TZ).next()
        archive.brief_document(app_context, today)
        running = archive.brief_document(app_context, today)
        assert running.brief.span.provisional
        with pytest.raises(ValueError, match="has not ended"):
            archive.write_brief(running, tmp_path)
    assert builds == [today, today]


def test_an_ended_days_brief_is_built_again_only_after_a_write_reaching_back_into_it(tiny_db_copy, builds):
    from data import db, versions

    con = db.open_store(tiny_db_copy)
    with frozen_context(con) as app_context:
        day = yesterday(app_context.now_s(), TZ)
        first = archive.brief_document(app_context, day)
        versions.bump(con, "events", earliest_s=app_context.now_s())          # the live tick: today only
        assert archive.brief_document(app_context, day) is first
        versions.bump(con, "events")                                          # a batch of any instant
        assert archive.brief_document(app_context, day) is not first
    con.close()
    assert builds == [day, day]


def test_an_ended_days_brief_outlives_refreshes_of_the_stored_indicator_values(tiny_db_copy, builds):
    from data import db, versions

    con = db.open_store(tiny_db_copy)
    with frozen_context(con) as app_context:
        day = yesterday(app_context.now_s(), TZ)
        first = archive.brief_document(app_context, day)
        versions.bump(con, "indicators", earliest_s=0)           # an hourly snapshot drops the oldest history
        assert archive.brief_document(app_context, day) is first
    con.close()
    assert builds == [day]
