"""Turning source columns into typed values, vectorised, and telling missing from unparsable.

Each converter returns the values and a boolean mask of cells that held something that could
not be converted (those rows go to quarantine; empty cells are merely missing).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data.ingest import patterns
from data.ingest.mapping import FieldSpec, Mapping

UTC = "UTC"


def raw_values(frame: pd.DataFrame, spec: FieldSpec | None) -> pd.Series:
    """Return the field's values as text (NA where missing or one of its null texts), after regex and value map."""
    if spec is None:
        return empty_text(frame.index)
    if spec.value is not None:
        values = pd.Series(str(spec.value), index=frame.index, dtype="string")
    else:
        values = as_text(frame[spec.column])
    if spec.null:
        values = values.mask(values.isin(spec.null))
    if spec.regex is not None:
        values = patterns.extract(values, patterns.compile_pattern(spec.regex))
    if spec.map is not None:
        lookup = {str(k): (None if v is None else str(v)) for k, v in spec.map.items()}
        mapped = values.map(lookup)
        values = mapped.where(mapped.notna() | values.isna(), values).astype("string")
    return values


def empty_text(index: pd.Index) -> pd.Series:
    """Return a text column with every cell empty (one Arrow null buffer, not a value per row)."""
    return pd.Series(pd.arrays.ArrowStringArray(pa.nulls(len(index), pa.large_string())), index=index)


def distinct_positions(values: pd.Series) -> tuple[list, np.ndarray]:
    """Return (the distinct present values, each row's position among them, -1 where empty).

    Feeds repeat a few category and status words millions of times: deciding once per distinct
    value and indexing by position avoids a string per row.
    """
    array = pa.array(values, from_pandas=True)
    encoded = pc.dictionary_encode(array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array)
    positions = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype("int64")
    return encoded.dictionary.to_pylist(), positions


def as_text(series: pd.Series) -> pd.Series:
    """Return a column as stripped text with NA for empty cells, whatever its source type."""
    if pd.api.types.is_float_dtype(series.dtype):
        # 12.0 -> '12' so numeric ids from Excel or Parquet read the same as from CSV.
        whole = series.notna() & (series == np.floor(series.fillna(0)))
        text = series.astype("string")
        text = text.where(~whole, series.where(whole).astype("Int64").astype("string"))
    else:
        text = series.astype("string")
    text = text.str.strip()
    return text.mask(text == "")


def map_distinct(values: pd.Series, lookup: dict, dtype: str = "string") -> pd.Series:
    """Return ``lookup[value]`` per row (NA where absent), looked up once per distinct value.

    Feeds repeat a few category and status words millions of times: dictionary-encoding the
    column and mapping its dictionary avoids a hash lookup per row.
    """
    array = pa.array(values, from_pandas=True)
    encoded = pc.dictionary_encode(array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array)
    keys = encoded.dictionary.to_pylist()
    if dtype == "string":
        table = pa.array([lookup.get(key) for key in keys], type=pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(table.take(encoded.indices)), index=values.index)
    table = np.array([*(lookup.get(key) for key in keys), None], dtype=dtype)   # the last entry: empty cells
    return pd.Series(table[pc.fill_null(encoded.indices, len(keys)).to_numpy()], index=values.index)


def text_field(frame: pd.DataFrame, mapping: Mapping, name: str) -> pd.Series:
    """Return a text field (NA where missing)."""
    return raw_values(frame, mapping.spec(name))


def number_field(frame: pd.DataFrame, mapping: Mapping, name: str) -> tuple[pd.Series, pd.Series]:
    """Return (float values, mask of present-but-not-numeric cells) for a numeric field."""
    spec = mapping.spec(name)
    if spec is None:
        return pd.Series(np.nan, index=frame.index), pd.Series(False, index=frame.index)
    if spec.value is None and spec.map is None and spec.regex is None and not spec.null \
            and pd.api.types.is_numeric_dtype(frame[spec.column].dtype):
        values = frame[spec.column].astype("float64")
        return values * (spec.scale or 1.0), pd.Series(False, index=frame.index)
    return to_number(raw_values(frame, spec), spec.scale)


def to_number(text: pd.Series, scale: float | None = None) -> tuple[pd.Series, pd.Series]:
    """Return (float values, mask of unparsable non-empty cells) for text."""
    values = _arrow_numbers(text)
    if values is None:
        values = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = text.notna() & values.isna()
    if scale is not None:
        values = values * scale
    return values, bad


def _arrow_numbers(text: pd.Series) -> pd.Series | None:
    """Return text as floats by Arrow's cast (many times faster), or None when a cell is not a plain number.

    The cast fails on the whole column at the first unparsable cell; pandas then takes the column
    and tells the bad cells apart.
    """
    try:
        array = pa.array(text, from_pandas=True)
        numbers = pc.cast(array, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


def time_field(frame: pd.DataFrame, mapping: Mapping, name: str) -> tuple[pd.Series, pd.Series]:
    """Return (UTC instants, mask of unparsable non-empty cells) for a time field."""
    spec = mapping.spec(name)
    if spec is None:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]"), pd.Series(False, index=frame.index)
    if spec.parts is not None:
        return _time_from_parts(frame, spec, mapping)
    source = frame[spec.column] if spec.column is not None and spec.regex is None and spec.map is None else None
    if source is not None and isinstance(source.dtype, pd.DatetimeTZDtype):
        return _in_utc(source, mapping), pd.Series(False, index=frame.index)
    if source is not None and pd.api.types.is_datetime64_dtype(source.dtype):
        return localize(source, mapping.timezone), pd.Series(False, index=frame.index)
    return parse_times(raw_values(frame, spec), spec.format or mapping.time_format, mapping)


def parse_times(text: pd.Series, fmt: str | None, mapping: Mapping) -> tuple[pd.Series, pd.Series]:
    """Return (UTC instants, unparsable mask) for time text in ``fmt`` (default: ISO 8601)."""
    if fmt in ("epoch_s", "epoch_ms"):
        numbers, bad = to_number(text)
        unit = "s" if fmt == "epoch_s" else "ms"
        return pd.to_datetime(numbers, unit=unit, utc=True, errors="coerce"), bad
    if mapping.offsets == "ignore":
        # Offsets labelled on local wall-clock times (SF's '+00:00'): drop them, keep the clock.
        text = text.str.replace(r"(Z|[+-]\d{2}:?\d{2})$", "", regex=True)
    parsed = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce", utc=True) \
        if _has_offsets(text) else pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce")
    bad = text.notna() & parsed.isna()
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert(UTC), bad
    return localize(parsed, mapping.timezone), bad


def _has_offsets(text: pd.Series) -> bool:
    """True when the column's values carry a UTC offset (checked on the first present value)."""
    present = text.notna().to_numpy()
    first = int(present.argmax()) if len(present) else 0
    return bool(len(present)) and bool(present[first]) and \
        re.search(r"(?:Z|[+-]\d{2}:?\d{2})$", str(text.iloc[first])) is not None


def localize(naive: pd.Series, tz: str) -> pd.Series:
    """Return naive local times as UTC; in the repeated autumn hour the earlier reading wins."""
    naive = pd.to_datetime(naive, errors="coerce")
    ambiguous = np.ones(len(naive), dtype=bool)
    local = naive.dt.tz_localize(tz, ambiguous=ambiguous, nonexistent="shift_forward")
    return local.dt.tz_convert(UTC)


def _in_utc(source: pd.Series, mapping: Mapping) -> pd.Series:
    if mapping.offsets == "ignore":
        return localize(source.dt.tz_localize(None), mapping.timezone)
    return source.dt.tz_convert(UTC)


def _time_from_parts(frame: pd.DataFrame, spec: FieldSpec, mapping: Mapping) -> tuple[pd.Series, pd.Series]:
    parts, bad = {}, pd.Series(False, index=frame.index)
    for part, column in spec.parts.items():
        values, wrong = to_number(as_text(frame[column]))
        parts[part] = values
        bad |= wrong | values.isna()
    defaults = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0}
    table = pd.DataFrame({p: parts.get(p, pd.Series(defaults.get(p, np.nan), index=frame.index))
                          for p in ("year", "month", "day", "hour", "minute", "second")})
    naive = pd.to_datetime(table.fillna(-1).astype("int64"), errors="coerce")
    bad |= naive.isna()
    return localize(naive, mapping.timezone), bad
