"""Every reason code is documented; every shipped mapping loads; mapping errors are collected."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.ingest.mapping import MappingError, load_mapping, parse_mapping, shipped_mappings
from data.ingest.rules import FLAGS, REASONS

DOC = (Path(__file__).resolve().parents[3] / "docs" / "INGEST.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", sorted(REASONS) + sorted(FLAGS))
def test_every_reason_code_is_documented(code):
    assert f"`{code}`" in DOC


@pytest.mark.parametrize("name", shipped_mappings())
def test_every_shipped_mapping_loads_and_is_documented(name):
    assert load_mapping(name).name == name
    assert f"`{name}`" in DOC


def test_mapping_problems_are_all_reported_at_once():
    with pytest.raises(MappingError) as caught:
        parse_mapping({"kind": "events", "timezone": "Mars/Base", "coordinates": "utm",
                       "fields": {"event_id": 'id"; DROP TABLE events; --', "colour": "c"}}, "bad.yaml")
    message = str(caught.value)
    for fragment in ("unknown field 'colour'", "not allowed", "Mars/Base", "coordinates", "'received_at' is required"):
        assert fragment in message
