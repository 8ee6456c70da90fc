"""The unit search: exact code before a name (or code) prefix before pinyin before a substring, on a
small Chinese city, on the tiny demo city and on San Francisco's neighbourhood names (no pinyin)."""

from __future__ import annotations

import duckdb
import pytest
import shapely

from data import db
from queries.unit_search import (EXACT_CODE, PINYIN, PREFIX, RESULT_LIMIT, SUBSTRING, build_index, normalise,
                                 pinyin_keys, unit_outline)

# code, level, level_no, name_zh, name_en, parent
CITY = [("C", "city", 0, "和平市", "Heping City", None),
        ("D1", "district", 1, "和平区", "Heping District", "C"),
        ("D2", "district", 1, "长安区", "Chang'an District", "C"),
        ("S1", "street", 2, "和平街道", "Heping Subdistrict", "D1"),
        ("S2", "street", 2, "重庆路街道", "Chongqing Road Subdistrict", "D2"),
        ("S3", "street", 2, "东和街道", "Donghe Subdistrict", "D2"),
        ("M1", "community", 3, "和平里社区", "Hepingli Community", "S1"),
        ("M2", "community", 3, "平安社区", "Ping'an Community", "S2"),
        ("G1", "grid", 4, "第1网格", "Grid 1", "M1"),
        ("G2", "grid", 4, "第1网格", "Grid 1", "M2"),
        ("HPJD", "grid", 4, "第2网格", "Grid 2", "M2")]      # a code that is also an initials query
SF_NAMES = ["Mission", "Mission Bay", "Outer Mission", "Nob Hill", "Russian Hill", "Castro/Upper Market",
            "Bayview Hunters Point"]


def store_of(rows) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE admin_units (code VARCHAR, level VARCHAR, level_no INT, name_zh VARCHAR, name_en VARCHAR, "
                "parent_code VARCHAR, geometry BLOB)")
    con.executemany("INSERT INTO admin_units VALUES (?, ?, ?, ?, ?, ?, NULL)", rows)
    return con


@pytest.fixture(scope="module")
def index():
    return build_index(store_of(CITY))


@pytest.fixture(scope="module")
def sf_index():
    rows = [("SF", "city", 0, "旧金山", "San Francisco", None)] + [
        (f"SF{i:03d}", "grid", 4, name, name, "SF") for i, name in enumerate(SF_NAMES, 1)]
    return build_index(store_of(rows))


def found(index, text, **kwargs) -> list[tuple[str, int]]:
    return [(hit.entry.code, hit.rank) for hit in index.search(text, **kwargs)]


def test_pinyin_keys_are_initials_and_whole_pinyin_of_chinese_names_only():
    assert pinyin_keys("和平街道") == ("hpjd", "hepingjiedao")
    assert pinyin_keys("重庆路街道")[0] == "cqljd"          # 重 in 重庆 reads chong, by the phrase
    assert pinyin_keys("第1网格") == ("d1wg", "di1wangge")
    assert pinyin_keys("Nob Hill") == ()


def test_initials_find_the_street(index):
    assert found(index, "hpjd")[0] == ("HPJD", EXACT_CODE)      # an exact code still comes first
    assert ("S1", PINYIN) in found(index, "hpjd")
    assert found(index, "cqljd") == [("S2", PINYIN)]
    assert found(index, "HePing JieDao") == [("S1", PINYIN)]     # whole pinyin, any case and spacing
    assert found(index, "jiedao") == []                          # pinyin matches from its start only


def test_ranks_exact_code_then_prefix_then_pinyin_then_substring(index):
    hits = found(index, "和平")
    assert hits == [("C", PREFIX), ("D1", PREFIX), ("S1", PREFIX), ("M1", PREFIX)]    # by level
    by_rank = [rank for _code, rank in found(index, "hp")]
    assert by_rank == sorted(by_rank)
    assert found(index, "和")[0][1] == PREFIX and ("S3", SUBSTRING) in found(index, "和")   # 东和街道 holds 和
    assert found(index, "s2") == [("S2", EXACT_CODE)]
    assert found(index, "m") == [("M2", PREFIX), ("M1", PREFIX)]     # code prefix, any case; the shorter name first


def test_a_substring_comes_after_every_prefix(index):
    hits = found(index, "街道")
    assert {code for code, _ in hits} == {"S1", "S2", "S3"} and {rank for _, rank in hits} == {SUBSTRING}
    hits = found(index, "d")          # codes and names starting with d, initials d1wg …, then "…district"
    assert hits == [("D1", PREFIX), ("D2", PREFIX), ("S3", PREFIX), ("G1", PINYIN), ("G2", PINYIN), ("HPJD", PINYIN),
                    ("S1", SUBSTRING), ("S2", SUBSTRING)]


def test_level_filter_exclusion_limit_and_empty_text(index):
    assert found(index, "第1", level="grid") == [("G1", PREFIX), ("G2", PREFIX)]
    assert found(index, "第1", level="grid", exclude="G1") == [("G2", PREFIX)]
    assert found(index, "第", limit=2) == [("G1", PREFIX), ("G2", PREFIX)]
    assert found(index, "") == [] and found(index, None) == [] and found(index, "   ") == []
    assert found(index, "ｇ１") == [("G1", EXACT_CODE)]           # full-width input, as a Chinese IME types it
    assert normalise(" Ｈｐ ｊｄ ") == "hpjd"


def test_siblings_share_level_and_parent(index):
    assert [e.code for e in index.siblings("M1")] == []
    assert [e.code for e in index.siblings("S2")] == ["S3"]
    assert index.siblings("404") == []


def test_the_path_names_the_ancestors_below_the_city(index):
    assert index.get("G2").path_zh == "平安社区 · 重庆路街道 · 长安区"
    assert index.get("G2").path_en == "Ping'an Community · Chongqing Road Subdistrict · Chang'an District"
    assert index.get("D1").path_zh == "" and index.get("C").path_zh == ""
    assert index.get(None) is None and index.get(["C"]) is None


def test_san_francisco_names_match_without_pinyin(sf_index):
    assert all(not e.pinyin_keys for e in sf_index.entries if e.level == "grid")
    assert found(sf_index, "mission") == [("SF001", PREFIX), ("SF002", PREFIX), ("SF003", SUBSTRING)]
    assert found(sf_index, "HILL") == [("SF004", SUBSTRING), ("SF005", SUBSTRING)]
    assert found(sf_index, "nob") == [("SF004", PREFIX)]
    assert found(sf_index, "sf006") == [("SF006", EXACT_CODE)]
    assert found(sf_index, "castro/up") == [("SF006", PREFIX)]
    assert found(sf_index, "jjs") == [("SF", PINYIN)]               # its Chinese name still has pinyin
    assert len(found(sf_index, "sf")) == len(SF_NAMES) + 1 <= RESULT_LIMIT


def test_the_tiny_city_finds_a_grid_by_code_and_a_community_by_name(tiny_con):
    index = build_index(tiny_con)
    grid, community, name = tiny_con.execute(
        "SELECT g.code, c.code, c.name_zh FROM admin_units g JOIN admin_units c ON c.code = g.parent_code "
        "WHERE g.level = 'grid' ORDER BY g.code DESC LIMIT 1").fetchall()[0]
    assert found(index, grid)[0] == (grid, EXACT_CODE)
    assert found(index, name)[0] == (community, PREFIX)
    assert len(index.entries) == tiny_con.execute("SELECT count(*) FROM admin_units").fetchall()[0][0]
    assert len(found(index, "网格")) == RESULT_LIMIT             # bounded


def test_the_outline_is_the_units_boundary(tiny_db_path):
    con = db.open_store(tiny_db_path, read_only=True)
    try:
        code, wkb = con.execute("SELECT code, geometry FROM admin_units WHERE level = 'community' LIMIT 1").fetchall()[0]
        outline, bounds = unit_outline(con, code)
        assert bounds == pytest.approx(shapely.from_wkb(wkb).bounds)
        drawn = shapely.geometry.shape(outline["features"][0]["geometry"])
        assert outline["features"][0]["id"] == code
        assert drawn.symmetric_difference(shapely.from_wkb(wkb)).area < 0.02 * drawn.area
        assert unit_outline(con, "404") is None
    finally:
        con.close()
