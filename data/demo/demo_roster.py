"""The demo city's duty roster: a day shift (08:00-20:00) and a night shift, three teams in turn.

Each team has a leader and two officers. The mobile numbers start with 100, which no Chinese mobile
number does, so a demo robot message can @ nobody real. The roster runs a week past "now" and the
live simulator extends it as time passes.
"""

from __future__ import annotations

import duckdb

from data.clock import DAY_S, HOUR_S, local_midnight_s
from data.roster import Person, Shift, save_shift

TEAMS = (
    (("周建国", "leader"), ("李晓梅", "officer"), ("王磊", "officer")),
    (("陈志强", "leader"), ("刘芳", "officer"), ("张伟", "officer")),
    (("赵敏", "leader"), ("孙浩", "officer"), ("吴静", "officer")),
)
SHIFTS = ((8, "白班"), (20, "夜班"))       # local start hour and label (the city's own words); each lasts 12 hours
AHEAD_S = 7 * DAY_S


def team(index: int) -> tuple[Person, ...]:
    """Return the people of team ``index`` (mod the number of teams)."""
    members = TEAMS[index % len(TEAMS)]
    return tuple(Person(name, role, f"100{index % len(TEAMS)}{k:07d}") for k, (name, role) in enumerate(members))


def write_roster(con: duckdb.DuckDBPyConnection, spec, until_s: int | None = None) -> int:
    """Add shifts from the last one written (or the history's start) to ``until_s`` (default a week
    past the demo's "now"); return how many were written."""
    until_s = until_s if until_s is not None else spec.anchor_s + AHEAD_S
    last = con.execute("SELECT epoch(max(ends_at))::BIGINT FROM duty_shifts").fetchone()[0]
    day = local_midnight_s(int(last) if last is not None else spec.start_s, spec.tz)
    written = 0
    while day < until_s:
        for hour, label in SHIFTS:
            starts = day + hour * HOUR_S
            if (last is None or starts >= last) and starts < until_s:
                number = (starts - spec.start_s) // (12 * HOUR_S)
                save_shift(con, Shift(starts, starts + 12 * HOUR_S, label, team(int(number))), "demo")
                written += 1
        day = local_midnight_s(day + DAY_S + 2 * HOUR_S, spec.tz)      # the next local midnight, DST or not
    return written
