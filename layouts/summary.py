"""The /summary page: the leaders' brief of a day, week, month or quarter (default yesterday), for
the city or one area, with its downloads and archive. A running period is marked provisional; a
period not begun or before the data is refused in words, never drawn as zeros."""

from __future__ import annotations

from dash import dcc, html

from layouts import ids
from layouts.components import kpi_card, simple_table
from layouts.i18n import add_texts, t
from reporting import view
from reporting.document import BriefDocument
from reporting.headline import headline
from reporting.labels import KIND_SHORT, LABELS, label

KINDS = ("day", "week", "month", "quarter", "year")
CHART = {"width": "100%", "maxWidth": "600px"}          # the SVG charts drawn 340 px wide, scaled up on a screen
add_texts({"nav.summary": ("简报", "Briefs"),
           "summary.pick_date": ("日期", "Date"),
           "summary.kind": ("周期", "Period"),
           "summary.area": ("区域", "Area"),
           "summary.download_pdf": ("下载PDF", "Download PDF"),
           "summary.download_html": ("下载HTML", "Download HTML"),
           "summary.archive": ("已生成的简报", "Briefs generated"),
           "summary.archive_empty": ("暂无存档（每天早上自动生成）", "None yet (one is generated every morning)"),
           "summary.whole_city": ("全市", "Whole city"),
           **{f"summary.kind.{k}": pair for k, pair in KIND_SHORT.items()},
           **{f"summary.{key}": pair for key, pair in LABELS.items()}})


def L(key: str, language: str) -> str:
    """Return one of the brief's labels in the UI language."""
    return t(f"summary.{key}", language)


def layout(date: str | None = None, kind: str | None = None, area: str | None = None, **_query) -> html.Div:
    """Return the page frame for ``?date=YYYY-MM-DD&kind=month&area=CODE``; callbacks.summary fills it."""
    return html.Div([
        html.Div([
            html.H4(id=ids.SUMMARY_TITLE, className="mb-0 me-3"),
            dcc.Dropdown(id=ids.SUMMARY_KIND, options=[{"label": k, "value": k} for k in KINDS],
                         value=kind if kind in KINDS else "day", clearable=False, style={"width": "8rem"}),
            html.Div(dcc.DatePickerSingle(id=ids.SUMMARY_DATE, date=date, display_format="YYYY-MM-DD",
                                          first_day_of_week=1), style={"width": "11rem"}),
            dcc.Dropdown(id=ids.SUMMARY_AREA, value=area, clearable=True, style={"width": "14rem"}),
            html.Div(id=ids.SUMMARY_LINKS, className="d-flex gap-2 ms-3"),
        ], className="d-flex align-items-center flex-wrap gap-2 mb-3 no-print"),
        dcc.Loading(html.Div(id=ids.SUMMARY_BODY)),
        html.Div(id=ids.SUMMARY_ARCHIVE, className="mt-3 no-print"),
    ], className="container-fluid py-3")


def kind_options(language: str) -> list[dict]:
    """Return the period kinds in the UI language."""
    return [{"label": t(f"summary.kind.{k}", language), "value": k} for k in KINDS]


def area_options(units: list[tuple[str, str, str, str]], language: str) -> list[dict]:
    """Return the areas a brief can cover: (code, level, name_zh, name_en) rows, the city first."""
    return [{"label": (f"{label('level.' + level, language)} · " if level != "city" else "") + (zh if language == "zh" else en),
             "value": code} for code, level, zh, en in units]


def download_links(period: str, area: str | None, language: str) -> list:
    """Return the PDF and HTML download links of a brief in the page's language."""
    query = "&".join(p for p in (f"area={area}" if area else "", f"lang={language}") if p)
    return [html.A(t(f"summary.download_{fmt}", language), href=f"/reports/brief-{period}.{fmt}?{query}",
                   className="btn btn-sm btn-outline-primary", **{"data-testid": f"summary-download-{fmt}"})
            for fmt in ("pdf", "html")]


def archive_list(entries: list[dict], language: str) -> html.Div:
    """Return the archive of generated briefs with their files."""
    if not entries:
        items = [html.Li(t("summary.archive_empty", language), className="text-muted")]
    else:
        items = [html.Li([html.Span(" ".join(x for x in (e["period"], e["area"], e["lang"]) if x), className="me-2"),
                          *[html.A(fmt.upper(), className="me-2",
                                   href=f"/reports/brief-{e['period']}.{fmt}?lang={e['lang']}" + (f"&area={e['area']}" if e["area"] else ""))
                            for fmt in e["formats"]]]) for e in entries]
    return html.Div([html.H6(t("summary.archive", language)), html.Ul(items, className="list-unstyled small")],
                    **{"data-testid": "summary-archive"})


def refusal(message: str) -> html.Div:
    """Return the page body when the brief cannot honestly be given (a future period, before the data)."""
    return html.Div(message, className="alert alert-warning", **{"data-testid": "summary-refused"})


def _panel(title: str, *content, testid: str = "") -> html.Div:
    return html.Div([html.Div(title, className="card-header"), html.Div(list(content), className="card-body p-2")],
                    className="card h-100", **({"data-testid": testid} if testid else {}))


def _col(child, width: str = "col-12 col-xl-6") -> html.Div:
    return html.Div(child, className=f"{width} mb-3")


def brief_body(doc: BriefDocument, language: str) -> list:
    """Return the page body for a brief."""
    brief, charts = doc.brief, doc.charts[language]
    cards = [html.Div(kpi_card(name, value, note, f"summary-kpi-{kid}"), className="col-6 col-md-4 col-xl-2 mb-3")
             for kid, name, value, note in view.kpis(brief, language)]
    as_of = " ".join(x for x in (view.as_of_text(brief, language), view.coverage_text(brief, language)) if x)
    built = view.built_text(doc, language)
    rankings = [_col(_panel(view.ranking_title(r.level, language), simple_table(
        view.ranking_columns(language), view.ranking_rows(r.table, language), f"summary-ranking-{r.level}")))
        for r in brief.rankings]
    return [
        *([html.P(as_of, className="summary-provisional", **{"data-testid": "summary-provisional"})] if as_of else []),
        html.P(headline(brief, language), className="lead fs-6", **{"data-testid": "summary-headline"}),
        *([html.P(built, className="small text-muted", **{"data-testid": "summary-built"})] if built else []),
        html.Div(cards, className="row"),
        html.Div([_col(_panel(L("attention", language), attention_list(brief, language), testid="summary-attention"), "col-12")],
                 className="row"),
        html.Div([_col(_panel(L("trend", language), html.Img(src=charts["trend"], alt=L("trend", language), style=CHART))),
                  _col(_panel(L("categories", language), html.Img(src=charts["categories"], alt=L("categories", language),
                                                                  style=CHART)))], className="row"),
        html.Div([_col(_panel(L("scorecard", language), scorecard_table(doc, language),
                              html.P(L("score_note", language), className="small text-muted mt-2 mb-0"), testid="summary-scorecard")),
                  _col(_panel(f"{L('best', language)} / {L('worst', language)}", best_worst(brief, language)))], className="row"),
        html.Div(rankings, className="row"),
        html.Div([_col(_panel(L("levels", language), simple_table(
                      view.level_columns(language), view.level_rows(brief, language), "summary-levels"))),
                  _col(_panel(L("air", language), air_panel(doc, language)))], className="row"),
        html.Div([_col(_panel(view.label("alerts_fired", language), alert_table(brief.alerts_fired, language, brief.tz, "first_s", "summary-alerts-fired"))),
                  _col(_panel(view.label("alerts_open", language), alert_table(brief.alerts_open, language, brief.tz, "since_s", "summary-alerts-open")))],
                 className="row"),
        html.Div([_col(_panel(L("movers", language), simple_table(view.category_columns(brief, language), view.movers(brief, language),
                                                                  "summary-movers"))),
                  _col(_panel(L("map", language), *([html.Img(src=charts["map"], alt=L("map", language), className="img-fluid",
                                                               **{"data-testid": "summary-map"})] if charts["map"] else [])))],
                 className="row"),
        html.P(L("provisional_note" if brief.span.provisional else "final_note", language), className="text-muted small"),
    ]


def attention_list(brief, language: str):
    """Return the matters needing attention, or a line saying there are none."""
    if not brief.attention:
        return html.P(L("attention_none", language), className="mb-0")
    return html.Ol([html.Li(item.text(language)) for item in brief.attention], className="mb-0")


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
    """Return the period's air quality facts (and a day's hours at each level)."""
    rows = [[name, value] for name, value in view.air_summary(doc.brief, language)]
    hours = view.hours_text(doc.brief, language)
    if hours:
        rows.append([L("hours_at_level", language), hours])
    chart = doc.charts[language]["hours"]
    return html.Div([simple_table(["", ""], rows, "summary-air"),
                     *([html.Img(src=chart, alt=L("hours_at_level", language), className="img-fluid mt-2")] if chart else [])])


def alert_table(frame, language: str, tz: str, time_column: str, testid: str):
    """Return an alert table, or a line saying there were none."""
    if frame.empty:
        return html.Div(L("none", language), className="text-muted", **{"data-testid": testid})
    return simple_table(view.alert_columns(language), view.alert_rows(frame, language, tz, time_column), testid)
