"""Every shipped catalog definition exists in Chinese and English, with its placeholders expanded, and
the Chinese one is Chinese: Han characters and no English sentence left untranslated.

An untranslated sentence is three or more Latin words in a row separated only by spaces; what a
Chinese definition may keep in Latin letters (standards like HJ 633-2012 or GB 3095, units like
µg/m³, km/h or dB(A), pollutants like PM2.5, codes like hotline.noise, 110, 12345) never makes such
a run."""

from __future__ import annotations

import re

import pytest

from indicators.catalog import CatalogError, load_catalog

HAN = re.compile(r"[\u3400-\u9fff]")
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ \t]+[A-Za-z][A-Za-z'’-]*){2,}")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_every_shipped_indicator_has_a_chinese_definition_in_chinese(catalog):
    untranslated = [(i.id, i.definition_zh) for i in catalog.indicators
                    if not HAN.search(i.definition_zh) or LATIN_RUN.search(i.definition_zh)]
    assert len(catalog) > 1000 and not untranslated, untranslated[:5]


def test_every_english_definition_is_all_english(catalog):
    # a page is in one language: no Chinese glossary term in brackets on the English page
    assert [i.id for i in catalog.indicators if HAN.search(i.definition)] == []


def test_placeholders_expand_in_both_languages(catalog):
    left = [(i.id, text) for i in catalog.indicators for text in (i.definition, i.definition_zh)
            if "{" in text or "}" in text]
    assert not left, left[:5]


def test_a_template_expands_the_chinese_names_into_the_chinese_definition(catalog):
    noise = catalog["hotline.categories.hotline_noise_count.today"]
    assert "噪音扰民" in noise.definition_zh and "今日" in noise.definition_zh
    assert "Noise disturbance" in noise.definition and "today" in noise.definition
    assert "GB 3095-2012" in catalog["air.pm25.exceed_hours.last_24h"].definition_zh


def test_the_rule_catches_an_english_sentence():
    assert LATIN_RUN.search("今日受理的 cases from all channels")
    assert not LATIN_RUN.search("GB 3095-2012二级1小时平均浓度限值10 mg/m³，含dB(A)与hotline.noise")


def test_an_entry_without_a_chinese_definition_is_an_error_naming_file_and_entry(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "domain: t\nname_zh: 测\nname_en: T\nsubjects:\n  s: {name_zh: 甲, name_en: S}\nindicators:\n"
        "  - id: t.s.count.today\n    subject: s\n    name_zh: 名\n    name_en: name\n"
        "    definition: Cases today.\n    unit: 件\n    type: count\n    source: events\n    window: today\n",
        encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert any("t.yaml" in p and "t.s.count.today" in p and "definition_zh" in p for p in caught.value.problems)
    older = load_catalog(tmp_path, translated=False)["t.s.count.today"]     # another revision's, for a bench
    assert older.definition_zh == older.definition == "Cases today."


RECEIPT_ZH = ("接收", "接警", "接报")


def test_a_definition_of_receipt_and_acceptance_names_them_apart_in_chinese(catalog):
    # 受理 is the acceptance (accepted_at); where a definition also speaks of the receipt (received_at),
    # the Chinese says 接收 (接警, 接报 for police calls) for it, never 受理 twice for two instants
    both = [i for i in catalog.indicators
            if re.search(r"\b(receiv|receipt)", i.definition) and re.search(r"\baccept", i.definition)]
    unclear = [(i.id, i.definition_zh) for i in both if not any(word in i.definition_zh for word in RECEIPT_ZH)]
    assert len(both) > 40 and not unclear, unclear[:5]
    assert [i.id for i in catalog.indicators if "从受理到" in i.definition_zh or "受理已超过" in i.definition_zh] == []
