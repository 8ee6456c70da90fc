"""Fixtures for ingestion tests: a private copy of the tiny city and its cases in export format."""

from __future__ import annotations

import pandas as pd
import pytest

from data import db
from tests.data.ingest.exports import demo_export

# The tiny city is built at 2026-11-20 15:30 Shanghai time; ingestion's "now" is pinned just after.
NOW = pd.Timestamp("2026-11-20T08:00:00Z")


@pytest.fixture
def store(tiny_db_copy):
    """Return a writable connection to a private copy of the tiny city."""
    con = db.open_store(tiny_db_copy)
    yield con
    con.close()


@pytest.fixture(scope="module")
def export(tiny_db_path) -> pd.DataFrame:
    """Return 400 of the tiny city's cases in its export format, renumbered as new cases."""
    con = db.open_store(tiny_db_path, read_only=True)
    frame = demo_export(con, 400)
    con.close()
    frame["工单编号"] = "NEW-" + frame["工单编号"]
    return frame
