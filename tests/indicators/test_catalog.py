"""The catalog: templates expand, validation collects every problem, the real catalog is sound."""

from __future__ import annotations

import textwrap

import pytest

from indicators.catalog import CatalogError, load_catalog
from indicators.model import IndicatorType, Window
from indicators.sql_check import check_sql

GOOD_HEADER = """
domain: test
name_zh: 测试
name_en: Test
subjects:
  intake: {name_zh: 受理, name_en: Intake}
defaults: {source: events, unit: 件}
"""


def write_catalog(tmp_path, body: str, lists: str = ""):
    (tmp_path / "test.yaml").write_text(GOOD_HEADER + textwrap.dedent(body), encoding="utf-8")
    if lists:
        (tmp_path / "_lists.yaml").write_text(textwrap.dedent(lists), encoding="utf-8")
    return tmp_path


def entry(id_, **fields):
    base = {"subject": "intake", "name_zh": "名", "name_en": "name", "definition": "d.", "definition_zh": "定义。", "type": "count",
            "window": "today"}
    base.update(fields)
    lines = [f"  - id: {id_}"] + [f"    {k}: {v!r}" if isinstance(v, str) else f"    {k}: {v}" for k, v in base.items()]
    return "\n".join(lines) + "\n"


def test_templates_expand_over_lists_and_inline_values(tmp_path):
    directory = write_catalog(tmp_path, """
        templates:
          - foreach:
              c: {list: things, where: {domain: a}}
              w: [today, last_7d]
            indicator:
              id: "test.intake.{c.slug}_count.{w}"
              subject: intake
              name_zh: "{c.zh}"
              name_en: "{c.en} {w}"
              definition: "Count of {c.en}."
              definition_zh: "{c.zh}的计数。"
              type: count
              filter: "category_code = '{c.slug}'"
              window: "{w}"
        """, lists="""
        things:
          - {slug: x, zh: 甲, en: X, domain: a}
          - {slug: y, zh: 乙, en: Y, domain: b}
          - {slug: z, zh: 丙, en: Z, domain: [a, b]}
        """)
    catalog = load_catalog(directory)
    assert sorted(i.id for i in catalog.indicators) == [
        "test.intake.x_count.last_7d", "test.intake.x_count.today",
        "test.intake.z_count.last_7d", "test.intake.z_count.today"]
    assert catalog["test.intake.z_count.today"].measure.filter == "category_code = 'z'"


def test_validation_collects_every_problem(tmp_path):
    body = "indicators:\n" + "".join([
        entry("test.intake.a.today"),
        entry("test.intake.a.today"),                                              # duplicate id
        entry("test.intake.b.today", source="nowhere"),                            # unknown source
        entry("test.intake.c.today", type="ratio"),                                # ratio without inputs
        entry("test.intake.d.today", type="derived", op="per_10k", input="test.intake.missing.today"),
        entry("test.intake.e.today", direction="higher_is_worse",
              thresholds={"yellow": 5, "orange": 3, "red": 10}),                   # out of order
        entry("test.intake.i.today", direction="higher_is_worse", thresholds="high"),  # not a mapping
        entry("test.intake.f.today", window="fortnight"),                          # unknown window
        entry("test.intake.g.today", subject="undeclared"),                        # unknown subject
        entry("test.intake.h.today", source="open_cases"),                         # state source, time window
        entry("Bad Id"),
    ])
    with pytest.raises(CatalogError) as caught:
        load_catalog(write_catalog(tmp_path, body))
    text = "\n".join(caught.value.problems)
    for expected in ("duplicate id", "unknown source 'nowhere'", "needs both 'numerator' and 'denominator'",
                     "does not exist", "out of order", "unknown window 'fortnight'", "not declared",
                     "its window must be 'now'", "id must look like", "thresholds must be a mapping"):
        assert expected in text, expected
    assert len(caught.value.problems) >= 10


def test_sql_check_names_the_indicator_with_an_unknown_column(tmp_path):
    body = "indicators:\n" + entry("test.intake.ok.today", filter="source = 'hotline_12345'") + \
        entry("test.intake.bad.today", filter="no_such_column = 1")
    problems = check_sql(load_catalog(write_catalog(tmp_path, body)))
    assert len(problems) == 1 and problems[0].startswith("test.intake.bad.today:")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_real_catalog_is_large_and_sound(catalog):
    assert len(catalog) >= 1000
    assert sum(len(d.subjects) for d in catalog.domains) >= 30
    assert check_sql(catalog) == []


def test_real_catalog_covers_every_domain_type_and_window(catalog):
    domains = {i.domain for i in catalog.indicators}
    for wanted in ("hotline", "grid_governance", "public_safety", "disputes", "petitions", "enterprise", "traffic",
                   "air", "water_flood", "utilities", "crowding", "emergency", "sensor_health"):
        assert wanted in domains, wanted
    assert {i.type for i in catalog.indicators} == set(IndicatorType)
    assert {i.window for i in catalog.indicators if i.window} == set(Window)


def test_category_list_matches_the_canonical_categories():
    import yaml

    from data.demo.categories import CATEGORIES
    from indicators.catalog import CATALOG_DIR

    listed = yaml.safe_load((CATALOG_DIR / "_lists.yaml").read_text(encoding="utf-8"))["event_categories"]
    assert [c["code"] for c in listed] == [c.code for c in CATEGORIES]


def test_catalog_document_is_up_to_date(catalog):
    from pathlib import Path

    from indicators.commands import render

    document = Path(__file__).resolve().parents[2] / "docs" / "INDICATORS.md"
    assert document.read_text(encoding="utf-8") == render(catalog, "md"), \
        "regenerate it: python cli.py indicators list --format md --out docs/INDICATORS.md"


def test_list_formats(catalog):
    import csv
    import io
    import json

    from indicators.commands import render

    rows = list(csv.DictReader(io.StringIO(render(catalog, "csv"))))
    assert len(rows) == len(catalog) and rows[0]["id"] and rows[0]["formula"]
    assert len(json.loads(render(catalog, "json"))) == len(catalog)


def test_period_views_only_where_a_period_is_the_sum_of_its_days(tmp_path):
    body = "indicators:\n" + "".join([
        entry("test.intake.count.today", periods=["week", "month"]),
        entry("test.intake.median.today", type="percentile", expression="handling_hours", quantile=0.5,
              periods=["month"]),                                                  # a median is not summed
        entry("test.intake.count.last_7d", window="last_7d", periods=["month"]),   # not one day
        entry("test.intake.ratio.today", type="ratio", numerator={"filter": "is_closed"},
              denominator={"agg": "avg", "expression": "handling_hours"}, periods=["year"]),
        entry("test.intake.other.today", periods=["fortnight"]),
    ])
    with pytest.raises(CatalogError) as caught:
        load_catalog(write_catalog(tmp_path, body))
    problems = caught.value.problems
    summed = [p for p in problems if "periods need a count, a sum or a ratio" in p]
    assert sorted(p.split(":")[0] for p in summed) == [
        "test.intake.count.last_7d", "test.intake.median.today", "test.intake.ratio.today"]
    assert any("fortnight" in p for p in problems) and len(problems) == 4


def test_a_template_takes_the_period_views_of_its_window(tmp_path):
    directory = write_catalog(tmp_path, """
        templates:
          - foreach: {w: {list: windows}}
            indicator:
              id: "test.intake.count.{w.id}"
              subject: intake
              name_zh: "{w.id}"
              name_en: "{w.id}"
              definition: "Cases {w.id}."
              definition_zh: "{w.id}的案件数。"
              type: count
              window: "{w.id}"
              periods: "{w.periods}"
        """, lists="""
        windows:
          - {id: today, periods: [week, month]}
          - {id: last_7d, periods: null}
        """)
    catalog = load_catalog(directory)
    assert catalog["test.intake.count.today"].periods == ("week", "month")
    assert catalog["test.intake.count.last_7d"].periods == ()


def test_the_real_catalog_gives_period_views_to_intake_closures_and_response_rates(catalog):
    with_periods = [i for i in catalog.indicators if i.periods]
    assert len(with_periods) == 24 and all(i.summable_by_day for i in with_periods)
    assert {i.type for i in with_periods} == {IndicatorType.COUNT, IndicatorType.RATIO}
