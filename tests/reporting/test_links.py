"""Signed brief links: what a token opens, and every way a link is refused."""

from __future__ import annotations

import threading

import pytest

from reporting.links import BriefLink, LinkRefused, link_secret, sign, verify

SECRET = b"s" * 32
LINK = BriefLink("2026-11", "320102", "zh", 2_000_000_000)


def test_a_signed_link_opens_what_it_names():
    assert verify(sign(LINK, SECRET), SECRET, 1_900_000_000) == LINK


def test_an_expired_link_is_refused_even_with_a_good_signature():
    with pytest.raises(LinkRefused) as refused:
        verify(sign(LINK, SECRET), SECRET, LINK.expires_s)
    assert refused.value.reason == "expired"


@pytest.mark.parametrize("change", [
    lambda t: sign(BriefLink("2026-12", "320102", "zh", 2_000_000_000), SECRET).split(".")[0] + "." + t.split(".")[1],
    lambda t: sign(BriefLink("2026-11", "320102", "zh", 2_100_000_000), SECRET).split(".")[0] + "." + t.split(".")[1],
    lambda t: sign(BriefLink("2026-11", "", "zh", 2_000_000_000), SECRET).split(".")[0] + "." + t.split(".")[1],
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: sign(LINK, b"another server's secret"),
])
def test_a_tampered_link_is_refused(change):
    with pytest.raises(LinkRefused) as refused:
        verify(change(sign(LINK, SECRET)), SECRET, 1_900_000_000)
    assert refused.value.reason == "tampered"


@pytest.mark.parametrize("token", ["", "nodot", "a.b.c", "x" * 500, "%%%.###"])
def test_a_malformed_link_is_refused(token):
    with pytest.raises(LinkRefused):
        verify(token, SECRET, 1_900_000_000)


def test_the_secret_is_made_once_private_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("CITY_LINK_SECRET", raising=False)
    first = link_secret(tmp_path)
    assert len(first) == 64 and link_secret(tmp_path) == first
    assert (tmp_path / "link-secret").stat().st_mode & 0o077 == 0


def test_an_area_code_never_names_another_file(tmp_path):
    """A unit code from a feed ('../../etc/x') is a digest in the archive's file name."""
    from indicators.periods import Period
    from reporting.archive import archive_path
    from reporting.area import Area

    evil = Area("../../etc/passwd", "district", "x", "x", ("street",))
    path = archive_path(tmp_path, Period.parse("2026-11"), "pdf", evil)
    assert path.parent == tmp_path and ".." not in path.name and "/" not in path.name
    plain = Area("320102", "district", "x", "x", ("street",))
    assert archive_path(tmp_path, Period.parse("2026-11"), "pdf", plain, "en").name == "brief-2026-11@320102.en.pdf"


def test_the_secret_made_by_many_processes_at_once_is_one_whole_secret(tmp_path, monkeypatch):
    """Worker processes (app.py --workers) may make the secret at the same moment: a reader once could
    read the file between its creation and its write, and sign with an empty secret."""
    monkeypatch.delenv("CITY_LINK_SECRET", raising=False)
    start, found = threading.Barrier(16), []

    def make() -> None:
        start.wait()
        found.append(link_secret(tmp_path))

    threads = [threading.Thread(target=make) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1 and len(found[0]) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["link-secret"]
