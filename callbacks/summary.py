"""Callbacks of the /summary page: the brief of the picked period and area, its links and the archive."""

from __future__ import annotations

from dash import Input, Output, callback

from callbacks import context
from data import inputs
from indicators.periods import Period
from layouts import ids
from layouts import summary as view
from layouts.i18n import normalise_language, t
from reporting.archive import brief_document, list_archive, reports_dir
from reporting.area import area_choices
from reporting.days import yesterday
from reporting.labels import kind_title
from reporting.span import BriefRefused


def picked_period(date_text: str | None, kind: str | None, now_s: int, tz: str) -> Period:
    """Return the period of ``kind`` holding the picked date (yesterday when none is picked); a date
    of the wrong form or outside 1970–2200 is an InputError (answered 400)."""
    day = inputs.day(date_text[:10], f"{ids.SUMMARY_DATE}.date") if isinstance(date_text, str) and date_text else yesterday(now_s, tz)
    return Period.containing(kind if isinstance(kind, str) and kind in view.KINDS else "day", day)


@callback(Output(ids.SUMMARY_BODY, "children"), Output(ids.SUMMARY_DATE, "date"), Output(ids.SUMMARY_LINKS, "children"),
          Output(ids.SUMMARY_TITLE, "children"), Output(ids.SUMMARY_KIND, "options"), Output(ids.SUMMARY_AREA, "options"),
          Output(ids.SUMMARY_AREA, "placeholder"),
          Input(ids.SUMMARY_DATE, "date"), Input(ids.SUMMARY_KIND, "value"), Input(ids.SUMMARY_AREA, "value"),
          Input(ids.LANGUAGE, "data"))
def show_brief(date_text, kind, area, language):
    """Draw the brief of the picked period and area (yesterday's city brief when none is picked)."""
    app = context.current()
    language = normalise_language(language)
    period = picked_period(date_text, kind, app.now_s(), app.tz)
    title = f"{app.city_name(language)} · {kind_title(str(period.kind), language)}"
    options = (view.kind_options(language), view.area_options(area_choices(app.cursor()), language),
               t("summary.whole_city", language))
    picked = date_text[:10] if isinstance(date_text, str) and date_text else period.start.isoformat()
    area = inputs.text(area, f"{ids.SUMMARY_AREA}.value", 64)
    try:
        doc = brief_document(app, period, area or None, stale_ok=True)
    except BriefRefused as exc:
        return view.refusal(exc.message(language)), picked, [], title, *options
    return (view.brief_body(doc, language), picked, view.download_links(str(period), area, language), title, *options)


@callback(Output(ids.SUMMARY_ARCHIVE, "children"), Input(ids.SUMMARY_DATE, "date"), Input(ids.LANGUAGE, "data"))
def show_archive(_date, language):
    """List the briefs on file."""
    app = context.current()
    return view.archive_list(list_archive(reports_dir(app.cursor())), normalise_language(language))
