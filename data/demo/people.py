"""Fake callers and case descriptions for the demo city's events (all invented, vectorised)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# The most common Chinese surnames, weighted roughly by their share of the population.
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姜"
_SURNAME_WEIGHTS = np.concatenate([np.full(5, 6.0), np.full(10, 2.5), np.full(len(_SURNAMES) - 15, 0.9)])
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建志国海波宁辉晨欣怡浩宇子涵梓轩雨婷佳琪俊杰"
# Mainland mobile number blocks (China Mobile, Unicom, Telecom), 13x to 19x.
_MOBILE_PREFIXES = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156,
                             157, 158, 159, 166, 173, 177, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189,
                             191, 198, 199], dtype="int64")
_REPEAT_TAIL = "，此前已反映过，问题仍未解决"
_TAILS = ("", "，请尽快处理", "，希望相关部门尽快解决", "，请派人到现场查看")


def text_labels(values, index: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Return the strings ``values[index]`` as a pandas string array (fast for few distinct values)."""
    return pd.array(list(values), dtype="str").take(np.asarray(index, dtype="int64"))


def caller_names(rng: np.random.Generator, n: int) -> pd.api.extensions.ExtensionArray:
    """Return n fake names: a common surname and one or two given characters."""
    surname = rng.choice(len(_SURNAMES), size=n, p=_SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum())
    first = rng.integers(0, len(_GIVEN), size=n)
    second = np.where(rng.random(n) < 0.7, rng.integers(0, len(_GIVEN), size=n), len(_GIVEN))
    given = pa.array([*_GIVEN, ""])
    return _strings(pc.binary_join_element_wise(pa.array(list(_SURNAMES)).take(surname), given.take(first),
                                                given.take(second), ""))


def caller_phones(rng: np.random.Generator, n: int) -> pd.api.extensions.ExtensionArray:
    """Return n fake 11-digit mobile numbers."""
    prefix = rng.choice(_MOBILE_PREFIXES, size=n)
    return _strings(pa.array(prefix * 100_000_000 + rng.integers(0, 100_000_000, size=n)).cast(pa.string()))


def descriptions(rng: np.random.Generator, templates: np.ndarray, category: np.ndarray, place_names: np.ndarray,
                 place: np.ndarray, is_repeat: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Return one sentence per event: its category's template ("{}" = place) filled with its place name."""
    parts = [str(t).partition("{}") for t in templates]
    before, after = (pa.array([p[i] for p in parts]).take(category) for i in (0, 2))
    tail = np.where(is_repeat, 0, 1 + rng.integers(0, len(_TAILS), size=len(category)))
    tails = pa.array([_REPEAT_TAIL, *_TAILS]).take(tail)
    places = pa.array(list(place_names), type=pa.string()).take(place)
    return _strings(pc.binary_join_element_wise(before, places, after, tails, "。", ""))


def _strings(values: pa.Array) -> pd.api.extensions.ExtensionArray:
    return pd.array(values, dtype="str")
