"""The archive of generated briefs: brief-YYYY-MM-DD.html and .pdf files in one folder.

The folder is $CITY_REPORTS_DIR, else the setting ``report.dir``, else ``reports/`` next to the
database file (var/reports/ for the default var/city.duckdb).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb

from data import settings, versions
from indicators.city_catalog import catalog_for_store
from indicators.engine import Engine
from reporting.days import day_span
from reporting.document import build_document
from reporting.render import render_html, html_to_pdf

FORMATS = ("pdf", "html")


def _quiet(what: str) -> None:
    """A step_done that says nothing (the server's callers show no progress)."""
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
_NAME = re.compile(r"brief-(\d{4}-\d{2}-\d{2})\.(pdf|html)")


def database_file(con) -> Path | None:
    """Return the file the store lives in (None in memory)."""
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return Path(rows[0][0]) if rows and rows[0][0] else None


def reports_dir(con) -> Path:
    """Return the archive folder (see the module docstring)."""
    configured = settings.resolve("reports_dir", con=con)
    if configured:
        return Path(configured)
    store = database_file(con)
    return (store.parent if store else Path("var")) / "reports"


def archive_path(folder: Path, day: date, fmt: str) -> Path:
    """Return where the brief of ``day`` in ``fmt`` is archived."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    return folder / f"brief-{day.isoformat()}.{fmt}"


def load_engine(con: duckdb.DuckDBPyConnection, tz: str) -> Engine:
    """Return an engine on the store's catalog freshly loaded, for a process without a server (the
    CLI); the server passes its own one engine instead."""
    return Engine(catalog_for_store(con), tz)


# What a brief reads: it computes its day's indicator values from the cases and readings, so the
# stored values (the indicators family, rewritten by every refresh) never change it.
BRIEF_FAMILIES = ("events", "readings", "geometry", "alerts")


def brief_document(app_context, day: date):
    """Return the brief document of ``day`` as the server keeps it, built with the server's one engine.

    A day that has ended is built once per version of the data it reads (BRIEF_FAMILIES, counting
    only the writes that reached back before its end, data/versions.py) and shared by the page, the downloads and
    the morning job; two callers at once wait for the same build. The context keeps a bounded
    number of documents (callbacks/context.KEPT_BRIEFS), least recently used dropped first. A day
    not yet ended is built each time."""
    cursor = app_context.cursor()
    build = lambda: build_document(app_context.cursor(), day, app_context.tz, app_context.engine)  # noqa: E731
    span = day_span(day, app_context.tz)
    if span.end_s > app_context.now_s():
        return build()
    found = versions.current(cursor, before_s=span.end_s)
    stamp = tuple(found[family] for family in BRIEF_FAMILIES)
    return app_context.briefs.get((day.isoformat(), stamp), build)


def _brief_html(con, day: date, tz: str, document=None) -> str:
    """Return the brief of ``day`` as HTML, from ``document`` when given, else from a fresh build."""
    return render_html(document if document is not None else build_document(con, day, tz, load_engine(con, tz)))


def render(con, day: date, tz: str, fmt: str, document=None, step_done: Callable[[str], None] = _quiet) -> bytes:
    """Return the brief of ``day`` rendered in ``fmt`` (pdf or html), from ``document`` when given;
    ``step_done(what)`` after the HTML and after the PDF."""
    html = _brief_html(con, day, tz, document)
    step_done("HTML")
    if fmt != "pdf":
        return html.encode("utf-8")
    pdf = html_to_pdf(html)
    step_done("PDF")
    return pdf


def write_brief(con, day: date, tz: str, folder: Path, document=None,
                step_done: Callable[[str], None] = _quiet) -> list[Path]:
    """Render the brief of ``day`` (``document`` when given) in every format into the archive; return the
    files written (``step_done(what)`` after each format)."""
    folder.mkdir(parents=True, exist_ok=True)
    html = _brief_html(con, day, tz, document)
    written = []
    for fmt, make in (("html", lambda: html.encode("utf-8")), ("pdf", lambda: html_to_pdf(html))):
        content = make()
        step_done(fmt.upper())
        path = archive_path(folder, day, fmt)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(content)
        partial.replace(path)          # never list a half-written file
        written.append(path)
    return written


def list_archive(folder: Path) -> list[dict]:
    """Return the archived days, newest first, each with the formats on file."""
    if not folder.is_dir():
        return []
    found: dict[str, set[str]] = {}
    for path in folder.iterdir():
        match = _NAME.fullmatch(path.name)
        if match:
            found.setdefault(match.group(1), set()).add(match.group(2))
    return [{"day": day, "formats": sorted(found[day])} for day in sorted(found, reverse=True)]


def is_archived(folder: Path, day: date) -> bool:
    """Return True when every format of ``day``'s brief is on file."""
    return all(archive_path(folder, day, fmt).exists() for fmt in FORMATS)
