"""Read models of the places and cameras layers: what each map point shows, from the store.

Places come with their kind's names and icon (the store's kinds, or the shipped ones while it has
none); cameras from the camera registry (data/cameras.py) with their online status. Both are
bounded by the same limit, so a city that loads a huge registry still gets a map that draws.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from data.places import stored_kinds

MAX_POINTS = 20_000          # points a layer draws at most (in id order)


def kinds_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the place kinds: code, name_zh, name_en, icon, near_m."""
    return pd.DataFrame([k.__dict__ for k in stored_kinds(con)], columns=["code", "name_zh", "name_en", "icon", "near_m"])


def map_places(con: duckdb.DuckDBPyConnection, limit: int = MAX_POINTS) -> pd.DataFrame:
    """Return the places to draw (at most ``limit``): place_id, kind, name, name_en, lon, lat, kind_zh,
    kind_en, icon."""
    frame = con.execute("SELECT place_id, kind, name, name_en, lon, lat FROM places ORDER BY place_id LIMIT ?",
                        [min(limit, MAX_POINTS)]).df()
    kinds = kinds_frame(con).rename(columns={"code": "kind", "name_zh": "kind_zh", "name_en": "kind_en"})
    return frame.merge(kinds[["kind", "kind_zh", "kind_en", "icon"]], on="kind", how="left")


def map_cameras(con: duckdb.DuckDBPyConnection, limit: int = MAX_POINTS) -> pd.DataFrame:
    """Return the registered cameras with a point (at most ``limit``): camera_id, name, place, lon, lat, online."""
    return con.execute("SELECT camera_id, name, place, lon, lat, online FROM cameras "
                       "WHERE lon IS NOT NULL AND lat IS NOT NULL ORDER BY camera_id LIMIT ?",
                       [min(limit, MAX_POINTS)]).df()


def layer_points(con: duckdb.DuckDBPyConnection, places: bool, cameras: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the points of the places and cameras layers, the /map's and the wall's: each layer's when
    it is switched on, none read (an empty frame) when it is off."""
    return (map_places(con, MAX_POINTS if places else 0), map_cameras(con, MAX_POINTS if cameras else 0))
