"""Sensors (stations, gauges, counters): validate a batch and upsert it into ``sensors``."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from data import writer
from data.ingest import convert, textcheck
from data.ingest.batches import Summary, registered, write_flags
from data.ingest.gridindex import GridIndex
from data.ingest.locate import locate
from data.ingest.mapping import Mapping
from data.ingest.readers import ROW
from data.ingest.rules import Verdicts

SENSOR_COLUMNS = ("sensor_id", "kind", "name_zh", "name_en", "grid_code", "lon", "lat", "metrics", "interval_min",
                  "installed_at", "retired_at")


def prepare_sensors(frame: pd.DataFrame, mapping: Mapping, grids: GridIndex,
                    now: pd.Timestamp) -> tuple[pd.DataFrame, Verdicts]:
    """Return (clean sensor rows with ``_row``, verdicts for every row)."""
    verdicts = Verdicts(frame.index)
    out = pd.DataFrame({ROW: frame[ROW]}, index=frame.index)
    out["sensor_id"] = convert.text_field(frame, mapping, "sensor_id")
    verdicts.reject(out["sensor_id"].isna().to_numpy(), "missing_id")
    out["kind"] = convert.text_field(frame, mapping, "kind").fillna("unknown")
    out["name_zh"] = convert.text_field(frame, mapping, "name_zh").fillna(out["sensor_id"])
    out["name_en"] = convert.text_field(frame, mapping, "name_en").fillna(out["name_zh"])
    textcheck.reject_bad_codes(out, verdicts, ("sensor_id", "kind", "name_zh", "name_en"))
    metrics = convert.text_field(frame, mapping, "metrics").fillna("")
    # Kept as comma-separated text here; the INSERT splits it into a list in SQL.
    out["metrics"] = metrics.str.lower().str.replace(r"[,;|\s]+", ",", regex=True).astype(object)
    interval, bad = convert.number_field(frame, mapping, "interval_min")
    interval = interval.fillna(60)
    verdicts.reject((bad | (interval <= 0)).to_numpy(), "bad_field", "interval_min must be a positive number")
    out["interval_min"] = interval.where(interval > 0, 60).round().astype("int32")
    for name in ("installed_at", "retired_at"):
        values, bad = convert.time_field(frame, mapping, name)
        verdicts.reject(bad.to_numpy(), "bad_time", f"{name} unparsable")
        out[name] = values
    located = locate(frame, mapping, grids, verdicts)
    out["lon"], out["lat"], out["grid_code"] = located.lon, located.lat, located.grid_code
    out["_mismatch"], out["_point_grid"], out["_overlap"] = located.mismatch, located.point_grid, located.overlap
    dup = out["sensor_id"].duplicated(keep="first") & out["sensor_id"].notna()
    verdicts.reject(dup.to_numpy(), "duplicate_in_file")
    return out[verdicts.ok], verdicts


def store_sensors(con: duckdb.DuckDBPyConnection, clean: pd.DataFrame, batch_id: int, summary: Summary) -> None:
    """Insert new sensors and update known ones (inside the batch's transaction)."""
    _flag(con, clean, batch_id, summary)
    frame = clean[list(SENSOR_COLUMNS)].copy()
    for name in ("kind", "name_zh", "name_en", "sensor_id", "metrics"):
        frame[name] = frame[name].astype(object)
    frame["grid_code"] = frame["grid_code"].astype(object)
    with registered(con, "_ingest_sensors", writer.frame_to_arrow(frame)):
        known = con.execute("SELECT count(*) FROM _ingest_sensors i SEMI JOIN sensors s USING (sensor_id)").fetchone()[0]
        names = ", ".join(SENSOR_COLUMNS)
        values = names.replace("metrics", "list_filter(string_split(metrics, ','), lambda m: m <> '')")
        updates = ", ".join(f"{c} = excluded.{c}" for c in SENSOR_COLUMNS[1:])
        con.execute(f"INSERT INTO sensors ({names}) SELECT {values} FROM _ingest_sensors "
                    f"ON CONFLICT (sensor_id) DO UPDATE SET {updates}")
    summary.updated += int(known)
    summary.accepted += len(frame) - int(known)


def _flag(con: duckdb.DuckDBPyConnection, clean: pd.DataFrame, batch_id: int, summary: Summary) -> None:
    """Flag sensors whose grid code disagrees with their point, or whose point lies in several grids."""
    flagged = clean[clean["_mismatch"].astype(bool)]
    if len(flagged):
        point = flagged["_point_grid"].astype(object).where(flagged["_point_grid"].notna(), "no grid")
        summary.flagged["grid_mismatch"] = write_flags(
            con, batch_id, flagged[ROW].to_numpy(), flagged["sensor_id"].to_numpy(), "grid_mismatch",
            ("grid_code " + flagged["grid_code"].astype(str) + ", point in " + point.astype(str)).to_numpy())
    overlapping = clean[clean["_overlap"].notna()]
    if len(overlapping):
        summary.flagged["grid_overlap"] = write_flags(
            con, batch_id, overlapping[ROW].to_numpy(), overlapping["sensor_id"].to_numpy(), "grid_overlap",
            overlapping["_overlap"].to_numpy())


def known_sensors(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    """Return the ids of the store's sensors."""
    return np.asarray([r[0] for r in con.execute("SELECT sensor_id FROM sensors").fetchall()], dtype=object)
