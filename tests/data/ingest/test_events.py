"""Events: formats, validation reasons, versions, grid assignment, idempotence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from data.ingest import pipeline
from data.ingest.mapping import load_mapping, parse_mapping
from tests.data.ingest.conftest import NOW

MAPPING = load_mapping("yunjiang_events")


def ingest(store, path, mapping=MAPPING):
    return pipeline.ingest_path(store, "events", path, mapping, now=NOW)


def write(frame: pd.DataFrame, path, **options):
    frame.to_csv(path, index=False, **options)
    return path


def write_xls(frame: pd.DataFrame, path):
    """Write an Excel 97-2003 workbook, cells as the export's text (pandas writes no .xls)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("cases")
    for col, name in enumerate(frame.columns):
        sheet.write(0, col, name)
        for row, value in enumerate(frame[name], start=1):
            if not pd.isna(value):
                sheet.write(row, col, value.item() if hasattr(value, "item") else value)
    book.save(str(path))
    return path


@pytest.mark.parametrize("fmt", ["csv-gbk", "csv-gb18030-semicolon", "tsv-utf8", "xlsx", "xls", "parquet", "json",
                                 "ndjson"])
def test_every_format_gives_the_same_result(store, export, tmp_path, fmt):
    frame = export.head(120)
    if fmt == "csv-gbk":
        path = write(frame, tmp_path / "cases.csv", encoding="gbk")
    elif fmt == "csv-gb18030-semicolon":
        path = write(frame, tmp_path / "cases.csv", encoding="gb18030", sep=";")
    elif fmt == "tsv-utf8":
        path = write(frame, tmp_path / "cases.tsv", sep="\t")
    elif fmt == "xlsx":
        path = tmp_path / "cases.xlsx"
        frame.to_excel(path, index=False)
    elif fmt == "xls":
        path = write_xls(frame, tmp_path / "cases.xls")
    elif fmt == "parquet":
        path = tmp_path / "cases.parquet"
        frame.to_parquet(path)
    elif fmt == "json":
        path = tmp_path / "cases.json"
        path.write_text(frame.to_json(orient="records", force_ascii=False), encoding="utf-8")
    else:
        path = tmp_path / "cases.ndjson"
        path.write_text(frame.to_json(orient="records", lines=True, force_ascii=False), encoding="utf-8")
    summary = ingest(store, path)
    assert summary.as_dict()["quarantined"] == 0, summary.as_dict()
    assert summary.accepted == 120 and summary.balanced()
    stored = store.execute("SELECT event_id, category_code, grid_code, status, received_at, satisfaction "
                           "FROM events WHERE event_id LIKE 'NEW-%' ORDER BY event_id").df()
    original = store.execute("SELECT 'NEW-' || event_id AS event_id, category_code, grid_code, status, received_at, "
                             "satisfaction FROM events WHERE 'NEW-' || event_id IN (SELECT event_id FROM stored) "
                             "ORDER BY 1").df()
    pd.testing.assert_frame_equal(stored, original)


def test_reingesting_the_same_file_is_a_no_op(store, export, tmp_path):
    path = write(export.head(50), tmp_path / "cases.csv")
    first = ingest(store, path)
    second = ingest(store, path)
    assert first.accepted == 50
    assert second.already_ingested_as == first.batch_id and second.accepted == 0 and second.duplicates == 50
    assert store.execute("SELECT count(*) FROM events WHERE event_id LIKE 'NEW-%'").fetchone()[0] == 50


def bad_rows(export: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return a file with one good row and one row per defect, and the expected reason per row."""
    good = export.iloc[[0]].copy()
    rows, expected = [good], {}

    def bad(reason, **changes):
        row = export.iloc[[len(rows)]].copy()
        for column, value in changes.items():
            row[column] = value
        rows.append(row)
        expected[reason] = expected.get(reason, 0) + 1

    bad("missing_id", 工单编号="")
    bad("bad_time", 受理时间="2026-13-45 25:00:00")
    bad("missing_time", 受理时间="")
    bad("closed_before_received", 办结时间="2020-01-01 00:00:00")
    bad("future_time", 受理时间="2031-01-01 08:00:00", 签收时间="", 派单时间="", 办结时间="", 归档时间="",
        更新时间="")
    bad("missing_coords", 经度="", 纬度="", 网格编码="")
    bad("zero_coords", 经度="0.0", 纬度="0.0", 网格编码="")
    bad("bad_coords", 经度="东经119度", 网格编码="")
    bad("outside_city", 经度="116.40", 纬度="39.90", 网格编码="")
    bad("unknown_grid", 网格编码="990199999999999")
    bad("unknown_category", 事件类型="外星人入侵")
    bad("unknown_status", 办理状态="已飞走")
    bad("bad_field", 满意度="9")
    duplicate = rows[1].copy()
    duplicate["工单编号"] = good["工单编号"].iloc[0]
    rows.append(good.copy())
    expected["duplicate_in_file"] = 1
    return pd.concat(rows, ignore_index=True), expected


def test_every_bad_row_lands_in_quarantine_with_its_reason(store, export, tmp_path):
    frame, expected = bad_rows(export)
    summary = ingest(store, write(frame, tmp_path / "bad.csv", encoding="gbk"))
    assert summary.quarantined == expected
    assert summary.accepted == 1 and summary.rows_read == len(frame) and summary.balanced()
    rows = store.execute("SELECT source_row, reason_code, raw FROM quarantine WHERE batch_id = ? ORDER BY source_row",
                         [summary.batch_id]).fetchall()
    assert [r[0] for r in rows] == list(range(2, len(frame) + 1))
    assert json.loads(rows[0][2])["工单编号"] is None           # the raw row, as it came
    assert json.loads(rows[10][2])["事件类型"] == "外星人入侵"


def test_blank_grid_codes_are_assigned_and_disagreeing_ones_flagged(store, export, tmp_path):
    frame = export.head(60).copy()
    truth = frame["网格编码"].copy()
    frame.loc[:29, "网格编码"] = ""
    other = truth[truth != truth.iloc[30]].iloc[0]
    frame.loc[30, "网格编码"] = other
    summary = ingest(store, write(frame, tmp_path / "grids.csv"))
    stored = store.execute("SELECT event_id, grid_code FROM events WHERE event_id LIKE 'NEW-%'").df()
    got = dict(zip(stored["event_id"], stored["grid_code"]))
    assert all(got[e] == t for e, t in zip(frame["工单编号"][:30], truth[:30]))
    assert got[frame["工单编号"][30]] == other                 # flagged, not changed
    assert summary.flagged["grid_mismatch"] == 1
    flag = store.execute("SELECT source_row, flag_code, detail FROM ingest_flags").fetchone()
    assert flag[0] == 31 and flag[1] == "grid_mismatch" and truth.iloc[30] in flag[2]


def test_newer_versions_update_and_older_ones_never_overwrite(store, export, tmp_path):
    case = export.iloc[[5]].copy()
    open_version = case.assign(办理状态="已派单", 办结时间="", 归档时间="", 更新时间=case["派单时间"], 满意度="")
    ingest(store, write(open_version, tmp_path / "v1.csv"))
    newer = ingest(store, write(case, tmp_path / "v2.csv"))
    accepted_version = open_version.assign(办理状态="已签收", 派单时间="", 更新时间=case["签收时间"], 责任部门="旧部门")
    older = ingest(store, write(accepted_version, tmp_path / "v0.csv"))
    same = ingest(store, write(open_version.assign(责任部门="又一部门"), tmp_path / "v1b.csv"))
    assert (newer.updated, older.stale, same.duplicates) == (1, 1, 1)
    status, department = store.execute("SELECT status, department FROM events WHERE event_id = ?",
                                       [case["工单编号"].iloc[0]]).fetchone()
    assert status == "closed" and department == case["责任部门"].iloc[0]
    history = store.execute("SELECT status FROM event_history WHERE event_id = ? ORDER BY updated_at, status",
                            [case["工单编号"].iloc[0]]).fetchall()
    assert [h[0] for h in history] == ["accepted", "dispatched", "closed"]
    versions = store.execute("SELECT status FROM event_versions WHERE event_id = ? ORDER BY updated_at",
                             [case["工单编号"].iloc[0]]).fetchall()
    assert [v[0] for v in versions] == ["accepted", "dispatched"]        # the current version is in events only


def test_gcj02_coordinates_are_converted_before_grid_assignment(store, export, tmp_path):
    from data.ingest.coords import wgs84_to_gcj02

    frame = export.head(40).copy()
    wgs_lon = frame["经度"].astype(float).to_numpy()
    lon, lat = wgs84_to_gcj02(wgs_lon, frame["纬度"].astype(float))
    assert np.abs(lon - wgs_lon).min() > 1e-3                 # the offset is hundreds of metres
    frame["经度"], frame["纬度"], truth = lon, lat, frame["网格编码"].copy()
    frame["网格编码"] = ""
    mapping = parse_mapping({**_yaml(), "coordinates": "gcj02"}, "gcj.yaml")
    summary = ingest(store, write(frame, tmp_path / "gcj.csv"), mapping)
    assert summary.accepted == 40, summary.as_dict()
    stored = store.execute("SELECT event_id, grid_code, lon FROM events WHERE event_id LIKE 'NEW-%'").df()
    by_id = stored.set_index("event_id")
    assert list(by_id.loc[frame["工单编号"], "grid_code"]) == list(truth)
    assert np.allclose(by_id.loc[frame["工单编号"], "lon"], wgs_lon, atol=1e-6)


def _yaml() -> dict:
    import yaml

    return yaml.safe_load(open(MAPPING.path, encoding="utf-8"))


def test_a_typed_column_holding_an_infinity_is_quarantined_as_text(store, tmp_path):
    frame = pd.DataFrame({"source": "grid_report", "event_id": ["T-1", "T-2", "T-3"], "category": "hotline.noise",
                          "received_at": pd.to_datetime(["2026-11-19 01:00", "2026-11-19 02:00", "2026-11-19 03:00"],
                                                        utc=True),
                          "lon": [10.25, np.inf, np.nan], "lat": [31.5, 31.5, 31.5], "satisfaction": [4, 4, 4]})
    path = tmp_path / "typed.parquet"
    frame.to_parquet(path)
    summary = ingest(store, path, load_mapping("api_events"))
    assert summary.quarantined == {"outside_city": 1, "bad_coords": 1, "missing_coords": 1}
    raw = [json.loads(r[0]) for r in store.execute("SELECT raw FROM quarantine WHERE batch_id = ? ORDER BY source_row",
                                                    [summary.batch_id]).fetchall()]
    assert raw[0] == {"source": "grid_report", "event_id": "T-1", "category": "hotline.noise",
                      "received_at": "2026-11-19 01:00:00+00", "lon": "10.25", "lat": 31.5, "satisfaction": 4}
    assert raw[1]["lon"] == "inf"              # JSON has no infinity: a column holding one stays text
    assert raw[2]["lon"] is None


def test_quarantined_numbers_of_a_typed_file_are_json_numbers(store, tmp_path):
    frame = pd.DataFrame({"source": "grid_report", "event_id": ["T-1"], "category": "hotline.noise",
                          "received_at": pd.to_datetime(["2026-11-19 01:00"], utc=True), "lon": [10.25],
                          "lat": [31.5], "satisfaction": [4]})
    path = tmp_path / "typed.parquet"
    frame.to_parquet(path)
    summary = ingest(store, path, load_mapping("api_events"))
    assert summary.quarantined == {"outside_city": 1}
    raw = store.execute("SELECT raw FROM quarantine WHERE batch_id = ?", [summary.batch_id]).fetchone()[0]
    assert json.loads(raw) == {"source": "grid_report", "event_id": "T-1", "category": "hotline.noise",
                               "received_at": "2026-11-19 01:00:00+00", "lon": 10.25, "lat": 31.5, "satisfaction": 4}


def test_a_placeholder_date_is_no_value_in_its_own_field_only(store, export, tmp_path):
    frame = export.head(20).copy()
    placeholder = frame["归档时间"].notna() & (frame["归档时间"].astype(str) != "")
    rows = frame.index[placeholder][:3]
    frame.loc[rows, "归档时间"] = "01/01/1900"                  # what a real feed writes for "not archived"
    strict = ingest(store, write(frame, tmp_path / "placeholder.csv"))
    assert strict.quarantined_total == 3                         # a date before the case: the whole case refused

    raw = _yaml()
    raw["fields"]["closed_at"] = {"column": "归档时间", "null": "01/01/1900"}
    frame["工单编号"] = frame["工单编号"].astype(str) + "-B"      # new cases, so the file is not a repeat
    lenient = ingest(store, write(frame, tmp_path / "placeholder-b.csv"), parse_mapping(raw, "null.yaml"))
    assert lenient.quarantined_total == 0 and lenient.accepted == 20, lenient.as_dict()
    unarchived = store.execute("SELECT count(*) FROM events WHERE event_id IN (SELECT unnest(?)) AND closed_at IS NULL",
                               [list(frame.loc[rows, "工单编号"])]).fetchone()[0]
    assert unarchived == 3


def test_null_texts_of_a_field_are_checked_with_the_mapping():
    raw = _yaml()
    raw["fields"]["closed_at"] = {"column": "归档时间", "null": {"not": "a list"}}
    with pytest.raises(Exception, match="null must be a text or a list of texts"):
        parse_mapping(raw, "bad-null.yaml")
