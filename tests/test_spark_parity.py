"""The scale-out path: the compiled catalog on Spark over a Parquet export gives DuckDB's values.

The translator is tested on the fragments the compiler emits (text, then meaning: the same
expression evaluated by DuckDB and, translated, by Spark), then the whole catalog of the tiny
city is evaluated both ways and every value compared.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pandas as pd
import pytest

from data import db
from data.clock import parse_instant
from indicators.catalog import load_catalog
from indicators.compiler import compile_catalog
from indicators.engine import Engine
from indicators.execution import run_scan_group
from indicators.scan_statements import OUTPUTS_VIEW, outputs_frame
from scaleout import export, parity, spark_engine
from scaleout.spark_sql import UntranslatableSql, split_difference, to_spark_sql
from tests.conftest import TINY_NOW

pytestmark = [pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


# --- the translation, as text -----------------------------------------------------------------

@pytest.mark.parametrize("duckdb_sql, spark_sql", [
    ("epoch(resolved_at - received_at) / 3600",
     "(CAST(unix_micros(resolved_at) - unix_micros(received_at) AS DOUBLE) / CAST(1000000 AS DOUBLE)) / 3600"),
    ("epoch(ts)", "(CAST(unix_micros(ts) AS DOUBLE) / CAST(1000000 AS DOUBLE))"),
    ("$now - to_days(day_shift)", ":now - make_dt_interval(day_shift)"),
    ("to_minutes(greatest(2 * s.interval_min, 60))", "make_dt_interval(0, 0, greatest(2 * s.interval_min, 60))"),
    ("quantile_cont(handling_hours, 0.9) FILTER (WHERE is_resolved)",
     "percentile(handling_hours, 0.9) FILTER (WHERE is_resolved)"),
    ("CAST(category_code AS VARCHAR) AS split_value", "CAST(category_code AS STRING) AS split_value"),
    ("ts > $start AND ts <= $end", "ts > :start AND ts <= :end"),
    ("floor(x)::INTEGER", "floor(x)::INTEGER"),
])
def test_translation_of_emitted_fragments(duckdb_sql, spark_sql):
    assert to_spark_sql(duckdb_sql) == spark_sql


def test_epoch_of_a_shifted_instant_minus_a_column_is_a_difference():
    translated = to_spark_sql("epoch(($now - to_days(day_shift)) - received_at)")
    assert translated == ("(CAST(unix_micros((:now - make_dt_interval(day_shift))) - unix_micros(received_at) AS DOUBLE)"
                          " / CAST(1000000 AS DOUBLE))")


def test_epoch_of_an_instant_minus_an_interval_is_an_instant():
    assert split_difference("$end - INTERVAL 1 DAY") == ("$end", "INTERVAL 1 DAY")
    assert to_spark_sql("epoch($end - INTERVAL 1 DAY)") == \
        "(CAST(unix_micros(:end - INTERVAL 1 DAY) AS DOUBLE) / CAST(1000000 AS DOUBLE))"


def test_string_literals_are_left_alone():
    assert to_spark_sql("count(*) FILTER (WHERE note = 'epoch(x) $now :(')") == \
        "count(*) FILTER (WHERE note = 'epoch(x) $now :(')"


@pytest.mark.parametrize("sql", [
    "SELECT * EXCLUDE (description) FROM events", "SELECT 1 GROUP BY ALL", "x::VARCHAR",
    "median(x)", 'SELECT "level" FROM t', "ts > $since",
])
def test_constructs_not_translated_are_refused(sql):
    with pytest.raises(UntranslatableSql):
        to_spark_sql(sql)


def test_every_compiled_scan_translates():
    compiled = compile_catalog(load_catalog())
    scans = [s for scan in compiled.scans.values() for s in (scan, replace(scan, shifted=True))
             if scan.source in spark_engine.exported_sources()]
    for scan in scans:
        translated = spark_engine.spark_scan_sql(scan)
        for duckdb_only in ("$", "epoch(", "to_days(", "to_minutes(", "quantile_cont(", "VARCHAR"):
            assert duckdb_only not in translated, (scan.key, duckdb_only)


# --- on Spark ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spark():
    session = spark_engine.start_spark(master="local[2]", shuffle_partitions=4)
    yield session
    session.stop()


FRAGMENT_ROWS = [  # received, resolved (UTC), value
    ("2026-11-20 01:00:00", "2026-11-20 03:30:00.250", 1.0),
    ("2026-11-19 23:59:59", "2026-11-21 00:00:01", 4.0),
    ("2026-11-18 12:00:00", None, 10.0),
    ("2026-11-20 06:00:00", "2026-11-20 06:00:00.000001", 2.5),
]
FRAGMENTS = [
    "epoch(resolved_at - received_at) / 3600",
    "epoch(received_at)",
    "epoch($now - received_at) / 3600",
    "floor((epoch($now) - epoch(received_at)) / 86400)::INTEGER",
    "received_at > $now - to_days(2)",
    "coalesce(resolved_at > $now - to_minutes(greatest(2 * 30, 60)), false)",
    "CAST(value AS VARCHAR)",
]


def _fragment_table(con_or_spark, is_spark: bool):
    rows = pd.DataFrame(FRAGMENT_ROWS, columns=["received_at", "resolved_at", "value"])
    for column in ("received_at", "resolved_at"):
        rows[column] = pd.to_datetime(rows[column], format="ISO8601", utc=True)
    if is_spark:
        con_or_spark.createDataFrame(rows).createOrReplaceTempView("fragment_rows")
    else:
        con_or_spark.register("fragment_rows", rows)


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_translated_fragment_means_the_same_on_spark(spark, fragment):
    now = datetime(2026, 11, 20, 7, 30, tzinfo=timezone.utc)
    sql = f"SELECT {fragment} AS x FROM fragment_rows ORDER BY value"
    con = db.connect(":memory:")
    _fragment_table(con, False)
    _fragment_table(spark, True)
    expected = con.execute(sql, {"now": now} if "$now" in sql else {}).df()["x"].tolist()
    actual = spark.sql(to_spark_sql(sql), args={"now": now} if "$now" in sql else None).toPandas()["x"].tolist()
    assert [None if pd.isna(v) else v for v in actual] == [None if pd.isna(v) else v for v in expected]


def test_quantile_is_interpolated_like_duckdb(spark):
    values = ", ".join(f"(CAST({v} AS DOUBLE))" for v in (3.0, 1.0, 7.5, 2.0, 10.0, 4.25))
    sql = f"SELECT quantile_cont(v, 0.9) AS p FROM (VALUES {values}) AS t(v)"
    expected = db.connect(":memory:").execute(sql).fetchall()[0][0]
    assert spark.sql(to_spark_sql(sql)).collect()[0]["p"] == pytest.approx(expected, rel=1e-12)


@pytest.fixture(scope="module")
def tiny_export(tiny_con, tmp_path_factory):
    tz = db.get_setting(tiny_con, "city.tz", "Asia/Shanghai")
    out = tmp_path_factory.mktemp("export")
    return out, export.export_store(tiny_con, out, tz)


def test_export_has_every_table_and_no_free_text(tiny_con, tiny_export):
    out, summary = tiny_export
    con = export.open_export(out)
    for table in export.EXPORTED_TABLES:
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] == \
            tiny_con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] == summary.rows[table]
    free_text = con.execute("SELECT count(description), count(caller_name), count(caller_phone) FROM events").fetchall()
    assert tiny_con.execute("SELECT count(description) FROM events").fetchall()[0][0] > 0
    assert free_text == [(0, 0, 0)]
    assert export.read_manifests(out)[0].city == summary.city


def test_one_scan_labelled_like_duckdb(spark, tiny_con, tiny_export):
    """A family scan (split values) and its shifted pass: the pandas labelling equals DuckDB's SQL
    labelling (run_scan_group; DuckDB's own refresh rolls such scans up from grid partials instead)."""
    out, summary = tiny_export
    catalog = load_catalog()
    compiled = compile_catalog(catalog)
    scan = next(s for s in compiled.scans.values() if s.split_column == "category_code")
    at_s = parse_instant(TINY_NOW, summary.tz)
    outputs = outputs_frame(compiled, catalog)
    spark_engine.register_export(spark, out)
    runner = spark_engine.SparkScanRunner(spark)
    cursor = tiny_con.cursor()
    cursor.register(OUTPUTS_VIEW, outputs)
    for one in (scan, replace(scan, shifted=True)):
        keys = ["indicator_id", "level", "unit_code"] + (["day_shift"] if one.shifted else [])
        expected = run_scan_group(cursor, [one], at_s, summary.tz).sort_values(keys)
        actual = runner(None, [one], outputs, at_s, summary.tz)[0].sort_values(keys)
        assert len(expected) > 0
        pd.testing.assert_frame_equal(actual.reset_index(drop=True), expected.reset_index(drop=True),
                                      check_dtype=False, check_exact=False, rtol=1e-9)


def test_spark_matches_duckdb_on_every_indicator_of_the_tiny_city(spark, tiny_con, tiny_export):
    out, summary = tiny_export
    catalog = load_catalog()
    at_s = parse_instant(TINY_NOW, summary.tz)
    duckdb_values = Engine(catalog, summary.tz).evaluate(tiny_con, at_s, only=spark_engine.on_the_export(catalog))
    spark_values = spark_engine.evaluate_export(spark, out, catalog, at_s, summary.tz)
    result = parity.compare_values(duckdb_values, spark_values, catalog)
    print(f"\nSpark vs DuckDB, tiny city at {TINY_NOW}: {result.summary()}")
    if len(result.differences):
        print(result.differences.head(40).to_string())
    assert duckdb_values["value"].notna().sum() > 1000          # the comparison is of real values
    assert result.differences.empty, result.differences.head(20).to_string()
    assert result.compared == 6 * len(duckdb_values)


def test_compare_values_reports_a_changed_value_and_a_missing_row():
    catalog = load_catalog()
    count_id = next(i.id for i in catalog.indicators if i.type.value == "count")
    avg_id = next(i.id for i in catalog.indicators if i.type.value == "avg")
    rows = pd.DataFrame({"indicator_id": [count_id, avg_id, avg_id], "level": "city", "unit_code": ["c", "c", "d"],
                         "value": [3.0, 1.0, None], "numerator": None, "denominator": None, "baseline": [2.0, None, None],
                         "status": ["normal", None, None], "data_age_s": 60.0})
    other = rows.copy()
    other.loc[0, "value"] = 3.0 + 1e-12                     # counts compare exactly
    other.loc[1, "value"] = 1.0 + 1e-13                     # other numbers within 1e-9
    result = parity.compare_values(rows, other.iloc[:2], catalog)
    found = set(zip(result.differences["unit_code"], result.differences["field"], result.differences["indicator_id"]))
    assert found == {("c", "value", count_id), ("d", "row", avg_id)}
