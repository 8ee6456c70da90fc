"""Small reusable components: KPI cards, tables, the navigation bar."""

from __future__ import annotations

from dash import dcc, html

from data.text import inert
from layouts import ids
from layouts.i18n import t

# A graph's modebar: PNG export only; no Plotly logo and no button that sends a chart to Plotly's cloud.
NO_CLOUD = {"displaylogo": False, "showSendToCloud": False, "showEditInChartStudio": False, "plotlyServerURL": ""}


def kpi_card(label: str, value: str, note: str = "", testid: str = "", accent: str | None = None) -> html.Div:
    """Return a card with a label, a big value and a small note."""
    value_style = {"color": accent} if accent else None
    return html.Div(
        html.Div([
            html.Div(label, className="kpi-label"),
            html.Div(value, className="kpi-value", style=value_style, **{"data-testid": testid}),
            html.Div(note, className="kpi-note"),
        ], className="card-body"),
        className="card kpi-card h-100",
    )


def simple_table(columns: list[str], rows: list[list[str]], testid: str = "") -> html.Table:
    """Return a compact Bootstrap table; cell text is rendered as text, never as HTML, and inert
    (no direction controls, bounded: data.text.inert)."""
    head = html.Thead(html.Tr([html.Th(c) for c in columns]))
    body = html.Tbody([html.Tr([html.Td(inert(cell)) for cell in row]) for row in rows])
    return html.Table([head, body], className="table table-sm table-striped mb-0", **{"data-testid": testid})


def navbar(language: str, city_name: str, links: list[tuple[str, str]], current_path: str = "/") -> html.Div:
    """Return the top bar: product name, city, page links ((path, label) pairs) and the language switch."""
    return html.Div([
        html.Span(t("app.title", language), className="navbar-brand fw-bold"),
        html.Span(city_name, className="navbar-text me-4", **{"data-testid": "city-name"}),
        html.Div([dcc.Link(label, href=path, className="nav-link" + (" active" if path == current_path else ""))
                  for path, label in links], className="navbar-nav me-auto"),
        html.Div([
            html.Button("中文", id=ids.LANG_ZH, n_clicks=0,
                        className="btn btn-sm " + ("btn-light" if language == "zh" else "btn-outline-light")),
            html.Button("EN", id=ids.LANG_EN, n_clicks=0,
                        className="btn btn-sm ms-1 " + ("btn-light" if language == "en" else "btn-outline-light")),
        ]),
    ], className="container-fluid")
