"""The widgets' own texts follow the UI language, the language a request chooses, units in English, and
the alert chart's threshold labels."""

from __future__ import annotations

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from layouts import alerts, audit, deliveries
from layouts.i18n import chosen_language, unit_text
from layouts.widget_texts import localise_widgets


def _page():
    return html.Div([dcc.Dropdown(id="d"), dcc.Dropdown(id="labelled", labels={"search": "own"}),
                     html.Div(dag.AgGrid(id="g", dashGridOptions={"pagination": True})),
                     dcc.DatePickerSingle(id="p"), dcc.Graph(id="f", config={"displayModeBar": False})])


def _by_id(tree, wanted):
    stack = [tree]
    while stack:
        node = stack.pop()
        if getattr(node, "id", None) == wanted:
            return node
        children = getattr(node, "children", None)
        stack.extend(children if isinstance(children, list) else [children] if children is not None else [])
    raise KeyError(wanted)


def test_chinese_widgets_get_chinese_texts_and_keep_their_own():
    page = localise_widgets(_page(), "zh")
    assert _by_id(page, "d").labels["no_options_found"] == "没有匹配的选项"
    assert _by_id(page, "labelled").labels == {"search": "own"}
    grid = _by_id(page, "g").dashGridOptions
    assert grid["pagination"] is True and grid["localeText"]["page"] == "第" and grid["localeText"]["to"] == "至"
    picker = _by_id(page, "p")
    assert picker.month_format == "YYYY年M月" and picker.placeholder == "选择日期"
    config = _by_id(page, "f").config
    assert config["displayModeBar"] is False and config["locale"] == "zh-CN"
    assert config["locales"]["zh-CN"]["dictionary"]["Zoom in"] == "放大"


def test_english_widgets_keep_the_libraries_english_but_not_the_browsers_locale():
    page = localise_widgets(_page(), "en")
    assert getattr(_by_id(page, "d"), "labels", None) is None
    assert _by_id(page, "g").dashGridOptions["localeText"] == {}
    assert _by_id(page, "p").placeholder == "Select a date"
    assert _by_id(page, "f").config["locale"] == "en-US" and "locales" not in _by_id(page, "f").config


def test_the_query_wins_over_the_cookie_and_anything_else_is_chinese():
    assert chosen_language("en", "zh") == "en"
    assert chosen_language(None, "en") == "en"
    assert chosen_language("fr", "en") == "en"
    assert chosen_language("<script>", "<script>") == "zh"


def test_catalog_units_read_in_english_on_the_english_ui():
    assert unit_text("件", "zh") == "件" and unit_text("件", "en") == "cases"
    assert unit_text("件/万人", "en") == "cases per 10k residents" and unit_text("µg/m³", "en") == "µg/m³"
    assert unit_text(None, "en") == ""


def test_audit_actions_and_outbox_topics_are_named_codes_without_a_name_stay():
    assert audit.action_text("login.success", "zh") == "登录成功"
    assert audit.action_text("login.bad", "en") == "Sign-in failed"
    assert audit.action_text("something.new", "en") == "something.new"
    row = {"topic": "alarm.new"}
    assert deliveries._cell("topic", row["topic"], "zh", "Asia/Shanghai") == "新视频告警"
    assert deliveries._cell("topic", "custom.topic", "en", "Asia/Shanghai") == "custom.topic"


def test_the_alert_charts_threshold_lines_are_labelled_in_the_ui_language():
    trace = pd.DataFrame({"at_s": [1_763_600_000, 1_763_603_600], "value": [3.0, 5.0]})
    figure = alerts.trace_figure(trace, [("red", 4.0)], "zh", None, tz="Asia/Shanghai")
    assert [a.text for a in figure.layout.annotations] == ["红色"]
