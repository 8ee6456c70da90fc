"""Callbacks of the /indicators page: domain options, the search results and one indicator's detail."""

from __future__ import annotations

from dash import Input, Output, callback, html

from callbacks import context
from indicators.catalog import Catalog
from indicators.catalog_search import latest_city_statuses, latest_value, search_catalog
from layouts import ids
from layouts import indicators_page as view
from layouts.i18n import normalise_language, t


def catalog() -> Catalog:
    """Return the server's one catalog (shared with every page, the alert evaluator and the briefs)."""
    return context.current().catalog


@callback(Output(ids.INDICATORS_DOMAIN, "options"), Output(ids.INDICATORS_DOMAIN, "placeholder"),
          Output(ids.INDICATORS_SEARCH, "placeholder"), Output(ids.INDICATORS_COMPUTABLE, "options"),
          Input(ids.LANGUAGE, "data"))
def label_controls(language):
    """Fill the domain choices, the hints and the coverage filter (how many the city computes) in the UI language."""
    language = normalise_language(language)
    current = catalog()
    return (view.domain_options(current.domains, language), t("indicators.domain", language),
            t("indicators.search", language),
            view.computable_options(len(current) - len(current.lacking), len(current), language))


@callback(Output(ids.INDICATORS_RESULTS, "children"), Input(ids.INDICATORS_SEARCH, "value"),
          Input(ids.INDICATORS_DOMAIN, "value"), Input(ids.INDICATORS_COMPUTABLE, "value"),
          Input(ids.LANGUAGE, "data"))
def show_results(query, domain, computable_only, language):
    """List the indicators matching the search (only those the city computes, when asked), with each
    one's current city value and status, or the mark that the city lacks an input for it."""
    language = normalise_language(language)
    query = (query or "")[:80]
    current = catalog()
    hits, total = search_catalog(current, query, domain or None,
                                 exclude=set(current.lacking) if computable_only else None)
    values = latest_city_statuses(context.current().cursor(), [hit.indicator.id for hit in hits])
    domains = {d.id: d for d in current.domains}
    return view.result_list(hits, total, values, domains, query, language, current.lacking)


@callback(Output(ids.INDICATORS_DETAIL, "children"), Input(ids.INDICATORS_SELECTED, "data"),
          Input(ids.LANGUAGE, "data"))
def show_detail(indicator_id, language):
    """Show the chosen indicator's definition, formula, thresholds, owner and current city value."""
    language = normalise_language(language)
    if not indicator_id:
        return html.Div(t("indicators.pick", language), className="text-muted")
    current = catalog()
    if not isinstance(indicator_id, str) or indicator_id not in current:
        return html.Div(t("indicators.unknown", language).format(id=str(indicator_id)[:100]), className="text-danger",
                        **{"data-testid": "indicator-unknown"})
    indicator = current[indicator_id]
    domain = next((d for d in current.domains if d.id == indicator.domain), None)
    app = context.current()
    return view.detail_panel(indicator, domain, latest_value(app.cursor(), indicator_id), language, app.tz,
                             current.lacking.get(indicator_id, ()))
