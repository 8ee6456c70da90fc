"""The canonical statuses of a case, and what each one means for the city's figures.

A case's life cycle is told by its stage times (received, accepted, dispatched, resolved, closed);
its status is the word the feed gave last. Two kinds of status say something the stage times
cannot:

- ``returned`` (退回): the case was sent back for re-dispatch (wrong department, wrong level). It
  is open: it counts wherever an open case counts, until a closing time arrives.
- ``cancelled`` and ``merged`` are *void*: the case was withdrawn, found invalid or a duplicate
  (``merged``: a duplicate folded into another case, which ingestion also marks ``is_repeat``).
  A void case was received, so it counts in intake; it was never handled, so it counts in no
  closure, on-time, response, dispatch, handling-time, overdue or satisfaction figure, and it is
  not open. It is void from its closing time, or, without one, from the version that said so
  (``updated_at``): a past instant before that still sees it as it was then.

A city's own words for these (``已撤销``, ``Cancelled``, ``Duplicate``) are mapped to them by its
feeds' mappings (``status_map``) and its profile (``statuses``).
"""

from __future__ import annotations

# Stage statuses first, in life-cycle order: ingestion derives a status from the latest stage time
# by position in this tuple when a feed gives none.
STATUSES = ("received", "accepted", "dispatched", "resolved", "closed", "returned", "cancelled", "merged")
VOID_STATUSES = ("cancelled", "merged")
VOID_IN = "(" + ", ".join(f"'{s}'" for s in VOID_STATUSES) + ")"       # SQL: status IN VOID_IN


def void_sql(now: str = "$now", prefix: str = "") -> str:
    """Return the SQL condition "the case is void at ``now``" over a row of ``events`` (columns
    ``status``, ``closed_at``, ``updated_at``, each after ``prefix``, e.g. ``e.``)."""
    return (f"({prefix}status IN {VOID_IN} "
            f"AND coalesce({prefix}closed_at, {prefix}updated_at) <= {now})")
