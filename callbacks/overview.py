"""Callbacks of the overview page."""

from dash import Input, Output, callback

from callbacks import context
from data import geo
from layouts import figures, ids
from layouts.i18n import normalise_language, t
from layouts.overview import overview_body
from layouts.widget_texts import localise_widgets
from queries.overview import city_today
from queries.screen import top_units


@callback(Output(ids.OVERVIEW_BODY, "children"), Input(ids.OVERVIEW_TICK, "n_intervals"), Input(ids.LANGUAGE, "data"))
def refresh_overview(_ticks, language):
    """Redraw today's figures from the store."""
    app = context.current()
    language = normalise_language(language)
    data = city_today(app.cursor(), app.now_s(), app.tz)
    street_map = figures.unit_choropleth(
        data.by_street, geometry("geojson.street", lambda: geo.unit_geojson(app.cursor(), "street")),
        geometry("view.city", lambda: geo.city_view(app.cursor())), "per_10k", t("map.per_10k", language),
        language, overlays=(geometry("geojson.river", lambda: geo.feature_geojson(app.cursor(), "river")),),
        drawing=street_map_drawing(language))
    return localise_widgets(overview_body(data, language, app.tz, street_map), language)


def street_map_drawing(language: str) -> dict:
    """Return the basemap and the level above the streets (the districts, when the city has them)."""
    app = context.current()
    drawing = {"style": app.map_style("light", language)}
    top = geometry("units.top", lambda: top_units(app.cursor()))
    if not top.empty and top["level"].iloc[0] == "district":
        drawing.update(above_units=top, above_geojson=geometry("geojson.district",
                                                               lambda: geo.unit_geojson(app.cursor(), "district")))
    return drawing


def geometry(key: str, build):
    """Return a map's geometry or view, built again only after the geometry (units, features) changed."""
    return context.current().remember(key, build, families=("geometry",))
