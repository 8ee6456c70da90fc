"""The store link between the owner process and the workers (data/store_service.py, data/remote_store.py):
a worker's cursor gives what a cursor in the owner gives, errors of the same kinds, transactions on one
cursor, and only the owner's named calls; a peer of another user is refused."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import duckdb
import flask
import numpy as np
import pandas as pd
import pytest

from access import accounts
from api.auth import REFUSED_SIGN_INS, AuthRoutes, Throttle
from callbacks import context
from data import audit, db, store_link, write_locks
from data.clock import parse_instant
from data.remote_store import RemoteCursor
from data.store_service import StoreService
from indicators.city_catalog import catalog_for_store
from indicators.engine import Engine
from tests.conftest import TINY_NOW
from reporting import prebuilt

VALUES_SQL = """SELECT i, 'name ' || i AS name, i * 1.25 AS ratio, CAST(i AS DECIMAL(10, 2)) AS money,
       TIMESTAMPTZ '2026-12-01 08:00:00+00' + i * INTERVAL 1 HOUR AS at, [i, i + 1] AS pair,
       CASE WHEN i % 3 = 0 THEN NULL ELSE '区' || i END AS maybe
FROM range(50) r(i) WHERE i >= ? ORDER BY i"""


@pytest.fixture
def owner(tmp_path):
    """Return (the owner's connection, a worker's cursor on it) over a store with one table."""
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    con.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, label VARCHAR NOT NULL)")
    con.execute("INSERT INTO cases VALUES (1, 'one'), (2, 'two')")
    service = StoreService(con, {"double": lambda _cursor, x: 2 * x}).start()
    yield con, RemoteCursor(service.path)
    service.stop()
    con.close()


def test_a_worker_cursor_gives_exactly_what_a_local_cursor_gives(owner):
    con, remote = owner
    local = con.cursor()
    for fetch in ("fetchall", "fetchone"):
        assert getattr(remote.execute(VALUES_SQL, [3]), fetch)() == getattr(local.execute(VALUES_SQL, [3]), fetch)()
    pd.testing.assert_frame_equal(remote.execute(VALUES_SQL, [3]).df(), local.execute(VALUES_SQL, [3]).df())
    assert remote.execute(VALUES_SQL, [3]).to_arrow_table().equals(local.execute(VALUES_SQL, [3]).to_arrow_table())
    remote_numpy, local_numpy = remote.execute(VALUES_SQL, [3]).fetchnumpy(), local.execute(VALUES_SQL, [3]).fetchnumpy()
    assert np.array_equal(remote_numpy["i"], local_numpy["i"])
    assert [d[0] for d in remote.execute(VALUES_SQL, [3]).description] == [d[0] for d in local.description]


def test_errors_come_back_as_the_same_kinds_and_the_cursor_goes_on(owner):
    _, remote = owner
    with pytest.raises(duckdb.ConstraintException):
        remote.execute("INSERT INTO cases VALUES (1, 'again')")
    with pytest.raises(duckdb.ParserException):
        remote.execute("SELEC 1")
    with pytest.raises(duckdb.CatalogException):
        remote.execute("SELECT * FROM no_such_table")
    assert remote.execute("SELECT count(*) FROM cases").fetchone() == (2,)


def test_a_transaction_stays_on_one_cursor_and_a_closed_link_rolls_it_back(owner):
    con, remote = owner
    with db.transaction(remote):
        remote.execute("INSERT INTO cases VALUES (3, 'three')")
    remote.begin()
    remote.execute("INSERT INTO cases VALUES (4, 'four')")
    assert remote.execute("SELECT count(*) FROM cases").fetchone() == (4,)           # its own write
    assert con.cursor().execute("SELECT count(*) FROM cases").fetchone() == (3,)     # not yet anyone else's
    remote.close()                                                                   # a worker gone mid-way
    assert RemoteCursor(remote._path).execute("SELECT max(id) FROM cases").fetchone() == (3,)


def test_a_frame_registered_by_a_worker_is_read_in_the_owner(owner):
    _, remote = owner
    db.register(remote, "incoming", pd.DataFrame({"id": [5, 6], "label": ["five", "six"]}))
    remote.execute("INSERT INTO cases SELECT * FROM incoming")
    remote.unregister("incoming")
    assert remote.execute("SELECT label FROM cases WHERE id > 4 ORDER BY id").fetchall() == [("five",), ("six",)]


def test_only_the_owners_named_calls_and_known_operations_run(owner):
    _, remote = owner
    assert remote.call_owner("double", 21) == 42
    with pytest.raises(ValueError, match="no call named"):
        remote.call_owner("os.system", "true")
    with pytest.raises(ValueError, match="no operation"):
        remote._ask("close")


def test_a_peer_running_as_another_user_is_refused(owner, monkeypatch):
    _, remote = owner
    uid = store_link.os.getuid()
    monkeypatch.setattr(store_link.os, "getuid", lambda: uid + 1)
    with pytest.raises(store_link.LinkClosed):
        RemoteCursor(remote._path).execute("SELECT 1")


def test_a_brief_a_worker_served_stale_reaches_the_owners_brief_job(tmp_path):
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    service = StoreService(con, context.OWNER_CALLS).start()
    try:
        prebuilt.take_rebuilds()
        worker = context.AppContext(con=RemoteCursor(service.path), tz="Asia/Shanghai", city_name_zh="市",
                                    city_name_en="City")
        worker.ask_owner("brief.want_rebuild", "2026-W49", "city")
        assert prebuilt.take_rebuilds() == [("2026-W49", "city")]       # in the owner's memory, where the job runs
    finally:
        service.stop()
        con.close()


def test_sign_in_failures_made_through_one_worker_throttle_every_worker(tmp_path):
    """The throttle once counted in each process's memory: with two workers an address had twice the tries."""
    con = db.open_store(tmp_path / "city.duckdb")
    service = StoreService(con).start()
    try:
        first, second = RemoteCursor(service.path), RemoteCursor(service.path)
        throttle = Throttle(limit=3, window_s=300)
        long_ago = datetime.now(timezone.utc) - timedelta(seconds=600)
        con.execute("INSERT INTO audit_log (occurred_at, actor, action, remote_addr) VALUES (?, 'x', 'login.bad', "
                    "'10.0.0.9')", [long_ago])
        for _ in range(2):
            audit.record(first, "x", REFUSED_SIGN_INS[0], "x", None, "10.0.0.9")
        assert not throttle.blocked(second, "10.0.0.9")              # two recent, one outside the window
        audit.record(first, "x", "login.locked", "x", None, "10.0.0.9")
        assert throttle.blocked(second, "10.0.0.9")
        assert not throttle.blocked(second, "10.0.0.10")
    finally:
        service.stop()
        con.close()


def test_a_write_lock_is_one_for_the_owner_and_every_worker_and_a_dead_worker_lets_go(owner):
    _, remote = owner
    other = remote.cursor()
    with write_locks.held(remote, "ingest"):
        assert not write_locks.LOCKS["ingest"].acquire(timeout=0.2)         # the owner waits for the worker
        waited = threading.Thread(target=lambda: other.holding("ingest").__enter__())
        waited.start()
        waited.join(0.3)
        assert waited.is_alive()                                            # and so does another worker
    waited.join(5)
    assert not waited.is_alive()                                            # it has it now, and its link dies
    other.close()
    assert write_locks.LOCKS["ingest"].acquire(timeout=5)                   # released by the owner
    write_locks.LOCKS["ingest"].release()
    with pytest.raises(ValueError, match="no lock named"):
        remote._ask("lock", "everything")


def test_the_engine_computes_the_same_values_in_a_worker(tiny_db_copy):
    """A brief built on a leader's request in a worker runs the engine there, which reads through
    DuckDB's relation API (``con.sql(...).to_arrow_table()``): the same values as in the owner."""
    con = db.open_store(tiny_db_copy)
    service = StoreService(con).start()
    try:
        catalog = catalog_for_store(con)
        tz = db.get_setting(con, "city.tz")
        at_s = parse_instant(TINY_NOW, tz)
        local = Engine(catalog, tz).evaluate(con.cursor(), at_s)
        remote = Engine(catalog, tz).evaluate(RemoteCursor(service.path), at_s)
        key = ["indicator_id", "unit_code"]
        pd.testing.assert_frame_equal(remote.sort_values(key).reset_index(drop=True),
                                      local.sort_values(key).reset_index(drop=True))
        assert len(local) > 100
    finally:
        service.stop()
        con.close()


def test_a_workers_sign_in_is_checked_in_the_owner(tmp_path, monkeypatch):
    """Each worker process had its own per-name locks, so guesses sent to two workers were checked side
    by side: the sign-in must run in the owner (its store-link thread), for every worker."""
    con = db.open_store(tmp_path / "city.duckdb")
    accounts.add_user(con, "guessed", "analyst", "Owner-check-2026")
    checked_in = []

    def recording(cursor, username, password):
        checked_in.append(threading.current_thread().name)
        return accounts.authenticate(cursor, username, password)

    monkeypatch.setitem(context.OWNER_CALLS, "accounts.authenticate", recording)
    service = StoreService(con, context.OWNER_CALLS).start()
    try:
        worker = context.AppContext(con=RemoteCursor(service.path), tz="Asia/Shanghai", city_name_zh="市",
                                    city_name_en="City")
        app = flask.Flask(__name__)
        app.register_blueprint(AuthRoutes(worker).blueprint())
        answer = app.test_client().post("/login", data={"username": "guessed", "password": "Wrong-guess-1"})
        assert answer.status_code == 401
        assert checked_in == ["store-link"]
    finally:
        service.stop()
        con.close()
