"""Readings: long files (one value per row) or wide ones (a column per metric), validated and appended.

Wide files are melted first, so every count in the summary is a count of readings. Empty cells
of a wide file are readings that were never taken: counted as ``missing``, not quarantined.
Readings are unique per (sensor, metric, ts): an anti-join against the store skips known ones.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from data import writer
from data.ingest import convert
from data.ingest.batches import Summary, registered, write_flags
from data.ingest.mapping import Mapping
from data.ingest.readers import ROW
from data.ingest.rules import Verdicts, limits_for

QUALITIES = ("ok", "suspect", "invalid")


def melt_readings(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Return one row per reading: the source columns plus ``_metric`` and ``_value`` (raw)."""
    if not mapping.metrics:
        out = frame.copy()
        out["_metric"] = convert.text_field(frame, mapping, "metric").str.lower()
        out["_value"] = _raw_value(frame, mapping.spec("value").column) if mapping.spec("value").column \
            else convert.text_field(frame, mapping, "value")
        return out
    parts = []
    for metric in mapping.metrics:
        part = frame.copy()
        part["_metric"] = metric.name
        part["_value"] = _raw_value(frame, metric.column)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _raw_value(frame: pd.DataFrame, column: str) -> pd.Series:
    series = frame[column]
    return series if pd.api.types.is_numeric_dtype(series.dtype) else convert.as_text(series)


def prepare_readings(melted: pd.DataFrame, frame: pd.DataFrame, mapping: Mapping, sensors: np.ndarray,
                     now: pd.Timestamp) -> tuple[pd.DataFrame, Verdicts, np.ndarray]:
    """Return (clean readings, verdicts, mask of missing cells) for melted readings."""
    verdicts = Verdicts(melted.index)
    ts, bad_ts = convert.time_field(frame, mapping, "ts")
    repeat = len(melted) // max(len(frame), 1) if mapping.metrics else 1
    out = pd.DataFrame({ROW: melted[ROW].to_numpy()}, index=melted.index)
    out["sensor_id"] = np.tile(convert.text_field(frame, mapping, "sensor_id").to_numpy(dtype=object,
                                                                                       na_value=None), repeat)
    out["ts"] = np.tile(ts.to_numpy(), repeat)
    out["ts"] = pd.to_datetime(out["ts"], utc=True)
    out["metric"] = melted["_metric"].astype(object).to_numpy()
    raw = melted["_value"]
    missing = raw.isna().to_numpy()
    values, bad = (raw.astype("float64"), pd.Series(False, index=raw.index)) \
        if pd.api.types.is_numeric_dtype(raw.dtype) else convert.to_number(raw)
    _check(out, verdicts, np.tile(bad_ts.to_numpy(), repeat), sensors, mapping, now)
    verdicts.reject(bad.to_numpy(), "non_numeric_value", out["metric"].to_numpy())
    out["value"], out["quality"] = _scaled(values.to_numpy("float64", na_value=np.nan), out, verdicts, mapping)
    if mapping.spec("quality") is not None:
        given = convert.text_field(melted, mapping, "quality").str.lower()
        out["quality"] = given.where(given.isin(QUALITIES), out["quality"]).astype(object).to_numpy()
    dup = out.duplicated(["sensor_id", "metric", "ts"], keep="first").to_numpy() & ~missing
    verdicts.reject(dup & verdicts.ok & ~missing, "duplicate_in_file")
    keep = verdicts.ok & ~missing
    return out[keep], verdicts, missing & verdicts.ok


def _check(out, verdicts, bad_ts, sensors, mapping, now) -> None:
    verdicts.reject(out["sensor_id"].isna().to_numpy(), "missing_id")
    verdicts.reject(bad_ts, "bad_time", "ts unparsable")
    verdicts.reject(out["ts"].isna().to_numpy(), "missing_time", "ts empty")
    limit = now + pd.Timedelta(minutes=mapping.future_tolerance_min)
    verdicts.reject((out["ts"] > limit).fillna(False).to_numpy(), "future_time", "ts in the future")
    verdicts.reject((out["ts"] < mapping.earliest_time).fillna(False).to_numpy(), "implausible_time",
                    "ts before the mapping's earliest_time (a reset clock)")
    verdicts.reject(~out["sensor_id"].isin(set(sensors)).to_numpy(), "unknown_sensor",
                    out["sensor_id"].astype(str).to_numpy())
    verdicts.reject(out["metric"].isna().to_numpy(), "unknown_metric", "metric empty")


def _scaled(values: np.ndarray, out: pd.DataFrame, verdicts: Verdicts, mapping: Mapping):
    """Return (values in store units, quality); impossible values are rejected, ceilings kept as suspect."""
    scaled = values.copy()
    quality = np.full(len(values), "ok", dtype=object)
    metric = out["metric"].to_numpy(dtype=object)
    specs = {m.name: m for m in mapping.metrics}
    for name in pd.unique(metric[~pd.isna(metric)]):
        rows = metric == name
        spec = specs.get(name)
        if spec is not None:
            quality[rows & np.isin(values, spec.suspect)] = "suspect"
            scaled[rows] = values[rows] * spec.scale
        limits = dict(mapping.metric_limits)
        if spec is not None and (spec.min is not None or spec.max is not None):
            limits[name] = (spec.min, spec.max)
        low, high = limits_for(name, limits)
        wrong = rows & ((scaled < low) | (scaled > high))
        verdicts.reject(wrong, "impossible_value", np.char.add(f"{name}=", values.astype(str)))
    return scaled, quality


def store_readings(con: duckdb.DuckDBPyConnection, clean: pd.DataFrame, batch_id: int, summary: Summary) -> None:
    """Append readings the store does not hold yet (inside the batch's transaction)."""
    suspect = clean[clean["quality"] == "suspect"]
    if len(suspect):
        summary.flagged["suspect_value"] = summary.flagged.get("suspect_value", 0) + write_flags(
            con, batch_id, suspect[ROW].to_numpy(),
            (suspect["sensor_id"].astype(str) + ":" + suspect["metric"].astype(str)).to_numpy(), "suspect_value",
            (suspect["metric"].astype(str) + "=" + suspect["value"].astype(str)).to_numpy())
    if clean.empty:
        return
    frame = clean[["sensor_id", "ts", "metric", "value", "quality"]]
    with registered(con, "_ingest_readings", writer.frame_to_arrow(frame)):
        low, high = frame["ts"].min(), frame["ts"].max()
        summary.saw_instant(low.timestamp())
        # The time range bounds the scan of the big table: zone maps skip everything else.
        inserted = con.execute(
            "INSERT INTO readings (sensor_id, ts, metric, value, quality) "
            "SELECT i.sensor_id, i.ts, i.metric, i.value, i.quality FROM _ingest_readings i "
            "ANTI JOIN (SELECT sensor_id, metric, ts FROM readings_all WHERE ts BETWEEN ? AND ?) r "
            "ON r.sensor_id = i.sensor_id AND r.metric = i.metric AND r.ts = i.ts",
            [low.to_pydatetime(), high.to_pydatetime()]).fetchone()[0]
    summary.accepted += int(inserted)
    summary.duplicates += len(frame) - int(inserted)
