"""Grid boundaries from GeoJSON, Shapefile, GeoPackage or GeoParquet into ``admin_units``.

Geometry is reprojected to WGS84 from the CRS the file declares (or the mapping's ``crs``),
shifted from GCJ-02/BD-09 when the mapping says so, and repaired. Upper levels are dissolved
from the grids. Replacing the grids re-assigns every stored event and sensor with coordinates.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data import db, writer
from data.ingest import batches, convert, coords, gridcheck, textcheck
from data.ingest.batches import Summary
from data.ingest.mapping import Mapping, MappingError
from data.ingest.readers import ROW, ReadError, content_hash, missing_columns
from data.ingest.rules import Verdicts
from data.levels import LEVELS

UNIT_COLUMNS = ("code", "level", "level_no", "name_zh", "name_en", "parent_code", "city_code", "district_code",
                "street_code", "community_code", "area_km2", "population", "households", "centroid_lon",
                "centroid_lat", "geometry")


def read_grid_file(path: Path, mapping: Mapping) -> gpd.GeoDataFrame:
    """Return the file's features in WGS84 lon/lat with a ``_row`` column."""
    try:
        frame = gpd.read_parquet(path) if path.suffix.lower() in (".parquet", ".geoparquet") \
            else gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio and pyarrow raise many types; the message is what matters
        raise ReadError(f"Cannot read grid file {path.name}: {exc}") from None
    if mapping.crs:
        frame = frame.set_crs(mapping.crs, allow_override=True)
    elif frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    frame = frame.to_crs("EPSG:4326").reset_index(drop=True)
    frame.geometry = coords.transform_geometries(frame.geometry.to_numpy(), mapping.coordinates)
    frame[ROW] = np.arange(1, len(frame) + 1)
    return frame


def ingest_grids(con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping, progress: bool = False) -> Summary:
    """Replace the store's units with those of a grid file; return the batch summary."""
    if mapping.kind != "grids":
        raise MappingError(f"the mapping {mapping.name} is for {mapping.kind}, not grids")
    summary = Summary(kind="grids", source_name=path.name)
    digest = content_hash(_file_bytes(path), mapping)
    previous = batches.find_committed(con, "grids", digest)
    if previous is not None:
        summary.already_ingested_as = previous
        summary.rows_read = summary.duplicates = int(con.execute(
            "SELECT rows_read FROM ingest_batches WHERE batch_id = ?", [previous]).fetchone()[0])
        return summary
    frame = read_grid_file(path, mapping)
    absent = missing_columns(frame, mapping) + sorted(
        {c for lv in mapping.levels for c in (lv.code, lv.name) if c and c not in frame.columns})
    if absent:
        raise ReadError(f"The grid file lacks the columns the mapping names: {', '.join(absent)} "
                        f"(it has: {', '.join(c for c in frame.columns if c != 'geometry')})")
    summary.rows_read = len(frame)
    try:
        grids, verdicts, repaired = prepare_grids(frame, mapping)
        units = build_units(grids, mapping)
        refuse_shared_codes(units)
        summary.accepted, summary.quarantined = len(grids), verdicts.counts()
        summary.notes.update(repaired=repaired, levels=units["level"].value_counts().to_dict(),
                             **gridcheck.check_tiling(grids.geometry.to_numpy(), grids["code"].to_numpy(),
                                                      mapping.tolerance_m2))
        _replace_units(con, frame, units, verdicts, summary, digest, mapping)
    except (duckdb.Error, ValueError) as exc:
        batches.record_failure(con, summary, digest, f"{type(exc).__name__}: {exc}")
        raise
    return summary


def _replace_units(con, frame, units: pd.DataFrame, verdicts: Verdicts, summary: Summary, digest: str,
                   mapping: Mapping) -> None:
    """Replace every unit of the store with ``units`` in one batch, quarantining the rejected rows."""
    with db.transaction(con):
        batch_id = batches.open_batch(con, summary, digest, mapping.name)
        rejected = ~verdicts.ok
        batches.write_quarantine(con, batch_id, pd.DataFrame(frame.drop(columns="geometry"))[rejected],
                                 verdicts.reasons[rejected], verdicts.details[rejected])
        con.execute("DELETE FROM admin_units")
        writer.append_frame(con, "admin_units", units)
        summary.notes.update(gridcheck.reassign_all(con))
        batches.close_batch(con, summary)


def refuse_shared_codes(units: pd.DataFrame) -> None:
    """Raise ReadError naming the codes that two units share (a grid coded like its district, a
    street like a community): every unit of the hierarchy needs a code of its own."""
    shared = units[units["code"].duplicated(keep=False)]
    if shared.empty:
        return
    levels = shared.groupby("code", sort=True)["level"].agg(lambda found: "/".join(found))
    named = [f"{code} ({level})" for code, level in levels.head(20).items()]
    raise ReadError(f"Unit codes used twice (nothing was changed): {', '.join(named)}"
                    + (f" and {len(levels) - 20} more" if len(levels) > 20 else ""))


def _file_bytes(path: Path) -> bytes:
    # A shapefile is several files: hash all of its parts.
    if path.suffix.lower() == ".shp":
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.stem + ".*")))
    return path.read_bytes()


def prepare_grids(frame: gpd.GeoDataFrame, mapping: Mapping) -> tuple[gpd.GeoDataFrame, Verdicts, int]:
    """Return (valid grids with code, names, parents and population; verdicts; repaired count)."""
    verdicts = Verdicts(frame.index)
    out = gpd.GeoDataFrame({ROW: frame[ROW]}, geometry=_repair(frame.geometry.to_numpy()), crs="EPSG:4326")
    repaired = int((~shapely.is_valid(frame.geometry.to_numpy())).sum())
    out["name_zh"] = convert.text_field(frame, mapping, "name_zh")
    out["name_en"] = convert.text_field(frame, mapping, "name_en").fillna(out["name_zh"])
    out["name_zh"] = out["name_zh"].fillna(out["name_en"])
    out["code"] = _codes(frame, mapping, out["name_zh"])
    out["name_zh"] = out["name_zh"].fillna(out["code"])
    out["name_en"] = out["name_en"].fillna(out["name_zh"])
    verdicts.reject(out["code"].isna().to_numpy(), "missing_id", "grid code empty")
    textcheck.reject_bad_codes(out, verdicts, ("code", "name_zh", "name_en"))
    verdicts.reject((out.geometry.is_empty | out.geometry.isna()).to_numpy(), "bad_geometry")
    for name in ("population", "households"):
        values, bad = convert.number_field(frame, mapping, name)
        verdicts.reject((bad | (values < 0)).to_numpy(), "bad_field", f"{name} not a count")
        out[name] = values.round().astype("Int64")
    for level in mapping.levels:
        out[f"{level.level}_code"] = convert.as_text(frame[level.code or level.name])
        out[f"{level.level}_name"] = convert.as_text(frame[level.name or level.code])
        verdicts.reject(out[f"{level.level}_code"].isna().to_numpy(), "missing_id", f"{level.level} empty")
    duplicates = out.loc[verdicts.ok, "code"]
    duplicates = sorted(set(duplicates[duplicates.duplicated()]))
    if duplicates:
        raise ReadError(f"Duplicate grid codes (nothing was changed): {', '.join(map(str, duplicates[:20]))}")
    return out[verdicts.ok].reset_index(drop=True), verdicts, repaired


def _repair(geometries: np.ndarray) -> np.ndarray:
    """Return valid polygonal geometries: make_valid, then drop stray lines and points it may leave."""
    fixed = shapely.make_valid(geometries)
    parts, owner = shapely.get_parts(fixed, return_index=True)
    polygonal = np.isin(shapely.get_type_id(parts), (3, 6))
    grouped = gpd.GeoDataFrame({"owner": owner[polygonal]}, geometry=parts[polygonal]).dissolve(by="owner")
    out = np.full(len(geometries), None, dtype=object)
    out[grouped.index.to_numpy()] = grouped.geometry.to_numpy()
    return out


def _codes(frame: pd.DataFrame, mapping: Mapping, names: pd.Series) -> pd.Series:
    if mapping.spec("code") is not None:
        return convert.text_field(frame, mapping, "code")
    if not mapping.code_template:
        raise MappingError("grids need a code field or a code_template")
    match = re.fullmatch(r"(.*)\{seq(?::0?(\d+)d)?\}(.*)", mapping.code_template)
    if match is None:
        raise MappingError("code_template must look like 'SF{seq:03d}'")
    prefix, width, suffix = match.group(1), int(match.group(2) or 0), match.group(3)
    # Sequence numbers follow the names' order, so the same file always gets the same codes.
    order = names.fillna("").rank(method="first").astype(int).astype(str).str.zfill(width)
    return (prefix + order + suffix).astype("string")


def build_units(grids: gpd.GeoDataFrame, mapping: Mapping) -> pd.DataFrame:
    """Return admin_units rows: the grids and every upper level dissolved from them."""
    city = {"code": str(mapping.city.get("code", "city")), "name_zh": str(mapping.city.get("name_zh", mapping.name)),
            "name_en": str(mapping.city.get("name_en", mapping.city.get("name_zh", mapping.name)))}
    present = [lv.level for lv in mapping.levels]
    frames = [_unit_rows(grids.assign(city_code=city["code"], city_name=city["name_zh"]), "city", present, city)]
    grids = grids.assign(city_code=city["code"], city_name=city["name_zh"])
    for level in present:
        frames.append(_unit_rows(grids, level, present, city))
    frames.append(_grid_rows(grids, present, city))
    return pd.concat(frames, ignore_index=True)


def _unit_rows(grids: gpd.GeoDataFrame, level: str, present: list[str], city: dict) -> pd.DataFrame:
    key = f"{level}_code"
    above = ["city", *[lv for lv in present if LEVELS.index(lv) < LEVELS.index(level)]]
    columns = [key, f"{level}_name", *[f"{lv}_code" for lv in above if lv != level]]
    agg = grids.dissolve(by=key, aggfunc={f"{level}_name": "first", "population": "sum", "households": "sum",
                                          **{c: "first" for c in columns[2:]}})
    rows = pd.DataFrame({"code": agg.index.astype(str), "level": level, "name_zh": agg[f"{level}_name"].to_numpy()})
    rows["name_en"] = rows["name_zh"] if level != "city" else city["name_en"]
    parent = above[-1] if level != "city" else None
    rows["parent_code"] = agg[f"{parent}_code"].to_numpy() if parent else None
    return _finish(rows, agg, above, level)


def _grid_rows(grids: gpd.GeoDataFrame, present: list[str], city: dict) -> pd.DataFrame:
    above = ["city", *present]
    rows = pd.DataFrame({"code": grids["code"].astype(str).to_numpy(), "level": "grid",
                         "name_zh": grids["name_zh"].to_numpy(), "name_en": grids["name_en"].to_numpy(),
                         "parent_code": grids[f"{above[-1]}_code"].to_numpy()})
    return _finish(rows, grids, above, "grid")


def _finish(rows: pd.DataFrame, source: gpd.GeoDataFrame, above: list[str], level: str) -> pd.DataFrame:
    rows["level_no"] = np.int8(LEVELS.index(level))
    for lv in ("city", "district", "street", "community"):
        column = f"{lv}_code"
        rows[column] = source[column].astype(object).to_numpy() if lv in above and lv != level \
            and column in source else None
    geometry = source.geometry.to_numpy()
    rows["area_km2"] = gridcheck.areas_m2(geometry) / 1e6
    rows["population"] = pd.array(source["population"].to_numpy(), dtype="Int64").astype("Int32")
    rows["households"] = pd.array(source["households"].to_numpy(), dtype="Int64").astype("Int32")
    centroids = shapely.centroid(geometry)
    rows["centroid_lon"], rows["centroid_lat"] = shapely.get_x(centroids), shapely.get_y(centroids)
    rows["geometry"] = geometry
    for column in ("name_zh", "name_en", "parent_code"):
        rows[column] = rows[column].astype(object)
    return rows[list(UNIT_COLUMNS)]
