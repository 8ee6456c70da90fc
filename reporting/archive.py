"""The archive of generated briefs (files in one folder) and the one build per ended period the
server keeps.

The folder is $CITY_REPORTS_DIR, else the setting ``report.dir``, else ``reports/`` next to the
database file (var/reports/ for the default var/city.duckdb). A file is named after its period,
area and language: ``brief-2026-11-19.pdf`` (the city, Chinese), ``brief-2026-11@320102.en.pdf``.
Only ended periods are archived: a provisional brief changes until its period ends.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb

from data import settings
from indicators.city_catalog import catalog_for_store
from indicators.engine import Engine
from indicators.periods import Period
from reporting import prebuilt
from reporting.area import Area, resolve_area
from reporting.document import build_document
from reporting.render import html_to_pdf, render_html
from reporting.span import BriefSpan, brief_span, first_data_s

FORMATS = ("pdf", "html")
LANGUAGES = ("zh", "en")
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
_SAFE_CODE = re.compile(r"[0-9A-Za-z_-]{1,40}")
_NAME = re.compile(r"brief-([0-9WQ-]+)(?:@([0-9A-Za-z_-]+))?(?:\.(en))?\.(pdf|html)")


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


def file_name(period: Period, area: Area | None, language: str, fmt: str) -> str:
    """Return the archive's name for a brief (see the module docstring)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if language not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    where = "" if area is None or area.is_city else f"@{_safe(area.code)}"
    return f"brief-{period}{where}{'' if language == 'zh' else '.en'}.{fmt}"


def _safe(code: str) -> str:
    """Return a unit code fit for a file name: as it is when plain, else a digest (a feed's code
    with '/' or '..' never names another file)."""
    return code if _SAFE_CODE.fullmatch(code) else "u" + hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


def archive_path(folder: Path, period: Period, fmt: str, area: Area | None = None, language: str = "zh") -> Path:
    """Return where a brief is archived."""
    return folder / file_name(period, area, language, fmt)


def load_engine(con: duckdb.DuckDBPyConnection, tz: str) -> Engine:
    """Return an engine on the store's catalog freshly loaded, for a process without a server (the
    CLI); the server passes its own one engine instead."""
    return Engine(catalog_for_store(con), tz)


def span_for(con, period: Period, tz: str, now_s: float) -> BriefSpan:
    """Return the span of ``period`` as of ``now_s``; BriefRefused for a future period or one before the data."""
    return brief_span(period, tz, now_s, first_data_s(con))


def brief_document(app_context, period: Period, area_code: str | None = None, stale_ok: bool = False):
    """Return the brief document of ``period`` over an area as the server keeps it, built with the
    server's one engine; BriefRefused for a period it cannot honestly give.

    An ended period is built once per data stamp (reporting/prebuilt.py: the versions of the data
    it reads, counting only the writes that reached back before its end) and kept in the store,
    usually ahead by the prebuild job; the page, the downloads, the phone link and the morning job
    share it, and two callers at once wait for the same build. A reader (``stale_ok``) of a kept
    brief made stale by late data gets it as it is, marked, while the prebuild job builds it again.
    The context also keeps a bounded number of documents in memory (callbacks/context.KEPT_BRIEFS).
    A running period is built each time, as of now."""
    cursor = app_context.cursor()
    span = span_for(cursor, period, app_context.tz, app_context.now_s())
    area = resolve_area(cursor, area_code)
    build = lambda: build_document(app_context.cursor(), span, area, app_context.engine)  # noqa: E731
    if span.provisional:
        return build()
    stamp = prebuilt.stamp_at(cursor, span.end_s)
    key = (str(period), area.code, stamp)
    rebuild = (lambda: app_context.ask_owner("brief.want_rebuild", period, area.code)) if stale_ok else None  # noqa: E731
    kept = lambda: prebuilt.kept_document(app_context.cursor(), str(period), area.code, stamp, build,  # noqa: E731
                                          on_stale=rebuild)
    document = app_context.briefs.get(key, kept)
    if not document.built.current:
        app_context.briefs.forget(key)          # the next reader looks for the newer build again
    return document


def render(document, fmt: str, language: str = "zh", con=None) -> bytes:
    """Return ``document`` rendered in ``fmt`` (pdf or html) and ``language``; the PDF of a kept
    document is kept beside it in the store behind ``con`` (printed once per data stamp)."""
    if fmt == "pdf" and con is not None and document.built is not None:
        return prebuilt.kept_file(con, document, f"pdf.{language}", lambda: html_to_pdf(render_html(document, language)))
    html = render_html(document, language)
    return html_to_pdf(html) if fmt == "pdf" else html.encode("utf-8")


def brief_page(app_context, document, language: str = "zh") -> bytes:
    """Return the brief's HTML page in ``language``. A kept document's page is rendered once per period,
    area, language and the build it shows (its data stamp, and whether late data made it stale, which
    the page says) and kept in ``app_context.brief_pages``, so every reader of a shared link gets the
    same bytes without rendering; a running period's page is rendered each time, as of now."""
    info = document.built
    if info is None:
        return render_html(document, language).encode("utf-8")
    brief = document.brief
    key = (str(brief.span.period), brief.area.code, language, info.data_stamp, info.current, info.built_at_s)
    return app_context.brief_pages.get(key, lambda: render_html(document, language).encode("utf-8"))


def fresh_document(con, period: Period, tz: str, now_s: float, area_code: str | None = None):
    """Return a brief document built with a freshly loaded engine (the CLI, without a server)."""
    return build_document(con, span_for(con, period, tz, now_s), resolve_area(con, area_code), load_engine(con, tz))


def write_brief(document, folder: Path, languages: tuple[str, ...] = ("zh",)) -> list[Path]:
    """Render an ended period's brief in every format and the given languages into the archive;
    return the files written (a provisional brief is never archived: ValueError)."""
    brief = document.brief
    if brief.span.provisional:
        raise ValueError(f"{brief.span.period} has not ended: only ended periods are archived")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for language in languages:
        html = render_html(document, language)
        for fmt, content in (("html", html.encode("utf-8")), ("pdf", html_to_pdf(html))):
            path = archive_path(folder, brief.span.period, fmt, brief.area, language)
            partial = path.with_suffix(path.suffix + ".part")
            partial.write_bytes(content)
            partial.replace(path)          # never list a half-written file
            written.append(path)
    return written


def list_archive(folder: Path) -> list[dict]:
    """Return the archived briefs, newest period first, each with its area, language and formats."""
    if not folder.is_dir():
        return []
    found: dict[tuple, set[str]] = {}
    for path in folder.iterdir():
        match = _NAME.fullmatch(path.name)
        if match:
            key = (match.group(1), match.group(2) or "", match.group(3) or "zh")
            found.setdefault(key, set()).add(match.group(4))
    return [{"period": p, "day": p, "area": a, "lang": lang, "formats": sorted(found[(p, a, lang)])}
            for p, a, lang in sorted(found, reverse=True)]


def is_archived(folder: Path, period: Period, area: Area | None = None, language: str = "zh") -> bool:
    """Return True when every format of the brief is on file."""
    return all(archive_path(folder, period, fmt, area, language).exists() for fmt in FORMATS)
