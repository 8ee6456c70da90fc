"""The demo city's places: schools, hospitals, stations, venues, mines, chemical plants, construction
sites and key buildings, made deterministically from its geography (same seed, same places).

Schools, hospitals, stations and key buildings stand where people live (grids chosen by
population); mines and chemical plants where few do; the first venue is the city's event venue,
where the simulator's crowds gather. Sites (venues, mines, plants, construction sites) are
polygons: a small square around the chosen point, cut to its grid so the site lies in one grid.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import shapely

from data import places, writer
from data.demo import rand
from data.demo.sensor_names import place_names

# kind → (Chinese suffix, English suffix, where: "people" or "outskirts", half-side of a site in
# degrees, or 0 for a point)
DEMO_KINDS = {
    "school": ("小学", "Primary School", "people", 0.0),
    "hospital": ("医院", "Hospital", "people", 0.0),
    "station": ("客运站", "Bus Station", "people", 0.0),
    "venue": ("体育中心", "Sports Centre", "people", 0.0012),
    "mine": ("采石场", "Quarry", "outskirts", 0.002),
    "chemical_plant": ("化工厂", "Chemical Works", "outskirts", 0.0015),
    "construction_site": ("工地", "Building Site", "people", 0.0008),
    "key_building": ("大厦", "Tower", "people", 0.0),
}


def places_per_kind(n_grids: int) -> int:
    """Return how many places of each kind a city of ``n_grids`` grids has (3 in the tiny city)."""
    return int(np.clip(n_grids // 50, 3, 40))


def build_places(seed: int, geo) -> pd.DataFrame:
    """Return the demo city's places (the columns of the places table but batch_id and updated_at)."""
    grids = geo.grids()
    n = places_per_kind(len(grids))
    population = grids["population"].to_numpy(float) + 1.0
    frames = []
    for kind, (zh_suffix, en_suffix, where, half) in DEMO_KINDS.items():
        rng = rand.stream(seed, f"places.{kind}")
        weights = population if where == "people" else 1.0 / population
        chosen = rng.choice(len(grids), size=n, replace=n > len(grids), p=weights / weights.sum())
        lon, lat = geo.sample_points(chosen, rng)
        if kind == "venue":                 # the event venue, where the simulated crowds gather
            chosen[0] = geo.venue_grid_index
            venue = geo.features.loc[geo.features["kind"] == "venue", "geometry"].iloc[0]
            lon[0], lat[0] = venue.x, venue.y
        shapes = [_shape(x, y, half, grids["geometry"].iloc[g]) for x, y, g in zip(lon, lat, chosen)]
        zh, en = place_names(n, rng)
        frames.append(_frame(kind, shapes, grids["code"].to_numpy()[chosen], zh, en, zh_suffix, en_suffix))
    return pd.concat(frames, ignore_index=True)


def _shape(lon: float, lat: float, half: float, grid: shapely.Geometry) -> shapely.Geometry:
    """Return the point, or a square of half-side ``half`` degrees around it cut to its grid."""
    point = shapely.Point(lon, lat)
    if not half:
        return point
    site = shapely.box(lon - half, lat - half, lon + half, lat + half).intersection(grid)
    return site if site.geom_type == "Polygon" and not site.is_empty else point


def _frame(kind: str, shapes: list, grid_codes: np.ndarray, zh, en, zh_suffix: str, en_suffix: str) -> pd.DataFrame:
    points = [places.representative_point(s) for s in shapes]
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    return pd.DataFrame({
        "place_id": [f"DEMO-{kind}-{k + 1:03d}" for k in range(len(shapes))], "kind": kind,
        "name": [f"{z}{zh_suffix}" for z in zh], "name_en": [f"{e} {en_suffix}" for e in en],
        "geometry_wkt": [shapely.to_wkt(s, rounding_precision=7) for s in shapes], "lon": lon, "lat": lat,
        "reach_m": [places.reach_m(s, x, y) for s, x, y in zip(shapes, lon, lat)], "grid_code": grid_codes})


def write_places(con: duckdb.DuckDBPyConnection, seed: int, geo, registered_s: int) -> int:
    """Store the shipped place kinds and the demo city's places; return how many places."""
    places.load_kinds(con, places.shipped_kinds())
    frame = build_places(seed, geo).assign(batch_id=None, updated_at=float(registered_s))
    return writer.append_frame(con, "places", frame)
