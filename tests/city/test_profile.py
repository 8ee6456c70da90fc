"""City profiles: parsed strictly (every problem at once, unknown keys refused) and written to a store."""

from __future__ import annotations

import json

import pytest
import yaml

from data import db, profile
from indicators.city_catalog import channel_roles

ROLES = channel_roles()


def _write(folder, document: dict):
    (folder / "city.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return folder


MINIMAL = {"name_zh": "测试市", "name_en": "Test City", "timezone": "Europe/Berlin",
           "channels": [{"code": "hl", "role": "hotline", "name_zh": "热线", "name_en": "Hotline"}]}


def test_a_profile_with_many_mistakes_lists_every_one_naming_its_key(tmp_path):
    bad = {"name_zh": "测试市", "timezon": "Europe/Berlin",
           "channels": [{"code": "hl", "role": "hotlnie"}, {"code": "hl", "role": "police"}],
           "categories": [{"code": "a", "domain": "hotline", "sla_hours": -1, "default_level": 4, "department": "D",
                           "parent": "nowhere", "colour": "red"}],
           "statuses": {"Cancelled": "void"}, "units": "missing.csv"}
    with pytest.raises(profile.ProfileError) as raised:
        profile.load_profile(_write(tmp_path, bad), ROLES)
    text = str(raised.value)
    for expected in ("timezon: unknown key", "name_en: required", "timezone: required", "'hotlnie' is not a channel role",
                     "'hl' is declared twice", "sla_hours: a number", "default_level: 1", "colour: unknown key",
                     "'void' is not a status", "units:"):
        assert expected in text, expected


def test_a_wrong_time_zone_is_refused(tmp_path):
    with pytest.raises(profile.ProfileError, match="not an IANA time zone"):
        profile.load_profile(_write(tmp_path, {**MINIMAL, "timezone": "Mars/Base"}), ROLES)


def test_a_parent_must_be_declared(tmp_path):
    document = {**MINIMAL, "category_defaults": {"domain": "hotline", "sla_hours": 24, "default_level": 3,
                                                 "department": "D"},
                "categories": [{"code": "a.b", "parent": "a"}]}
    with pytest.raises(profile.ProfileError, match="names parent 'a', which is not declared"):
        profile.load_profile(_write(tmp_path, document), ROLES)


def test_writing_a_profile_sets_names_zone_channels_categories_statuses_and_units(tmp_path):
    store = db.open_store(tmp_path / "c.duckdb")
    store.execute("INSERT INTO admin_units (code, level, level_no, name_zh, name_en) VALUES ('G1', 'grid', 4, 'g', 'g')")
    (tmp_path / "units.csv").write_text("code,population,area_km2\nG1,12000,1.5\n", encoding="utf-8")
    document = {**MINIMAL, "statuses": {"Cancelled": "closed"}, "units": "units.csv",
                "category_defaults": {"domain": "hotline", "sla_hours": 48, "default_level": 2, "department": "D"},
                "categories": [{"code": "env"}, {"code": "env.noise", "parent": "env", "canonical": "hotline.noise"}]}
    city = profile.load_profile(_write(tmp_path, document), ROLES)
    assert profile.write_profile(store, city) == {"channels": 1, "categories": 2, "units_updated": 1}
    assert db.get_setting(store, "city.tz") == "Europe/Berlin" and db.get_setting(store, "city.name_en") == "Test City"
    assert json.loads(db.get_setting(store, "city.statuses")) == {"Cancelled": "closed"}
    assert store.execute("SELECT code, role FROM channels").fetchall() == [("hl", "hotline")]
    assert store.execute("SELECT code, parent_code, canonical_code, sla_hours FROM event_categories ORDER BY code"
                         ).fetchall() == [("env", None, None, 48.0), ("env.noise", "env", "hotline.noise", 48.0)]
    assert store.execute("SELECT population, area_km2 FROM admin_units").fetchall() == [(12000, 1.5)]
    profile.write_profile(store, city)                                     # again: replaced, not doubled
    assert store.execute("SELECT count(*) FROM event_categories").fetchone()[0] == 2


def test_a_units_file_naming_an_unknown_unit_is_refused_and_writes_nothing(tmp_path):
    store = db.open_store(tmp_path / "c.duckdb")
    (tmp_path / "units.csv").write_text("code,population\nNOPE,5\n", encoding="utf-8")
    city = profile.load_profile(_write(tmp_path, {**MINIMAL, "units": "units.csv"}), ROLES)
    with pytest.raises(profile.ProfileError, match="NOPE"):
        profile.write_profile(store, city)
    assert db.get_setting(store, "city.tz") is None                         # the transaction rolled back
