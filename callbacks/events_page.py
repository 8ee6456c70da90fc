"""Callbacks of the /events page: filter choices, server-side pages of cases, one case and revealing its personal data.

The server decides masking: rows and the case leave here masked unless the signed-in role holds
``pii.unmask`` (access/accounts.py, the permission exports use) and pressed the reveal button, and
that reveal is written to the audit log like an unmasked export.
"""

from __future__ import annotations

from urllib.parse import urlencode

from dash import Input, Output, State, callback, clientside_callback, ctx, html, no_update

from access import privacy
from access.roles import current_principal
from callbacks import context
from data import audit, inputs
from layouts import events_page as view
from layouts import ids
from layouts import orders as order_view
from layouts.i18n import normalise_language, t
from queries import events_page as cases
from queries import orders as order_queries

UNMASK = "pii.unmask"
HIDDEN, SHOWN = {"display": "none"}, {}


@callback(Output(ids.EVENTS_SOURCE, "options"), Output(ids.EVENTS_CATEGORY, "options"),
          Output(ids.EVENTS_STATUS, "options"),
          Output(ids.EVENTS_LEVEL, "options"), Output(ids.EVENTS_OVERDUE, "options"),
          Output(ids.EVENTS_GRID, "columnDefs"),
          Output(ids.EVENTS_SOURCE, "placeholder"), Output(ids.EVENTS_CATEGORY, "placeholder"),
          Output(ids.EVENTS_STATUS, "placeholder"),
          Output(ids.EVENTS_LEVEL, "placeholder"), Output(ids.EVENTS_UNIT, "placeholder"),
          Output(ids.EVENTS_REVEAL, "children"),
          Input(ids.LANGUAGE, "data"))
def label_controls(language):
    """Fill the filter choices, the column headers and the hints in the UI language."""
    language = normalise_language(language)
    con = context.current().cursor()
    return (view.source_options(cases.list_sources(con), language),
            view.category_options(cases.list_categories(con), language),
            view.status_options(language), view.level_options(language),
            [{"label": t("events.overdue", language), "value": "1"}], view.column_defs(language),
            *(t(f"events.{key}", language) for key in ("source", "category", "status", "level", "unit", "reveal")))


@callback(Output(ids.EVENTS_UNIT, "options"), Input(ids.EVENTS_UNIT, "search_value"), State(ids.EVENTS_UNIT, "value"),
          State(ids.LANGUAGE, "data"))
def find_units(search, chosen, language):
    """Offer the units whose code or name matches what is typed (the chosen one stays on offer)."""
    language = normalise_language(language)
    search, chosen = inputs.text(search, "events-unit.search_value"), inputs.text(chosen, "events-unit.value")
    con = context.current().cursor()
    units = cases.search_units(con, search)
    if chosen and all(u["code"] != chosen for u in units):
        units = [u for u in (cases.find_unit(con, chosen),) if u] + units
    return view.unit_options(units, language)


@callback(Output(ids.EVENTS_FILTERS, "data"), Input(ids.EVENTS_SOURCE, "value"), Input(ids.EVENTS_CATEGORY, "value"),
          Input(ids.EVENTS_STATUS, "value"), Input(ids.EVENTS_LEVEL, "value"), Input(ids.EVENTS_OVERDUE, "value"),
          Input(ids.EVENTS_UNIT, "value"), Input(ids.EVENTS_SINCE, "date"), Input(ids.EVENTS_UNTIL, "date"),
          prevent_initial_call=True)
def collect_filters(source, category, status, level, overdue, unit, since, until):
    """Keep the chosen filters (as /events URL parameters)."""
    return cases.CaseFilters.from_values(source, category, status, level, "1" if overdue else None, unit, since,
                                         until).as_query()


def filters_of(query: dict | None) -> cases.CaseFilters:
    """Return the filters kept as URL parameters."""
    query = dict(inputs.mapping(query, "events-filters.data"))
    return cases.CaseFilters.from_values(handling_level=query.pop("level", None),
                                         **{k: v for k, v in query.items() if k in cases.CaseFilters.__dataclass_fields__})


@callback(Output(ids.EVENTS_COUNT, "children"), Input(ids.EVENTS_FILTERS, "data"), Input(ids.LANGUAGE, "data"))
def count_cases(query, language):
    """Say how many cases match."""
    app = context.current()
    total = cases.count_cases(app.cursor(), filters_of(query), app.now_s(), app.tz)
    return t("events.count", normalise_language(language)).format(n=f"{total:,}")


# New filters: drop the grid's cached pages so that it asks the server again from the first page. A grid
# not initialised yet (getApi throws) has no pages to drop: it asks with the filters of the moment.
clientside_callback(
    """function (filters) {
        let api = null;
        try { api = window.dash_ag_grid && window.dash_ag_grid.getApi('events-grid'); } catch (notYet) { api = null; }
        if (api) { api.purgeInfiniteCache(); api.paginationGoToFirstPage(); }
        return Date.now();
    }""",
    Output(ids.EVENTS_PURGED, "data"), Input(ids.EVENTS_FILTERS, "data"), prevent_initial_call=True)

# Keep the address bar equal to the filters and the open case (a shareable link) without reloading.
clientside_callback(
    """function (filters, chosen) {
        const params = new URLSearchParams(filters || {});
        if (chosen && chosen.event_id) { params.set('case', chosen.event_id); }
        const search = params.toString();
        window.history.replaceState(window.history.state, '', window.location.pathname + (search ? '?' + search : ''));
        return search;
    }""",
    Output(ids.EVENTS_URL_SYNC, "data"), Input(ids.EVENTS_FILTERS, "data"), Input(ids.EVENTS_CASE, "data"),
    prevent_initial_call=True)


@callback(Output(ids.EVENTS_GRID, "getRowsResponse"), Input(ids.EVENTS_GRID, "getRowsRequest"),
          State(ids.EVENTS_FILTERS, "data"),
          State(ids.LANGUAGE, "data"))
def serve_rows(request, query, language):
    """Answer the grid's request for rows startRow..endRow under its sort: one SQL page, masked."""
    if not request:
        return no_update
    app = context.current()
    language, con, filters = normalise_language(language), app.cursor(), filters_of(query)
    request = inputs.mapping(request, "events-grid.getRowsRequest")
    start = inputs.whole_number(request.get("startRow") or 0, "events-grid.getRowsRequest.startRow", 0, 2**53)
    end = inputs.whole_number(request.get("endRow") or start + view.PAGE_SIZE, "events-grid.getRowsRequest.endRow",
                              0, 2**53)
    size = max(end - start, 1)
    sort_model = request.get("sortModel") or []
    if not isinstance(sort_model, list):
        raise inputs.InputError("events-grid.getRowsRequest.sortModel", "a list")
    sort = [(s.get("colId"), s.get("sort")) for s in sort_model if isinstance(s, dict)]
    page = cases.list_cases(con, filters, app.now_s(), app.tz, sort or cases.DEFAULT_SORT, start, size)
    now_s = app.now_s()
    rows = [view.grid_row(privacy.mask_event(case), cases.sla_clock(case["due_s"], case["resolved_s"], now_s, case["status"]),
                          language, app.tz) for case in page]
    return {"rowData": rows, "rowCount": cases.count_cases(con, filters, app.now_s(), app.tz)}


@callback(Output(ids.EVENTS_CASE, "data"), Input(ids.EVENTS_GRID, "selectedRows"), prevent_initial_call=True)
def choose_case(selected):
    """Open the case of the row clicked."""
    if not selected:
        return no_update
    if not isinstance(selected, list) or not isinstance(selected[0], dict):
        raise inputs.InputError("events-grid.selectedRows", "a list of rows")
    row = selected[0]
    return {"event_id": inputs.text(row.get("event_id"), "events-grid.selectedRows.event_id"),
            "source": inputs.text(row.get("case_source"), "events-grid.selectedRows.case_source")}


@callback(Output(ids.EVENTS_PANEL, "children"), Output(ids.EVENTS_REVEAL, "style"),
          Output(ids.EVENTS_REVEAL_NOTE, "children"),
          Input(ids.EVENTS_CASE, "data"), Input(ids.EVENTS_REVEAL, "n_clicks"), Input(ids.LANGUAGE, "data"))
def show_case(chosen, _reveal_clicks, language):
    """Show the chosen case masked, or unmasked (and audited) when a permitted role pressed reveal."""
    return case_view(chosen, ctx.triggered_id == ids.EVENTS_REVEAL, normalise_language(language))


def case_view(chosen: dict | None, reveal_asked: bool, language: str) -> tuple:
    """Return (panel, reveal button style, note): personal data shown only to pii.unmask roles that asked."""
    chosen = inputs.mapping(chosen, "events-case.data")
    if not chosen.get("event_id"):
        return html.Div(t("events.pick", language), className="text-muted"), HIDDEN, ""
    inputs.text(chosen["event_id"], "events-case.data.event_id")
    inputs.text(chosen.get("source"), "events-case.data.source")
    app = context.current()
    con = app.cursor()
    case = cases.find_case(con, str(chosen["event_id"]), chosen.get("source"))
    if case is None:
        return (html.Div(t("events.not_found", language).format(id=str(chosen["event_id"])[:64]),
                         className="text-danger", **{"data-testid": "case-not-found"}), HIDDEN, "")
    principal = current_principal()
    may_unmask = principal is not None and principal.may(UNMASK)
    revealed = may_unmask and reveal_asked
    if revealed:
        record_reveal(con, principal, case)
    shown = case if revealed else privacy.mask_event(case)
    clock = cases.sla_clock(case["due_s"], case["resolved_s"], app.now_s(), case["status"])
    panel = view.case_panel(shown, cases.case_history(con, case["source"], case["event_id"]), clock, language, app.tz)
    panel.children.insert(2, case_links(con, case, principal, language))
    note = t("events.revealed" if revealed else "events.masked_note" if may_unmask else "events.no_permission", language)
    return panel, (SHOWN if may_unmask and not revealed else HIDDEN), note


def case_links(con, case: dict, principal, language: str):
    """Return the case's links: its grid on /map, a new work order from it, its work orders."""
    key = f"{case['source']}:{case['event_id']}"
    map_href = "/map?" + urlencode({"unit": case["grid_code"]}) if case.get("grid_code") else None
    return order_view.source_links("case", key, order_queries.orders_of_source(con, "case", key),
                                   map_href, principal is not None and principal.may("orders.dispatch"), language)


def record_reveal(con, principal, case: dict) -> None:
    """Write one case's unmasking to the audit log (who, which case, from where)."""
    from flask import has_request_context, request

    remote = request.remote_addr if has_request_context() else None
    audit.record(con, principal.actor, UNMASK, f"event:{case['source']}:{case['event_id']}",
                 {"via": "events.page"}, remote)
