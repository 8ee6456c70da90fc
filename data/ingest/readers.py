"""Reading tabular feeds (CSV in any delimiter and Chinese encodings, Excel, Parquet, JSON, Open311).

Every reader returns a DataFrame with the source columns as they were and a ``_row`` column:
the 1-based record number in the file (header excluded), which quarantine rows cite.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from data.ingest.mapping import Mapping

ROW = "_row"
EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xls": "xls",
              ".parquet": "parquet", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".geojson": "geojson",
              ".shp": "shapefile", ".zip": "shapefile", ".gpkg": "gpkg", ".geoparquet": "geoparquet"}
# GB18030 is a superset of GBK (and of GB2312), so one fallback decodes all three.
ENCODINGS = ("utf-8-sig", "gb18030")


class ReadError(ValueError):
    """A file cannot be read as the mapping says; the message says why."""


def detect_format(path: Path, mapping: Mapping) -> str:
    """Return the file format: the extension's, else the mapping's (Open311 is a flavour of JSON)."""
    fmt = EXTENSIONS.get(path.suffix.lower())
    if mapping.format and (fmt is None or (fmt == "json" and mapping.format == "open311")):
        return mapping.format
    if fmt is None:
        raise ReadError(f"Cannot tell the format of {path.name}; set format: in the mapping")
    return fmt


def content_hash(data: bytes, mapping: Mapping) -> str:
    """Return the batch identity: the file's bytes and the mapping that interprets them."""
    digest = hashlib.sha256(data)
    digest.update(b"\0mapping\0")
    digest.update(Path(mapping.path).read_bytes() if mapping.path and Path(mapping.path).exists()
                  else repr(mapping).encode("utf-8"))
    return digest.hexdigest()


def read_records(data: bytes, fmt: str, mapping: Mapping) -> pd.DataFrame:
    """Return the file's records as a frame with a ``_row`` column."""
    readers = {"csv": _read_csv, "xlsx": _read_xlsx, "xls": _read_xls, "parquet": _read_parquet,
               "json": _read_json, "ndjson": _read_ndjson, "open311": _read_open311}
    if fmt not in readers:
        raise ReadError(f"{fmt} files hold geometry: ingest them with 'ingest grids'")
    try:
        frame = readers[fmt](data, mapping)
    except (ValueError, UnicodeDecodeError, json.JSONDecodeError, csv.Error, zipfile.BadZipFile, EOFError) as exc:
        raise ReadError(f"Cannot read the file as {fmt}: {exc}") from None
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame[ROW] = range(1, len(frame) + 1)
    return frame


def decode_text(data: bytes, encoding: str) -> str:
    """Return the text of a file: the mapping's encoding, else UTF-8, else GB18030/GBK."""
    if encoding != "auto":
        return data.decode(encoding)
    for candidate in ENCODINGS:
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise ReadError("The file is neither UTF-8 nor GBK/GB18030; set encoding: in the mapping")


def _read_csv(data: bytes, mapping: Mapping) -> pd.DataFrame:
    text = decode_text(data, mapping.encoding)
    delimiter = mapping.delimiter or _sniff_delimiter(text)
    frame = _read_csv_arrow(text, delimiter, mapping)
    if frame is not None:
        return frame
    # Everything as text: quarantine keeps the raw value, and conversion is explicit per field.
    return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                       na_values=list(mapping.na_values), quotechar='"', engine="c")


def _read_csv_arrow(text: str, delimiter: str, mapping: Mapping) -> pd.DataFrame | None:
    """Return the CSV read by pyarrow's multi-threaded reader, every column as text; None when it cannot.

    pandas reads in one thread (minutes for 10 M rows). It stays the reader of the files Arrow
    refuses: a line with too few or too many cells (a file cut mid-line: pandas keeps the short
    line, which is then quarantined) and repeated column names (pandas renames them).
    """
    header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1 if "\n" in text else len(text)]),
                             delimiter=delimiter), [])
    if not header or len(set(header)) != len(header):
        return None
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                              newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types={name: pa.string() for name in header},
                                                  null_values=list(mapping.na_values), strings_can_be_null=True,
                                                  quoted_strings_can_be_null=True))
    except pa.ArrowInvalid:
        return None
    if table.column_names != header or not all(pa.types.is_string(t) for t in table.schema.types):
        return None
    return table.to_pandas()


def _sniff_delimiter(text: str) -> str:
    header = text[: text.find("\n") if "\n" in text else len(text)]
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_xlsx(data: bytes, mapping: Mapping) -> pd.DataFrame:
    return _read_excel(data, mapping, "openpyxl")


def _read_xls(data: bytes, mapping: Mapping) -> pd.DataFrame:
    """Read the older Excel 97-2003 workbook many government systems still export."""
    return _read_excel(data, mapping, "calamine")


def _read_excel(data: bytes, mapping: Mapping, engine: str) -> pd.DataFrame:
    return pd.read_excel(io.BytesIO(data), sheet_name=mapping.sheet, dtype=object, engine=engine,
                         na_values=list(mapping.na_values), keep_default_na=False)


def _read_parquet(data: bytes, mapping: Mapping) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data))


def _read_json(data: bytes, mapping: Mapping) -> pd.DataFrame:
    text = decode_text(data, mapping.encoding).lstrip()
    if not text.startswith("["):
        return _read_ndjson(data, mapping)
    return _records_frame(json.loads(text))


def _read_ndjson(data: bytes, mapping: Mapping) -> pd.DataFrame:
    text = decode_text(data, mapping.encoding).strip()
    if not text:
        return pd.DataFrame()
    # Types stay as sent: conversion is the mapping's job, and dates must not be guessed.
    return pd.read_json(io.StringIO(text), lines=True, dtype=False)


def _records_frame(records: list) -> pd.DataFrame:
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ReadError("A JSON file holds an array of objects, one per record")
    return pd.DataFrame.from_records(records)


def _read_open311(data: bytes, mapping: Mapping) -> pd.DataFrame:
    """GeoReport v2: a JSON array of service requests (or an object holding one)."""
    payload = json.loads(decode_text(data, mapping.encoding))
    if isinstance(payload, dict):
        payload = payload.get("service_requests", payload.get("requests", []))
    if not isinstance(payload, list):
        raise ReadError("An Open311 file holds a JSON array of service requests")
    return _records_frame(payload)


def missing_columns(frame: pd.DataFrame, mapping: Mapping) -> list[str]:
    """Return the columns the mapping names that the file lacks."""
    wanted = set()
    for spec in mapping.fields.values():
        if spec.column is not None:
            wanted.add(spec.column)
        wanted.update((spec.parts or {}).values())
    wanted.update(m.column for m in mapping.metrics)
    return sorted(c for c in wanted if c not in frame.columns)
