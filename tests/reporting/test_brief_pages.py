"""The kept brief's HTML page (the leaders' phone link) rendered once per build: a second reader gets
the same bytes without rendering; late data (a new data stamp) renders the page anew, marked as built
from older data until the brief is built again; languages and areas never share a page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from data import db, versions
from indicators.periods import Period
from reporting import archive
from reporting.days import yesterday as yesterday_date
from reporting.span import ended_span
from tests.callbacks.installed import TZ, frozen_context


@pytest.fixture
def store(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    yield con
    con.close()


@pytest.fixture
def renders(monkeypatch):
    """Count the pages rendered, by language."""
    calls = []
    real = archive.render_html

    def render(document, language="zh"):
        calls.append((str(document.brief.span.period), document.brief.area.code, language))
        return real(document, language)

    monkeypatch.setattr(archive, "render_html", render)
    return calls


def _page(app_context, period, language="zh", area=None) -> str:
    document = archive.brief_document(app_context, period, area, stale_ok=True)
    return archive.brief_page(app_context, document, language).decode("utf-8")


def test_a_second_reader_gets_the_kept_page_and_late_data_renders_it_anew(store, renders):
    with frozen_context(store) as app_context:
        day = Period.containing("day", yesterday_date(app_context.now_s(), TZ) - timedelta(days=2))
        first = _page(app_context, day)
        again = _page(app_context, day)
        assert again == first and len(renders) == 1                      # not rendered for the second reader
        english = _page(app_context, day, "en")
        assert len(renders) == 2 and "Daily brief" in english and "日报" not in english
        district = store.execute("SELECT code FROM admin_units WHERE level = 'district' ORDER BY code").fetchone()[0]
        local = _page(app_context, day, area=district)
        assert len(renders) == 3 and local != first                      # an area has its own page
        versions.bump(store, "events", earliest_s=ended_span(day, TZ).start_s + 3600)   # late data for the day
        stale = _page(app_context, day)
        assert len(renders) == 4 and 'data-testid="brief-stale"' in stale and "迟到数据" in stale
        assert _page(app_context, day) == stale and len(renders) == 4    # the marked page is kept too
        rebuilt = archive.brief_document(app_context, day)                # the prebuild job's rebuild
        fresh = archive.brief_page(app_context, rebuilt, "zh").decode("utf-8")
    assert len(renders) == 5 and 'data-testid="brief-stale"' not in fresh
    assert 'data-testid="brief-stale"' not in first


def test_a_running_period_is_rendered_as_of_now_every_time(store, renders):
    with frozen_context(store) as app_context:
        today = Period.containing("day", yesterday_date(app_context.now_s(), TZ) + timedelta(days=1))
        _page(app_context, today)
        _page(app_context, today)
    assert len(renders) == 2 and len(app_context.brief_pages) == 0
