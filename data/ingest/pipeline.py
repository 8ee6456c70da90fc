"""One ingest batch from bytes to committed rows: read, validate, quarantine, merge, in one transaction."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from tqdm import tqdm

from data.ingest import batches, events, readers, readings, sensors
from data.ingest.batches import Summary
from data.ingest.gridindex import load_grid_index
from data.ingest.mapping import Mapping, MappingError
from data.ingest.readers import ROW

CHUNK_ROWS = 1_000_000    # rows merged per statement: bounds memory and drives the progress bar
TABLE_KINDS = ("events", "sensors", "readings")


def ingest_path(con: duckdb.DuckDBPyConnection, kind: str, path: str | Path, mapping: Mapping,
                progress: bool = False, now: pd.Timestamp | None = None) -> Summary:
    """Ingest one file; return its summary (a no-op when the same content was committed before)."""
    path = Path(path)
    if kind == "grids":
        from data.ingest import grids
        return grids.ingest_grids(con, path, mapping, progress=progress)
    data = path.read_bytes()
    return ingest_bytes(con, kind, data, readers.detect_format(path, mapping), mapping, path.name, progress, now)


def ingest_bytes(con: duckdb.DuckDBPyConnection, kind: str, data: bytes, fmt: str, mapping: Mapping,
                 source_name: str, progress: bool = False, now: pd.Timestamp | None = None) -> Summary:
    """Ingest the bytes of one file or request body; return the batch summary."""
    _check_kind(kind, mapping)
    summary = Summary(kind=kind, source_name=source_name)
    digest = readers.content_hash(data, mapping)
    previous = batches.find_committed(con, kind, digest)
    if previous is not None:
        return _already_done(con, summary, previous)
    frame = readers.read_records(data, fmt, mapping)
    if kind == "events":
        mapping = without_absent_fields(frame, mapping)
    frame = complete_columns(frame, mapping)
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    try:
        with batches.transaction(con):
            _run(con, kind, frame, mapping, summary, digest, progress, now)
    except (duckdb.Error, ValueError, MemoryError) as exc:
        batches.record_failure(con, summary, digest, f"{type(exc).__name__}: {exc}")
        raise
    return summary


def complete_columns(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Return the frame with absent optional columns empty, or raise when the mapping needs them."""
    absent = readers.missing_columns(frame, mapping)
    if absent and mapping.absent_columns == "empty":
        return frame.assign(**{name: pd.Series(pd.NA, index=frame.index, dtype="string") for name in absent})
    if absent:
        raise readers.ReadError(f"The file lacks the columns the mapping names: {', '.join(absent)}")
    return frame


def without_absent_fields(frame: pd.DataFrame, mapping: Mapping) -> Mapping:
    """Return the mapping without the plain column fields the file lacks, when absent columns are empty.

    An absent field then reads as empty without building and converting a column of nulls.
    """
    if mapping.absent_columns != "empty":
        return mapping
    kept = {name: spec for name, spec in mapping.fields.items()
            if spec.column is None or spec.parts is not None or spec.column in frame.columns}
    return mapping if len(kept) == len(mapping.fields) else dataclasses.replace(mapping, fields=kept)


def _check_kind(kind: str, mapping: Mapping) -> None:
    if kind not in TABLE_KINDS:
        raise MappingError(f"unknown kind {kind!r}")
    if mapping.kind != kind:
        raise MappingError(f"the mapping {mapping.name} is for {mapping.kind}, not {kind}")


def _already_done(con, summary: Summary, previous: int) -> Summary:
    row = con.execute("SELECT rows_read FROM ingest_batches WHERE batch_id = ?", [previous]).fetchone()
    summary.already_ingested_as = previous
    summary.rows_read = int(row[0])
    summary.duplicates = summary.rows_read
    return summary


def _run(con, kind: str, frame: pd.DataFrame, mapping: Mapping, summary: Summary, digest: str,
         progress: bool, now: pd.Timestamp) -> None:
    batch_id = batches.open_batch(con, summary, digest, mapping.name)
    if progress:
        print(f"batch {batch_id} open: {len(frame):,} {kind} rows read", file=sys.stderr, flush=True)
    if kind == "readings":
        _run_readings(con, frame, mapping, summary, batch_id, progress, now)
    elif kind == "events":
        grids = load_grid_index(con)
        clean, verdicts, created = events.prepare_events(frame, mapping, grids, events.load_catalog(con), now)
        _quarantine(con, batch_id, frame, verdicts, summary)
        summary.rows_read = len(frame)
        for part in _chunks(clean, "event_id", progress, "events"):
            events.store_events(con, part, batch_id, summary, mapping, created)
            created = created.iloc[0:0]
    else:
        clean, verdicts = sensors.prepare_sensors(frame, mapping, load_grid_index(con), now)
        _quarantine(con, batch_id, frame, verdicts, summary)
        summary.rows_read = len(frame)
        sensors.store_sensors(con, clean, batch_id, summary)
    batches.close_batch(con, summary)


def _run_readings(con, frame, mapping, summary, batch_id, progress, now) -> None:
    melted = readings.melt_readings(frame, mapping)
    clean, verdicts, missing = readings.prepare_readings(melted, frame, mapping, sensors.known_sensors(con), now)
    _quarantine(con, batch_id, melted, verdicts, summary, detail_prefix=melted["_metric"])
    summary.rows_read = len(melted)
    summary.missing = int(missing.sum())
    summary.notes["source_rows"] = len(frame)
    for part in _chunks(clean, None, progress, "readings"):
        readings.store_readings(con, part, batch_id, summary)


def _quarantine(con, batch_id: int, frame: pd.DataFrame, verdicts, summary: Summary, detail_prefix=None) -> None:
    rejected = ~verdicts.ok
    details = verdicts.details
    if detail_prefix is not None and mapping_is_wide(frame):
        metric = detail_prefix.astype(str).to_numpy()
        details = np.where(pd.isna(details), metric, np.char.add(np.char.add(metric.astype(str), ": "),
                                                                  details.astype(str)))
    batches.write_quarantine(con, batch_id, frame[rejected].drop(columns=["_metric", "_value"], errors="ignore"),
                             verdicts.reasons[rejected], details[rejected])
    summary.quarantined = verdicts.counts()


def mapping_is_wide(frame: pd.DataFrame) -> bool:
    """True when the frame is a melted readings frame (details then name the metric)."""
    return "_metric" in frame.columns


def _chunks(clean: pd.DataFrame, key: str | None, progress: bool, label: str):
    """Yield the clean rows in chunks; with a key, every version of one record stays in one chunk."""
    count = max(1, -(-len(clean) // CHUNK_ROWS))
    if count == 1:
        parts = [clean]
    elif key is None:
        parts = [clean.iloc[i * CHUNK_ROWS:(i + 1) * CHUNK_ROWS] for i in range(count)]
    else:
        # One sort by bucket, then contiguous slices: a mask per chunk would rescan the whole batch each time.
        bucket = pd.util.hash_pandas_object(clean[key], index=False).to_numpy() % count
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(count + 1))
        parts = (clean.take(order[bounds[i]:bounds[i + 1]]) for i in range(count))
    bar = tqdm(total=len(clean), unit="rows", desc=f"writing {label}", disable=not progress or count == 1,
               file=sys.stderr)
    for part in parts:
        yield part
        bar.update(len(part))
    bar.close()
