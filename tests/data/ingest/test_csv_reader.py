"""CSV through pyarrow's reader gives the frame pandas gave; pandas still reads what Arrow refuses."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from data.ingest import readers
from data.ingest.mapping import load_mapping

MAPPING = load_mapping("api_events")
AWKWARD = {
    "quoted multi-line cell, empty and NA cells": b'id,text,n\n1,"two\nlines",\n2,NA,"0012"\n3,"say ""hi""",NULL\n',
    "utf-8 with a BOM, spaces kept": "\ufeff编号,名称\n1,  空格 \n".encode("utf-8"),
    "gbk, semicolons": "编号;名称\n1;占道经营\n".encode("gbk"),
    "blank lines": b"a,b\n\n1,2\n\n",
    "a line cut short (pandas)": b"a,b,c\n1,2,3\n4,5\n",
    "repeated column names (pandas)": b"a,a\n1,2\n",
}


def pandas_frame(data: bytes) -> pd.DataFrame:
    """The frame the reader gave before pyarrow: pandas' C reader, every column as text."""
    text = readers.decode_text(data, MAPPING.encoding)
    frame = pd.read_csv(io.StringIO(text), sep=readers._sniff_delimiter(text), dtype=str, keep_default_na=False,
                        na_values=list(MAPPING.na_values), quotechar='"', engine="c")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame[readers.ROW] = range(1, len(frame) + 1)
    return frame


@pytest.mark.parametrize("case", list(AWKWARD))
def test_csv_reads_as_pandas_read_it(case):
    data = AWKWARD[case]
    pd.testing.assert_frame_equal(readers.read_records(data, "csv", MAPPING), pandas_frame(data))


def test_arrow_reads_the_plain_files_and_leaves_the_ragged_ones_to_pandas():
    def by_arrow(data: bytes) -> bool:
        text = readers.decode_text(data, MAPPING.encoding)
        return readers._read_csv_arrow(text, readers._sniff_delimiter(text), MAPPING) is not None

    assert by_arrow(AWKWARD["quoted multi-line cell, empty and NA cells"])
    assert by_arrow(AWKWARD["gbk, semicolons"])
    assert not by_arrow(AWKWARD["a line cut short (pandas)"])
    assert not by_arrow(AWKWARD["repeated column names (pandas)"])
