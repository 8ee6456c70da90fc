"""The printed daily city brief in Chinese: A4, at most two pages, fonts embedded, and the figures the store holds for the date
(each computed here with its own SQL, not with the reporting package)."""

from __future__ import annotations

import re
import subprocess

import pytest

from reporting.render import html_to_pdf
from tests.reporting.conftest import DEMO_DAY, day_span

SPAN = day_span(DEMO_DAY)


@pytest.fixture(scope="module")
def pdf_file(demo_html, tmp_path_factory):
    path = tmp_path_factory.mktemp("brief") / "brief.pdf"
    path.write_bytes(html_to_pdf(demo_html))
    return path


@pytest.fixture(scope="module")
def pdf_text(pdf_file) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(pdf_file), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"[ \t]+", " ", text)


def _flat(text: str) -> str:
    """Return the text with line breaks removed (Chinese wraps anywhere)."""
    return text.replace("\n", "")


def _one(con, sql: str, params: dict) -> int:
    return int(con.execute(sql, params).fetchall()[0][0])


def test_pdf_is_a4_and_at_most_two_pages(pdf_file):
    info = subprocess.run(["pdfinfo", str(pdf_file)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    width, height = (float(x) for x in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert 1 <= pages <= 2
    assert abs(width - 595) < 2 and abs(height - 842) < 2


def test_pdf_fonts_are_embedded(pdf_file):
    lines = subprocess.run(["pdffonts", str(pdf_file)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert lines, "the PDF has no fonts"
    for line in lines:
        emb = line.split()[-5]          # name type encoding emb sub uni object ID
        assert emb == "yes", line


def test_pdf_first_page_kept_as_png(pdf_file, artifacts_dir):
    target = artifacts_dir / "screenshots" / "summary-brief-page1"
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf_file), str(target)],
                   check=True)
    assert target.with_suffix(".png").stat().st_size > 10_000


def test_pdf_holds_the_days_case_figures(pdf_text, tiny_con):
    params = {"start": SPAN.start, "end": SPAN.end}
    received = _one(tiny_con, "SELECT count(*) FROM events WHERE received_at >= $start AND received_at < $end", params)
    closed = _one(tiny_con, "SELECT count(DISTINCT (source, event_id)) FROM event_history "
                            "WHERE status = 'closed' AND updated_at >= $start AND updated_at < $end", params)
    assert received > 0 and closed > 0
    assert f"全市共受理各类事件{received:,}件" in _flat(pdf_text)
    assert f"办结{closed:,}件" in _flat(pdf_text)


def test_pdf_holds_each_districts_received_cases(pdf_text, tiny_con):
    rows = tiny_con.execute(
        """SELECT d.name_zh, count(e.event_id) FROM admin_units d
           JOIN admin_units g ON g.district_code = d.code AND g.level = 'grid'
           JOIN events e ON e.grid_code = g.code AND e.received_at >= $start AND e.received_at < $end
           WHERE d.level = 'district' GROUP BY d.name_zh""", {"start": SPAN.start, "end": SPAN.end}).fetchall()
    assert rows
    for name, count in rows:
        line = next(line for line in pdf_text.splitlines() if re.match(rf"\s*\d+ {name} ", line))
        assert f"{count:,}" in line.split()[2:], line


def test_pdf_holds_the_daily_aqi_of_the_catalog(pdf_text, tiny_con, engine):
    values = engine.evaluate(tiny_con, SPAN.end_s, only={"air.aqi.daily.yesterday"})
    city = values[(values["indicator_id"] == "air.aqi.daily.yesterday") & (values["level"] == "city")]
    aqi = int(city["value"].iloc[0])
    assert f"空气质量指数（AQI）{aqi}，" in _flat(pdf_text)


def test_pdf_holds_the_open_overdue_cases_at_midnight(pdf_text, tiny_con):
    overdue = _one(tiny_con, """
        SELECT count(*) FROM events e WHERE received_at < $end AND due_at < $end
          AND NOT EXISTS (SELECT 1 FROM event_history h WHERE h.source = e.source AND h.event_id = e.event_id
                          AND h.status IN ('resolved', 'closed') AND h.updated_at < $end)""", {"end": SPAN.end})
    assert f"其中超期{overdue:,}件" in _flat(pdf_text)


def test_pdf_and_html_hold_no_personal_data_of_the_days_cases(pdf_text, demo_html, tiny_con):
    """The brief is read on paper by many: no caller's name, phone or case text may be in it (issue #9)."""
    rows = tiny_con.execute("SELECT caller_name, caller_phone, description FROM events WHERE received_at >= $start "
                            "AND received_at < $end AND caller_phone IS NOT NULL",
                            {"start": SPAN.start, "end": SPAN.end}).fetchall()
    assert len(rows) > 50
    flat_pdf, flat_html = _flat(pdf_text).replace(" ", ""), demo_html.replace(" ", "")
    for name, phone, description in rows:
        assert phone not in flat_pdf and phone not in flat_html
        if name and len(name) >= 3:                  # two-character names can occur inside other words
            assert name not in flat_pdf and name not in flat_html
        if description and len(description) >= 12:
            assert description.replace(" ", "") not in flat_html
