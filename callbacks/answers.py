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

:meth:`SharedAnswers.newest` serves those who tolerate a slightly older answer (a wall ticking every
second): while the answer of a new stamp is being prepared, on a thread of its own, they get the
newest answer already prepared instead of waiting for it, so their wait does not grow with the
server's load; the caller says how old an answer it tolerates, past which it waits as ``get`` does.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

from callbacks import context
from callbacks.memo import LruMemo
from data import versions

log = logging.getLogger(__name__)
PREPARING_THREADS = 2       # answers prepared ahead at once (a few scenes of walls; each is mostly SQL)


class SharedAnswers:
    """Answers computed once per (key, stamp), the least recently asked dropped past ``max_answers``."""

    def __init__(self, max_answers: int, name: str = "answers"):
        self._memo = LruMemo(max_answers)
        self._max_answers = max_answers
        self._name = name
        self._count_lock = threading.Lock()
        self._newest: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()   # key -> (stamp, answer)
        self._preparing: set[Hashable] = set()      # keys whose newer answer a preparing thread computes
        self._queue: queue.Queue | None = None
        self._idle = threading.Condition(self._count_lock)
        self.computed = 0                       # answers computed so far (tests count them)

    def get(self, key: Hashable, stamp: Hashable, compute: Callable[[], Any]) -> Any:
        """Return the answer to ``key`` as of ``stamp``, computed by ``compute()`` by the first caller only."""
        return self._memo.get((key, stamp), lambda: self._counted(compute))

    def newest(self, key: Hashable, stamp: Hashable, compute: Callable[[], Any],
               tolerated: Callable[[Hashable], bool]) -> Any:
        """Return the answer to ``key`` as of ``stamp`` if it is prepared; else, when the newest prepared
        answer to ``key`` has a stamp the caller ``tolerated``, that one, while the answer of ``stamp`` is
        prepared on a preparing thread (``compute`` runs there: it must open its own cursor); else as
        :meth:`get`. ``compute`` is called once per (key, stamp) whichever way is taken."""
        with self._count_lock:
            kept = self._newest.get(key)
        if (key, stamp) in self._memo or kept is None or not tolerated(kept[0]):
            return self._get_noted(key, stamp, compute)
        if kept[0] != stamp:
            self._prepare(key, stamp, compute)
        return kept[1]

    def settle(self, timeout_s: float = 30.0) -> bool:
        """Wait until no answer is being prepared ahead (tests); return whether that happened in time."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._preparing, timeout_s)

    def _counted(self, compute: Callable[[], Any]) -> Any:
        value = compute()
        with self._count_lock:
            self.computed += 1
        return value

    def _get_noted(self, key: Hashable, stamp: Hashable, compute: Callable[[], Any]) -> Any:
        """Return :meth:`get`'s answer, noted as the newest to ``key`` unless a newer one is."""
        answer = self.get(key, stamp, compute)
        with self._count_lock:
            kept = self._newest.get(key)
            if kept is None or _second(kept[0]) <= _second(stamp):
                self._newest[key] = (stamp, answer)
            self._newest.move_to_end(key)
            while len(self._newest) > self._max_answers:
                self._newest.popitem(last=False)
        return answer

    def _prepare(self, key: Hashable, stamp: Hashable, compute: Callable[[], Any]) -> None:
        """Have a preparing thread compute the answer of (key, stamp), unless one is computing ``key``."""
        with self._count_lock:
            if key in self._preparing:
                return
            self._preparing.add(key)
            if self._queue is None:
                self._queue = queue.Queue()
                for number in range(PREPARING_THREADS):
                    threading.Thread(target=self._preparing_loop, name=f"{self._name}-ahead-{number}",
                                     daemon=True).start()
        self._queue.put((key, stamp, compute))

    def _preparing_loop(self) -> None:
        """Prepare the answers asked for ahead, one at a time, for as long as the process lives."""
        while True:
            key, stamp, compute = self._queue.get()
            try:
                self._get_noted(key, stamp, compute)
            except Exception:                       # the next caller tries again (and waits, if it must)
                log.exception("preparing the answer %r failed", key)
            finally:
                with self._idle:
                    self._preparing.discard(key)
                    self._idle.notify_all()


def _second(stamp: Hashable) -> int:
    """Return the second a stamp of :func:`wall_stamp` or :func:`data_stamp` shows (None: a past hour, 0)."""
    return (stamp[0] if isinstance(stamp, tuple) and stamp and isinstance(stamp[0], int) else 0)


def shared(name: str, max_answers: int) -> SharedAnswers:
    """Return the server's one SharedAnswers named ``name`` (one per kind of answer)."""
    return context.current().remember(f"answers.{name}", lambda: SharedAnswers(max_answers, name))


def version_key(con) -> tuple:
    """Return the store's data versions as a hashable stamp part."""
    return tuple(sorted(versions.current(con).items()))


def wall_stamp(con, now_s: int) -> tuple:
    """Return the stamp of an answer showing the instant ``now_s``: the second (live clock), or the
    second and the store's data version (frozen clock)."""
    if context.current().frozen_now_s is None:
        return (now_s,)
    return now_s, version_key(con)


def wall_answer(walls: SharedAnswers, key: Hashable, con, now_s: int, stale_s: float,
                compute: Callable[[], Any]) -> Any:
    """Return the answer to ``key`` showing the instant ``now_s``. With a live clock, while that second's
    answer is prepared, the newest one prepared if at most ``stale_s`` older (a wall's data instant and
    freshness badges are then that answer's); a frozen clock shows one instant, so there every write's
    answer is waited for."""
    stamp = wall_stamp(con, now_s)
    if context.current().frozen_now_s is not None:
        return walls.get(key, stamp, compute)
    return walls.newest(key, stamp, compute, lambda kept: now_s - kept[0] <= stale_s)


def data_stamp(con, until_s: int | None) -> tuple:
    """Return the stamp of an answer read from the store up to ``until_s`` (None: a fixed past hour):
    the store's data version, and the second when the answer shows the current instant."""
    return until_s, version_key(con)
