"""The AppContext callbacks read, installed on a store at the tiny city's frozen instant."""

from __future__ import annotations

import contextlib
from functools import lru_cache

from callbacks import context
from data.clock import parse_instant
from indicators.catalog import Catalog, load_catalog
from indicators.engine import Engine
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"


@lru_cache(maxsize=1)
def shared_catalog() -> Catalog:
    """Return the catalog every test context shares (the server loads one per process, too)."""
    return load_catalog()


@lru_cache(maxsize=1)
def shared_engine() -> Engine:
    """Return the engine every test context shares."""
    return Engine(shared_catalog(), TZ)


@contextlib.contextmanager
def frozen_context(con):
    """Install an AppContext on ``con`` frozen at TINY_NOW for the block; yield it."""
    app_context = context.AppContext(con=con, tz=TZ, city_name_zh="云江市", city_name_en="Yunjiang City",
                                     frozen_now_s=parse_instant(TINY_NOW, TZ), catalog=shared_catalog(),
                                     engine=shared_engine())
    context.install(app_context)
    try:
        yield app_context
    finally:
        context.install(None)
