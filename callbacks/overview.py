"""Callbacks of the overview page."""

from dash import Input, Output, callback

from callbacks import context
from data import geo
from layouts import figures, ids
from layouts.i18n import normalise_language, t
from layouts.overview import overview_body
from queries.overview import city_today


@callback(Output(ids.OVERVIEW_BODY, "children"), Input(ids.OVERVIEW_TICK, "n_intervals"), Input(ids.LANGUAGE, "data"))
def refresh_overview(_ticks, language):
    """Redraw today's figures from the store."""
    app = context.current()
    language = normalise_language(language)
    data = city_today(app.cursor(), app.now_s(), app.tz)
    street_map = figures.unit_choropleth(
        data.by_street, app.remember("geojson.street", lambda: geo.unit_geojson(app.cursor(), "street")),
        app.remember("view.city", lambda: geo.city_view(app.cursor())), "per_10k", t("map.per_10k", language),
        language, overlays=(app.remember("geojson.river", lambda: geo.feature_geojson(app.cursor(), "river")),))
    return overview_body(data, language, app.tz, street_map)
