"""The owner's side of the store link: worker processes run their SQL on the owner's store.

Each worker thread that asks for a cursor opens its own connection to the socket; the owner gives
that connection a thread and a DuckDB cursor of its own, as DuckDB wants one cursor per thread, so a
worker's transaction (BEGIN … COMMIT over several statements) stays on one cursor. The owner runs
each statement and hands back what the worker fetches, using DuckDB's own fetch methods, so a worker
gets exactly the Python values a cursor in the owner would. DuckDB runs the query on its own threads,
outside the GIL: the owner's Python share of a request is small, and the workers' interpreters do the
pages' Python (the figures, the tables, the JSON), which is what one process could not fit on one
core (docs/PERFORMANCE.md, "One owner, several workers").

Besides SQL, a worker may ask the owner to run one of the few functions the owner was given
(``calls``, each called with the link's cursor first): what must happen in one process for all, such
as asking the brief job to rebuild a brief, or checking a sign-in under the per-name lock.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
from pathlib import Path
from typing import Callable

import duckdb

from data import db, store_link, write_locks

log = logging.getLogger("city_vitals.store_service")
ACCEPT_BACKLOG = 64


class StoreService:
    """Serves the store ``con`` on a Unix socket in a folder of its own (mode 0700)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, calls: dict[str, Callable] | None = None):
        self._con = con
        self._calls = dict(calls or {})
        self._folder = Path(tempfile.mkdtemp(prefix="city-vitals-store-"))
        self.path = self._folder / "store.sock"
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self.path))
        os.chmod(self.path, 0o600)
        self._listener.listen(ACCEPT_BACKLOG)
        self._stopping = threading.Event()
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="store-service", daemon=True)

    def start(self) -> "StoreService":
        self._thread.start()
        log.info("store service on %s", self.path)
        return self

    def stop(self) -> None:
        """Stop accepting, close every worker's link (a statement running for it is interrupted at its
        end: its cursor closes), and remove the socket's folder."""
        self._stopping.set()
        self._listener.close()
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            _shut(client)
        for leftover in (self.path, self._folder):
            try:
                leftover.unlink() if leftover.is_socket() else leftover.rmdir()
            except OSError:
                pass

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return                              # the listener was closed: the service stops
            if not store_link.peer_is_same_user(client):
                log.warning("store service: refused a peer running as another user")
                client.close()
                continue
            with self._lock:
                self._clients.add(client)
            threading.Thread(target=self._serve, args=(client,), name="store-link", daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        """Answer one worker connection's requests, in order, on its own cursor, until it closes."""
        cursor, held = self._con.cursor(), []
        try:
            while True:
                request = store_link.receive(client)
                if request is None:
                    return
                op, args = request
                try:
                    reply = ("ok", self._perform(cursor, held, op, args))
                except Exception as exc:            # the worker raises it again, as the same kind
                    reply = ("error", store_link.error_record(exc))
                store_link.send(client, reply)
        except (OSError, store_link.LinkClosed):
            pass                                    # the worker went away mid-message
        finally:
            with self._lock:
                self._clients.discard(client)
            _shut(client)
            _close_quietly(cursor)                  # rolls back a transaction the worker left open
            for name in held:                       # a worker that died holding a write lock
                write_locks.LOCKS[name].release()

    def _perform(self, cursor: duckdb.DuckDBPyConnection, held: list[str], op: str, args: tuple) -> object:
        """Run one operation of a worker's link on its own ``cursor`` (``held``: the write locks it holds)."""
        if op in store_link.FETCHES:
            return getattr(cursor, op)(*args)
        if op == "call":
            name, call_args = args
            if name not in self._calls:
                raise ValueError(f"the store's owner has no call named {name!r}")
            return self._calls[name](cursor, *call_args)
        operation = OPERATIONS.get(op)
        if operation is None:
            raise ValueError(f"the store link has no operation {op!r}")
        return operation(cursor, held, *args)


def _execute(cursor: duckdb.DuckDBPyConnection, _held: list[str], *args: object) -> list[tuple] | None:
    cursor.execute(*args)
    return describe(cursor)


def _executemany(cursor: duckdb.DuckDBPyConnection, _held: list[str], *args: object) -> list[tuple] | None:
    cursor.executemany(*args)
    return describe(cursor)


def _relation(cursor: duckdb.DuckDBPyConnection, _held: list[str], query: str, params: object, how: str) -> object:
    if how not in store_link.RELATION_FETCHES:
        raise ValueError(f"the store link cannot fetch a relation by {how!r}")
    return getattr(cursor.sql(query, params=params), how)()


def _lock(_cursor: duckdb.DuckDBPyConnection, held: list[str], name: str) -> None:
    if name not in write_locks.LOCKS:
        raise ValueError(f"the store's owner has no lock named {name!r}")
    write_locks.LOCKS[name].acquire()
    held.append(name)


def _unlock(_cursor: duckdb.DuckDBPyConnection, held: list[str], name: str) -> None:
    held.remove(name)                           # ValueError for a lock this link does not hold
    write_locks.LOCKS[name].release()


def _plain(method: str) -> Callable:
    """Return the operation calling the cursor's ``method`` (unregister, complete, begin …), answering None."""
    def operation(cursor: duckdb.DuckDBPyConnection, _held: list[str], *args: object) -> None:
        getattr(cursor, method)(*args)
    return operation


OPERATIONS: dict[str, Callable] = {
    "execute": _execute, "executemany": _executemany, "sql": _relation, "lock": _lock, "unlock": _unlock,
    "register": lambda cursor, _held, name, table: db.register(cursor, name, table),
    **{method: _plain(method) for method in ("unregister", "complete", "begin", "commit", "rollback")},
}


def describe(cursor: duckdb.DuckDBPyConnection) -> list[tuple] | None:
    """Return the cursor's result description with each type as its name (DuckDB's type objects do not
    cross a process boundary; callers read the column names)."""
    if cursor.description is None:
        return None
    return [(name, str(kind), *rest) for name, kind, *rest in cursor.description]


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _close_quietly(cursor: duckdb.DuckDBPyConnection) -> None:
    try:
        cursor.close()
    except duckdb.Error:
        pass
