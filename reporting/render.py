"""The brief as a self-contained HTML file (inline CSS, charts as data-URI images, no requests) and
as an A4 PDF printed from that HTML by headless Chromium (Chinese fonts embedded by Chromium)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import jinja2

from data import settings
from reporting import view
from reporting.document import BriefDocument
from reporting.headline import headline_en, headline_zh

TEMPLATES = Path(__file__).with_name("templates")
CHROMIUM = settings.resolve("chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-pdf-header-footer",
                  "--run-all-compositor-stages-before-draw"]
PDF_TIMEOUT_S = 120
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)


class RenderError(RuntimeError):
    """The PDF could not be printed."""


def context(doc: BriefDocument) -> dict:
    """Return the template's values: every text already formatted, both languages where printed."""
    brief, zh = doc.brief, "zh"
    movers = view.category_rows(brief.risers, zh) + view.category_rows(brief.fallers, zh)
    return {
        "L": view.LABELS, "day": brief.day.isoformat(), "tz": brief.tz,
        "city_zh": brief.city_name_zh, "city_en": brief.city_name_en,
        "headline_zh": headline_zh(brief), "headline_en": headline_en(brief),
        "kpis": view.kpis(brief, zh), "scorecard": view.scorecard_rows(brief, zh, doc.units),
        "best": view.best_worst(brief, zh)[0], "worst": view.best_worst(brief, zh)[1],
        "ranking_columns": view.ranking_columns(zh),
        "districts": view.ranking_rows(brief.districts, zh),
        "streets": view.ranking_rows(brief.streets, zh, printed=True),
        "streets_cut": len(brief.streets) > 2 * view.STREETS_PRINTED,
        "level_columns": view.level_columns(zh), "levels": view.level_rows(brief, zh),
        "alert_columns": view.alert_columns(zh),
        "fired": view.alert_rows(brief.alerts_fired, zh, brief.tz, "first_s", view.ALERTS_PRINTED),
        "open": view.alert_rows(brief.alerts_open, zh, brief.tz, "since_s", view.ALERTS_PRINTED),
        "fired_total": len(brief.alerts_fired), "open_total": len(brief.alerts_open),
        "air": view.air_summary(brief, zh), "hours_text": view.hours_text(brief, zh),
        "movers": movers, "charts": doc.charts[zh],
    }


def render_html(doc: BriefDocument) -> str:
    """Return the brief as one self-contained HTML document."""
    return _ENV.get_template("brief.html").render(**context(doc))


def html_to_pdf(html: str) -> bytes:
    """Return the PDF Chromium prints from ``html`` (A4 from the page's @page rule)."""
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        raise RenderError(f"Chromium is needed to print the PDF and was not found at {CHROMIUM}")
    with tempfile.TemporaryDirectory(prefix="brief-") as tmp:
        source, target = Path(tmp) / "brief.html", Path(tmp) / "brief.pdf"
        source.write_text(html, encoding="utf-8")
        command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={target}",
                   source.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=PDF_TIMEOUT_S)
        if not target.exists() or target.stat().st_size == 0:
            raise RenderError(f"Chromium did not print the brief (exit {done.returncode}): {done.stderr[-800:]}")
        return target.read_bytes()


def render_pdf(doc: BriefDocument) -> bytes:
    """Return the brief as an A4 PDF."""
    return html_to_pdf(render_html(doc))
