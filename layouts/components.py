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


def navbar(language: str, city_name: str, links: list[tuple[str, str, str]], current_path: str = "/") -> html.Div:
    """Return the top bar: product name, city, page links ((path, label, menu) triples: a menu's pages,
    two or more, are listed under its name) and the language switch."""
    return html.Div([
        html.Span([html.Span(t("app.title", language), className="brand-full"),
                   html.Span(t("app.short_title", language), className="brand-short")], className="navbar-brand fw-bold"),
        html.Span(city_name, className="navbar-text me-3", **{"data-testid": "city-name"}),
        html.Div(_nav_items(links, current_path), className="navbar-nav me-auto"),
        html.Div([
            html.Button("中文", id=ids.LANG_ZH, n_clicks=0,
                        className="btn btn-sm " + ("btn-light" if language == "zh" else "btn-outline-light")),
            html.Button("EN", id=ids.LANG_EN, n_clicks=0,
                        className="btn btn-sm ms-1 " + ("btn-light" if language == "en" else "btn-outline-light")),
        ], className="nav-languages"),
    ], className="container-fluid")


def _nav_items(links: list[tuple[str, str, str]], current_path: str) -> list:
    """Return the bar's links in order, a menu in the place of its first page."""
    menus: dict[str, list] = {}
    for path, label, menu in links:
        menus.setdefault(menu or path, []).append((path, label, menu))
    items = []
    for group in menus.values():
        if len(group) > 1:
            items.append(_nav_menu(group[0][2], group, current_path))
        else:
            items.append(_nav_link(group[0][0], group[0][1], current_path))
    return items


def _nav_link(path: str, label: str, current_path: str, extra: str = "") -> dcc.Link:
    return dcc.Link(label, href=path, className="nav-link" + extra + (" active" if path == current_path else ""))


def _nav_menu(name: str, group: list, current_path: str) -> html.Details:
    """Return a menu of pages: its name opens the list (a native disclosure, keyboard included; assets/
    nav_menu.js closes it on a choice, a click elsewhere or Escape)."""
    here = any(path == current_path for path, _label, _menu in group)
    return html.Details([
        html.Summary(name, className="nav-link nav-menu-name" + (" active" if here else "")),
        html.Div([_nav_link(path, label, current_path, " nav-menu-link") for path, label, _menu in group],
                 className="nav-menu-list"),
    ], className="nav-menu", **{"data-testid": "nav-menu"})
