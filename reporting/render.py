"""The brief as a self-contained HTML file in one language (inline CSS, charts as data-URI images,
no requests) and as an A4 PDF printed from that HTML by WeasyPrint, which embeds the Noto Sans CJK
glyphs as real (subset) fonts, numbers the pages from the @page rule and needs no browser."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import jinja2

from reporting import view
from reporting.document import BriefDocument
from reporting.headline import headline
from reporting.labels import dated, kind_title, label, labels

TEMPLATES = Path(__file__).with_name("templates")
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)


class RenderError(RuntimeError):
    """The PDF could not be printed."""


def issuer(brief, language: str) -> str:
    """Return the issuing unit: the setting report.issuer_zh / _en, else the city's operations centre."""
    given = brief.issuer_zh if language == "zh" else brief.issuer_en
    if given:
        return given
    if language == "zh":
        return f"{brief.city_name_zh}城市运行指挥中心"
    city = brief.city_name_en
    return f"{city} Operations Centre" if city.endswith("City") else f"{city} City Operations Centre"


def title(brief, language: str) -> str:
    """Return the document's title: 云江市城市运行月报 / Yunjiang Monthly brief, with the area below the city."""
    city = brief.city_name_zh if language == "zh" else brief.city_name_en
    where = city if brief.area.is_city else (f"{city}{brief.area.name_zh}" if language == "zh"
                                             else f"{brief.area.name_en}, {city}")
    return f"{where}{kind_title(brief.span.kind, language)}" if language == "zh" else f"{where} · {kind_title(brief.span.kind, language)}"


def period_text(brief, language: str) -> str:
    """Return the period with its dates and weekdays (a day: 2026年11月19日（星期四）)."""
    period = brief.span.period
    first, last = period.start, period.end - timedelta(days=1)
    if period.kind == "day":
        return dated(first, language)
    dash = "—" if language == "zh" else " – "
    return f"{period.label(language)} ({dated(first, language)}{dash}{dated(last, language)})" if language == "en" \
        else f"{period.label(language)}（{dated(first, language)}{dash}{dated(last, language)}）"


def issued_day(brief):
    """Return the day the brief is issued: the morning after an ended period, the as-of day of a running one."""
    return brief.span.as_of_local().date() if brief.span.provisional else brief.span.period.end


def _paren(text: str, n: int, language: str) -> str:
    return f"{text}（{n}）" if language == "zh" else f"{text} ({n})"


def context(doc: BriefDocument, language: str = "zh") -> dict:
    """Return the template's values in ``language``: every text already formatted."""
    brief = doc.brief
    page = label("page", language).split("{n}")
    return {
        "L": labels(language), "lang_attr": "zh-CN" if language == "zh" else "en",
        "colon": "：" if language == "zh" else ": ", "title": title(brief, language),
        "period_label": period_text(brief, language), "issuer": issuer(brief, language),
        "issued": dated(issued_day(brief), language), "as_of": view.as_of_text(brief, language),
        "coverage": view.coverage_text(brief, language), "stale": stale_text(doc, language),
        "page_before": page[0], "page_after": page[1], "running": f"{title(brief, language)} · {brief.span.period.label(language)}",
        "headline": headline(brief, language), "kpis": view.kpis(brief, language),
        "attention": [item.text(language) for item in brief.attention],
        "scorecard": view.scorecard_rows(brief, language, doc.units),
        "best": view.best_worst(brief, language)[0], "worst": view.best_worst(brief, language)[1],
        "ranking_columns": view.ranking_columns(language),
        "rankings": [{"level": r.level, "title": view.ranking_title(r.level, language),
                      "rows": view.ranking_rows(r.table, language, printed=True),
                      "cut": len(r.table) > 2 * view.STREETS_PRINTED} for r in brief.rankings],
        "level_columns": view.level_columns(language), "levels": view.level_rows(brief, language),
        "alert_columns": view.alert_columns(language),
        "fired": view.alert_rows(brief.alerts_fired, language, brief.tz, "first_s", view.ALERTS_PRINTED),
        "open": view.alert_rows(brief.alerts_open, language, brief.tz, "since_s", view.ALERTS_PRINTED),
        "fired_title": _paren(label("alerts_fired", language), len(brief.alerts_fired), language),
        "open_title": _paren(label("alerts_open", language), len(brief.alerts_open), language),
        "air": view.air_summary(brief, language), "hours_text": view.hours_text(brief, language),
        "category_columns": view.category_columns(brief, language), "movers": view.movers(brief, language),
        "charts": doc.charts[language],
        "footer": label("provisional_note" if brief.span.provisional else "final_note", language),
    }


def stale_text(doc: BriefDocument, language: str) -> str:
    """Return, for a kept brief served while late data has it built again, when and from which data it
    was built and that an update is coming; '' otherwise (a current brief is not marked)."""
    return view.built_text(doc, language) if doc.built is not None and not doc.built.current else ""


def render_html(doc: BriefDocument, language: str = "zh") -> str:
    """Return the brief as one self-contained HTML document in ``language``."""
    return _ENV.get_template("brief.html").render(**context(doc, language))


def html_to_pdf(html: str) -> bytes:
    """Return the A4 PDF WeasyPrint prints from ``html`` (nothing is fetched: every image is a data: URI)."""
    try:
        import weasyprint
    except ImportError as missing:          # the package and its Pango libraries come with scripts/setup.sh
        raise RenderError(f"WeasyPrint is needed to print the PDF: {missing}") from missing
    # data: URIs only: a brief never loads anything from a network or a file
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def render_pdf(doc: BriefDocument, language: str = "zh") -> bytes:
    """Return the brief as an A4 PDF in ``language``."""
    return html_to_pdf(render_html(doc, language))
