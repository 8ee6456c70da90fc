"""The store's data version: one number per family of data, bumped by every writer in its transaction.

Every cache of the server keys on these numbers instead of probing tables of its own. A writer
calls :func:`bump` with the families it changed, inside the transaction of its write: the new
version becomes visible exactly when the data does, and a rolled-back write leaves none.

Writers only append rows to ``data_changes`` (DuckDB refuses two concurrent transactions that
update the same row, so a single counter row would fail the live simulator or the alert
handling). A family's version is the number of writes it has seen: the sum of ``changes`` over
its rows, which grows by one with every committed write whatever order concurrent writers commit
in. :func:`prune` folds old rows into the newest row of their group, keeping each sum, so the
table stays small and no version ever goes back.

A write may say from which instant it changed data (``earliest_s``): the simulator's tick only
adds what happened after its last tick, a refresh only values at its instant. A cache of a past
day (the daily brief) asks for the version of writes that reached back before the day's end.
"""

from __future__ import annotations

import duckdb

from data import db
from data.clock import utc_or_none

# Each family of data a writer may change; a cache names the families it reads.
FAMILIES: dict[str, str] = {
    "events": "cases: new cases, their stages and versions, their grid",
    "readings": "sensor readings",
    "geometry": "admin units, their boundaries and the sensors' list and places",
    "indicators": "indicator values (latest and history) and the runs that wrote them",
    "alerts": "alerts, their history, handling, silences and audit trail",
    "orders": "work orders, their departments and history, and the departments list",
}

VERSIONS_SQL = """
    SELECT family, sum(changes)::BIGINT FROM data_changes
    WHERE $before IS NULL OR earliest_at IS NULL OR earliest_at < $before
    GROUP BY family"""


def bump(con: duckdb.DuckDBPyConnection, *families: str, earliest_s: float | None = None) -> None:
    """Record one change of each family; call it inside the writer's transaction.

    ``earliest_s`` is the earliest instant the write may have altered (None: it may have altered any)."""
    unknown = [family for family in families if family not in FAMILIES]
    if unknown or not families:
        raise ValueError(f"unknown data families {unknown}: choose from {', '.join(FAMILIES)}")
    earliest = utc_or_none(earliest_s)
    con.execute("INSERT INTO data_changes (family, earliest_at) SELECT unnest($families), $earliest",
                {"families": list(dict.fromkeys(families)), "earliest": earliest})


def current(con: duckdb.DuckDBPyConnection, before_s: float | None = None) -> dict[str, int]:
    """Return {family: version} for every family (0 when it has never been written).

    With ``before_s``, count only the writes that may have altered data before that instant."""
    before = utc_or_none(before_s)
    found = dict(con.execute(VERSIONS_SQL, {"before": before}).fetchall())
    return {family: int(found.get(family, 0)) for family in FAMILIES}


PRUNE_SQL = """
    CREATE OR REPLACE TEMP TABLE _data_change_groups AS
    SELECT family, CAST(earliest_at AS DATE) AS day, max(change_id) AS keep, sum(changes) AS changes,
           min(earliest_at) AS earliest_at
    FROM data_changes GROUP BY ALL HAVING count(*) > 1;
    UPDATE data_changes SET changes = g.changes, earliest_at = g.earliest_at
    FROM _data_change_groups g WHERE data_changes.change_id = g.keep;
    DELETE FROM data_changes WHERE change_id IN (
        SELECT d.change_id FROM data_changes d JOIN _data_change_groups g
        ON d.family = g.family AND CAST(d.earliest_at AS DATE) IS NOT DISTINCT FROM g.day AND d.change_id < g.keep);
    DROP TABLE _data_change_groups;"""


def prune(con: duckdb.DuckDBPyConnection) -> int:
    """Fold the rows of each (family, day of the earliest instant) into its newest one, keeping every
    version; return the rows removed (0 when another prune ran at the same time)."""
    before = con.execute("SELECT count(*) FROM data_changes").fetchall()[0][0]
    try:
        with db.transaction(con):
            con.execute(PRUNE_SQL)
    except duckdb.TransactionException:      # a concurrent prune folded the same rows: nothing is lost
        return 0
    return before - con.execute("SELECT count(*) FROM data_changes").fetchall()[0][0]
