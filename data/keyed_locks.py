"""One lock per key while that key's value is being computed.

Concurrent callers of one key take turns: the first computes, the others wait and then find its
result (each checks what is kept again once it holds the lock); callers of other keys are not held
up. A key's lock lives only while someone holds or waits for it, so the locks stay as few as the
computations running. Used by the bounded memo of the pages (callbacks/memo.py) and the walls'
value cache (queries/screen_cache.py).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Hashable, Iterator


class KeyedLocks:
    """A lock per key, made on first use and dropped when its holder is done."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[Hashable, threading.Lock] = {}

    @contextmanager
    def holding(self, key: Hashable) -> Iterator[None]:
        """Hold ``key``'s lock for the block (waiting while another caller holds it)."""
        with self._lock:
            key_lock = self._locks.setdefault(key, threading.Lock())
        try:
            with key_lock:
                yield
        finally:
            with self._lock:
                if self._locks.get(key) is key_lock:
                    del self._locks[key]
