"""Places (schools, hospitals, sites…): validate a batch and upsert it into ``places``.

A row needs an id, a kind the store declares (data/places.py), a name and a geometry: WKT or
GeoJSON text in the ``geometry`` field, or ``lon`` and ``lat`` for a point. Every row that fails a
rule goes to quarantine with its reason (missing_id, bad_text, unknown_kind, bad_geometry,
outside_city, duplicate_in_file); none is dropped silently. A polygon is placed in the grid its
representative point lies in.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import shapely

from data import places, writer
from data.ingest import convert, coords, textcheck
from data.ingest.batches import Summary, registered
from data.ingest.gridindex import GridIndex
from data.ingest.mapping import Mapping
from data.ingest.readers import ROW
from data.ingest.rules import Verdicts

PLACE_COLUMNS = ("place_id", "kind", "name", "name_en", "geometry_wkt", "lon", "lat", "reach_m", "grid_code")


def prepare_places(frame: pd.DataFrame, mapping: Mapping, grids: GridIndex,
                   kinds: set[str]) -> tuple[pd.DataFrame, Verdicts]:
    """Return (clean place rows with ``_row``, verdicts for every row)."""
    verdicts = Verdicts(frame.index)
    out = pd.DataFrame({ROW: frame[ROW]}, index=frame.index)
    for name in ("place_id", "kind", "name", "name_en"):
        out[name] = convert.text_field(frame, mapping, name)
    verdicts.reject(out["place_id"].isna().to_numpy(), "missing_id")
    verdicts.reject(out["name"].isna().to_numpy(), "missing_id", "a place needs a name")
    textcheck.reject_bad_codes(out, verdicts, ("place_id", "kind", "name", "name_en"))
    verdicts.reject(~out["kind"].isin(sorted(kinds)).fillna(False).to_numpy(dtype=bool), "unknown_kind",
                    "kind: not one of " + ", ".join(sorted(kinds)))
    shapes, problems = _geometries(frame, mapping)
    verdicts.reject(pd.notna(problems), "bad_geometry", problems)
    _locate(out, shapes, grids, verdicts, mapping.outside_city == "keep")
    dup = out["place_id"].duplicated(keep="first") & out["place_id"].notna()
    verdicts.reject(dup.to_numpy(), "duplicate_in_file")
    return out[verdicts.ok], verdicts


def _geometries(frame: pd.DataFrame, mapping: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's checked WGS84 geometry (None where bad) and the problem of each bad one."""
    text = convert.text_field(frame, mapping, "geometry")
    lon, bad_lon = convert.number_field(frame, mapping, "lon")
    lat, bad_lat = convert.number_field(frame, mapping, "lat")
    shapes = np.full(len(frame), None, dtype=object)
    problems = np.full(len(frame), None, dtype=object)
    for row, (given, x, y, bad) in enumerate(zip(text.to_numpy(dtype=object, na_value=None),
                                                 lon.to_numpy("float64", na_value=np.nan),
                                                 lat.to_numpy("float64", na_value=np.nan),
                                                 (bad_lon | bad_lat).to_numpy(dtype=bool))):
        try:
            shapes[row] = _one_geometry(given, x, y, bad, mapping.coordinates)
        except places.GeometryError as exc:
            problems[row] = f"geometry: {exc}"
    return shapes, problems


def _one_geometry(given: str | None, lon: float, lat: float, bad_number: bool, system: str):
    """Return one row's geometry from its WKT/GeoJSON text, else from its lon and lat, in WGS84."""
    if given is None:
        if bad_number or np.isnan(lon) or np.isnan(lat):
            raise places.GeometryError("no geometry, and lon and lat are not both numbers")
        if lon == 0 and lat == 0:
            raise places.GeometryError("(0, 0) means no location")
        geometry = places.check_geometry(shapely.Point(lon, lat))
    else:
        geometry = places.parse_geometry(given)
    converted = coords.transform_geometries(np.array([geometry], dtype=object), system)[0]
    return geometry if system == "wgs84" else places.check_geometry(converted)


def _locate(out: pd.DataFrame, shapes: np.ndarray, grids: GridIndex, verdicts: Verdicts, keep_outside: bool) -> None:
    """Fill the WKT, representative point and grid of each row with a geometry; reject those outside
    every grid (unless the mapping keeps them, without a grid)."""
    points = [places.representative_point(g) if g is not None else (np.nan, np.nan) for g in shapes]
    lon = np.array([p[0] for p in points], dtype="float64")
    lat = np.array([p[1] for p in points], dtype="float64")
    out["geometry_wkt"] = [None if g is None else shapely.to_wkt(g, rounding_precision=7) for g in shapes]
    out["lon"], out["lat"] = lon, lat
    out["reach_m"] = [0.0 if g is None else places.reach_m(g, x, y) for g, x, y in zip(shapes, lon, lat)]
    if grids.empty:
        out["grid_code"] = None
        return
    positions = grids.assign_points(lon, lat).positions
    if not keep_outside:
        verdicts.reject(~np.isnan(lon) & (positions < 0), "outside_city", "the place's point lies outside every grid")
    out["grid_code"] = np.asarray(grids.categorical(positions).astype(object))


def store_places(con: duckdb.DuckDBPyConnection, clean: pd.DataFrame, batch_id: int, summary: Summary) -> None:
    """Insert new places and update known ones by id (inside the batch's transaction)."""
    places.ensure_kinds(con)
    frame = clean[list(PLACE_COLUMNS)].copy()
    for name in ("place_id", "kind", "name", "name_en", "geometry_wkt", "grid_code"):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    with registered(con, "_ingest_places", writer.frame_to_arrow(frame)):
        known = con.execute("SELECT count(*) FROM _ingest_places i SEMI JOIN places p USING (place_id)").fetchall()[0][0]
        names = ", ".join(PLACE_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in (*PLACE_COLUMNS[1:], "batch_id", "updated_at"))
        con.execute(f"INSERT INTO places ({names}, batch_id, updated_at) SELECT {names}, ?, now() FROM _ingest_places "
                    f"ON CONFLICT (place_id) DO UPDATE SET {updates}", [batch_id])
    summary.updated += int(known)
    summary.accepted += len(frame) - int(known)


def store_kinds(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Return the codes of the kinds a place may have (the store's, else the shipped ones)."""
    return {k.code for k in places.stored_kinds(con)}
