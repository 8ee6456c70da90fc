"""Free-text masking: what a case description may still say, and what it must no longer say."""

from __future__ import annotations

import pandas as pd
import pytest

from access import privacy


@pytest.mark.parametrize("text, masked", [
    ("住幸福路12号3栋401室", "住幸福路**号*栋***室"),
    ("人民街8-2号2单元502室", "人民街*-*号*单元***室"),
    ("五组16号门口", "五组**号门口"),
    ("和平里 7 号院", "和平里 * 号院"),
    ("住12楼，8层楼道", "住**楼，*层楼道"),
    ("园区6座11-02室", "园区6座**-**室"),
    ("幸福路3号楼东侧", "幸福路*号楼东侧"),
    ("联系邮箱 zhang.san@example.com.cn", "联系邮箱 z***@example.com.cn"),
    ("座机(025)84561234", "座机(025)******34"),
    ("手机 138 1234 5678，身份证32010219900307123x", "手机 138****5678，身份证320***********123x"),
    ("身份证号码：320102580101123 已核实", "身份证号码：320********1123 已核实"),     # 15 digits, labelled
    ("公民身份号码为320102580101123。", "公民身份号码为320********1123。"),
    ("证件号 320102580101123", "证件号 320********1123"),
])
def test_personal_details_in_text_are_masked(text, masked):
    assert privacy.mask_text(text) == masked


@pytest.mark.parametrize("text", [
    "地铁2号线故障", "12月5号起停水", "3辆车违停", "PM2.5超标", "网格990102001001001上报",
    "网格 320102580101123 上报",                   # a 15-digit grid code is not an ID number
    "竹安村路口信号灯故障，希望相关部门尽快解决。",
])
def test_text_without_personal_details_is_unchanged(text):
    assert privacy.mask_text(text) == text


def test_names_given_are_masked_in_text_too():
    assert privacy.mask_text("欧阳娜娜来电反映", ("欧阳娜娜",)) == "欧***来电反映"


def test_mask_event_keeps_other_fields_and_leaves_the_input_alone():
    row = {"event_id": "X-1", "caller_name": "李欣军", "caller_phone": "15595835420",
           "description": "李欣军反映幸福路12号噪音", "department": "生态环境局"}
    masked = privacy.mask_event(row)
    assert masked == {"event_id": "X-1", "caller_name": "李**", "caller_phone": "155****5420",
                      "description": "李**反映幸福路**号噪音", "department": "生态环境局"}
    assert row["caller_name"] == "李欣军"


def test_mask_frame_masks_every_row():
    frame = pd.DataFrame({"caller_name": ["张三", None], "caller_phone": ["13812345678", None],
                          "description": ["张三家3栋漏水", None]})
    masked = privacy.mask_frame(frame)
    assert masked["caller_name"].tolist()[0] == "张*" and masked["description"].tolist()[0] == "张*家*栋漏水"
    assert masked["caller_phone"].tolist()[0] == "138****5678"


def test_a_phone_before_a_landline_keeps_its_tail():
    assert privacy.mask_text("手机 13812345678 座机 025-84561234 楼下") == "手机 138****5678 座机 025******34 楼下"
