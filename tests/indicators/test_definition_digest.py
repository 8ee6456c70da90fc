"""The digest kept with each stored day's parts (indicators.day_partials.definition_digest) changes
when what computes a part changes, and only then: editing a name or a definition, in English or
in Chinese, keeps the stored days; editing a filter, a measure, the source or the levels has them
computed again.

Every field of ``Indicator`` is classified below, each with an edit: a field added to the model
fails ``test_every_field_of_an_indicator_is_classified`` until someone decides whether it computes
a day's part.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest

from data import db
from indicators import day_parts_sql
from indicators.catalog import Catalog, load_catalog
from indicators.day_partials import PART_COLUMNS, DayPartials, definition_digest
from indicators.model import DerivedOp, Direction, Indicator, IndicatorType, Measure, Thresholds, Window

CATALOG = load_catalog()
PERIODIC = [ind for ind in CATALOG.indicators if ind.periods]
COUNTED = next(ind for ind in PERIODIC if ind.type == IndicatorType.COUNT)
RATIO = next(ind for ind in PERIODIC if ind.type == IndicatorType.RATIO)


def _measure(measure: Measure) -> Measure:
    return dataclasses.replace(measure, filter=f"({measure.filter}) AND NOT is_repeat")


# Edits of the fields that compute a day's stored part: each must change the digest.
COMPUTING = {
    "id": lambda ind: {"id": ind.id + ".copy"},
    "type": lambda ind: ({"type": IndicatorType.COUNT, "measure": ind.numerator, "numerator": None, "denominator": None}
                         if ind.type == IndicatorType.RATIO else {"type": IndicatorType.SUM,
                                                                 "measure": Measure("sum", "1")}),
    "source": lambda ind: {"source": "open_cases"},
    "time_column": lambda ind: {"time_column": "accepted_at" if ind.time_column != "accepted_at" else "closed_at"},
    "measure": lambda ind: {"measure": _measure(ind.measure)},
    "numerator": lambda ind: {"numerator": _measure(ind.numerator)},
    "denominator": lambda ind: {"denominator": _measure(ind.denominator)},
    "levels": lambda ind: {"levels": tuple(level for level in ind.levels if level != "district")},
}
# Edits of the fields that compute no stored part (prose, presentation, grading, reading): none may
# change the digest. A period indicator is a count, a sum or a ratio over ``today``: the derived
# and AQI fields and the window do not apply to it.
NOT_COMPUTING = {
    "name_zh": lambda ind: {"name_zh": ind.name_zh + "（修订）"},
    "name_en": lambda ind: {"name_en": ind.name_en + " (revised)"},
    "definition": lambda ind: {"definition": ind.definition + " Revised wording."},
    "definition_zh": lambda ind: {"definition_zh": "修订后的口径说明：" + ind.definition_zh},
    "domain": lambda ind: {"domain": "other"},
    "subject": lambda ind: {"subject": "other"},
    "unit": lambda ind: {"unit": "pieces"},
    "department": lambda ind: {"department": "另一个部门"},
    "scale": lambda ind: {"scale": ind.scale * 10},                   # applied when the parts are read
    "direction": lambda ind: {"direction": Direction.NEUTRAL if ind.direction != Direction.NEUTRAL
                              else Direction.HIGHER_IS_WORSE},
    "target": lambda ind: {"target": 42.0, "target_kind": "manual"},
    "target_kind": lambda ind: {"target_kind": "baseline_7d" if ind.target_kind != "baseline_7d" else "none"},
    "thresholds": lambda ind: {"thresholds": Thresholds(levels=(("blue", 1.0), ("red", 9.0)))},
    "cadence_s": lambda ind: {"cadence_s": ind.cadence_s + 300},
    "no_data_expected": lambda ind: {"no_data_expected": not ind.no_data_expected},
    "periods": lambda ind: {"periods": ind.periods[:1]},
    "window": lambda ind: {"window": Window.LAST_24H},
    "op": lambda ind: {"op": DerivedOp.PER_10K},
    "input": lambda ind: {"input": "hotline.intake.count.today"},
    "aqi_mode": lambda ind: {"aqi_mode": "hourly"},
}


def _applies(field: str, ind: Indicator) -> bool:
    """Return whether an edit of ``field`` means something for ``ind`` (a count has no numerator)."""
    return getattr(ind, field) is not None or field not in {"measure", "numerator", "denominator"}


def test_every_field_of_an_indicator_is_classified():
    assert {field.name for field in dataclasses.fields(Indicator)} == set(COMPUTING) | set(NOT_COMPUTING)
    assert not set(COMPUTING) & set(NOT_COMPUTING)


@pytest.mark.parametrize("field", sorted(NOT_COMPUTING))
def test_editing_prose_or_presentation_keeps_the_digest(field):
    for ind in PERIODIC:
        edited = dataclasses.replace(ind, **NOT_COMPUTING[field](ind))
        assert getattr(edited, field) != getattr(ind, field)
        assert definition_digest(edited) == definition_digest(ind), (field, ind.id)


@pytest.mark.parametrize("field", sorted(COMPUTING))
@pytest.mark.parametrize("ind", [COUNTED, RATIO], ids=["count", "ratio"])
def test_editing_what_computes_a_part_changes_the_digest(field, ind):
    if not _applies(field, ind):
        pytest.skip(f"a {ind.type} has no {field}")
    edited = dataclasses.replace(ind, **COMPUTING[field](ind))
    assert definition_digest(edited) != definition_digest(ind)


def test_editing_the_sources_relation_changes_the_digest(monkeypatch):
    before = definition_digest(COUNTED)
    source = day_parts_sql.SOURCES[COUNTED.source]
    edited = dataclasses.replace(source, relation=source.relation.replace("SELECT", "SELECT DISTINCT", 1))
    monkeypatch.setitem(day_parts_sql.SOURCES, COUNTED.source, edited)
    assert definition_digest(COUNTED) != before


def test_the_digests_of_the_catalog_are_distinct():
    assert len({definition_digest(ind) for ind in PERIODIC}) == len(PERIODIC)


def _edited_catalog(edit) -> Catalog:
    return Catalog(tuple(dataclasses.replace(ind, **edit(ind)) if ind.periods else ind for ind in CATALOG.indicators),
                   CATALOG.domains, CATALOG.lacking)


def test_a_store_keeps_its_days_after_the_definitions_are_reworded_and_recomputes_after_a_filter_edit(tmp_path):
    con = db.open_store(tmp_path / "digest.duckdb")
    day = date(2026, 3, 1)
    DayPartials(CATALOG, "Asia/Shanghai").store(con, [day], pd.DataFrame(columns=PART_COLUMNS), {day: 0})

    reworded = _edited_catalog(lambda ind: {"definition": ind.definition + " Reworded.", "name_en": ind.name_en + "!",
                                            "definition_zh": ind.definition_zh + "（措辞修订）",
                                            "name_zh": ind.name_zh + "！"})
    assert DayPartials(reworded, "Asia/Shanghai").stale(con, [day], {day: 0}) == {}

    refiltered = _edited_catalog(lambda ind: {key: _measure(getattr(ind, key))
                                              for key in ("measure", "numerator") if getattr(ind, key)})
    assert DayPartials(refiltered, "Asia/Shanghai").stale(con, [day], {day: 0}) == {day: {i.id for i in PERIODIC}}
    con.close()
