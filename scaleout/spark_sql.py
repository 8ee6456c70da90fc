"""Translating the compiler's DuckDB SQL into Spark SQL, where the two dialects differ.

The compiled scans (``Scan.sql()``) use a small part of DuckDB's dialect. Spark 4 reads most of
it as it is: FILTER clauses, GROUPING SETS and ``GROUPING()``, ``count(DISTINCT …)``, ``coalesce``,
``greatest``, ``floor(…)::INTEGER``, ``IS NOT TRUE``, ``INTERVAL 8 DAY``, ``USING (…)`` joins,
``range(1, 8) AS shifts(day_shift)``. What differs is rewritten here, and nothing else:

==========================  ==============================================================
DuckDB                      Spark
==========================  ==============================================================
``$now $start $end``        named parameter markers ``:now :start :end``, bound by the runner
``epoch(a - b)``            ``CAST(unix_micros(a) - unix_micros(b) AS DOUBLE) / 1000000``
``epoch(ts)``               ``CAST(unix_micros(ts) AS DOUBLE) / 1000000``
``to_days(n)``              ``make_dt_interval(n)``
``to_minutes(n)``           ``make_dt_interval(0, 0, n)``
``quantile_cont(x, q)``     ``percentile(x, q)`` (both exact, linear interpolation)
``CAST(x AS VARCHAR)``      ``CAST(x AS STRING)``
==========================  ==============================================================

Constructs of DuckDB's that the compiler does not emit today and that Spark reads differently
(``* EXCLUDE``, ``GROUP BY ALL``, other parameters, …) raise ``UntranslatableSql`` rather than
run with another meaning.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from indicators.conditions import unquoted_chars

PARAMETERS = ("now", "start", "end")
_MICROS = "CAST(1000000 AS DOUBLE)"
_UNSUPPORTED = [re.compile(p, re.IGNORECASE) for p in (
    r"\bEXCLUDE\s*\(", r"\bGROUP\s+BY\s+ALL\b", r"\bquantile_disc\s*\(", r"\bapprox_quantile\s*\(",
    r"\bmedian\s*\(", r"\bstrftime\s*\(", r"\bregexp_matches\s*\(", r"\bepoch_ms\s*\(", r"\bdate_part\s*\(",
    r"\blist_\w+\s*\(", r"::\s*(?!INTEGER\b)\w+", r'"')]


class UntranslatableSql(ValueError):
    """The SQL uses a construct of DuckDB's that the translation does not cover."""


def to_spark_sql(sql: str) -> str:
    """Return the Spark SQL of one compiled DuckDB query (parameters become ``:now``, ``:start``, ``:end``)."""
    _check_supported(sql)
    masked, literals = _mask_string_literals(sql)
    masked = rewrite_calls(masked)
    masked = re.sub(r"\bAS\s+VARCHAR\s*\)", "AS STRING)", masked, flags=re.IGNORECASE)
    return _unmask(_parameter_markers(masked), literals)


_LITERAL = re.compile(r"'(?:[^']|'')*'")


def _mask_string_literals(sql: str) -> tuple[str, list[str]]:
    """Return ``sql`` with each string literal replaced by a numbered mark, and the literals: the
    rewrites never look inside catalog text such as ``category_code = 'epoch(x)'``."""
    literals = _LITERAL.findall(sql)
    counter = iter(range(len(literals)))
    return _LITERAL.sub(lambda _: f"\x00{next(counter)}\x00", sql), literals


def _unmask(sql: str, literals: list[str]) -> str:
    return re.sub("\x00(\\d+)\x00", lambda m: literals[int(m.group(1))], sql)


def _check_supported(sql: str) -> None:
    text = _without_string_literals(sql)
    for pattern in _UNSUPPORTED:
        found = pattern.search(text)
        if found:
            raise UntranslatableSql(f"DuckDB construct not translated for Spark: {found.group(0)!r}")
    unknown = set(re.findall(r"\$(\w+)", text)) - set(PARAMETERS)
    if unknown:
        raise UntranslatableSql(f"unknown parameters: {sorted(unknown)}")


def _parameter_markers(sql: str) -> str:
    return re.sub(r"\$(" + "|".join(PARAMETERS) + r")\b", r":\1", sql)


def _without_string_literals(sql: str) -> str:
    return _LITERAL.sub("''", sql)


def _epoch(argument: str) -> str:
    """DuckDB's epoch() of a timestamp, or of the interval between two timestamps, in seconds."""
    left, right = split_difference(argument)
    if right is not None and not _is_interval(right):
        return f"(CAST(unix_micros({left}) - unix_micros({right}) AS DOUBLE) / {_MICROS})"
    return f"(CAST(unix_micros({argument}) AS DOUBLE) / {_MICROS})"


def _is_interval(expression: str) -> bool:
    return bool(re.match(r"\(*\s*(INTERVAL\b|make_dt_interval\()", expression.strip(), re.IGNORECASE))


REWRITES: dict[str, Callable[[str], str]] = {
    "epoch": _epoch,
    "to_days": lambda n: f"make_dt_interval({n})",
    "to_minutes": lambda n: f"make_dt_interval(0, 0, {n})",
    "quantile_cont": lambda args: f"percentile({args})",
}
_CALL = re.compile(r"\b(" + "|".join(REWRITES) + r")\(", re.IGNORECASE)


def rewrite_calls(sql: str) -> str:
    """Return ``sql`` with every call of a function in REWRITES rewritten, innermost first."""
    out, position = [], 0
    for match in _CALL.finditer(sql):
        if match.start() < position:          # inside a call already rewritten
            continue
        close = closing_paren(sql, match.end() - 1)
        inner = rewrite_calls(sql[match.end():close])
        out.append(sql[position:match.start()] + REWRITES[match.group(1).lower()](inner))
        position = close + 1
    return "".join(out) + sql[position:]


def closing_paren(sql: str, opening: int) -> int:
    """Return the index of the parenthesis closing the one at ``opening`` (string literals skipped)."""
    for index, char, depth in unquoted_chars(sql, opening):
        if char == ")" and depth == 0:
            return index
    raise UntranslatableSql(f"unbalanced parentheses after: {sql[opening:opening + 60]!r}")


def split_difference(expression: str) -> tuple[str, str | None]:
    """Return (a, b) when ``expression`` is ``a - b`` at its top level (the last such minus), else (expression, None)."""
    last = None
    for index, char, depth in unquoted_chars(expression):
        if depth == 0 and char == "-" and expression[index - 1:index + 2] == " - ":
            last = index
    if last is None:
        return expression, None
    return expression[:last].strip(), expression[last + 1:].strip()
