"""The vendored MapLibre style of the offline basemap, light (pages) and dark (the wall).

One style for the built basemap and for an imported OpenMapTiles extract (the layers read the
OpenMapTiles schema: water, park, landuse, transportation, boundary, place). Every URL in it is on
the app's own origin: the tiles, the label font declared under ``font-faces`` (MapLibre draws the
glyphs in the browser, so there is no glyph server) and the place icons' sprite. Without tiles the
style is the background, the font and the sprite only, and the maps draw on it as before.
"""

from __future__ import annotations

from data.basemap_font import FONT_FAMILY
from data import basemap
from layouts.theme import BASEMAP_PALETTE

THEMES = ("light", "dark")
SOURCE = "city-basemap"
# admin_level → (line width, dash) of a boundary: districts bold, streets dashed, communities fine.
BOUNDARY_LINES = ((6, 1.6, None), (8, 1.0, [3, 2]), (10, 0.6, [1, 2]))
LABEL_SIZES = (("suburb", 15), ("quarter", 13), ("neighbourhood", 12))


def style_json(theme: str, language: str, origin: str, tiles: dict | None, text_scale: float = 1.0) -> dict:
    """Return the style; ``tiles`` = {"minzoom", "maxzoom", "bounds"} of the store's basemap, or None;
    ``text_scale`` enlarges the labels (a wall reads them from across the hall)."""
    paint = BASEMAP_PALETTE[theme if theme in THEMES else "light"]
    style = {"version": 8, "name": f"city-vitals-{theme}",
             "sources": {"city-empty": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}},
             "font-faces": {FONT_FAMILY: f"{origin}/basemap/font.otf"},
             "sprite": f"{origin}/basemap/sprite",        # the place icons (api/place_icons.py)
             "layers": [{"id": "cv-background", "type": "background", "paint": {"background-color": paint["background"]}}]}
    # No animated paint changes: without a GPU every frame is drawn in software and read back for
    # the compositor, so a 300 ms fade costs several full frames on each update.
    style["transition"] = {"duration": 0, "delay": 0}
    if tiles:
        style["sources"][SOURCE] = {"type": "vector", "tiles": [f"{origin}/basemap/tiles/{{z}}/{{x}}/{{y}}.pbf"],
                                    "minzoom": int(tiles["minzoom"]), "maxzoom": int(tiles["maxzoom"]),
                                    "bounds": list(tiles["bounds"])}
        style["layers"] += _area_layers(paint) + _line_layers(paint) + _label_layers(paint, language, text_scale)
    return style


def first_label_layer(style: dict) -> str | None:
    """Return the id of the style's first label layer (choropleths go below it), or None."""
    return next((layer["id"] for layer in style["layers"] if layer["type"] == "symbol"), None)


def _area_layers(paint: dict) -> list[dict]:
    return [_layer("cv-landuse", "fill", "landuse", {"fill-color": paint["landuse"]}),
            _layer("cv-park", "fill", "park", {"fill-color": paint["park"]}),
            _layer("cv-water", "fill", "water", {"fill-color": paint["water"]})]


def _line_layers(paint: dict) -> list[dict]:
    roads = [_layer("cv-road-casing", "line", "transportation", {"line-color": paint["road_casing"], "line-width": 4}),
             _layer("cv-road", "line", "transportation", {"line-color": paint["road"], "line-width": 2.4})]
    boundaries = []
    for level, width, dash in BOUNDARY_LINES:
        line = {"line-color": paint["boundary"], "line-width": width, **({"line-dasharray": dash} if dash else {})}
        boundaries.append(_layer(f"cv-boundary-{level}", "line", "boundary", line, ["==", ["get", "admin_level"], level]))
    return roads + boundaries


def _label_layers(paint: dict, language: str, scale: float) -> list[dict]:
    name = ["coalesce", ["get", "name_en"], ["get", "name"]] if language == "en" else ["get", "name"]
    text = {"text-color": paint["label"], "text-halo-color": paint["halo"], "text-halo-width": 1.5}
    layers = [_layer("cv-water-label", "symbol", "water", text, None,
                     {"text-field": name, "text-font": [FONT_FAMILY], "text-size": round(13 * scale, 1),
                      "symbol-placement": "point"})]
    for cls, size in LABEL_SIZES:
        layers.append(_layer(f"cv-place-{cls}", "symbol", "place", text, ["==", ["get", "class"], cls],
                             {"text-field": name, "text-font": [FONT_FAMILY], "text-size": round(size * scale, 1),
                              "text-max-width": 8}))
    return layers


def _layer(layer_id: str, kind: str, source_layer: str, paint: dict, condition: list | None = None,
           layout: dict | None = None) -> dict:
    layer = {"id": layer_id, "type": kind, "source": SOURCE, "source-layer": source_layer, "paint": paint}
    if condition is not None:
        layer["filter"] = condition
    if layout:
        layer["layout"] = layout
    return layer


def store_style(con, theme: str, language: str, origin: str, text_scale: float = 1.0) -> dict | str:
    """Return the map style of the store: the intranet style URL its profile names, else the vendored
    style over its own tiles (or over none, when it has no basemap)."""
    found = basemap.tile_metadata(con)
    return found["style_url"] or style_json(theme, language, origin, found["tiles"], text_scale)
