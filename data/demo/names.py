"""Place names of the demo city 云江市: two-syllable Chinese names with pinyin renderings.

A base name is a leading syllable plus a trailing one (桂 + 溪 -> 桂溪 / Guixi); the level
adds its suffix (桂溪街道 / Guixi Subdistrict). Combinations that are real place names in
Zhenjiang are left out so the demo city is never mistaken for the real one.
"""

from __future__ import annotations

import numpy as np

CITY_NAME_ZH = "云江市"
CITY_NAME_EN = "Yunjiang City"

LEADING: tuple[tuple[str, str], ...] = (
    ("岚", "Lan"), ("桂", "Gui"), ("枫", "Feng"), ("梧", "Wu"), ("柳", "Liu"), ("松", "Song"),
    ("竹", "Zhu"), ("兰", "Lan"), ("澄", "Cheng"), ("清", "Qing"), ("明", "Ming"), ("锦", "Jin"),
    ("瑞", "Rui"), ("祥", "Xiang"), ("嘉", "Jia"), ("新", "Xin"), ("永", "Yong"), ("安", "An"),
    ("宁", "Ning"), ("和", "He"), ("康", "Kang"), ("泰", "Tai"), ("丰", "Feng"), ("兴", "Xing"),
    ("昌", "Chang"), ("荣", "Rong"), ("凤", "Feng"), ("鹤", "He"), ("鹿", "Lu"), ("龙", "Long"),
    ("文", "Wen"), ("德", "De"), ("仁", "Ren"), ("望", "Wang"), ("景", "Jing"), ("福", "Fu"),
    ("翠", "Cui"), ("青", "Qing"), ("碧", "Bi"), ("紫", "Zi"), ("白", "Bai"), ("金", "Jin"),
    ("玉", "Yu"), ("银", "Yin"), ("春", "Chun"), ("秋", "Qiu"), ("晓", "Xiao"), ("霞", "Xia"),
    ("星", "Xing"), ("月", "Yue"), ("禾", "He"), ("芦", "Lu"), ("荷", "He"), ("梅", "Mei"),
    ("杏", "Xing"), ("桃", "Tao"), ("茶", "Cha"), ("石", "Shi"), ("樟", "Zhang"), ("槐", "Huai"),
)

TRAILING: tuple[tuple[str, str], ...] = (
    ("溪", "xi"), ("湖", "hu"), ("山", "shan"), ("桥", "qiao"), ("塘", "tang"), ("港", "gang"),
    ("湾", "wan"), ("洲", "zhou"), ("林", "lin"), ("园", "yuan"), ("苑", "yuan"), ("庄", "zhuang"),
    ("岭", "ling"), ("峰", "feng"), ("岗", "gang"), ("浦", "pu"), ("泉", "quan"), ("坊", "fang"),
    ("亭", "ting"), ("台", "tai"), ("门", "men"), ("墩", "dun"), ("渡", "du"), ("河", "he"),
    ("泽", "ze"), ("圩", "wei"), ("埠", "bu"), ("堰", "yan"), ("城", "cheng"), ("阳", "yang"),
    ("安", "an"), ("宁", "ning"), ("华", "hua"), ("丰", "feng"), ("平", "ping"), ("兴", "xing"),
    ("盛", "sheng"), ("源", "yuan"), ("田", "tian"), ("湄", "mei"),
)

# Real Zhenjiang names (and near homophones) that the syllables above could spell.
REAL_ZHENJIANG_NAMES = frozenset({
    "金山", "银山", "新桥", "新丰", "新城", "兴隆", "春城", "龙山", "宝华", "华阳", "荣炳",
    "丰城", "新坝", "石桥", "白兔", "梅园", "青山", "桃园", "和平", "安阳",
})

# Spellings of well-known Chinese cities: 澄渡 would read as Chengdu in English.
FAMOUS_CITY_SPELLINGS = frozenset({
    "Anshan", "Anyang", "Baishan", "Changzhou", "Chengdu", "Fengcheng", "Fuyang", "Fuzhou",
    "Guilin", "Guiyang", "Heyuan", "Jiaxing", "Jingzhou", "Jinhua", "Jinzhou", "Lanzhou",
    "Liuzhou", "Longquan", "Lushan", "Meishan", "Qingyang", "Shiyan", "Songyuan", "Taishan",
    "Taiyuan", "Taizhou", "Wenling", "Wenzhou", "Xiamen", "Xingcheng", "Xingtai", "Xinyang",
    "Yongzhou", "Yueyang", "Yuxi",
})

# Level -> ((urban suffix zh, en), (rural suffix zh, en)).
SUFFIXES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "district": (("区", "District"), ("区", "District")),
    "street": (("街道", "Subdistrict"), ("镇", "Town")),
    "community": (("社区", "Community"), ("村", "Village")),
}


def _pinyin_join(first: str, second: str) -> str:
    # Pinyin marks a syllable break before a, o, e (Xi'an, not Xian).
    joiner = "'" if second[0] in "aoe" else ""
    return f"{first}{joiner}{second}"


def _combinations() -> tuple[np.ndarray, np.ndarray]:
    first_by_spelling: dict[str, str] = {}
    for a_zh, a_en in LEADING:
        for b_zh, b_en in TRAILING:
            if a_en.lower() != b_en:   # no Taitai, Lanlan, An'an
                # Homophones (福园, 福苑) read the same in English: keep the first spelled.
                first_by_spelling.setdefault(_pinyin_join(a_en, b_en), a_zh + b_zh)
    usable = {
        en: zh for en, zh in first_by_spelling.items()
        if zh not in REAL_ZHENJIANG_NAMES and en not in FAMOUS_CITY_SPELLINGS
    }
    return np.array(list(usable.values()), dtype=object), np.array(list(usable.keys()), dtype=object)


BASE_ZH, BASE_EN = _combinations()


def base_names(parent: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return (zh, en) base names, one per unit, unique among units sharing a parent.

    ``parent`` must be sorted. Units take consecutive slots of one shuffled list of all
    combinations, so names are also unique across the whole level while it has no more
    units than there are combinations.
    """
    parent = np.asarray(parent)
    first_of_parent = np.searchsorted(parent, parent, side="left")
    rank = np.arange(parent.size) - first_of_parent
    if parent.size and rank.max() >= BASE_ZH.size:
        raise ValueError(f"more than {BASE_ZH.size} siblings cannot all have distinct names")
    shuffled = rng.permutation(BASE_ZH.size)
    start = int(rng.integers(BASE_ZH.size))
    slot = shuffled[(start + np.arange(parent.size)) % BASE_ZH.size]
    return BASE_ZH[slot], BASE_EN[slot]


def unit_names(level: str, parent: np.ndarray, urban: np.ndarray,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return (zh, en) full names of one level's units, e.g. 桂溪街道 / Guixi Subdistrict."""
    zh, en = base_names(parent, rng)
    (urban_zh, urban_en), (rural_zh, rural_en) = SUFFIXES[level]
    suffix_zh = np.where(urban, urban_zh, rural_zh).astype(object)
    suffix_en = np.where(urban, urban_en, rural_en).astype(object)
    return zh + suffix_zh, en + " " + suffix_en


def grid_names(number: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (zh, en) grid names from their 1-based number within the community."""
    text = np.asarray(number).astype(str).astype(object)
    return "第" + text + "网格", "Grid " + text
