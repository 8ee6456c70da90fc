"""Batch bookkeeping: one transaction per batch, the no-op on a known content hash, quarantine rows.

A batch's rows, its quarantine rows and its ``ingest_batches`` row are committed together or
not at all. A batch that fails is rolled back and then recorded as 'failed' with its error.
"""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data import db, versions, writer
from data.clock import now_utc
from data.ingest.readers import ROW


@dataclass
class Summary:
    """What one batch did; its counts add up to ``rows_read``."""

    kind: str
    source_name: str
    batch_id: int | None = None
    rows_read: int = 0
    accepted: int = 0
    updated: int = 0
    duplicates: int = 0
    stale: int = 0
    missing: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    already_ingested_as: int | None = None
    # The earliest instant the rows of an events or readings batch carry, and the stored rows they replace:
    # the data versions record it, so what was built of an earlier period (a kept brief) stays valid.
    earliest_change_s: float = math.inf

    def saw_instant(self, seconds: float | None) -> None:
        """Note an instant the batch's rows carry (None: the rows carried none)."""
        if seconds is not None and not math.isnan(seconds):
            self.earliest_change_s = min(self.earliest_change_s, float(seconds))

    @property
    def quarantined_total(self) -> int:
        """Return the rows quarantined for any reason."""
        return sum(self.quarantined.values())

    def balanced(self) -> bool:
        """True when every row read is counted exactly once."""
        return self.rows_read == (self.accepted + self.updated + self.duplicates + self.stale + self.missing
                                  + self.quarantined_total)

    def as_dict(self) -> dict:
        """Return the summary as printed and stored."""
        out = {"batch_id": self.batch_id, "kind": self.kind, "source": self.source_name,
               "rows_read": self.rows_read, "accepted": self.accepted, "updated": self.updated,
               "duplicates": self.duplicates, "stale": self.stale, "missing": self.missing,
               "quarantined": self.quarantined_total, "quarantined_by_reason": dict(sorted(self.quarantined.items())),
               "flagged": dict(sorted(self.flagged.items()))}
        if self.already_ingested_as is not None:
            out["already_ingested_as"] = self.already_ingested_as
        out.update(self.notes)
        return out


def find_committed(con: duckdb.DuckDBPyConnection, kind: str, digest: str) -> int | None:
    """Return the batch that already committed this content, if any."""
    row = con.execute("SELECT batch_id FROM ingest_batches WHERE kind = ? AND content_hash = ? "
                      "AND status = 'committed' ORDER BY batch_id LIMIT 1", [kind, digest]).fetchone()
    return int(row[0]) if row else None


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table):
    """Expose an Arrow table or frame to SQL as ``name`` for the block."""
    db.register(con, name, table)
    try:
        yield name
    finally:
        try:
            con.unregister(name)
        except duckdb.Error:
            pass  # an aborted transaction refuses even this; the original error is the one to see


def open_batch(con: duckdb.DuckDBPyConnection, summary: Summary, digest: str | None, mapping_name: str) -> int:
    """Insert the batch row (inside the caller's transaction); return its id."""
    batch_id = int(con.execute("SELECT nextval('ingest_batch_ids')").fetchone()[0])
    con.execute("INSERT INTO ingest_batches (batch_id, kind, source_name, content_hash, started_at, status, "
                "mapping_name) VALUES (?, ?, ?, ?, ?, 'running', ?)",
                [batch_id, summary.kind, summary.source_name, digest, now_utc(), mapping_name])
    summary.batch_id = batch_id
    return batch_id


# The data family each kind of batch changes. Events and readings batches change the data from the
# earliest instant their rows carry; the others may change what any instant shows.
FAMILY_OF_KIND = {"events": "events", "readings": "readings", "sensors": "geometry", "grids": "geometry",
                  "places": "geometry"}
TIMED_KINDS = ("events", "readings")


def close_batch(con: duckdb.DuckDBPyConnection, summary: Summary) -> None:
    """Record the batch's counts, mark it committed and bump its data family's version (inside the
    caller's transaction)."""
    versions.bump(con, FAMILY_OF_KIND[summary.kind], earliest_s=changed_from(summary))
    con.execute("UPDATE ingest_batches SET finished_at = ?, rows_read = ?, rows_accepted = ?, rows_updated = ?, "
                "rows_duplicate = ?, rows_quarantined = ?, status = 'committed', summary = ? WHERE batch_id = ?",
                [now_utc(), summary.rows_read, summary.accepted, summary.updated, summary.duplicates + summary.stale,
                 summary.quarantined_total, json.dumps(summary.as_dict(), ensure_ascii=False), summary.batch_id])


def changed_from(summary: Summary) -> float | None:
    """Return the earliest instant the batch may have changed (None: any); a timed batch that wrote
    nothing changed nothing before now."""
    if summary.kind not in TIMED_KINDS:
        return None
    return summary.earliest_change_s if math.isfinite(summary.earliest_change_s) else now_utc().timestamp()


def record_failure(con: duckdb.DuckDBPyConnection, summary: Summary, digest: str | None, error: str) -> None:
    """Record a rolled-back batch as failed, so the attempt is visible in the batch list."""
    batch_id = int(con.execute("SELECT nextval('ingest_batch_ids')").fetchone()[0])
    con.execute("INSERT INTO ingest_batches (batch_id, kind, source_name, content_hash, started_at, finished_at, "
                "status, error) VALUES (?, ?, ?, ?, ?, ?, 'failed', ?)",
                [batch_id, summary.kind, summary.source_name, digest, now_utc(), now_utc(), error[:2000]])


def write_quarantine(con: duckdb.DuckDBPyConnection, batch_id: int, frame: pd.DataFrame,
                     reasons: np.ndarray, details: np.ndarray, keep: np.ndarray | None = None) -> int:
    """Insert the rejected rows of a batch (the rows of ``frame`` in the mask ``keep``, or all); return how many.

    ``reasons`` and ``details`` are given for the rejected rows only. The rows are picked in Arrow,
    not copied by pandas, and become JSON in DuckDB: text as JSON strings, numbers and booleans of typed
    columns (Parquet, JSON) as JSON numbers and booleans, times as their text.
    """
    if keep is not None and not keep.any() or frame.empty:
        return 0
    source = [c for c in frame.columns if not str(c).startswith("_")]
    if not source:
        return _write_contentless(con, batch_id, frame if keep is None else frame[keep], reasons, details)
    # Mixed Python objects (Excel cells) become text here; typed columns stay typed (casting numbers to
    # text was most of the cost of building the JSON).
    table = pa.table({str(c): _json_ready(frame[c]) for c in source} | {"_row": pa.array(frame[ROW].to_numpy("int64"))})
    if keep is not None:
        table = table.filter(pa.array(np.asarray(keep, dtype=bool)))
    table = table.append_column("_reason", pa.array(np.asarray(reasons, dtype=object), type=pa.string()))
    table = table.append_column("_detail", pa.Array.from_pandas(pd.Series(details, dtype=object).astype("string")))
    with registered(con, "_ingest_rejected", table):
        con.execute("INSERT INTO quarantine (batch_id, source_row, raw, reason_code, reason_detail, created_at) "
                    "SELECT ?, _row, to_json(struct_pack(*COLUMNS(lambda c: NOT starts_with(c, '_')))), _reason, "
                    "_detail, ? FROM _ingest_rejected", [batch_id, now_utc()])
    return table.num_rows


def _json_ready(column: pd.Series) -> pa.Array:
    """Return a column as Arrow for ``to_json``: objects, decimals and floats holding an infinity as text.

    JSON has no infinity (DuckDB would write a bare ``Infinity``) and a JSON number would drop a decimal's
    trailing zeros, so such columns keep their text form.
    """
    if column.dtype == object:
        return pa.Array.from_pandas(column.astype("string"))
    values = pa.Array.from_pandas(column)
    if pa.types.is_decimal(values.type) or (pa.types.is_floating(values.type)
                                            and pc.any(pc.is_inf(values)).as_py()):
        return pc.cast(values, pa.string())
    return values


def _write_contentless(con: duckdb.DuckDBPyConnection, batch_id: int, frame: pd.DataFrame,
                       reasons: np.ndarray, details: np.ndarray) -> int:
    rows = pd.DataFrame({"batch_id": np.int64(batch_id), "source_row": frame[ROW].to_numpy("int64"),
                         "raw": "{}", "reason_code": reasons.astype(str),
                         "reason_detail": pd.Series(details, dtype=object).astype("string").to_numpy(),
                         "created_at": pd.Timestamp(now_utc())})
    return writer.append_frame(con, "quarantine", rows)


def write_flags(con: duckdb.DuckDBPyConnection, batch_id: int, rows: np.ndarray, keys: np.ndarray,
                flag: str, details) -> int:
    """Insert flags on accepted rows; return how many."""
    if len(rows) == 0:
        return 0
    frame = pd.DataFrame({"batch_id": np.int64(batch_id), "source_row": np.asarray(rows, dtype="int64"),
                          "record_key": np.asarray(keys, dtype=object).astype(str), "flag_code": flag,
                          "detail": np.asarray(details, dtype=object).astype(str),
                          "created_at": pd.Timestamp(now_utc())})
    return writer.append_frame(con, "ingest_flags", frame)
