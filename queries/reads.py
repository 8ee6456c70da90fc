"""Which families of data (data/versions.py) each read-model query reads, declared next to the query.

``@reads("events", "geometry")`` records the families on the function (``families_of``) and,
while a cache computes a value (:func:`collecting`), reports them to that cache each time the
query runs. A cache so learns what a value depends on from the queries that built it, never from
a list written by hand beside the call (a wrong entry there gave a silently stale panel).
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

from data.versions import FAMILIES

_collectors = threading.local()         # per thread: the stack of family sets being collected


def reads(*families: str) -> Callable:
    """Declare the data families the decorated query reads."""
    unknown = [family for family in families if family not in FAMILIES]
    if unknown or not families:
        raise ValueError(f"unknown data families {unknown}: choose from {', '.join(FAMILIES)}")

    def declare(query: Callable) -> Callable:
        @functools.wraps(query)
        def run(*args, **kwargs):
            record(families)
            return query(*args, **kwargs)
        run.reads = frozenset(families)
        return run
    return declare


def families_of(query: Callable) -> frozenset[str]:
    """Return the families a query declared with ``@reads`` (raises when it declared none)."""
    declared = getattr(query, "reads", None)
    if declared is None:
        raise TypeError(f"{getattr(query, '__qualname__', query)} declares no data families: add @reads(...)")
    return declared


def record(families: Iterable[str]) -> None:
    """Report families read to every value being computed on this thread."""
    for found in getattr(_collectors, "stack", ()):
        found.update(families)


@contextmanager
def collecting() -> Iterator[set[str]]:
    """Collect, into the yielded set, the families of every declared query run inside the block."""
    stack = getattr(_collectors, "stack", None)
    if stack is None:
        stack = _collectors.stack = []
    found: set[str] = set()
    stack.append(found)
    try:
        yield found
    finally:
        stack.pop()
