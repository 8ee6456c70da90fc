"""One ingest batch from bytes to committed rows: read, validate, quarantine, merge, in one transaction."""

from __future__ import annotations

import dataclasses
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from tqdm import tqdm

from data import db
from data.clock import DEFAULT_TZ
from data.ingest import batches, events, places, readers, readings, sensors, stream
from data.ingest.batches import Summary
from data.ingest.gridindex import load_grid_index
from data.ingest.mapping import Mapping, MappingError, in_zone
from data.ingest.readers import ROW
from data.profile import city_statuses

CHUNK_ROWS = stream.CHUNK_ROWS
TABLE_KINDS = ("events", "sensors", "readings", "places")


def ingest_path(con: duckdb.DuckDBPyConnection, kind: str, path: str | Path, mapping: Mapping,
                progress: bool = False, now: pd.Timestamp | None = None) -> Summary:
    """Ingest one file; return its summary (a no-op when the same content was committed before)."""
    path, mapping = Path(path), in_zone(mapping, store_zone(con))
    if kind == "grids":
        from data.ingest import grids
        return grids.ingest_grids(con, path, mapping, progress=progress)
    fmt = readers.detect_format(path, mapping)
    if kind == "events" and fmt == "parquet":
        _check_kind(kind, mapping)
        return _ingest_events(con, lambda: stream.parquet_chunks(path), stream.file_hash(path, mapping), mapping,
                              path.name, progress, now)
    return ingest_bytes(con, kind, path.read_bytes(), fmt, mapping, path.name, progress, now)


def ingest_bytes(con: duckdb.DuckDBPyConnection, kind: str, data: bytes, fmt: str, mapping: Mapping,
                 source_name: str, progress: bool = False, now: pd.Timestamp | None = None) -> Summary:
    """Ingest the bytes of one file or request body; return the batch summary."""
    mapping = in_zone(mapping, store_zone(con))
    _check_kind(kind, mapping)
    digest = readers.content_hash(data, mapping)
    if kind == "events":
        return _ingest_events(con, lambda: stream.frame_chunks(readers.read_records(data, fmt, mapping)), digest,
                              mapping, source_name, progress, now)
    summary = Summary(kind=kind, source_name=source_name)
    previous = batches.find_committed(con, kind, digest)
    if previous is not None:
        return _already_done(con, summary, previous)
    frame = complete_columns(readers.read_records(data, fmt, mapping), mapping)
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    try:
        with db.transaction(con):
            _run(con, kind, frame, mapping, summary, digest, progress, now)
    except (duckdb.Error, ValueError, MemoryError) as exc:
        batches.record_failure(con, summary, digest, f"{type(exc).__name__}: {exc}")
        raise
    return summary


def store_zone(con: duckdb.DuckDBPyConnection) -> str:
    """Return the store's time zone (its city profile's), in which a mapping without one reads times."""
    return db.get_setting(con, "city.tz", DEFAULT_TZ)


def _ingest_events(con: duckdb.DuckDBPyConnection, open_chunks, digest: str, mapping: Mapping, source_name: str,
                   progress: bool, now: pd.Timestamp | None) -> Summary:
    """Ingest a file of events chunk by chunk, all in one transaction; return the batch summary."""
    summary = Summary(kind="events", source_name=source_name)
    previous = batches.find_committed(con, "events", digest)
    if previous is not None:
        return _already_done(con, summary, previous)
    chunks = open_chunks()
    header = pd.DataFrame(columns=list(chunks.columns))
    mapping = without_absent_fields(header, mapping)
    complete_columns(header, mapping)           # a file lacking a named column fails before its batch opens
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    try:
        with db.transaction(con):
            batch_id = batches.open_batch(con, summary, digest, mapping.name)
            if progress:
                print(f"batch {batch_id} open: {chunks.total:,} events rows to read", file=sys.stderr, flush=True)
            _run_events(con, chunks, mapping, summary, batch_id, progress, now)
            batches.close_batch(con, summary)
    except (duckdb.Error, ValueError, MemoryError) as exc:
        batches.record_failure(con, summary, digest, f"{type(exc).__name__}: {exc}")
        raise
    return summary


def _run_events(con, chunks: stream.Chunks, mapping: Mapping, summary: Summary, batch_id: int, progress: bool,
                now: pd.Timestamp) -> None:
    grids = load_grid_index(con)
    grids.expect(chunks.total)                  # one raster sized for the whole file, not for a chunk
    catalog = events.read_categories(con)
    words = city_statuses(con)
    bar = tqdm(total=chunks.total, unit="rows", desc="ingesting events", file=sys.stderr,
               disable=not progress or chunks.total <= stream.CHUNK_ROWS)
    for chunk, rows, verdicts, created in _prepared(chunks, mapping, grids, catalog, now, words):
        in_file = events.store_events(con, rows, verdicts.ok, batch_id, summary, mapping, created)
        verdicts.reject(chunk[ROW].isin(in_file).to_numpy(), "duplicate_in_file")
        _quarantine(con, batch_id, chunk, verdicts, summary)
        summary.rows_read += len(chunk)
        bar.update(len(chunk))
    bar.close()


def _prepared(chunks: stream.Chunks, mapping: Mapping, grids, catalog: pd.DataFrame, now: pd.Timestamp,
              words: dict[str, str]):
    """Yield (chunk, rows, verdicts, categories to create) per chunk, validated in a second thread.

    While DuckDB stores one chunk, the next is read and validated (pandas, numpy and shapely release
    the GIL), so the two cores work at once; at most two chunks are in memory.
    """
    source = iter(chunks.iterate())

    def prepare_next():
        chunk = next(source, None)
        if chunk is None:
            return None
        chunk = complete_columns(chunk, mapping)
        return (chunk, *events.prepare_events(chunk, mapping, grids, catalog, now, words))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-validate") as pool:
        pending = pool.submit(prepare_next)
        while (prepared := pending.result()) is not None:
            pending = pool.submit(prepare_next)
            yield prepared


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
    elif kind == "places":
        clean, verdicts = places.prepare_places(frame, mapping, load_grid_index(con), places.store_kinds(con))
        _quarantine(con, batch_id, frame, verdicts, summary)
        summary.rows_read = len(frame)
        places.store_places(con, clean, batch_id, summary)
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
    for part in _chunks(clean, progress, "readings"):
        readings.store_readings(con, part, batch_id, summary)


def _quarantine(con, batch_id: int, frame: pd.DataFrame, verdicts, summary: Summary, detail_prefix=None) -> None:
    rejected = ~verdicts.ok
    details = verdicts.details
    if detail_prefix is not None and is_melted_readings(frame):
        metric = detail_prefix.astype(str).to_numpy()
        details = np.where(pd.isna(details), metric, np.char.add(np.char.add(metric.astype(str), ": "),
                                                                  details.astype(str)))
    batches.write_quarantine(con, batch_id, frame.drop(columns=["_metric", "_value"], errors="ignore"),
                             verdicts.reasons[rejected], details[rejected], keep=rejected)
    for reason, count in verdicts.counts().items():
        summary.quarantined[reason] = summary.quarantined.get(reason, 0) + count


def is_melted_readings(frame: pd.DataFrame) -> bool:
    """Return True for readings melted from a wide file (one column per metric): details then name the metric."""
    return "_metric" in frame.columns


def _chunks(clean: pd.DataFrame, progress: bool, label: str):
    """Yield the clean rows in chunks of CHUNK_ROWS, with a progress bar on large batches."""
    count = max(1, -(-len(clean) // CHUNK_ROWS))
    bar = tqdm(total=len(clean), unit="rows", desc=f"writing {label}", disable=not progress or count == 1,
               file=sys.stderr)
    for i in range(count):
        part = clean.iloc[i * CHUNK_ROWS:(i + 1) * CHUNK_ROWS]
        yield part
        bar.update(len(part))
    bar.close()
