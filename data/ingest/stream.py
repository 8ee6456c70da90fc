"""Reading a large file in record batches, so a batch's working memory stays bounded.

Parquet files are read straight from disk, one record batch at a time; other formats are read
whole by :mod:`data.ingest.readers` and then handed on in slices of the same size. Every chunk
carries ``_row``, the record's 1-based number in the whole file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data.ingest.mapping import Mapping
from data.ingest.readers import ROW

CHUNK_ROWS = 1_000_000      # rows validated and merged at a time: bounds memory, drives the progress bar
_HASH_BLOCK = 8 << 20


@dataclass(frozen=True)
class Chunks:
    """A file's records as chunks: their total count, the columns, and a way to iterate them."""

    total: int
    columns: tuple[str, ...]
    iterate: Callable[[], Iterator[pd.DataFrame]]


def frame_chunks(frame: pd.DataFrame, rows: int | None = None) -> Chunks:
    """Return a frame already in memory (with ``_row``) as chunks of ``rows`` (default CHUNK_ROWS)."""
    rows = rows or CHUNK_ROWS

    def iterate():
        for start in range(0, max(len(frame), 1), rows):
            yield frame.iloc[start:start + rows]
    return Chunks(len(frame), tuple(frame.columns), iterate)


def parquet_chunks(path: Path, rows: int | None = None) -> Chunks:
    """Return a Parquet file as record batches of ``rows`` (default CHUNK_ROWS), read lazily."""
    rows = rows or CHUNK_ROWS
    meta = pq.ParquetFile(path)
    names = tuple(str(c).strip() for c in meta.schema_arrow.names)

    def iterate():
        offset = 0
        with pq.ParquetFile(path) as source:
            for batch in source.iter_batches(batch_size=rows):
                frame = _batch_frame(batch, names, offset)
                offset += len(frame)
                yield frame
        if offset == 0:
            yield pd.DataFrame({**{n: pd.Series(dtype=object) for n in names}, ROW: pd.Series(dtype="int64")})
    return Chunks(meta.metadata.num_rows, (*names, ROW), iterate)


def _batch_frame(batch: pa.RecordBatch, names: tuple[str, ...], offset: int) -> pd.DataFrame:
    frame = batch.to_pandas()
    frame.columns = list(names)
    frame.index = pd.RangeIndex(offset, offset + len(frame))
    frame[ROW] = frame.index + 1
    return frame


def file_hash(path: Path, mapping: Mapping) -> str:
    """Return the batch identity of a file without holding it in memory (equal to readers.content_hash)."""
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(_HASH_BLOCK):
            digest.update(block)
    digest.update(b"\0mapping\0")
    digest.update(Path(mapping.path).read_bytes() if mapping.path and Path(mapping.path).exists()
                  else repr(mapping).encode("utf-8"))
    return digest.hexdigest()
