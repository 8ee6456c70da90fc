"""The wire between the store's owner process and the server's worker processes.

DuckDB lets one process open the store file for writing, and no other process may open it at the
same time, even to read. The owner (``app.py``) keeps the store, the background jobs and the one
writer; worker processes answer the HTTP requests and reach the store through a Unix socket
(:mod:`data.store_service` on the owner's side, :mod:`data.remote_store` on the workers'). Each
message is a length prefix and a pickle. Pickle is safe here only because both ends are this program
run by one user: the socket lives in a folder only that user may enter, and the owner refuses a
peer whose user id differs (``SO_PEERCRED``). Nothing from the network is unpickled.
"""

from __future__ import annotations

import builtins
import os
import pickle
import socket
import struct

import duckdb

_LENGTH = struct.Struct("!Q")
MAX_MESSAGE_BYTES = 4 * 1024 ** 3       # a frame larger than this is a bug, not an answer
SMALL_MESSAGE_BYTES = 65536
FETCHES = ("fetchall", "fetchone", "fetchmany", "df", "fetchdf", "fetch_df", "fetchnumpy", "to_arrow_table",
           "fetch_arrow_table", "arrow")           # of a cursor's result
RELATION_FETCHES = ("to_arrow_table", "arrow", "fetch_arrow_table", "fetchall", "df", "fetchdf")   # of con.sql(...)


class LinkClosed(duckdb.ConnectionException):
    """The other end of the link went away (the owner stopped, or a worker ended)."""


def send(sock: socket.socket, message: object) -> None:
    """Send one message: its length, then its pickle."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    head = _LENGTH.pack(len(payload))
    if len(payload) < SMALL_MESSAGE_BYTES:
        sock.sendall(head + payload)        # one write: a small answer is one packet
    else:
        sock.sendall(head)
        sock.sendall(payload)               # no copy of a large answer to prefix it


def receive(sock: socket.socket) -> object | None:
    """Return the next message, or None when the other end closed the link between messages."""
    head = _read_exactly(sock, _LENGTH.size, at_boundary=True)
    if head is None:
        return None
    (length,) = _LENGTH.unpack(head)
    if length > MAX_MESSAGE_BYTES:
        raise LinkClosed(f"the store link sent a message of {length:,} bytes: closing it")
    return pickle.loads(_read_exactly(sock, length))


def _read_exactly(sock: socket.socket, size: int, at_boundary: bool = False) -> bytearray | None:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        count = sock.recv_into(view[got:], size - got)
        if count == 0:
            if at_boundary and got == 0:
                return None
            raise LinkClosed("the store link closed in the middle of a message")
        got += count
    return buffer                       # pickle reads it as it is: no copy of a large answer


def error_record(exc: BaseException) -> tuple[str, str, str]:
    """Return what the other end needs to raise the same kind of error: its module, class and text."""
    return type(exc).__module__, type(exc).__name__, str(exc)


def rebuilt_error(record: tuple[str, str, str]) -> Exception:
    """Return an exception of the kind ``error_record`` described: DuckDB's own classes and Python's
    built-in ones as themselves (callers catch ``duckdb.ConstraintException``, ``ValueError`` …),
    anything else as a ``duckdb.Error`` carrying its class name."""
    module, name, text = record
    for home in (duckdb, builtins):
        kind = getattr(home, name, None)
        if isinstance(kind, type) and issubclass(kind, Exception) and (module.lstrip("_").startswith("duckdb") or home is builtins):
            try:
                return kind(text)
            except TypeError:
                break
    return duckdb.Error(f"{name}: {text}")


def peer_is_same_user(sock: socket.socket) -> bool:
    """True when the process at the other end of a Unix socket runs as this process's user."""
    credentials = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.getuid()
