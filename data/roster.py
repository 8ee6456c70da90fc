"""The duty roster (值班表): shifts with the people on duty, loaded from a file or edited on /duty.

A shift is a span of time [starts_at, ends_at) with its people: each has a name, a duty role
(``leader`` or ``officer``) and a mobile number, which group robots (WeCom, DingTalk) @-mention.
Times in a roster file are the city's local wall-clock times. Every text is bounded and checked
before anything is written; a bad file changes nothing and the error names the shift and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import yaml

from data.clock import now_utc, utc
from data.db import transaction

DUTY_ROLES = ("leader", "officer")
MOBILE = re.compile(r"^\+?[0-9]{5,15}$")
MAX_NAME, MAX_LABEL, MAX_PEOPLE, MAX_SHIFTS, MAX_FILE = 40, 60, 30, 2000, 1_000_000


class RosterError(ValueError):
    """A roster entry is invalid; the message names the shift and the field."""


@dataclass(frozen=True)
class Person:
    """One person on a shift."""

    name: str
    duty_role: str
    mobile: str
    username: str | None = None


@dataclass(frozen=True)
class Shift:
    """One shift: [starts_s, ends_s) in epoch seconds, a label and its people."""

    starts_s: int
    ends_s: int
    label: str
    people: tuple[Person, ...]


def check_text(value, field: str, limit: int, required: bool = True) -> str:
    """Return ``value`` as a stripped string of printable characters within ``limit``, or raise naming the field."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise RosterError(f"{field} is required")
    if len(text) > limit:
        raise RosterError(f"{field} is longer than {limit} characters")
    if any(not ch.isprintable() or 0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in text):
        raise RosterError(f"{field} holds control or direction characters")
    return text


def parse_person(raw: dict, where: str) -> Person:
    """Return one checked Person of a roster entry."""
    if not isinstance(raw, dict):
        raise RosterError(f"{where}: a person is a mapping with name, role and mobile")
    role = str(raw.get("role", "officer"))
    if role not in DUTY_ROLES:
        raise RosterError(f"{where}.role must be one of {DUTY_ROLES}")
    mobile = str(raw.get("mobile", "")).replace(" ", "").replace("-", "")
    if not MOBILE.match(mobile):
        raise RosterError(f"{where}.mobile must be 5 to 15 digits (an optional leading +)")
    username = check_text(raw.get("username"), f"{where}.username", MAX_NAME, required=False) or None
    return Person(check_text(raw.get("name"), f"{where}.name", MAX_NAME), role, mobile, username)


def parse_local(value, tz: str, where: str) -> int:
    """Return epoch seconds of a local wall-clock time (ISO 8601; an explicit offset is honoured)."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise RosterError(f"{where} must be a date and time like 2026-12-07T08:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return int(moment.timestamp())


def parse_shift(raw: dict, tz: str, where: str) -> Shift:
    """Return one checked Shift of a roster entry."""
    if not isinstance(raw, dict):
        raise RosterError(f"{where}: a shift is a mapping with start, end and people")
    starts, ends = parse_local(raw.get("start"), tz, f"{where}.start"), parse_local(raw.get("end"), tz, f"{where}.end")
    if ends <= starts:
        raise RosterError(f"{where}.end must come after its start")
    people = raw.get("people") or []
    if not isinstance(people, list) or not 1 <= len(people) <= MAX_PEOPLE:
        raise RosterError(f"{where}.people must list 1 to {MAX_PEOPLE} people")
    parsed = tuple(parse_person(p, f"{where}.people[{i}]") for i, p in enumerate(people))
    if not any(p.duty_role == "leader" for p in parsed):
        raise RosterError(f"{where}.people needs a leader (role: leader)")
    return Shift(starts, ends, check_text(raw.get("label"), f"{where}.label", MAX_LABEL, required=False), parsed)


def parse_roster(text: str, tz: str) -> list[Shift]:
    """Return the shifts of a roster YAML file (``shifts:`` list), checked; overlapping shifts are refused."""
    if len(text) > MAX_FILE:
        raise RosterError(f"a roster file is at most {MAX_FILE} characters")
    raw = yaml.safe_load(text) or {}
    entries = raw.get("shifts") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or len(entries) > MAX_SHIFTS:
        raise RosterError(f"the roster needs a 'shifts' list of at most {MAX_SHIFTS} shifts")
    shifts = sorted((parse_shift(s, tz, f"shifts[{i}]") for i, s in enumerate(entries)), key=lambda s: s.starts_s)
    for earlier, later in zip(shifts, shifts[1:]):
        if later.starts_s < earlier.ends_s:
            raise RosterError(f"shifts starting {utc(earlier.starts_s):%Y-%m-%d %H:%M} and "
                              f"{utc(later.starts_s):%Y-%m-%d %H:%M} UTC overlap")
    return shifts


def save_shift(con: duckdb.DuckDBPyConnection, shift: Shift, actor: str) -> int:
    """Write one shift and its people (in the caller's transaction); return its id."""
    clash = con.execute("SELECT shift_id FROM duty_shifts WHERE starts_at < ? AND ends_at > ? LIMIT 1",
                        [utc(shift.ends_s), utc(shift.starts_s)]).fetchone()
    if clash:
        raise RosterError(f"the shift overlaps shift #{clash[0]}")
    shift_id = con.execute("INSERT INTO duty_shifts (starts_at, ends_at, label, updated_by, updated_at) "
                           "VALUES (?, ?, ?, ?, ?) RETURNING shift_id",
                           [utc(shift.starts_s), utc(shift.ends_s), shift.label, actor, now_utc()]).fetchone()[0]
    for p in shift.people:
        con.execute("INSERT INTO duty_people VALUES (?, ?, ?, ?, ?)", [shift_id, p.name, p.duty_role, p.mobile, p.username])
    return shift_id


def load_roster(con: duckdb.DuckDBPyConnection, text: str, tz: str, actor: str) -> int:
    """Replace the shifts the file covers (from its first start on) with the file's; return shifts written."""
    shifts = parse_roster(text, tz)
    if not shifts:
        return 0
    with transaction(con):
        delete_from(con, shifts[0].starts_s)
        for shift in shifts:
            save_shift(con, shift, actor)
    return len(shifts)


def delete_from(con: duckdb.DuckDBPyConnection, starts_s: int) -> None:
    """Delete the shifts starting at or after ``starts_s`` (a roster file replaces the future)."""
    ids = [r[0] for r in con.execute("SELECT shift_id FROM duty_shifts WHERE starts_at >= ?", [utc(starts_s)]).fetchall()]
    delete_shifts(con, ids)


def delete_shifts(con: duckdb.DuckDBPyConnection, shift_ids: list[int]) -> None:
    """Delete shifts and their people."""
    if shift_ids:
        con.execute("DELETE FROM duty_people WHERE shift_id IN (SELECT unnest(?))", [shift_ids])
        con.execute("DELETE FROM duty_shifts WHERE shift_id IN (SELECT unnest(?))", [shift_ids])


def shift_at(con: duckdb.DuckDBPyConnection, at_s: int) -> int | None:
    """Return the id of the shift covering ``at_s`` (None: nobody is rostered)."""
    row = con.execute("SELECT shift_id FROM duty_shifts WHERE starts_at <= ? AND ends_at > ? ORDER BY starts_at DESC "
                      "LIMIT 1", [utc(at_s), utc(at_s)]).fetchone()
    return row[0] if row else None


def mobiles_on_duty(con: duckdb.DuckDBPyConnection, at_s: int, leaders_only: bool = False) -> list[str]:
    """Return the mobile numbers of the people (or only the leaders) on the shift covering ``at_s``."""
    shift_id = shift_at(con, at_s)
    if shift_id is None:
        return []
    roles = ["leader"] if leaders_only else list(DUTY_ROLES)
    return [r[0] for r in con.execute("SELECT mobile FROM duty_people WHERE shift_id = ? AND duty_role IN "
                                      "(SELECT unnest(?)) ORDER BY duty_role, name", [shift_id, roles]).fetchall()]
