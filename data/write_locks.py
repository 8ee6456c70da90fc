"""Named locks for writers that must take turns across every process of the server.

Two ingest batches, or two backups, running at once on one store would fail: DuckDB aborts one of two
transactions that change the same rows, and two backups would copy over each other. A lock in one
process's memory served while one process answered every request; with worker processes
(api/processes.py) the lock must be the same for all, so it lives in the process that owns the store:
there :func:`held` takes it directly, and a worker takes it through its store link
(data/store_service.py), which releases whatever a worker held if the worker dies holding it.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from data.remote_store import RemoteCursor

LOCKS: dict[str, threading.Lock] = {
    "ingest": threading.Lock(),         # an API batch of cases, readings or places: DuckDB would abort one of
                                        # two concurrent batches with a conflict (api/ingest.py)
    "alarms": threading.Lock(),         # camera alarm reports: two requests at once would fold one camera's
                                        # reports into two alarms (api/alarms.py)
    "backup": threading.Lock(),         # a backup, scheduled or asked for (data/backup_schedule.py)
}


@contextmanager
def held(con, name: str):
    """Hold the lock ``name`` for the block, for every process of the server (``con``: the caller's cursor,
    a store link's in a worker)."""
    if isinstance(con, RemoteCursor):
        with con.holding(name):
            yield
        return
    with LOCKS[name]:
        yield
