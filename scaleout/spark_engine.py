"""Running the compiled catalog on Apache Spark over a Parquet export.

Only the scans run on Spark: the same ``Scan.sql()`` the DuckDB engine runs, translated by
``scaleout.spark_sql``, over temp views with the store's table names. Their rows are labelled
(which column and split value holds which indicator) in pandas exactly as ``scan_statements.labelled_sql``
does in DuckDB, and handed to the engine's own assembly, derivation, baselines and statuses
through ``Engine(scan_runner=…)``. The units, the first instant of the data (for baselines) and
the AQI (its SQL reads hourly means, its breakpoints are Python, ``indicators/aqi.py``) are read
by DuckDB over the same Parquet files (``export.open_export``).
"""

from __future__ import annotations

import os
import shutil
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from glob import glob
from pathlib import Path

import pandas as pd

from data.clock import utc
from data.retention import union_name
from indicators.catalog import Catalog
from indicators.compiler import Scan
from indicators.engine import Engine
from indicators.execution import MATERIALISE_FROM, days_read
from indicators.sources import RECENT_EVENTS, SOURCES
from indicators.windows import span
from scaleout import export
from scaleout.spark_sql import to_spark_sql

ROLES = ("value", "numerator", "denominator")
# a local session runs many short queries: the C1 JIT alone warms up sooner and leaves the cores to the
# queries; Spark's generated code outgrows C1's default code cache, hence the larger one. A cluster keeps
# the JVM defaults.
LOCAL_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m"
JVM_GLOB = "/usr/lib/jvm/java-*-openjdk-*"


def ensure_java() -> None:
    """Point JAVA_HOME at Debian's OpenJDK when neither JAVA_HOME nor java on the PATH is there."""
    if os.environ.get("JAVA_HOME") or shutil.which("java"):
        return
    candidates = sorted(glob(JVM_GLOB))
    if candidates:
        os.environ["JAVA_HOME"] = candidates[-1]


def start_spark(master: str = "local[2]", shuffle_partitions: int = 4, driver_memory: str = "1g",
                adaptive: bool = False, java_options: str = LOCAL_JAVA_OPTIONS):
    """Return a SparkSession (local by default) bound to 127.0.0.1, in UTC, without its web UI.

    Adaptive query execution is off by default: on one machine and a city's rows its re-planning
    costs more than it saves over a hundred small scans; on a cluster, turn it on."""
    ensure_java()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master).appName("city-vitals-indicators")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.memory", driver_memory)
             .config("spark.driver.extraJavaOptions", java_options)
             .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
             .config("spark.sql.adaptive.enabled", str(adaptive).lower())
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def register_export(spark, out: str | Path, cache: bool = True) -> None:
    """Register every exported table of ``out`` (all cities' partitions) as a Spark temp view of the
    same name; cached (memory, then disk) since a hundred scans read the same few tables."""
    for table in export.EXPORTED_TABLES:
        if spark.catalog.tableExists(table):
            spark.catalog.uncacheTable(table)
        spark.read.parquet(str(Path(out) / table)).createOrReplaceTempView(table)
        if cache:
            spark.catalog.cacheTable(table)
        if union_name(table) != table:      # the compiled scans read the union's name (the export holds both)
            spark.table(table).createOrReplaceTempView(union_name(table))


def scan_parameters(scan: Scan, at_s: int, tz: str) -> dict[str, datetime]:
    """Return the scan's bound parameters (instants from the engine's clock, never user text)."""
    bounds = span(scan.window, at_s, tz)
    return {"now": utc(at_s), "start": utc(bounds.start_s), "end": utc(bounds.end_s)}


def spark_scan_sql(scan: Scan, materialised: dict[str, str] | None = None) -> str:
    """Return the Spark SQL of one scan (optionally over materialised relations, as ``Scan.sql``),
    its newest instant as epoch seconds (``newest_s``)."""
    keys = ["level", "unit_code"] + (["split_value"] if scan.split_column else []) + (
        ["day_shift"] if scan.shifted else [])
    columns = ", ".join(keys + [c.name for c in scan.columns])
    return (f"SELECT {columns}, CAST(unix_micros(newest) AS DOUBLE) / CAST(1000000 AS DOUBLE) AS newest_s "
            f"FROM ({to_spark_sql(scan.sql(materialised))}) AS scan WHERE unit_code IS NOT NULL")


def label_rows(rows: pd.DataFrame, scan: Scan, outputs: pd.DataFrame) -> pd.DataFrame:
    """Return one scan's rows per (indicator, level, unit[, day_shift]) with value, numerator and
    denominator: what ``scan_statements.labelled_sql`` gives (its UNPIVOT drops null aggregates, as here)."""
    keys = ["level", "unit_code"] + (["day_shift"] if scan.shifted else [])
    split = rows["split_value"].fillna("") if scan.split_column else ""
    long = rows.assign(split_value=split).melt(
        id_vars=keys + ["split_value", "newest_s"], value_vars=[c.name for c in scan.columns],
        var_name="column_name", value_name="val").dropna(subset=["val"])
    mine = outputs[outputs["scan"] == scan.key].drop(columns="scan")
    joined = long.merge(mine, on=["column_name", "split_value"])
    by = ["indicator_id"] + keys
    result = joined.groupby(by, as_index=False).agg(newest_s=("newest_s", "max"), scale=("scale", "first"))
    for role in ROLES:
        per_role = joined[joined["role"] == role].groupby(by)["val"].max().rename(role)
        result = result.merge(per_role, left_on=by, right_index=True, how="left")
    return result[by + list(ROLES) + ["newest_s", "scale"]]


@dataclass
class SparkScanRunner:
    """Runs scans on Spark with ``execution.run_scans``' arguments and result (the DuckDB connection unused).

    ``workers`` scans are submitted at once: while one is planned on the driver another runs."""

    spark: object
    workers: int = 2

    def __call__(self, con, scans: list[Scan], outputs: pd.DataFrame, at_s: int, tz: str,
                 materialise: bool = True) -> list[pd.DataFrame]:
        recent = self.cache_recent_events(scans, at_s, tz) if materialise else None
        materialised = {"events": f"SELECT * FROM {RECENT_EVENTS}"} if recent is not None else None
        try:
            with ThreadPoolExecutor(self.workers) as pool:
                rows = list(pool.map(lambda scan: self.collect(scan, at_s, tz, materialised), scans))
            return [label_rows(one, scan, outputs) for one, scan in zip(rows, scans)]
        finally:
            if recent is not None:
                recent.unpersist()

    def cache_recent_events(self, scans: list[Scan], at_s: int, tz: str):
        """Cache, as the view RECENT_EVENTS, the events any window at ``at_s`` can touch with their
        state, hierarchy and category (``Source.recent_sql``, as ``execution.materialise_relations``
        does in DuckDB) when enough scans read them; return the cached frame or None."""
        event_scans = [s for s in scans if SOURCES[s.source].table == "events" and not s.shifted]
        if len(event_scans) < MATERIALISE_FROM:
            return None
        recent_sql = SOURCES["events"].recent_sql(days=days_read(event_scans, at_s, tz))
        recent = self.spark.sql(to_spark_sql(recent_sql), args={"now": utc(at_s)}).cache()
        recent.createOrReplaceTempView(RECENT_EVENTS)
        return recent

    def collect(self, scan: Scan, at_s: int, tz: str, materialised: dict[str, str] | None = None) -> pd.DataFrame:
        """Return the scan's grouped rows, computed by Spark, as pandas."""
        sql = spark_scan_sql(scan, materialised)
        params = {k: v for k, v in scan_parameters(scan, at_s, tz).items() if f":{k}" in sql}
        return self.spark.sql(sql, args=params).toPandas()


def spark_engine(spark, catalog: Catalog, tz: str) -> Engine:
    """Return the indicator engine with its scans run on ``spark``."""
    return Engine(catalog, tz, scan_runner=SparkScanRunner(spark))


def evaluate_export(spark, out: str | Path, catalog: Catalog, at_s: int, tz: str,
                    engine: Engine | None = None) -> pd.DataFrame:
    """Return every indicator's values at ``at_s`` computed from the Parquet export ``out``: scans on
    Spark, units and AQI by DuckDB over the same files."""
    register_export(spark, out)
    con = export.open_export(out)
    try:
        return (engine or spark_engine(spark, catalog, tz)).evaluate(con, at_s, only=on_the_export(catalog))
    finally:
        con.close()


def on_the_export(catalog: Catalog) -> set[str]:
    """Return the indicators the Parquet export can compute: those over the sources whose tables it
    carries (cases and sensors). Camera alarms and work orders stay on the server's own engine."""
    exported = exported_sources()
    bases = {i.id: catalog[i.input] if i.input else i for i in catalog.indicators}     # a derived one: its input
    return {i.id for i in catalog.indicators if bases[i.id].source is None or bases[i.id].source in exported}


def exported_sources() -> set[str]:
    """Return the sources whose tables the Parquet export carries (not those pairing rows with places:
    the export has no places table, and they stay on the server's engine)."""
    return {name for name, source in SOURCES.items() if source.table in export.EXPORTED_TABLES and source.over is None}
