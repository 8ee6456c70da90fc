"""Reading values that come from a request (a callback's inputs, a URL's query): the right form
or an InputError naming the field, which the server answers with 400 (api/guard.py).

A non-integer alert id, silence hours of ``nan`` or the year 9999 used to end in HTTP 500.
"""

from __future__ import annotations

import math
from datetime import date

EARLIEST_DAY = date(1970, 1, 1)        # days outside these bounds name no data any store holds
LATEST_DAY = date(2200, 12, 31)


class InputError(ValueError):
    """A request's value has the wrong form; the message starts with the field's name."""

    def __init__(self, field: str, expected: str):
        super().__init__(f"{field}: {expected}")
        self.field = field


def whole_number(value, field: str, low: int, high: int) -> int:
    """Return ``value`` as an integer within [low, high] or raise InputError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(field, f"a whole number from {low} to {high}")
    try:
        number = float(value) if not isinstance(value, int) else value
    except ValueError:
        raise InputError(field, f"a whole number from {low} to {high}") from None
    if not math.isfinite(number) or number != int(number) or not low <= int(number) <= high:
        raise InputError(field, f"a whole number from {low} to {high}")
    return int(number)


def finite_number(value, field: str, low: float, high: float) -> float:
    """Return ``value`` as a finite number within [low, high] or raise InputError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(field, f"a number from {low:g} to {high:g}")
    try:
        number = float(value)
    except ValueError:
        raise InputError(field, f"a number from {low:g} to {high:g}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InputError(field, f"a number from {low:g} to {high:g}")
    return number


def text(value, field: str, max_length: int = 256, empty=None):
    """Return ``value`` as a text of at most ``max_length`` characters (``empty`` for None)."""
    if value is None:
        return empty
    if not isinstance(value, str) or len(value) > max_length:
        raise InputError(field, f"a text of at most {max_length} characters")
    return value


def day(value, field: str) -> date:
    """Return ``value`` (YYYY-MM-DD) as a date between EARLIEST_DAY and LATEST_DAY."""
    try:
        parsed = date.fromisoformat(str(value)[:10]) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or not EARLIEST_DAY <= parsed <= LATEST_DAY:
        raise InputError(field, f"a day YYYY-MM-DD between {EARLIEST_DAY} and {LATEST_DAY}")
    return parsed


def mapping(value, field: str) -> dict:
    """Return ``value`` when it is a dict (None gives an empty one), else raise InputError."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(field, "an object")
    return value
