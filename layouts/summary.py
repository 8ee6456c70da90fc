"""The /summary page: the leaders' daily brief of a date (default yesterday), its downloads and archive."""

from __future__ import annotations

from dash import dcc, html

from layouts import ids
from layouts.components import kpi_card, simple_table
from layouts.i18n import add_texts, t
from reporting import view
from reporting.document import BriefDocument
from reporting.headline import headline_en, headline_zh


add_texts({"nav.summary": ("每日简报", "Daily brief"),
           "summary.pick_date": ("日期", "Date"),
           "summary.download_pdf": ("下载PDF", "Download PDF"),
           "summary.download_html": ("下载HTML", "Download HTML"),
           "summary.archive": ("已生成的日报", "Briefs generated"),
           "summary.archive_empty": ("暂无存档（每天早上自动生成）", "None yet (one is generated every morning)"),
           **{f"summary.{key}": pair for key, pair in view.LABELS.items()}})


def L(key: str, language: str) -> str:
    """Return one of the brief's labels in the UI language."""
    return t(f"summary.{key}", language)


def layout(date: str | None = None, **_query) -> html.Div:
    """Return the page frame for ``?date=YYYY-MM-DD``; callbacks.summary fills it."""
    return html.Div([
        html.Div([
            html.H4(id=ids.SUMMARY_TITLE, className="mb-0 me-3"),
            dcc.DatePickerSingle(id=ids.SUMMARY_DATE, date=date, display_format="YYYY-MM-DD", first_day_of_week=1),
            html.Div(id=ids.SUMMARY_LINKS, className="d-flex gap-2 ms-3"),
        ], className="d-flex align-items-center flex-wrap gap-2 mb-3"),
        dcc.Loading(html.Div(id=ids.SUMMARY_BODY)),
        html.Div(id=ids.SUMMARY_ARCHIVE, className="mt-3"),
    ], className="container-fluid py-3")


def download_links(day: str, language: str) -> list:
    """Return the PDF and HTML download links of a day."""
    return [html.A(t(f"summary.download_{fmt}", language), href=f"/reports/brief-{day}.{fmt}",
                   className="btn btn-sm btn-outline-primary", **{"data-testid": f"summary-download-{fmt}"})
            for fmt in ("pdf", "html")]


def archive_list(entries: list[dict], language: str) -> html.Div:
    """Return the archive of generated briefs with their files."""
    if not entries:
        items = [html.Li(t("summary.archive_empty", language), className="text-muted")]
    else:
        items = [html.Li([html.Span(e["day"], className="me-2"),
                          *[html.A(fmt.upper(), href=f"/reports/brief-{e['day']}.{fmt}", className="me-2")
                            for fmt in e["formats"]],
                          dcc.Link("→", href=f"/summary?date={e['day']}")]) for e in entries]
    return html.Div([html.H6(t("summary.archive", language)), html.Ul(items, className="list-unstyled small")],
                    **{"data-testid": "summary-archive"})


def _panel(title: str, *content, testid: str = "") -> html.Div:
    return html.Div([html.Div(title, className="card-header"), html.Div(list(content), className="card-body p-2")],
                    className="card h-100", **({"data-testid": testid} if testid else {}))


def _col(child, width: str = "col-12 col-xl-6") -> html.Div:
    return html.Div(child, className=f"{width} mb-3")


def brief_body(doc: BriefDocument, language: str) -> list:
    """Return the page body for a brief."""
    brief, charts = doc.brief, doc.charts[language]
    headline = headline_zh(brief) if language == "zh" else headline_en(brief)
    cards = [html.Div(kpi_card(name, value, note, f"summary-kpi-{kid}"), className="col-6 col-md-4 col-xl-2 mb-3")
             for kid, name, value, note in view.kpis(brief, language)]
    return [
        html.P(headline, className="lead fs-6", **{"data-testid": "summary-headline"}),
        html.Div(cards, className="row"),
        html.Div([_col(_panel(L("scorecard", language), scorecard_table(doc, language), testid="summary-scorecard")),
                  _col(_panel(L("trend", language), best_worst(brief, language),
                              html.Img(src=charts["trend"], alt=L("trend", language), className="img-fluid")))],
                 className="row"),
        html.Div([_col(_panel(L("districts", language), simple_table(
                      view.ranking_columns(language), view.ranking_rows(brief.districts, language), "summary-districts"))),
                  _col(_panel(L("streets", language), simple_table(
                      view.ranking_columns(language), view.ranking_rows(brief.streets, language), "summary-streets")))],
                 className="row"),
        html.Div([_col(_panel(L("levels", language), simple_table(
                      view.level_columns(language), view.level_rows(brief, language), "summary-levels"))),
                  _col(_panel(L("air", language), air_panel(doc, language)))], className="row"),
        html.Div([_col(_panel(L("alerts_fired", language), alert_table(brief.alerts_fired, language, brief.tz, "first_s", "summary-alerts-fired"))),
                  _col(_panel(L("alerts_open", language), alert_table(brief.alerts_open, language, brief.tz, "since_s", "summary-alerts-open")))],
                 className="row"),
        html.Div([_col(_panel(L("hotline", language), html.Img(src=charts["hotline"], alt=L("hotline", language), className="img-fluid"),
                              html.H6(L("movers", language), className="mt-2"),
                              simple_table([L("indicator", language), L("received", language), L("avg7", language), L("change", language)],
                                           view.category_rows(brief.risers, language) + view.category_rows(brief.fallers, language),
                                           "summary-movers"))),
                  _col(_panel(L("map", language), html.Img(src=charts["map"], alt=L("map", language), className="img-fluid",
                                                          **{"data-testid": "summary-map"})))], className="row"),
        html.P(L("footer", language), className="text-muted small"),
    ]


def scorecard_table(doc: BriefDocument, language: str) -> html.Table:
    """Return the scorecard with a bar per score."""
    head = html.Thead(html.Tr([html.Th(L(k, language)) for k in ("indicator", "actual", "target", "score")]))
    rows = [html.Tr([html.Td(r["label"]), html.Td(r["actual"]), html.Td(r["target"]),
                     html.Td([html.Span(className="d-inline-block me-1 align-middle",
                                        style={"width": f"{r['bar']}px", "height": "8px", "background": r["colour"]}),
                              r["score"]])])
            for r in view.scorecard_rows(doc.brief, language, doc.units)]
    return html.Table([head, html.Tbody(rows)], className="table table-sm mb-0", **{"data-testid": "summary-scorecard-table"})


def best_worst(brief, language: str) -> html.Div:
    """Return the five best and five worst key indicators side by side."""
    best, worst = view.best_worst(brief, language)
    return html.Div([
        html.Div([html.H6(L("best", language)), html.Ul([html.Li(x) for x in best], className="small")], className="col"),
        html.Div([html.H6(L("worst", language)), html.Ul([html.Li(x) for x in worst], className="small")], className="col"),
    ], className="row")


def air_panel(doc: BriefDocument, language: str) -> html.Div:
    """Return the day's air quality facts and the hours at each level."""
    rows = [[name, value] for name, value in view.air_summary(doc.brief, language)]
    rows.append([L("hours_at_level", language), view.hours_text(doc.brief, language)])
    return html.Div([simple_table(["", ""], rows, "summary-air"),
                     html.Img(src=doc.charts[language]["hours"], alt=L("hours_at_level", language), className="img-fluid mt-2")])


def alert_table(frame, language: str, tz: str, time_column: str, testid: str):
    """Return an alert table, or a line saying there were none."""
    if frame.empty:
        return html.Div(L("none", language), className="text-muted", **{"data-testid": testid})
    return simple_table(view.alert_columns(language), view.alert_rows(frame, language, tz, time_column), testid)
