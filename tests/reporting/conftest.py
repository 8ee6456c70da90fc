"""Fixtures of the daily brief's tests: one demo date of the tiny city, its brief rendered once."""

from __future__ import annotations

from datetime import date

import pytest

from data.clock import DEFAULT_TZ
from reporting.archive import load_engine
from reporting.document import build_document
from reporting.render import render_html

DEMO_DAY = date(2026, 11, 19)       # the day before the tiny city's "now" (tests/conftest.TINY_NOW)


@pytest.fixture(scope="module")
def engine(tiny_con):
    return load_engine(tiny_con, DEFAULT_TZ)


@pytest.fixture(scope="module")
def demo_doc(tiny_con, engine):
    return build_document(tiny_con, DEMO_DAY, DEFAULT_TZ, engine)


@pytest.fixture(scope="module")
def demo_html(demo_doc):
    return render_html(demo_doc)
