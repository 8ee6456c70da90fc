"""Answers prepared once and shared by every request that asks the same question of the same data.

Four walls showing one scene, or thirty analysts opening one unit's side panel, ask one question:
the answer depends only on the question (the key: what is shown, in which language, with which
rights) and on a stamp of the clock and the data it was computed from. :meth:`SharedAnswers.get`
computes it once per (key, stamp); requests arriving while it is computed wait for that one
result instead of computing it again (LruMemo's per-key lock), and other keys are not held up.
Answers are kept in a bounded LruMemo: the answers of older stamps are not asked for again and
go first.

The stamps (:func:`wall_stamp`, :func:`data_stamp`) say when an answer is prepared again:

- A live clock moves every second; an answer that shows the current instant is kept for the
  second it shows. The data versions bumped within that second (a feed posts several times a
  second) are coalesced: the answer shows the data of the second's first request, and the next
  second's answer shows the newer data.
- A frozen clock (``--at``) shows one second for ever, so with it the stamp also carries the
  store's data version (data/versions.py): an answer is prepared again after every write.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable

from callbacks import context
from callbacks.memo import LruMemo
from data import versions


class SharedAnswers:
    """Answers computed once per (key, stamp), the least recently asked dropped past ``max_answers``."""

    def __init__(self, max_answers: int):
        self._memo = LruMemo(max_answers)
        self._count_lock = threading.Lock()
        self.computed = 0                       # answers computed so far (tests count them)

    def get(self, key: Hashable, stamp: Hashable, compute: Callable[[], Any]) -> Any:
        """Return the answer to ``key`` as of ``stamp``, computed by ``compute()`` by the first caller only."""
        return self._memo.get((key, stamp), lambda: self._counted(compute))

    def _counted(self, compute: Callable[[], Any]) -> Any:
        value = compute()
        with self._count_lock:
            self.computed += 1
        return value


def shared(name: str, max_answers: int) -> SharedAnswers:
    """Return the server's one SharedAnswers named ``name`` (one per kind of answer)."""
    return context.current().remember(f"answers.{name}", lambda: SharedAnswers(max_answers))


def version_key(con) -> tuple:
    """Return the store's data versions as a hashable stamp part."""
    return tuple(sorted(versions.current(con).items()))


def wall_stamp(con, now_s: int) -> tuple:
    """Return the stamp of an answer showing the instant ``now_s``: the second (live clock), or the
    second and the store's data version (frozen clock)."""
    if context.current().frozen_now_s is None:
        return (now_s,)
    return now_s, version_key(con)


def data_stamp(con, until_s: int | None) -> tuple:
    """Return the stamp of an answer read from the store up to ``until_s`` (None: a fixed past hour):
    the store's data version, and the second when the answer shows the current instant."""
    return until_s, version_key(con)
