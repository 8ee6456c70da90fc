"""The brief's doors over HTTP: downloads of any period and area for the brief's roles, refusals
naming the field, and the signed phone link opened with no sign-in (altered or expired refused)."""

from __future__ import annotations

import json

import pytest

from reporting.archive import reports_dir
from reporting.links import BriefLink, link_secret, sign


@pytest.fixture(scope="module")
def secret(secured, tmp_path_factory):
    return link_secret(reports_dir(secured.app_context.cursor()))


def _token(secret, period="2026-11-19", area="", lang="zh", expires_s=None, now_s=None):
    return sign(BriefLink(period, area, lang, expires_s or (now_s + 3600)), secret)


def test_a_signed_link_opens_the_brief_without_signing_in(secured, secret):
    client = secured.dash_app.server.test_client()
    answer = client.get(f"/brief/{_token(secret, now_s=secured.app_context.now_s())}")
    assert answer.status_code == 200 and "云江市城市运行日报" in answer.text and 'name="viewport"' in answer.text
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    pdf = client.get(f"/brief/{_token(secret, lang='en', now_s=secured.app_context.now_s())}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_an_expired_or_altered_link_is_refused(secured, secret):
    client = secured.dash_app.server.test_client()
    now_s = secured.app_context.now_s()
    expired = client.get(f"/brief/{_token(secret, expires_s=now_s - 1)}")
    assert expired.status_code == 410 and json.loads(expired.data)["reason"] == "expired"
    good = _token(secret, now_s=now_s)
    other = _token(secret, period="2026-11-18", now_s=now_s)
    altered = client.get(f"/brief/{other.split('.')[0]}.{good.split('.')[1]}")
    assert altered.status_code == 403 and json.loads(altered.data)["reason"] == "tampered"
    assert client.get("/brief/not-a-token").status_code == 404


def test_a_signed_link_names_one_brief_only(secured, secret):
    """A valid link does not open the rest of the application."""
    client = secured.dash_app.server.test_client()
    client.get(f"/brief/{_token(secret, now_s=secured.app_context.now_s())}")
    assert client.get("/reports/brief-2026-11-19.html").status_code in (302, 401, 403)


def test_downloads_of_periods_and_areas_and_their_refusals(secured):
    client = secured.client("leader")
    district = secured.app_context.cursor().execute(
        "SELECT code FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1").fetchone()[0]
    week = client.get(f"/reports/brief-2026-W46.html?area={district}&lang=en")
    assert week.status_code == 200 and "Weekly brief" in week.text and "城市" not in week.text
    for path, field, words in (("/reports/brief-2027-01.pdf", "period", "尚未开始"),
                               ("/reports/brief-2026-Q3.pdf?lang=en", "period", "before the data"),
                               ("/reports/brief-2026-13-45.pdf", "period", "not a period"),
                               ("/reports/brief-2026-11-19.pdf?area=nowhere", "area", "nowhere"),
                               ("/reports/brief-2026-11-19.pdf?lang=fr", "lang", "zh or en")):
        answer = client.get(path)
        body = json.loads(answer.data)
        assert answer.status_code == 400 and body["field"] == field and words in body["error"], (path, body)


def test_a_second_reader_of_a_link_gets_the_page_without_rendering(secured, secret, monkeypatch):
    from reporting import archive

    client = secured.dash_app.server.test_client()
    token = _token(secret, period="2026-11-17", lang="en", now_s=secured.app_context.now_s())
    first = client.get(f"/brief/{token}")
    rendered = []
    monkeypatch.setattr(archive, "render_html", lambda *args: rendered.append(args) or "")
    second = client.get(f"/brief/{token}")
    assert first.status_code == second.status_code == 200 and second.data == first.data and rendered == []
    assert "Daily brief" in second.text
