"""The morning job pushes each configured brief through the outbox to its group's robot: here a
WeCom-format receiver on loopback. One message per brief and group, even when the job runs again;
the message holds the summary and a signed link that opens the brief."""

from __future__ import annotations

import json
import time

import pytest

from data import db
from reporting import archive
from reporting.delivery import parse_groups, start_brief_sender
from reporting.links import link_secret, verify
from reporting.schedule import generate_if_due
from tests.callbacks.installed import frozen_context
from tests.data.outbox_receiver import Receiver


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


def _configure(con, receiver_url: str, district: str) -> None:
    groups = [{"name": "leaders", "url": receiver_url + "/wecom", "format": "wecom",
               "briefs": [{"kind": "day"}, {"kind": "week", "area": district, "lang": "en"}]}]
    for key, value in (("report.push", json.dumps(groups)), ("report.public_url", "http://brief.example:8050")):
        con.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, value])


def _wait_sent(con, tries: int = 200) -> list[str]:
    """Return the brief messages' statuses once none is pending (the sender's threads deliver them)."""
    for _ in range(tries):
        statuses = [s for (s,) in con.cursor().execute("SELECT status FROM outbox WHERE topic = 'brief'").fetchall()]
        if not any(s in ("queued", "sending", "failed") for s in statuses):
            return statuses
        time.sleep(0.05)
    return statuses


def test_the_morning_job_pushes_each_brief_once_through_the_outbox(tiny_db_copy, receiver, tmp_path, monkeypatch):
    monkeypatch.setenv("CITY_REPORTS_DIR", str(tmp_path))
    monkeypatch.setattr(archive, "html_to_pdf", lambda html: b"%PDF-stub")      # the PDF itself: test_pdf*.py
    con = db.open_store(tiny_db_copy)
    district = con.execute("SELECT code FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1").fetchone()[0]
    _configure(con, receiver.url, district)
    with frozen_context(con) as app_context:
        generate_if_due(app_context)
        generate_if_due(app_context)                         # a second run queues nothing more
        queued = con.execute("SELECT receiver, dedupe_key FROM outbox WHERE topic = 'brief' ORDER BY dedupe_key").fetchall()
        assert queued == [("brief:leaders", "2026-11-19@.zh"), ("brief:leaders", f"2026-W46@{district}.en")]
        sender = start_brief_sender(con, parse_groups(db.get_setting(con, "report.push")), poll_s=0.05)
        try:
            statuses = _wait_sent(con)
        finally:
            sender.stop()
        now_s = app_context.now_s()
        secret = link_secret(tmp_path)
    con.close()
    assert statuses == ["sent", "sent"]
    assert sorted(path for path, _, _ in receiver.posts) == ["/wecom", "/wecom"]
    texts = [body["text"]["content"] for _, _, body in receiver.posts]
    daily = next(t for t in texts if "日报" in t)
    weekly = next(t for t in texts if "Weekly brief" in t)
    assert "全市共受理各类事件" in daily and "http://brief.example:8050/brief/" in daily and ".pdf" in daily
    assert "received" in weekly and "需关注" not in weekly
    token = daily.split("/brief/")[1].split()[0]
    assert verify(token, secret, now_s).period == "2026-11-19"
    assert (tmp_path / "brief-2026-11-19.pdf").exists() and (tmp_path / f"brief-2026-W46@{district}.en.html").exists()


def test_bad_push_settings_are_all_reported():
    with pytest.raises(ValueError) as bad:
        parse_groups(json.dumps([{"name": "a", "url": "http://x", "format": "fax", "briefs": [{"kind": "hour"}]},
                                 {"name": "b"}]))
    assert "format" in str(bad.value) and "hour" in str(bad.value) and "group 2" in str(bad.value)


def test_no_public_address_means_no_link_and_a_clear_error(tiny_con):
    from reporting.delivery import link_url
    with pytest.raises(ValueError, match="report.public_url"):
        link_url(tiny_con, "2026-11-19", "", "zh", 0)


def test_the_delivery_settings_follow_the_one_precedence_rule(tiny_db_copy, monkeypatch):
    from data.settings import SettingError
    from reporting.delivery import link_url
    con = db.open_store(tiny_db_copy)
    try:
        con.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('report.public_url', 'http://stored:8050')")
        assert link_url(con, "2026-11-19", "", "zh", 0).startswith("http://stored:8050/brief/")
        monkeypatch.setenv("CITY_PUBLIC_URL", "https://brief.example/")
        assert link_url(con, "2026-11-19", "", "zh", 0).startswith("https://brief.example/brief/")
        monkeypatch.setenv("CITY_PUBLIC_URL", "javascript:alert(1)")
        with pytest.raises(SettingError, match="CITY_PUBLIC_URL"):
            link_url(con, "2026-11-19", "", "zh", 0)
    finally:
        con.close()
