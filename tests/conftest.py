"""Shared fixtures: a tiny demo city built once per test session at a fixed instant, and the same
city in another time zone (America/Los_Angeles, across a change of the clocks)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from data import db

# Password hashes at a test-only cheap scrypt cost (access/passwords.py); production never sets it.
os.environ.setdefault("CITY_TEST_ONLY_FAST_PASSWORD_HASH", "1")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
TINY_NOW = "2026-11-20T15:30:00"      # city-local time (Asia/Shanghai)
TINY_SEED = 7
LA_TZ = "America/Los_Angeles"         # not the default zone: what a San Francisco profile uses
LA_NOW = "2026-11-03T12:00:00"        # city-local; the clocks went back on Sunday 1 November (a 25-hour day)


@pytest.fixture(scope="session")
def tiny_db_path(tmp_path_factory) -> Path:
    """Return the path of a tiny demo city built at TINY_NOW (read it, do not change it)."""
    from data.demo import build

    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    build.build_demo(path, build.spec_from_options("tiny", TINY_SEED, TINY_NOW), progress=False)
    return path


@pytest.fixture(scope="session")
def la_db_path(tmp_path_factory) -> Path:
    """Return the tiny demo city built in America/Los_Angeles at LA_NOW (read it, do not change it;
    about 3 s, once per session)."""
    from data.demo import build

    path = tmp_path_factory.mktemp("la") / "la.duckdb"
    build.build_demo(path, build.spec_from_options("tiny", TINY_SEED, LA_NOW, LA_TZ), progress=False)
    return path


@pytest.fixture
def la_db_copy(la_db_path, tmp_path) -> Path:
    """Return a private copy of the Los Angeles city that a test may change."""
    copy = tmp_path / "la-copy.duckdb"
    shutil.copy(la_db_path, copy)
    return copy


@pytest.fixture(scope="module")
def la_con(la_db_path):
    """Return a read-only connection to the Los Angeles city."""
    con = db.open_store(la_db_path, read_only=True)
    yield con
    con.close()


@pytest.fixture
def tiny_db_copy(tiny_db_path, tmp_path) -> Path:
    """Return a private copy of the tiny city that a test may change or hand to a server."""
    copy = tmp_path / "tiny-copy.duckdb"
    shutil.copy(tiny_db_path, copy)
    return copy


@pytest.fixture(scope="module")
def tiny_con(tiny_db_path):
    """Return a read-only connection to the tiny city."""
    con = db.open_store(tiny_db_path, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Return the git-ignored folder for screenshots and other test artefacts."""
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def no_brief_rebuilds_asked_before():
    """Start each test with no brief rebuild asked for: the asks are the server process's memory
    (reporting/prebuilt.want_rebuild), and a test serving a stale brief would leave one for the next
    test's prebuild job to take first."""
    from reporting import prebuilt

    prebuilt.take_rebuilds()
    yield
