"""Large files in chunks: the same outcome as the whole file at once, and the same batch identity."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from data import db
from data.ingest import pipeline, readers, stream
from data.ingest.mapping import load_mapping
from tests.data.ingest.conftest import NOW
from tests.data.ingest.test_events import bad_rows

MAPPING = load_mapping("yunjiang_events")
OUTCOME = {
    "events": "SELECT * EXCLUDE (batch_id) FROM events WHERE event_id LIKE 'NEW-%' ORDER BY ALL",
    "history": "SELECT * EXCLUDE (batch_id) FROM event_history WHERE event_id LIKE 'NEW-%' ORDER BY ALL",
    "quarantine": "SELECT source_row, reason_code, reason_detail, raw FROM quarantine ORDER BY source_row",
    "flags": "SELECT source_row, record_key, flag_code, detail FROM ingest_flags ORDER BY source_row",
}


def awkward_file(export: pd.DataFrame) -> pd.DataFrame:
    """Return every bad row, then versions of one case and repeats spread over the file."""
    bad, _ = bad_rows(export)
    case = export.iloc[[20]].copy()
    opened = case.assign(办理状态="已派单", 办结时间="", 归档时间="", 更新时间=case["派单时间"], 满意度="")
    mismatch = export.iloc[[21]].copy()
    mismatch["网格编码"] = export["网格编码"][export["网格编码"] != mismatch["网格编码"].iloc[0]].iloc[0]
    parts = [opened, bad, export.iloc[22:40], case, opened, mismatch, export.iloc[[22, 23]], bad.iloc[[0]], mismatch]
    return pd.concat(parts, ignore_index=True)


def outcome(con, summary) -> dict:
    result = {name: con.execute(sql).fetchall() for name, sql in OUTCOME.items()}
    result["summary"] = {k: v for k, v in summary.as_dict().items() if k != "batch_id"}
    return result


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_chunks_of_seven_rows_give_what_the_whole_file_gives(tiny_db_copy, export, tmp_path, monkeypatch, fmt):
    frame = awkward_file(export)
    path = tmp_path / f"awkward.{fmt}"
    frame.to_csv(path, index=False) if fmt == "csv" else frame.astype("string").to_parquet(path)
    second = shutil.copy(tiny_db_copy, tmp_path / "second.duckdb")
    con = db.open_store(tiny_db_copy)
    whole = outcome(con, pipeline.ingest_path(con, "events", path, MAPPING, now=NOW))
    con.close()
    monkeypatch.setattr(stream, "CHUNK_ROWS", 7)
    con = db.open_store(second)
    chunked = outcome(con, pipeline.ingest_path(con, "events", path, MAPPING, now=NOW))
    con.close()
    assert len(frame) > 5 * 7
    assert whole["summary"]["quarantined_by_reason"]["duplicate_in_file"] >= 4
    assert whole["summary"]["flagged"]["grid_mismatch"] == 1 and whole["summary"]["stale"] == 1
    assert chunked["summary"] == whole["summary"]
    assert chunked == whole


def test_a_streamed_file_keeps_the_batch_identity_of_its_bytes(tmp_path, export):
    path = tmp_path / "cases.parquet"
    export.head(30).astype("string").to_parquet(path)
    assert stream.file_hash(path, MAPPING) == readers.content_hash(path.read_bytes(), MAPPING)
    chunks = stream.parquet_chunks(path, rows=8)
    parts = list(chunks.iterate())
    assert chunks.total == 30 and [len(p) for p in parts] == [8, 8, 8, 6]
    assert list(pd.concat(parts)[readers.ROW]) == list(range(1, 31))
