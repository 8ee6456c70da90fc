"""Looking at rejected rows: counts per batch and reason, single rows, exports to CSV or JSON lines; and at
the rows accepted with a warning (``ingest_flags``)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd


def _where(batch: int | None, reason: str | None) -> tuple[str, list]:
    clauses, params = [], []
    if batch is not None:
        clauses.append("q.batch_id = ?")
        params.append(batch)
    if reason is not None:
        clauses.append("q.reason_code = ?")
        params.append(reason)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def list_quarantine(con: duckdb.DuckDBPyConnection, batch: int | None = None, reason: str | None = None) -> list[dict]:
    """Return rows rejected per (batch, reason), newest batch first."""
    where, params = _where(batch, reason)
    rows = con.execute("SELECT q.batch_id, b.kind, b.source_name, q.reason_code, count(*) FROM quarantine q "
                       f"LEFT JOIN ingest_batches b USING (batch_id){where} GROUP BY ALL "
                       "ORDER BY q.batch_id DESC, 5 DESC", params).fetchall()
    return [{"batch_id": r[0], "kind": r[1], "source": r[2], "reason": r[3], "rows": r[4]} for r in rows]


def show_rows(con: duckdb.DuckDBPyConnection, batch: int, row: int | None = None, limit: int = 20) -> list[dict]:
    """Return quarantined rows of a batch (one source row, or the first ``limit``) with their raw content."""
    sql = "SELECT source_row, reason_code, reason_detail, raw FROM quarantine WHERE batch_id = ?"
    params: list = [batch]
    if row is not None:
        sql += " AND source_row = ?"
        params.append(row)
    rows = con.execute(sql + " ORDER BY source_row LIMIT ?", [*params, limit]).fetchall()
    return [{"source_row": r[0], "reason": r[1], "detail": r[2], "raw": json.loads(r[3])} for r in rows]


def show_flags(con: duckdb.DuckDBPyConnection, batch: int | None = None, limit: int = 20) -> list[dict]:
    """Return the flags on accepted rows (of one batch, or every batch's, newest first), at most ``limit``."""
    where, params = ("WHERE batch_id = ?", [batch]) if batch is not None else ("", [])
    rows = con.execute(f"SELECT batch_id, source_row, record_key, flag_code, detail FROM ingest_flags {where} "
                       "ORDER BY batch_id DESC, source_row LIMIT ?", [*params, limit]).fetchall()
    return [{"batch_id": r[0], "source_row": r[1], "record": r[2], "flag": r[3], "detail": r[4]} for r in rows]


def export_quarantine(con: duckdb.DuckDBPyConnection, path: Path, batch: int | None = None,
                      reason: str | None = None) -> int:
    """Write quarantined rows to CSV (or JSON lines for .jsonl/.ndjson); return how many."""
    where, params = _where(batch, reason)
    frame: pd.DataFrame = con.execute(
        "SELECT q.batch_id, b.source_name, q.source_row, q.reason_code, q.reason_detail, q.raw FROM quarantine q "
        f"LEFT JOIN ingest_batches b USING (batch_id){where} ORDER BY q.batch_id, q.source_row", params).df()
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        path.write_text(frame.to_json(orient="records", lines=True, force_ascii=False), encoding="utf-8")
    else:
        frame.to_csv(path, index=False, encoding="utf-8-sig")   # with BOM: Excel opens Chinese text right
    return len(frame)
