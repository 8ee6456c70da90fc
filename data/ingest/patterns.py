"""The regular expressions of mapping files, made safe to run on every row of a feed.

Python's ``re`` backtracks: ``^(a+)+$`` on a 27-character id held the interpreter lock for 8 s
and froze every thread of the server. A mapping's ``regex`` therefore:

- has at most ``MAX_PATTERN_LENGTH`` characters and one capturing group at least;
- runs in RE2 (the ``google-re2`` wheel: linear time in the text, whatever the pattern) whenever
  RE2 can run it;
- may use Python's engine only for what RE2 lacks (look-arounds), and then only when no repeat
  contains another repeat or an alternation (the shapes that backtrack exponentially), with at
  most ``MAX_OPEN_REPEATS`` unbounded repeats, on values cut to ``PYTHON_INPUT_LIMIT`` characters.
"""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import re2

MAX_PATTERN_LENGTH = 500
MAX_OPEN_REPEATS = 3
PYTHON_INPUT_LIMIT = 1000
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False       # a pattern RE2 refuses is reported by pattern_problem, not on stderr


class PatternError(ValueError):
    """A mapping's regex may not run on feed text; the message says why."""


@dataclass(frozen=True)
class SafePattern:
    """A compiled mapping regex and the engine that runs it."""

    text: str
    compiled: object
    engine: str              # 're2' or 'python'

    def first_group(self, value: str) -> str | None:
        """Return the first group of the first match in ``value`` (None when it does not match)."""
        if self.engine == "python":
            value = value[:PYTHON_INPUT_LIMIT]
        match = self.compiled.search(value)
        return None if match is None else match.group(1)


@lru_cache(maxsize=256)
def compile_pattern(text: str) -> SafePattern:
    """Return the pattern ready to run, or raise PatternError saying why it may not."""
    if not isinstance(text, str) or len(text) > MAX_PATTERN_LENGTH:
        raise PatternError(f"a regex is a text of at most {MAX_PATTERN_LENGTH} characters")
    try:
        parsed = sre_parse.parse(text)
    except re.error as exc:
        raise PatternError(f"bad regex: {exc}") from None
    if parsed.state.groups < 2:
        raise PatternError("a regex needs one capturing group")
    try:
        return SafePattern(text, re2.compile(text, _RE2_OPTIONS), "re2")
    except re2.error:
        pass
    _check_backtracking(parsed, text)
    return SafePattern(text, re.compile(text), "python")


def _check_backtracking(parsed, text: str) -> None:
    open_repeats = 0
    for op, arg, inside_repeat in _walk(parsed, False):
        if op in _REPEATS:
            low, high, body = arg
            if inside_repeat and high > 1:
                raise PatternError(f"regex {text!r}: a repeat inside a repeat may take exponential time")
            if high > 1 and _has(body, (*_REPEATS, sre_constants.BRANCH)):
                raise PatternError(f"regex {text!r}: a repeated group holding a repeat or an alternation "
                                   "may take exponential time")
            open_repeats += high == sre_constants.MAXREPEAT
        elif op in (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS):
            raise PatternError(f"regex {text!r}: back-references are not allowed")
    if open_repeats > MAX_OPEN_REPEATS:
        raise PatternError(f"regex {text!r}: more than {MAX_OPEN_REPEATS} unbounded repeats")


def _children(op, arg) -> list:
    if op in _REPEATS:
        return [arg[2]]
    if op == sre_constants.SUBPATTERN:
        return [arg[3]]
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [arg[1]]
    if op == sre_constants.BRANCH:
        return list(arg[1])
    if op == sre_constants.ATOMIC_GROUP:
        return [arg]
    return []


def _walk(items, inside_repeat: bool):
    for op, arg in items:
        yield op, arg, inside_repeat
        nested = inside_repeat or (op in _REPEATS and arg[1] > 1)
        for child in _children(op, arg):
            yield from _walk(child, nested)


def _has(items, ops) -> bool:
    return any(op in ops for op, _, _ in _walk(items, False))


def extract(values: pd.Series, pattern: SafePattern) -> pd.Series:
    """Return the first group of ``pattern`` in each value (NA where empty or not matching).

    Decided once per distinct value: feeds repeat a few words millions of times."""
    distinct = values.dropna().unique()
    found = {value: pattern.first_group(value) for value in distinct}
    return values.map(found).astype("string")
