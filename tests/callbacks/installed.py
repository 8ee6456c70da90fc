"""The AppContext callbacks read, installed on a store at the tiny city's frozen instant (or at
another city's instant, in its zone)."""

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


@lru_cache(maxsize=2)
def shared_engine(tz: str = TZ) -> Engine:
    """Return the engine every test context in zone ``tz`` shares."""
    return Engine(shared_catalog(), tz)


@contextlib.contextmanager
def frozen_context(con, tz: str = TZ, now: str = TINY_NOW):
    """Install an AppContext on ``con`` in zone ``tz``, frozen at ``now`` (city-local), for the block; yield it."""
    app_context = context.AppContext(con=con, tz=tz, city_name_zh="云江市", city_name_en="Yunjiang City",
                                     frozen_now_s=parse_instant(now, tz), catalog=shared_catalog(),
                                     engine=shared_engine(tz))
    context.install(app_context)
    try:
        yield app_context
    finally:
        context.install(None)
