"""Reading SQL conditions from the catalog as conjunctions, to find a family's split column.

Only the shape ``a AND b AND (c AND d)`` is taken apart; anything with a top-level OR, or
that is not understood, stays one opaque conjunct, so a split never changes the meaning.
"""

from __future__ import annotations

import re

_EQUALITY = re.compile(r"^([a-z_]+)\s*=\s*(?:'([^']*)'|(-?\d+))$", re.I)
_AND = re.compile(r"\s+AND\s+", re.I)
_OR = re.compile(r"\bOR\b", re.I)
# Preferred split columns, most selective first: their values become the long form's groups.
SPLIT_PREFERENCE = ("category_code", "metric", "kind", "category_domain", "channel", "handling_level")


def unquoted_chars(text: str, start: int = 0):
    """Yield (index, char, depth) for each character of SQL text outside string literals, from ``start``;
    ``depth`` is the parenthesis depth after the character (a closing parenthesis counts as closed)."""
    depth, quoted = 0, False
    for index in range(start, len(text)):
        char = text[index]
        if char == "'":
            quoted = not quoted
            continue
        if quoted:
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        yield index, char, depth


def _top_level_parts(expr: str, separator: re.Pattern) -> list[str]:
    """Return expr split at separator matches outside quotes and parentheses."""
    parts, last = [], 0
    for match_start, char, depth in unquoted_chars(expr):
        if depth == 0 and char not in "()" and match_start >= last:
            found = separator.match(expr, match_start)
            if found and (match_start == 0 or char.isspace()):
                parts.append(expr[last:match_start])
                last = found.end()
    parts.append(expr[last:])
    return [p.strip() for p in parts if p.strip()]


def _unwrap(expr: str) -> str:
    """Remove parentheses that wrap the whole expression."""
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")") and len(_top_level_parts(expr[1:-1], _AND)) >= 1 \
            and _balanced_inside(expr):
        expr = expr[1:-1].strip()
    return expr


def _balanced_inside(expr: str) -> bool:
    depth = 0
    for position, char in enumerate(expr):
        depth += (char == "(") - (char == ")")
        if depth == 0 and position < len(expr) - 1:
            return False
    return True


def conjuncts(expr: str) -> list[str]:
    """Return the AND-ed parts of a condition (flattening nested conjunctions)."""
    expr = _unwrap(expr)
    if len(_top_level_parts(expr, re.compile(r"\s+OR\s+", re.I))) > 1:
        return [expr]
    parts = _top_level_parts(expr, _AND)
    if len(parts) == 1:
        return parts
    return [piece for part in parts for piece in conjuncts(part)]


def equality(part: str) -> tuple[str, str, bool] | None:
    """Return (column, value, numeric) when a conjunct is ``column = 'v'`` or ``column = 3``."""
    match = _EQUALITY.match(_unwrap(part))
    if not match:
        return None
    numeric = match.group(3) is not None
    return match.group(1), match.group(3) if numeric else match.group(2), numeric


def split_condition(expr: str) -> tuple[str, str, bool, str] | None:
    """Return (column, value, numeric, rest) splitting off the preferred equality, else None."""
    if expr.count("'") % 2 or re.search(r"\bBETWEEN\b", expr, re.I):
        return None          # BETWEEN's own AND is not a conjunction
    parts = conjuncts(expr)
    found = {eq[0]: (i, eq) for i, part in enumerate(parts) if (eq := equality(part)) is not None}
    for column in SPLIT_PREFERENCE:
        if column in found:
            index, (_, value, numeric) = found[column]
            rest = [p for i, p in enumerate(parts) if i != index]
            return column, value, numeric, " AND ".join(f"({p})" for p in rest) if rest else "true"
    return None
