"""Issue 23, holes 2 and 12: one bounded YAML reader, and strict schemas for every YAML file.

A 524-byte alias bomb expanded to a 72 MB answer; ``treshholds:`` and ``timezon:`` loaded without
a word (an indicator that never alerts, a feed read in the wrong zone). Each test replays it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from data import yamlfile
from data.ingest.mapping import MappingError, load_mapping
from data.profile import ProfileError, load_profile
from indicators import catalog as catalog_module
from indicators.alerting import rules
from reporting import targets

ROOT = Path(__file__).resolve().parents[2]
ALIAS_BOMB = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))


def test_hole2_an_alias_bomb_is_refused_before_it_expands(tmp_path):
    assert len(ALIAS_BOMB) < 600
    with pytest.raises(yamlfile.YamlError, match="aliases are expanded"):
        yamlfile.load(ALIAS_BOMB, "bomb.yaml")
    path = tmp_path / "bomb.yaml"
    path.write_text("name: bomb\nkind: events\n" + ALIAS_BOMB.replace("a:", "city:", 1), encoding="utf-8")
    with pytest.raises(MappingError, match="aliases are expanded"):
        load_mapping(path)


@pytest.mark.parametrize("text, message", [
    ("a: &x [*x]", "recursive alias"),
    ("[" * 20_000, "nested too deeply|not valid YAML"),
    ("!!python/object/apply:os.system ['true']", "not valid YAML"),
    ("x: " + "y" * (yamlfile.MAX_BYTES + 1), "larger than"),
])
def test_hole2_hostile_yaml_is_refused_with_a_message(text, message):
    with pytest.raises(yamlfile.YamlError, match=message):
        yamlfile.load(text, "hostile.yaml")


def test_hole2_only_regular_files_are_read():
    with pytest.raises(yamlfile.YamlError, match="not a regular file"):
        yamlfile.read("/dev/zero")


def test_hole12_a_misspelt_catalog_key_names_file_line_and_key(tmp_path):
    directory = tmp_path / "catalog"
    shutil.copytree(catalog_module.CATALOG_DIR, directory)
    path = directory / "hotline.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.strip() == "thresholds:")
    lines[number] = lines[number].replace("thresholds:", "treshholds:")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(catalog_module.CatalogError) as caught:
        catalog_module.load_catalog(directory)
    assert any(p.startswith(f"hotline.yaml:{number + 1}: ") and "treshholds: unknown key" in p
               for p in caught.value.problems), caught.value.problems


def test_hole12_a_misspelt_mapping_key_and_a_bad_value_name_file_line_and_key(tmp_path):
    path = tmp_path / "feed.yaml"
    path.write_text("name: feed\nkind: events\ntimezon: America/Los_Angeles\nfuture_tolerance_min: soon\n"
                    "fields: {event_id: id, received_at: t, category: c}\n", encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert "line 3: timezon: unknown key" in str(caught.value)
    assert "line 4: future_tolerance_min: 'soon' is not a number" in str(caught.value)


def test_hole12_a_misspelt_rules_key_or_a_bad_duration_names_the_file(tmp_path):
    path = tmp_path / "rules.yaml"
    text = rules.RULES_FILE.read_text(encoding="utf-8")
    path.write_text(text.replace("  keep_firing_for: 30m", "  keep_fireing_for: 30m", 1), encoding="utf-8")
    with pytest.raises(rules.RulesError, match=rf"{path}:\d+: defaults.keep_fireing_for: unknown key"):
        rules.load_config(path)
    path.write_text(text.replace("  for: 1h ", "  for: soon ", 1), encoding="utf-8")
    with pytest.raises(rules.RulesError, match=str(path)):
        rules.load_config(path)


def test_hole12_a_misspelt_targets_key_names_file_line_and_key(tmp_path, monkeypatch):
    path = tmp_path / "targets.yaml"
    path.write_text(targets.TARGETS_FILE.read_text(encoding="utf-8").replace("  target:", "  traget:", 1),
                    encoding="utf-8")
    monkeypatch.setattr(targets, "TARGETS_FILE", path)
    targets.load_targets.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"targets.yaml:\d+: \[1\].traget: unknown key"):
            targets.load_targets()
    finally:
        targets.load_targets.cache_clear()


def test_hole12_a_misspelt_profile_key_names_its_line(tmp_path):
    folder = tmp_path / "city"
    folder.mkdir()
    (folder / "city.yaml").write_text("name_zh: 测试市\nname_en: Test\ntimezon: Asia/Shanghai\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="line 3: timezon: unknown key"):
        load_profile(folder, ("hotline",))


def test_every_shipped_yaml_file_passes_its_schema():
    catalog_module.load_catalog()
    rules.load_config()
    targets.load_targets()
    for path in (ROOT / "data" / "ingest" / "mappings").glob("*.yaml"):
        load_mapping(path)
