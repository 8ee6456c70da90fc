"""A bounded, thread-safe memo: the least recently used entry goes first once ``max_entries`` are kept.

Concurrent callers of one key compute it once (the others wait for that result); a slow key
does not hold up callers of other keys.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

from data.keyed_locks import KeyedLocks


class LruMemo:
    """Values computed on first use, at most ``max_entries`` of them, least recently used dropped first."""

    def __init__(self, max_entries: int):
        if max_entries < 1:
            raise ValueError("an LruMemo keeps at least one entry")
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing = KeyedLocks()                              # a lock per key being computed right now

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._values

    def forget(self, key: Hashable) -> None:
        """Drop the value kept under ``key`` (if any): the next caller computes it again."""
        with self._lock:
            self._values.pop(key, None)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Return the value kept under ``key``, computing it with ``compute()`` when it is not kept."""
        found, value = self._kept(key)
        if found:
            return value
        with self._computing.holding(key):
            found, value = self._kept(key)
            if found:                               # another caller computed it meanwhile
                return value
            value = compute()
            self._keep(key, value)
            return value

    def _kept(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return True, self._values[key]
            return False, None

    def _keep(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)
