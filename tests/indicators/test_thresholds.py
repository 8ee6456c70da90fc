"""The city's thresholds file: the loader lists every problem with its file and key; applying it
replaces those levels' bounds only; `thresholds use` keeps it in the store and the store's catalog
applies it; the demo build carries its calibrated file; a CLI round trip on the tiny city."""

from __future__ import annotations

import textwrap

import pytest

import cli
from data import db
from data.city_thresholds import THRESHOLDS_KEY, put_thresholds_text
from data.demo.build import DEMO_DIR, demo_thresholds_path
from indicators.catalog import Catalog, load_catalog
from indicators.city_catalog import catalog_for_store
from indicators.model import Direction, Indicator, IndicatorType, Thresholds, Window
from indicators.status import thresholds_table
from indicators.thresholds import (
    LevelBounds, ThresholdsError, apply_thresholds, load_thresholds, parse_thresholds, use_thresholds,
)

GRID_BOUNDS = {"blue": 3.0, "yellow": 5.0, "orange": 8.0, "red": 12.0}


def indicator(id_, direction=Direction.HIGHER_IS_WORSE, window=Window.TODAY, levels=("city", "grid"),
              thresholds=Thresholds()):
    return Indicator(id=id_, name_zh="名", name_en="name", domain="t", subject="s", definition="d.", unit="件",
                     type=IndicatorType.COUNT, source="events", window=window, direction=direction, levels=levels,
                     thresholds=thresholds)


CATALOG = Catalog((
    indicator("t.s.count.today", levels=("city", "street", "grid"),
              thresholds=Thresholds((("blue", 1.2), ("red", 2.0)), "baseline_7d", calibrate=("grid",))),
    indicator("t.s.rate.last_7d", direction=Direction.HIGHER_IS_BETTER, window=Window.LAST_7D),
    indicator("t.s.neutral.today", direction=Direction.NEUTRAL),
), ())


def load(text: str):
    return load_thresholds(textwrap.dedent(text), CATALOG, "city.yaml")


def test_a_sound_file_loads_with_its_city_and_bounds():
    parsed = load("""
        city: {name_zh: 云江市, name_en: Yunjiang}
        calibrated: {weeks: 4}
        thresholds:
          t.s.count.today:
            grid: {blue: 3, yellow: 5, orange: 8, red: 12}
            street: {relative_to: baseline_7d, blue: 1.1, red: 1.5}
          t.s.rate.last_7d:
            city: {yellow: 90, red: 80}
        """)
    assert parsed.entries["t.s.count.today"]["grid"] == LevelBounds(tuple(GRID_BOUNDS.items()))
    assert parsed.entries["t.s.count.today"]["street"].relative_to == "baseline_7d"
    assert parsed.city["name_zh"] == "云江市" and parsed.levels == 3


def test_every_problem_is_listed_at_once_with_its_file_and_key():
    with pytest.raises(ThresholdsError) as caught:
        load("""
            owner: somebody
            thresholds:
              t.s.nothing.today:
                grid: {blue: 1}
              t.s.count.today:
                grid: {blue: 5, yellow: 3}
                block: {blue: 1}
                city: {purple: 1, blue: 2}
                street: {blue: high}
              t.s.rate.last_7d:
                city: {relative_to: baseline_7d, yellow: 80, red: 90}
              t.s.neutral.today:
                city: {blue: 1}
            """)
    problems = caught.value.problems
    expected = [
        "city.yaml:2: owner: unknown key",        # the line of the key, as compilers say it
        "city.yaml: thresholds.t.s.nothing.today: unknown indicator",
        "city.yaml: thresholds.t.s.count.today.grid: bounds out of order for higher_is_worse",
        "city.yaml: thresholds.t.s.count.today.block: unknown level",
        "city.yaml: thresholds.t.s.count.today.city: unknown severities or keys ['purple']",
        "city.yaml: thresholds.t.s.count.today.street: bounds must be numbers: blue='high'",
        "city.yaml: thresholds.t.s.rate.last_7d.city: relative_to: baseline_7d needs a base indicator with a window",
        "city.yaml: thresholds.t.s.rate.last_7d.city: bounds out of order for higher_is_better",
        "city.yaml: thresholds.t.s.neutral.today: the indicator has no direction",
    ]
    assert len(problems) == len(expected)
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_levels_the_indicator_lacks_and_a_missing_thresholds_key_are_refused():
    with pytest.raises(ThresholdsError, match=r"thresholds.t.s.rate.last_7d.street: the indicator is not computed"):
        load("thresholds: {t.s.rate.last_7d: {street: {yellow: 90}}}")
    _, problems = parse_thresholds("city: {name_zh: x}\n", "empty.yaml")
    assert problems == ["empty.yaml: thresholds: must be a mapping of indicator ids to levels (missing)"]


def test_applying_replaces_those_levels_only_and_keeps_the_catalog_frozen():
    parsed = load("""
        thresholds:
          t.s.count.today:
            grid: {blue: 3, yellow: 5, orange: 8, red: 12}
            street: {relative_to: baseline_7d, blue: 1.1, red: 1.5}
        """)
    applied = apply_thresholds(CATALOG, parsed.entries)
    changed, before = applied["t.s.count.today"].thresholds, CATALOG["t.s.count.today"].thresholds
    assert changed.bounds_for("grid") == tuple(GRID_BOUNDS.items()) and changed.relative_at("grid") is None
    assert changed.bounds_for("street") == (("blue", 1.1), ("red", 1.5)) and changed.relative_at("street") == "baseline_7d"
    assert changed.bounds_for("city") == before.bounds_for("city") and changed.relative_at("city") == "baseline_7d"
    assert applied["t.s.rate.last_7d"] is CATALOG["t.s.rate.last_7d"]
    assert before.bounds_for("grid") == ()                     # a level to calibrate has no bounds until the city gives some
    table = thresholds_table(applied)
    grid = table[(table["indicator_id"] == "t.s.count.today") & (table["level"] == "grid")]
    assert list(grid["bound"]) == list(GRID_BOUNDS.values()) and not grid["relative"].any()


def test_stored_bounds_that_no_longer_fit_the_catalog_are_refused_with_the_way_out():
    with pytest.raises(ThresholdsError, match="thresholds use FILE"):
        apply_thresholds(CATALOG, {"t.s.gone.today": {"grid": LevelBounds((("blue", 1.0),))}})


def test_use_stores_the_text_and_the_store_catalog_applies_it(tiny_db_copy, tmp_path):
    con = db.open_store(tiny_db_copy)
    text = "# reviewed\nthresholds:\n  hotline.intake.count.today:\n    grid: {blue: 3, yellow: 5, orange: 8, red: 12}\n"
    use_thresholds(con, text, "city.yaml", catalog_for_store)
    assert db.get_setting(con, THRESHOLDS_KEY) == text
    assert catalog_for_store(con)["hotline.intake.count.today"].thresholds.bounds_for("grid") == tuple(GRID_BOUNDS.items())
    with pytest.raises(ThresholdsError):
        use_thresholds(con, "thresholds: {no.such.indicator.today: {grid: {blue: 1}}}\n", "bad.yaml", catalog_for_store)
    assert db.get_setting(con, THRESHOLDS_KEY) == text          # the bad file rolled back; the reviewed one stays
    con.close()


def test_the_demo_build_carries_its_calibrated_thresholds(tiny_con):
    shipped = demo_thresholds_path("tiny").read_text(encoding="utf-8")
    assert db.get_setting(tiny_con, THRESHOLDS_KEY) == shipped
    catalog = catalog_for_store(tiny_con)
    parsed = load_thresholds(shipped, catalog, "thresholds_tiny.yaml")
    grid = parsed.entries["hotline.intake.count.today"]["grid"]
    assert catalog["hotline.intake.count.today"].thresholds.bounds_for("grid") == grid.bounds
    assert load_thresholds((DEMO_DIR / "thresholds.yaml").read_text(encoding="utf-8"), catalog, "thresholds.yaml").levels


def test_the_shipped_catalog_leaves_volume_levels_to_the_city():
    catalog = load_catalog()
    for ind in catalog.indicators:
        for level in ind.thresholds.calibrate:
            assert ind.thresholds.bounds_for(level) == (), (ind.id, level)
    assert "grid" in catalog["hotline.intake.count.today"].thresholds.calibrate
    assert catalog["crowding.people.hotspots.last_hour"].thresholds.levels == ()


def test_cli_round_trip_on_the_tiny_city(tiny_db_copy, tmp_path, capsys):
    store, stored, recomputed = str(tiny_db_copy), tmp_path / "stored.yaml", tmp_path / "recomputed.yaml"
    con = db.open_store(store)
    con.execute("DELETE FROM settings WHERE key = ?", [THRESHOLDS_KEY])     # a city that has none yet
    con.close()
    assert cli.main(["refresh", "--db", store, "--at", "2026-11-20T15:00", "--history-hours", "5"]) == 0     # snapshots 10:00 to 15:00
    common = ["thresholds", "calibrate", "--weeks", "0.03", "--min-hours", "3", "--db", store]
    assert cli.main(common + ["--write", str(stored)]) == 0
    assert cli.main(common + ["--recompute", "--write", str(recomputed)]) == 0
    assert _bounds(stored) == _bounds(recomputed) and _bounds(stored)
    assert cli.main(["thresholds", "use", str(stored), "--db", store]) == 0
    capsys.readouterr()
    assert cli.main(["thresholds", "show", "--db", store]) == 0
    assert capsys.readouterr().out == stored.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("thresholds: {hotline.intake.count.today: {grid: {red: 1, blue: 2}}}\n", encoding="utf-8")
    assert cli.main(["thresholds", "use", str(bad), "--db", store]) == 1
    assert "bad.yaml: thresholds.hotline.intake.count.today.grid: bounds out of order" in capsys.readouterr().err


def _bounds(path) -> list[str]:
    """Return the file's lines of bounds (the header names the command, which differs)."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("    ")]


def test_show_says_when_the_store_keeps_none(tiny_db_copy, capsys):
    con = db.open_store(tiny_db_copy)
    con.execute("DELETE FROM settings WHERE key = ?", [THRESHOLDS_KEY])
    con.close()
    assert cli.main(["thresholds", "show", "--db", str(tiny_db_copy)]) == 1
    assert "keeps no thresholds file" in capsys.readouterr().err


def test_put_thresholds_text_is_what_the_demo_build_and_use_share(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    put_thresholds_text(con, "thresholds: {}\n")
    assert catalog_for_store(con)["hotline.intake.count.today"].thresholds.bounds_for("grid") == ()
    con.close()
