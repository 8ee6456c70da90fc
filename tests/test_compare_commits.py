"""bench/compare_commits.py: figures read from a benchmark's printed JSON, compared pair by pair."""

from __future__ import annotations

import json

from bench.compare_commits import compare, figures_of, flatten


def test_numbers_are_collected_by_dotted_key():
    assert flatten({"a": 1, "b": {"c": 2.5, "runs": [3, 1, 2]}, "ok": True, "name": "x"}) == \
        {"a": 1.0, "b.c": 2.5, "b.runs": 2.0}


def test_every_printed_object_counts_and_other_text_is_skipped():
    output = 'machine: x\n{"full_s": {"median": 3.5}}\nnoise {not json\n{"tick_s": 0.4}\n{\n "nested": {"n": 7}\n}\n'
    assert figures_of(output) == {"full_s.median": 3.5, "tick_s": 0.4, "nested.n": 7.0}


def test_ratio_is_the_median_of_pairs_and_figures_missing_on_one_side_are_left_out():
    old = [{"t": 2.0, "only_old": 1.0}, {"t": 4.0, "only_old": 1.0}, {"t": 3.0, "only_old": 1.0}]
    new = [{"t": 1.0}, {"t": 4.0}, {"t": 1.5}]
    assert compare(old, new) == [{"figure": "t", "old": 3.0, "new": 1.5, "ratio_new_over_old": 0.5,
                                  "ratio_range": [0.5, 1.0]}]


def test_pages_are_compared_by_property_with_alert_ids_and_digests_left_out():
    from bench.compare_pages import compare, sent_values

    body = lambda rows, digest: json.dumps({"response": {  # noqa: E731
        "alerts-list": {"children": [{"props": {"data-testid": f"alert-row-{n}"}} for n in rows]},
        "screen-sent": {"data": {"screen-alerts": digest}}, "map-title": {"children": "云江市"}}})
    values = sent_values([body([3, 4], "aa"), "not json", body([3, 4], "aa")])
    assert set(values) == {("alerts-list", "children"), ("map-title", "children")}
    old = {"/alerts": [body([3, 4], "aa")]}
    assert compare(old, {"/alerts": [body([7, 9], "bb")]})["differ"] == []
    changed = {"/alerts": [json.dumps({"response": {"map-title": {"children": "Yunjiang"}}})]}
    report = compare(old, changed)
    assert report["differ"] == ["/alerts map-title.children"] and report["only_old"] == ["/alerts alerts-list.children"]
