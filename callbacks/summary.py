"""Callbacks of the /summary page: the brief of the picked date, its download links and the archive."""

from __future__ import annotations

from dash import Input, Output, callback

from callbacks import context
from layouts import ids
from layouts import summary as view
from layouts.i18n import normalise_language, t
from reporting.archive import brief_document, list_archive, reports_dir
from reporting.days import day_or_default


@callback(Output(ids.SUMMARY_BODY, "children"), Output(ids.SUMMARY_DATE, "date"), Output(ids.SUMMARY_LINKS, "children"),
          Output(ids.SUMMARY_TITLE, "children"), Input(ids.SUMMARY_DATE, "date"), Input(ids.LANGUAGE, "data"))
def show_brief(date_text, language):
    """Draw the brief of the picked date (yesterday when none is picked)."""
    app = context.current()
    language = normalise_language(language)
    day = day_or_default((date_text or "")[:10] or None, app.now_s(), app.tz)
    doc = brief_document(app, day)
    title = f"{app.city_name(language)} · {t('summary.title', language)}"
    return view.brief_body(doc, language), day.isoformat(), view.download_links(day.isoformat(), language), title


@callback(Output(ids.SUMMARY_ARCHIVE, "children"), Input(ids.SUMMARY_DATE, "date"), Input(ids.LANGUAGE, "data"))
def show_archive(_date, language):
    """List the briefs on file."""
    app = context.current()
    return view.archive_list(list_archive(reports_dir(app.cursor())), normalise_language(language))
