"""Briefs of ended periods built ahead and kept in the store: a reader gets the kept one, late data
for a period has that period's brief built again and leaves the others kept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from data import db, versions
from indicators.periods import Period
from reporting import archive, prebuild, prebuilt, view
from reporting.days import yesterday as yesterday_date
from reporting.span import ended_span
from tests.callbacks.installed import TZ, frozen_context


@pytest.fixture
def counted(monkeypatch):
    """Count the brief documents built and the PDFs printed (a stub PDF: test_pdf.py prints real ones)."""
    calls = {"documents": [], "pdfs": 0}
    real = archive.build_document

    def build(*args, **kw):
        calls["documents"].append(str(args[1].period))
        return real(*args, **kw)

    def pdf(html):
        calls["pdfs"] += 1
        return b"%PDF-stub " + html[:40].encode()

    monkeypatch.setattr(archive, "build_document", build)
    monkeypatch.setattr(archive, "html_to_pdf", pdf)
    return calls


@pytest.fixture
def store(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    yield con
    con.close()


def city_job(period: Period) -> prebuild.Job:
    return prebuild.Job(period, None, ended_span(period, TZ).end_s)


def test_the_job_builds_the_newest_ended_brief_first_and_a_reader_gets_it_kept(store, counted):
    with frozen_context(store) as app_context:
        day = Period.containing("day", yesterday_date(app_context.now_s(), TZ))
        assert prebuild.prebuild_step(app_context, lambda: False, rest=lambda s: None, work_s=0.001) == 1
    assert counted["documents"] == [str(day)] and counted["pdfs"] == 1       # the Chinese PDF printed ahead
    with frozen_context(store) as reader:                                      # a new server process: empty memory
        document = archive.brief_document(reader, day)
        pdf = archive.render(document, "pdf", "zh", reader.cursor())
    assert counted["documents"] == [str(day)] and counted["pdfs"] == 1       # nothing built on the request
    assert pdf.startswith(b"%PDF-stub")
    assert document.built.data_stamp == prebuilt.stamp_at(store, ended_span(day, TZ).end_s)
    assert document.brief.totals.received > 0
    shown = view.built_text(document, "en")
    assert shown.startswith("Built on ") and prebuilt.data_version(document.built.data_stamp) in shown
    assert document.built.data_stamp.endswith("/" + prebuilt.CODE_DIGEST)
    assert "数据版本" in view.built_text(document, "zh")


def test_late_data_has_only_the_briefs_it_reaches_built_again(store, counted):
    with frozen_context(store) as app_context:
        day = Period.containing("day", yesterday_date(app_context.now_s(), TZ))
        earlier = Period.containing("day", day.start - timedelta(days=4))
        jobs = [city_job(day), city_job(earlier)]
        for job in jobs:
            archive.brief_document(app_context, job.period)
        city = archive.resolve_area(store, None).code
        assert prebuild.due(store, jobs, city) == []
        versions.bump(store, "events", "readings", "alerts", earliest_s=app_context.now_s())   # the live tick: today
        assert prebuild.due(store, jobs, city) == []
        late_s = ended_span(day, TZ).start_s + 3600                            # a case of yesterday arrives late
        versions.bump(store, "events", earliest_s=late_s)
        assert prebuild.due(store, jobs, city) == [jobs[0]]
        assert prebuild.prebuild_step(app_context, lambda: False, rest=lambda s: None, work_s=0.001) == 1
        assert prebuild.due(store, jobs, city) == []
    assert counted["documents"] == [str(day), str(earlier), str(day)]


def test_the_stamps_of_many_ends_in_one_query_equal_each_ones_own(store):
    versions.bump(store, "events", earliest_s=1_700_000_000)
    ends = [1_600_000_000, 1_700_000_000, 1_700_000_001, 1_900_000_000]
    assert prebuilt.stamps_at(store, ends) == {end: prebuilt.stamp_at(store, end) for end in ends}
    assert prebuilt.stamp_at(store, 1_700_000_001) != prebuilt.stamp_at(store, 1_700_000_000)


def test_the_job_wants_recent_periods_for_every_district_and_older_ones_for_the_city():
    today = Period.containing("day", yesterday_date(1_795_000_000, TZ)).end
    jobs = prebuild.wanted(today, today - timedelta(days=200), ["d1", "d2"], TZ)
    first = jobs[:3]
    assert [str(job.period) for job in first] == [str(Period.last_ended("day", today))] * 3
    assert [job.area_code for job in first] == [None, "d1", "d2"]
    days = [job for job in jobs if job.period.kind == "day"]
    assert len({str(job.period) for job in days}) == 200
    assert all(job.area_code is None for job in days if job.period.start < today - timedelta(days=prebuild.HORIZON["day"]))
    assert len(jobs) == len(set(jobs))


def test_a_reader_of_a_brief_made_stale_gets_it_marked_and_the_job_builds_it_first(store, counted):
    """Late data never puts a brief's build into a reader's request: the reader gets the kept brief,
    marked as built from older data, and the prebuild job builds that brief again before any other."""
    with frozen_context(store) as app_context:
        day = Period.containing("day", yesterday_date(app_context.now_s(), TZ))
        earlier = Period.containing("day", day.start - timedelta(days=2))
        archive.brief_document(app_context, earlier)
        kept_stamp = archive.brief_document(app_context, earlier).built.data_stamp
        versions.bump(store, "events", earliest_s=ended_span(earlier, TZ).start_s + 3600)   # late data for it
        served = archive.brief_document(app_context, earlier, stale_ok=True)
        assert counted["documents"] == [str(earlier)]                   # not built on the request
        assert not served.built.current and served.built.data_stamp == kept_stamp
        assert "late data" in view.built_text(served, "en") and "迟到数据" in view.built_text(served, "zh")
        assert prebuild.prebuild_step(app_context, lambda: False, rest=lambda s: None, work_s=0.001) == 1
        assert counted["documents"] == [str(earlier), str(earlier)]     # the stale one first, not yesterday's
        fresh = archive.brief_document(app_context, earlier, stale_ok=True)
    assert fresh.built.current and fresh.built.data_stamp != kept_stamp
    assert "late data" not in view.built_text(fresh, "en")
    assert prebuilt.take_rebuilds() == []
