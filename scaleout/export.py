"""Exporting what the indicator scans read from a city store to Parquet, one directory per table.

Each table goes to ``<out>/<table>/city=<city code>/data.parquet`` (Hive-style partitions), so the
exports of every city of a province, copied side by side (or written to one object-storage
prefix), read as one table per name in Spark or DuckDB. Timestamps stay instants (Parquet
timestamps adjusted to UTC). The free text of cases (description, caller name and phone) is not
exported: no scan reads it, and personal data stays in the city's store. The geometry of the
units is not exported either (no scan reads it). Both stay as columns of nulls, so the export has
the store's columns and any query over the store runs over it.

``open_export(out)`` gives an in-memory DuckDB connection with the same tables as views over the
Parquet files: the parts of an evaluation that do not run on Spark (units, AQI) read it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from data import db, progress
from data.retention import UNIONS, union_name
from indicators.sources import FREE_TEXT_COLUMNS

# the tables the sources (indicators/sources.py) read, and the columns exported as nulls
EXPORTED_TABLES: dict[str, dict[str, str]] = {
    "admin_units": {"geometry": "BLOB"},
    "event_categories": {},
    "channels": {},
    "events": {column: "VARCHAR" for column in FREE_TEXT_COLUMNS["events"]},
    "sensors": {},
    "readings": {},
}
PARTITION = "city"
MANIFESTS = "_manifests"


@dataclass(frozen=True)
class ExportSummary:
    """What one city's export wrote: its partition key, time zone, rows and bytes per table."""

    city: str
    tz: str
    rows: dict[str, int]
    bytes: dict[str, int]


def city_code(con: duckdb.DuckDBPyConnection) -> str:
    """Return the code of the store's city unit, the key of its partitions."""
    return con.execute("SELECT min(code) FROM admin_units WHERE level = 'city'").fetchall()[0][0]


def export_store(con: duckdb.DuckDBPyConnection, out: str | Path, tz: str, show_progress: bool = False) -> ExportSummary:
    """Write the store's indicator inputs under ``out`` (replacing this city's earlier partitions); a
    progress line per table on stderr when ``show_progress``."""
    out, city = Path(out), city_code(con)
    rows, sizes = {}, {}
    meter = progress.ConsoleProgress("Parquet export", len(EXPORTED_TABLES), enabled=show_progress, unit=" tables")
    for table, left_out in EXPORTED_TABLES.items():
        target = partition_dir(out, table, city)
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        path = target / "data.parquet"
        nulls = ", ".join(f"CAST(NULL AS {kind}) AS {column}" for column, kind in left_out.items())
        columns = f"* REPLACE ({nulls})" if left_out else "*"
        con.execute(f"COPY (SELECT {columns} FROM {union_name(table)}) TO '{_sql_path(path)}' (FORMAT parquet, COMPRESSION zstd)")
        rows[table] = con.execute(f"SELECT count(*) FROM {union_name(table)}").fetchall()[0][0]
        sizes[table] = path.stat().st_size
        meter.step(f"{table}: {rows[table]:,} rows, {sizes[table] / 2**20:.1f} MiB")
    summary = ExportSummary(city, tz, rows, sizes)
    (out / MANIFESTS).mkdir(parents=True, exist_ok=True)
    (out / MANIFESTS / f"{city}.json").write_text(json.dumps(asdict(summary), indent=1))
    return summary


def partition_dir(out: Path, table: str, city: str) -> Path:
    """Return the directory of one city's partition of one table."""
    return out / table / f"{PARTITION}={city}"


def read_manifests(out: str | Path) -> list[ExportSummary]:
    """Return the summaries of every city exported under ``out``."""
    return [ExportSummary(**json.loads(p.read_text())) for p in sorted((Path(out) / MANIFESTS).glob("*.json"))]


def table_glob(out: str | Path, table: str) -> str:
    """Return the glob of every city's Parquet files of one table."""
    return str(Path(out) / table / f"{PARTITION}=*" / "*.parquet")


def open_export(out: str | Path) -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB connection (UTC, the store's settings) with every exported table as a view."""
    con = db.connect(":memory:")
    for table in EXPORTED_TABLES:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{_sql_path(table_glob(out, table))}', "
                    f"hive_partitioning = true, hive_types_autocast = false)")
    for table in UNIONS.keys() & EXPORTED_TABLES.keys():       # the compiled scans read the union's name
        con.execute(f"CREATE VIEW {union_name(table)} AS SELECT * FROM {table}")
    return con


def _sql_path(path) -> str:
    # paths are ours (an output directory the operator chose), not user text; quotes doubled all the same
    return str(path).replace("'", "''")
