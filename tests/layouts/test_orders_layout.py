"""The /orders page's pure builders in both languages: the list, the detail with its links, steps and
history, the dispatch form and the links other pages show; an English page holds no Chinese
outside the data (titles, department codes, actors)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from layouts import orders as view

CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
NAMES = {"zh": {"water": "水务局"}, "en": {"water": "Water affairs bureau"}}
ORDER = {"order_id": 7, "title": "blocked drain", "state": "feedback", "priority": "urgent", "handling_level": 2,
         "unit_code": "990102001", "departments": ["water"], "report_due_at": 1_795_000_000,
         "finish_due_at": 1_795_100_000, "instructions": "today", "feedback": "cleared", "return_reason": None,
         "source_kind": "alert", "source_id": "12"}
HISTORY = [{"at_s": 1_794_990_000, "actor": "duty", "action": "dispatch", "from_state": None, "to_state": "dispatched",
            "details": '{"priority": "urgent"}'},
           {"at_s": 1_794_999_000, "actor": "water", "action": "feedback", "from_state": "in_progress",
            "to_state": "feedback", "details": '{"text": "cleared"}'}]


def texts(component) -> str:
    """Return every string a component tree shows (children, labels, placeholders, option labels)."""
    found = []
    def walk(node):
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)
        elif node is not None and hasattr(node, "to_plotly_json"):
            for key in ("children", "placeholder", "title", "label"):
                walk(getattr(node, key, None))
            for option in getattr(node, "options", None) or []:
                walk(option.get("label") if isinstance(option, dict) else None)
    walk(component)
    return " ".join(found)


def listing() -> pd.DataFrame:
    return pd.DataFrame([{"order_id": 7, "title": "blocked drain", "state": "dispatched", "priority": "critical",
                          "unit_code": "g1", "unit_zh": "第1网格", "unit_en": "Grid 1", "handling_level": 3,
                          "report_due_s": 1_795_000_000, "finish_due_s": 1_795_100_000, "report_overdue": True,
                          "finish_overdue": False, "supervised": True, "departments": np.array(["water"])}])


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_part_is_in_one_language(language):
    parts = [view.order_list(listing(), language, "Asia/Shanghai", NAMES[language]),
             view.order_detail(ORDER, ("verify", "reject", "comment"), HISTORY, language, "Asia/Shanghai",
                               NAMES[language]),
             view.new_order_form(language, {"title": "t", "unit_code": "g1", "handling_level": 3,
                                            "departments": ["water"]}, {"source": "alert", "id": "12"},
                                 [{"code": "water", "name_zh": "水务局", "name_en": "Water affairs bureau"}], (1, 3)),
             view.source_links("case", "hotline:1", [(7, "closed")], "/map?unit=g1", True, language)]
    shown = texts(parts)
    assert ("水务局" in shown) == (language == "zh")
    if language == "en":
        assert not CJK.search(shown), CJK.findall(shown)
    else:
        assert "核查通过" in shown and "报到超时" in shown


def test_links_carry_their_source_encoded_and_the_dispatch_link_only_for_dispatchers():
    links = str(view.source_links("case", "hotline:A&B 1", [], "/map?unit=g1", True, "en"))
    assert "/orders?source=case&id=hotline%3AA%26B+1" in links and "/map?unit=g1" in links
    assert "/orders?source" not in str(view.source_links("unit", "g1", [], None, False, "en"))


def test_the_steps_shown_are_those_given_and_text_is_inert():
    detail = view.order_detail({**ORDER, "feedback": "<script>alert(1)</script>"}, (), HISTORY, "en", "UTC", {})
    assert "<script>alert(1)</script>" in texts(detail)          # rendered as text by React, never as HTML
    assert "no step to take" in texts(detail)


DISPATCH = ('{"departments": ["water"], "handling_level": 1, "priority": "normal", "report_due": 1795167000, '
            '"finish_due": 1795419000, "source": ["case", "camera_ai:ALARM-248"]}')
ESCALATION = '{"from_level": 3, "to_level": 2, "reason": "report_in_late"}'
REMINDER = '{"deadline": "report", "share": 0.5}'


@pytest.mark.parametrize("language", ["zh", "en"])
def test_history_details_are_written_out_in_the_ui_language(language):
    shown = [view.details_text(text, language, "Asia/Shanghai", NAMES[language]) for text in (DISPATCH, ESCALATION,
                                                                                              REMINDER)]
    for raw in ("departments", "handling_level", "priority", "report_due", "1795167000", "from_level",
                "report_in_late", "deadline", "share", "[", "{"):
        assert not any(raw in line for line in shown), (raw, shown)
    assert NAMES[language]["water"] in shown[0] and "11-20 17:30" in shown[0]    # the deadline as a local time
    assert "camera_ai:ALARM-248" in shown[0] and "50%" in shown[2]
    if language == "en":
        assert not any(CJK.search(line) for line in shown), shown
    else:
        assert "区级" in shown[0] and "超时未报到" in shown[1]
    assert view.details_text("not json", language, "Asia/Shanghai", {}) == ""
    assert view.details_text('["a list"]', language, "Asia/Shanghai", {}) == ""
