"""The AppContext callbacks read, installed on a store at the tiny city's frozen instant."""

from __future__ import annotations

import contextlib

from callbacks import context
from data.clock import parse_instant
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"


@contextlib.contextmanager
def frozen_context(con):
    """Install an AppContext on ``con`` frozen at TINY_NOW for the block; yield it."""
    app_context = context.AppContext(con=con, tz=TZ, city_name_zh="云江市", city_name_en="Yunjiang City",
                                     frozen_now_s=parse_instant(TINY_NOW, TZ))
    context.install(app_context)
    try:
        yield app_context
    finally:
        context.install(None)
