"""The catalog over a city's own taxonomy, and coverage: a fixture city with its own 3-level category
tree and channel codes, and the San Francisco example loaded as a user would (city load)."""

from __future__ import annotations

from pathlib import Path

import pytest

from data import db, profile
from data.clock import parse_instant
from indicators.city_catalog import catalog_for_store, category_slug, channel_roles, shipped_lists
from indicators.city_commands import coverage_report
from indicators.coverage import Lack, coverage, store_holdings
from indicators.engine import Engine

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TREE = [("市容", None), ("市容.占道", "市容"), ("市容.占道.摊点", "市容.占道"), ("市容.占道.堆物", "市容.占道"),
        ("环境", None), ("环境.噪声", "环境"), ("环境.噪声.施工", "环境.噪声")]
LEAVES = ["市容.占道.摊点", "市容.占道.堆物", "环境.噪声.施工"]


@pytest.fixture(scope="module")
def tree_city(tmp_path_factory):
    """A city of one district and two grids, channels 'rx-12345' (hotline) and 'rx-wg' (grid), and a
    3-level category tree, with four cases of its leaves."""
    folder = tmp_path_factory.mktemp("tree")
    con = db.open_store(folder / "tree.duckdb")
    con.execute("""INSERT INTO admin_units (code, level, level_no, name_zh, name_en, parent_code, city_code,
                   district_code, population) VALUES
                   ('C', 'city', 0, '河城', 'River City', NULL, 'C', NULL, 3000),
                   ('D1', 'district', 1, '一区', 'D1', 'C', 'C', 'D1', 3000),
                   ('G1', 'grid', 4, '甲', 'G1', 'D1', 'C', 'D1', 1000), ('G2', 'grid', 4, '乙', 'G2', 'D1', 'C', 'D1', 2000)""")
    city = profile.parse_profile(
        {"name_zh": "河城", "name_en": "River City", "timezone": "Asia/Chongqing",
         "channels": [{"code": "rx-12345", "role": "hotline"}, {"code": "rx-wg", "role": "grid"}],
         "category_defaults": {"domain": "hotline", "sla_hours": 24, "default_level": 3, "department": "城管"},
         "categories": [{"code": code, **({"parent": parent} if parent else {})} for code, parent in TREE]},
        folder, channel_roles())
    profile.write_profile(con, city)
    for number, (source, category, grid) in enumerate([("rx-12345", "市容.占道.摊点", "G1"), ("rx-12345", "市容.占道.摊点", "G2"),
                                                       ("rx-wg", "市容.占道.堆物", "G2"), ("rx-12345", "环境.噪声.施工", "G1")]):
        con.execute("INSERT INTO events (source, event_id, category_code, grid_code, received_at, status, updated_at) "
                    "VALUES (?, ?, ?, ?, TIMESTAMPTZ '2026-03-02 09:00+08', 'received', TIMESTAMPTZ '2026-03-02 09:00+08')",
                    [source, str(number), category, grid])
    yield con
    con.close()


def test_the_catalog_expands_per_category_families_over_the_citys_own_leaves(tree_city):
    catalog = catalog_for_store(tree_city)
    per_category = [i.id for i in catalog.indicators if i.subject == "categories"]
    demo_slugs = [c["slug"] for c in shipped_lists()["event_categories"]]
    assert not [i for i in per_category if any(f".{slug}_" in i for slug in demo_slugs)]   # none of the demo's 91
    for leaf in LEAVES:
        assert f"hotline.categories.{category_slug(leaf)}_count.today" in catalog, leaf
    assert not [i for i in per_category if category_slug("市容.占道") in i]                  # inner nodes: no family
    assert category_slug("市容.占道.摊点") == category_slug("市容.占道.摊点")                  # stable



def test_the_citys_per_category_definitions_name_its_categories_in_both_languages(tree_city):
    """The families expand the city's own category names into both definitions (a category without a
    Chinese name is named by its code: data/profile.py)."""
    definition = catalog_for_store(tree_city)[f"hotline.categories.{category_slug('市容.占道.摊点')}_count.today"]
    assert "市容.占道.摊点" in definition.definition_zh and "今日" in definition.definition_zh
    assert "市容.占道.摊点" in definition.definition and "today" in definition.definition
    assert "{" not in definition.definition_zh + definition.definition

def test_the_citys_indicators_count_its_own_channels_and_categories(tree_city):
    catalog = catalog_for_store(tree_city)
    values = Engine(catalog, "Asia/Chongqing").evaluate(tree_city, parse_instant("2026-03-02T12:00", "Asia/Chongqing"))
    city = values[values["level"] == "city"].set_index("indicator_id")["value"]
    assert city[f"hotline.categories.{category_slug('市容.占道.摊点')}_count.today"] == 2
    assert city["hotline.intake.count.today"] == 3                  # rx-12345 is the city's hotline
    assert city["grid_governance.intake.count.today"] == 1          # rx-wg is its grid reporting


def test_coverage_names_what_a_small_city_lacks(tree_city):
    lacking = coverage(catalog_for_store(tree_city), store_holdings(tree_city))
    assert lacking["hotline.intake.count.today"] == ()
    assert Lack("channel", ("police",)) in lacking["public_safety.intake.count.today"]
    assert lacking["air.aqi.hourly.last_hour"] == (Lack("readings"),)
    assert Lack("case_field", ("satisfaction",)) in lacking["hotline.satisfaction.avg_rating.last_30d"]
    assert lacking["hotline.satisfaction.avg_rating.last_30d"][0].text() == "cases with a citizen rating (the feeds fill none)"


@pytest.fixture(scope="module")
def san_francisco(tmp_path_factory):
    """The San Francisco example, loaded through the command a user runs."""
    import cli
    path = tmp_path_factory.mktemp("sf") / "sf.duckdb"
    assert cli.main(["city", "load", str(EXAMPLES / "sanfrancisco"), "--db", str(path), "--quiet"]) == 0
    con = db.open_store(path, read_only=True)
    yield con
    con.close()


def test_san_francisco_every_indicator_it_has_inputs_for_computes_at_its_levels(san_francisco):
    catalog = catalog_for_store(san_francisco)
    report = coverage_report(san_francisco, "2011-10-15T12:00")
    assert report["at"] == "2011-10-15T12:00:00-07:00"                       # Los Angeles time
    assert report["computable"] > 500 and report["with_values"] > 400
    assert set(report["computing_without_value"]) <= {i.id for i in catalog.indicators if i.no_data_expected}
    computing = {i for i, lacks in coverage(catalog, store_holdings(san_francisco)).items() if not lacks}
    values = Engine(catalog, "America/Los_Angeles").evaluate(san_francisco,
                                                            parse_instant("2011-10-15T12:00", "America/Los_Angeles"))
    levels = dict(san_francisco.execute("SELECT level, count(*) FROM admin_units GROUP BY level").fetchall())
    rows = values[values["indicator_id"].isin(computing)].groupby(["indicator_id", "level"]).size()
    for indicator_id in computing:
        for level in set(catalog[indicator_id].levels) & set(levels):        # SF has a city and 41 grids
            assert rows.get((indicator_id, level)) == levels[level], (indicator_id, level)
    per_category = [i for i in computing if ".categories.sf311_" in i]
    assert len(per_category) > 100                                           # SF's own 311 categories


def test_san_francisco_keeps_its_own_calibrated_grid_thresholds(san_francisco):
    """The profile's thresholds file is kept by 'city load' and the store's catalog grades SF's grids by it."""
    hotline = catalog_for_store(san_francisco)["hotline.intake.count.today"]
    assert db.get_setting(san_francisco, "city.thresholds") is not None
    assert dict(hotline.thresholds.per_level)["grid"] == load_catalog_bounds(EXAMPLES / "sanfrancisco" / "thresholds.yaml",
                                                                            "hotline.intake.count.today", "grid")


def load_catalog_bounds(path: Path, indicator_id: str, level: str) -> tuple:
    """Return one level's bounds in a thresholds file, as (severity, bound) pairs."""
    import yaml
    bounds = yaml.safe_load(path.read_text(encoding="utf-8"))["thresholds"][indicator_id][level]
    return tuple((s, float(bounds[s])) for s in ("blue", "yellow", "orange", "red") if s in bounds)


def test_san_francisco_channels_and_zone_come_from_its_profile(san_francisco):
    assert db.get_setting(san_francisco, "city.tz") == "America/Los_Angeles"
    assert dict(san_francisco.execute("SELECT code, role FROM channels").fetchall()) == \
        {"sf_311": "hotline", "sffd": "emergency", "sfpd": "police"}
    assert san_francisco.execute("SELECT count(*) FROM admin_units WHERE level = 'grid'").fetchone()[0] == 41
