"""Chinese and English names for the demo city's monitoring sites and road segments."""

from __future__ import annotations

import numpy as np

# Two-syllable place names (东岚 / Donglan) are built from these; no two share a pinyin,
# so every Chinese name has a distinct English name.
_FIRST = (
    ("东", "dong"), ("西", "xi"), ("南", "nan"), ("北", "bei"), ("青", "qing"), ("云", "yun"),
    ("金", "jin"), ("石", "shi"), ("龙", "long"), ("凤", "feng"), ("桃", "tao"), ("柳", "liu"),
    ("白", "bai"), ("新", "xin"), ("长", "chang"), ("丹", "dan"), ("华", "hua"), ("平", "ping"),
    ("宁", "ning"), ("和", "he"), ("兴", "xing"), ("永", "yong"), ("梅", "mei"), ("松", "song"),
)
_SECOND = (
    ("岚", "lan"), ("湖", "hu"), ("山", "shan"), ("桥", "qiao"), ("港", "gang"), ("塘", "tang"),
    ("湾", "wan"), ("园", "yuan"), ("口", "kou"), ("坝", "ba"), ("林", "lin"), ("门", "men"),
    ("阳", "yang"), ("泉", "quan"), ("庄", "zhuang"), ("洲", "zhou"), ("溪", "xi"), ("浦", "pu"),
    ("圩", "wei"), ("亭", "ting"), ("营", "ying"), ("城", "cheng"), ("埠", "bu"), ("墩", "dun"),
)
_ROAD_STEMS = (
    ("云江", "Yunjiang"), ("中山", "Zhongshan"), ("解放", "Jiefang"), ("人民", "Renmin"),
    ("长江", "Changjiang"), ("建设", "Jianshe"), ("学府", "Xuefu"), ("东风", "Dongfeng"),
    ("南徐", "Nanxu"), ("金山", "Jinshan"), ("丁卯", "Dingmao"), ("谷阳", "Guyang"),
    ("花山", "Huashan"), ("檀山", "Tanshan"), ("京口", "Jingkou"), ("润州", "Runzhou"),
    ("新民", "Xinmin"), ("桃花", "Taohua"), ("滨江", "Binjiang"), ("梦溪", "Mengxi"),
)
_ROAD_TYPES = (("路", "Rd"), ("大道", "Ave"), ("街", "St"))


def place_names(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return n distinct (Chinese, English) place names, numbered once the pairs run out."""
    first = np.array([f for f, _ in _FIRST] * len(_SECOND))
    first_en = np.array([p for _, p in _FIRST] * len(_SECOND))
    second = np.repeat([s for s, _ in _SECOND], len(_FIRST))
    second_en = np.repeat([p for _, p in _SECOND], len(_FIRST))
    order = rng.permutation(len(first))
    pick = order[np.arange(n) % len(order)]
    zh = np.char.add(first[pick], second[pick])
    en = np.char.add(np.char.capitalize(first_en[pick]), second_en[pick])
    round_no = np.arange(n) // len(order)
    # A second round of the same names gets a number, as real networks do (东岚2水位站).
    suffix = np.where(round_no > 0, (round_no + 1).astype(str), "")
    return np.char.add(zh, suffix), np.char.add(en, np.where(round_no > 0, np.char.add(" ", suffix), ""))


def road_segment_names(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return n (Chinese, English) road-segment names such as 云江路3段 / Yunjiang Rd seg 3."""
    stems = rng.permutation(len(_ROAD_STEMS))
    road_zh = np.array([_ROAD_STEMS[s][0] + t for t, _ in _ROAD_TYPES for s in stems])
    road_en = np.array([f"{_ROAD_STEMS[s][1]} {t}" for _, t in _ROAD_TYPES for s in stems])
    idx = np.arange(n)
    road = idx % len(road_zh)
    segment = (idx // len(road_zh) + 1).astype(str)
    zh = np.char.add(np.char.add(road_zh[road], segment), "段")
    en = np.char.add(np.char.add(road_en[road], " seg "), segment)
    return zh, en
