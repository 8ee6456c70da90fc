"""PDFs of a monthly city brief and a daily district brief, in each language: CJK fonts embedded
(real fonts, not Type 3), the store's figures in the text (each counted here with its own SQL), no
text of the other language, page numbers, and every page kept as a PNG to look at."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest

from data.clock import DEFAULT_TZ, parse_instant
from indicators.periods import Period
from reporting.area import resolve_area
from reporting.document import build_document
from reporting.labels import LABELS
from reporting.render import render_pdf
from reporting.span import brief_span, first_data_s
from tests.conftest import TINY_NOW

NOW_S = parse_instant(TINY_NOW, DEFAULT_TZ)
CASES = {"month-city": ("2026-11", None), "day-district": ("2026-11-19", "district")}
ALLOWED_LATIN = {"AQI", "PM", "PDF", "km", "h"}        # symbols a Chinese document writes in Latin letters
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _district(con) -> str:
    return con.execute("SELECT code FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1").fetchone()[0]


@pytest.fixture(scope="module")
def documents(tiny_con, engine):
    built = {}
    for name, (key, area) in CASES.items():
        span = brief_span(Period.parse(key), DEFAULT_TZ, NOW_S, first_data_s(tiny_con))
        code = _district(tiny_con) if area else None
        built[name] = build_document(tiny_con, span, resolve_area(tiny_con, code), engine)
    return built


@pytest.fixture(scope="module")
def pdfs(documents, tmp_path_factory, artifacts_dir):
    folder, found = tmp_path_factory.mktemp("period-pdfs"), {}
    for name, doc in documents.items():
        for lang in ("zh", "en"):
            path = folder / f"{name}-{lang}.pdf"
            path.write_bytes(render_pdf(doc, lang))
            text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
            subprocess.run(["pdftoppm", "-png", "-r", "70", str(path), str(artifacts_dir / "screenshots" / f"brief-{name}-{lang}")],
                           check=True)
            found[(name, lang)] = (path, re.sub(r"[ \t]+", " ", text))
    return found


def _received(con, start_s: float, cut_s: float, district: str | None) -> int:
    where = "" if district is None else "AND g.district_code = $d"
    return con.execute(f"""SELECT count(*) FROM events e LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
                           WHERE e.received_at >= to_timestamp($s) AND e.received_at < to_timestamp($c) {where}""",
                       {"s": start_s, "c": cut_s} | ({} if district is None else {"d": district})).fetchone()[0]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cjk_fonts_are_embedded_as_real_fonts(pdfs, name, lang):
    lines = subprocess.run(["pdffonts", str(pdfs[(name, lang)][0])], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert any("CJK" in line for line in lines) or lang == "en"
    for line in lines:
        assert line.split()[-5] == "yes", line              # embedded
        assert "Type 3" not in line, line


@pytest.mark.parametrize("name", CASES)
def test_the_store_figures_are_in_both_languages(pdfs, documents, tiny_con, name):
    span, area = documents[name].brief.span, documents[name].brief.area
    received = _received(tiny_con, span.start_s, span.cut_s, None if area.is_city else area.code)
    assert received > 0
    zh, en = pdfs[(name, "zh")][1].replace("\n", ""), pdfs[(name, "en")][1]
    assert f"共受理各类事件{received:,}件" in zh
    assert f"received {received:,} cases" in en
    if not area.is_city:
        assert area.name_zh in zh and area.name_en in en


def test_the_running_month_is_marked_provisional(pdfs, documents):
    assert documents["month-city"].brief.span.provisional and not documents["day-district"].brief.span.provisional
    assert "数据未完结" in pdfs[("month-city", "zh")][1].replace("\n", "")
    assert "has not ended" in pdfs[("month-city", "en")][1].replace("\n", " ")
    assert "数据未完结" not in pdfs[("day-district", "zh")][1].replace("\n", "")


@pytest.mark.parametrize("name", CASES)
def test_a_chinese_brief_holds_no_english_and_an_english_one_no_chinese(pdfs, name):
    zh, en = pdfs[(name, "zh")][1], pdfs[(name, "en")][1]
    assert set(re.findall(r"[A-Za-z]{2,}", zh)) <= ALLOWED_LATIN, set(re.findall(r"[A-Za-z]{2,}", zh)) - ALLOWED_LATIN
    assert not any(pair[1] in zh for pair in LABELS.values() if len(pair[1]) > 6)
    assert CJK.findall(en) == []          # departments too: the English brief names them by their English names


@pytest.mark.parametrize("name", CASES)
def test_pages_are_numbered_and_none_is_mostly_empty(pdfs, name):
    for lang, number in (("zh", "第 {n} 页"), ("en", "Page {n}")):
        path, text = pdfs[(name, lang)]
        pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
        for n, page in enumerate(pages, 1):
            assert number.format(n=n).replace(" ", "") in page.replace(" ", "")
        for page in pages[:-1]:                              # only the last page may end early
            assert len(page.strip().splitlines()) > 25, page[:200]


def test_the_first_page_states_issuer_and_weekday(pdfs):
    zh = pdfs[("day-district", "zh")][1].replace("\n", "")
    en = pdfs[("day-district", "en")][1]
    assert "编发单位" in zh and "2026年11月19日（星期四）" in zh
    assert "Issued by" in en and "Thursday 19 November 2026" in en
    assert date(2026, 11, 19).weekday() == 3
