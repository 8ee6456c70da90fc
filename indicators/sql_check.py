"""Checking that every indicator's SQL binds: unknown columns or bad expressions, by indicator.

Each compiled scan runs once against the store's schema (an empty in-memory store unless a
database is given); when a scan fails, its indicators are tried one by one to name the culprits.
"""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb

from data import db
from indicators.catalog import Catalog
from indicators.compiler import Scan, aggregate_sql, compile_catalog
from indicators.sources import SOURCES

_PARAMS = {"now": datetime(2026, 1, 1, tzinfo=timezone.utc), "start": datetime(2025, 12, 1, tzinfo=timezone.utc),
           "end": datetime(2026, 1, 1, tzinfo=timezone.utc)}


def check_sql(catalog: Catalog, con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """Return a problem per indicator whose SQL does not run (empty when all do)."""
    if con is None:
        con = duckdb.connect(":memory:")
        db.migrate(con)
    compiled = compile_catalog(catalog)
    problems = []
    for scan in compiled.scans.values():
        try:
            con.execute(scan.sql(), _params(scan)).fetchall()
        except duckdb.Error:
            members = [i for i, out in compiled.outputs.items()
                       if scan.key in {ref.scan for ref in (out.value, out.numerator, out.denominator) if ref}]
            problems += _pinpoint(con, catalog, members)
    for indicator in compiled.aqi:
        problems += _pinpoint(con, catalog, [indicator.id])
    return problems


def _params(scan: Scan) -> dict:
    sql = scan.sql()
    return {k: v for k, v in _PARAMS.items() if f"${k}" in sql}


def _pinpoint(con, catalog: Catalog, indicator_ids: list[str]) -> list[str]:
    problems = []
    for indicator_id in indicator_ids:
        indicator = catalog[indicator_id]
        measures = [m for m in (indicator.measure, indicator.numerator, indicator.denominator) if m]
        for measure in measures:
            sql = f"SELECT {aggregate_sql(measure)} FROM ({SOURCES[indicator.source].sql()}) AS base LIMIT 1"
            try:
                con.execute(sql, {k: v for k, v in _PARAMS.items() if f"${k}" in sql}).fetchall()
            except duckdb.Error as exc:
                problems.append(f"{indicator_id}: {str(exc).splitlines()[0]}")
                break
    return problems
