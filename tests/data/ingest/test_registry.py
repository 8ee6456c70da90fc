"""Registered mappings: what the ingest API may read besides the shipped ones, managed by the CLI."""

from __future__ import annotations

import json

import pytest

import cli
from data import db
from data.ingest import registry
from data.ingest.mapping import MappingError

FEED = "name: district_app\nkind: events\nfields:\n  event_id: id\n  received_at: t\n  category: c\n"


def test_register_list_use_and_remove_through_the_cli(tiny_db_copy, tmp_path, capsys):
    path = tmp_path / "district_app.yaml"
    path.write_text(FEED, encoding="utf-8")
    store = str(tiny_db_copy)
    assert cli.main(["mappings", "register", str(path), "--db", store]) == 0
    capsys.readouterr()
    assert cli.main(["mappings", "list", "--db", store]) == 0
    assert [m["name"] for m in json.loads(capsys.readouterr().out)] == ["district_app"]
    con = db.open_store(tiny_db_copy)
    try:
        assert registry.api_mapping(con, "district_app").kind == "events"
        assert [m["name"] for m in registry.list_registered(con)] == ["district_app"]
    finally:
        con.close()
    assert cli.main(["mappings", "remove", "district_app", "--db", store]) == 0
    assert cli.main(["mappings", "remove", "district_app", "--db", store]) == 2


def test_a_shipped_name_cannot_be_taken_and_an_invalid_file_is_refused(tiny_db_copy, tmp_path):
    con = db.open_store(tiny_db_copy)
    try:
        shipped = tmp_path / "api_events.yaml"
        shipped.write_text(FEED.replace("district_app", "api_events"), encoding="utf-8")
        with pytest.raises(MappingError, match="shipped mapping's name"):
            registry.register_mapping(con, shipped)
        bad = tmp_path / "bad.yaml"
        bad.write_text(FEED + "timezon: UTC\n", encoding="utf-8")
        with pytest.raises(MappingError, match="timezon: unknown key"):
            registry.register_mapping(con, bad)
        assert registry.registered_names(con) == []
    finally:
        con.close()
