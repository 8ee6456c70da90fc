"""The workers' side of the store link: a cursor that runs its statements in the owner's process.

:class:`RemoteCursor` answers the part of DuckDB's cursor interface the request paths use
(``execute``, the fetch methods, ``description``, ``register``, ``cursor`` …), so pages, the API and
the sign-in code run unchanged in a worker process. Each cursor is one socket connection to the owner
(:mod:`data.store_service`), opened at its first statement; one thread uses it at a time, as with a
DuckDB cursor. Errors come back as the same DuckDB or Python exception classes.
"""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from pathlib import Path

from data import store_link


class RemoteCursor:
    """One cursor on the owner's store, reached through its Unix socket at ``path``."""

    def __init__(self, path: str | Path):
        self._path = str(path)
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self.description: list[tuple] | None = None

    def cursor(self) -> "RemoteCursor":
        """Return a new cursor of its own (its own connection and transaction), like DuckDB's."""
        return RemoteCursor(self._path)

    def execute(self, query: str, parameters: object = None) -> "RemoteCursor":
        self.description = self._ask("execute", query, *([] if parameters is None else [parameters]))
        return self

    def executemany(self, query: str, parameters: object) -> "RemoteCursor":
        self.description = self._ask("executemany", query, parameters)
        return self

    def fetchall(self) -> list[tuple]:
        return self._ask("fetchall")

    def fetchone(self) -> tuple | None:
        return self._ask("fetchone")

    def fetchmany(self, size: int = 1) -> list[tuple]:
        return self._ask("fetchmany", size)

    def df(self):
        return self._ask("df")

    fetchdf = fetch_df = df

    def fetchnumpy(self) -> dict:
        return self._ask("fetchnumpy")

    def to_arrow_table(self):
        return self._ask("to_arrow_table")

    fetch_arrow_table = arrow = to_arrow_table

    def sql(self, query: str, params: object = None) -> "RemoteRelation":
        """Return the relation of ``query``, run in the owner when it is fetched (as DuckDB's is)."""
        return RemoteRelation(self, query, params)

    def register(self, name: str, table: object) -> "RemoteCursor":
        self._ask("register", name, table)
        return self

    def unregister(self, name: str) -> "RemoteCursor":
        self._ask("unregister", name)
        return self

    def complete(self) -> None:
        self._ask("complete")

    def begin(self) -> "RemoteCursor":
        self._ask("begin")
        return self

    def commit(self) -> "RemoteCursor":
        self._ask("commit")
        return self

    def rollback(self) -> "RemoteCursor":
        self._ask("rollback")
        return self

    def call_owner(self, name: str, *args: object) -> object:
        """Run the owner's function ``name`` (one it was given, data/store_service.py) with ``args``."""
        return self._ask("call", name, args)

    @contextmanager
    def holding(self, name: str):
        """Hold the owner's lock ``name`` (data/write_locks.py) for the block; the owner releases it
        itself if this connection breaks first."""
        self._ask("lock", name)
        try:
            yield
        finally:
            try:
                self._ask("unlock", name)
            except store_link.LinkClosed:
                pass

    def close(self) -> None:
        """Close the connection; the owner rolls back a transaction left open on it."""
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    def _ask(self, op: str, *args: object) -> object:
        with self._lock:
            if self._sock is None:
                self._sock = _connect(self._path)
            try:
                store_link.send(self._sock, (op, args))
                answer = store_link.receive(self._sock)
            except OSError as exc:
                self._drop()
                raise store_link.LinkClosed(f"the store's owner process cannot be reached: {exc}") from None
            except store_link.LinkClosed:
                self._drop()
                raise
            if answer is None:
                self._drop()
                raise store_link.LinkClosed("the store's owner process closed the link")
        status, value = answer
        if status == "error":
            raise store_link.rebuilt_error(value)
        return value

    def _drop(self) -> None:
        """Forget a broken connection: the next statement opens a new one (a new transaction)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class RemoteRelation:
    """A query to run in the owner, answered the ways the pages fetch DuckDB's relations."""

    def __init__(self, cursor: RemoteCursor, query: str, params: object):
        self._cursor, self._query, self._params = cursor, query, params

    def _fetch(self, how: str) -> object:
        return self._cursor._ask("sql", self._query, self._params, how)

    def to_arrow_table(self):
        return self._fetch("to_arrow_table")

    arrow = fetch_arrow_table = to_arrow_table

    def fetchall(self) -> list[tuple]:
        return self._fetch("fetchall")

    def df(self):
        return self._fetch("df")

    fetchdf = df


def _connect(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as exc:
        sock.close()
        raise store_link.LinkClosed(f"the store's owner process cannot be reached at {path}: {exc}") from None
    return sock
