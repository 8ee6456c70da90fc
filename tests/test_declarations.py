"""Facts the whole product shares are declared once: the level hierarchy in data/levels.py, the
severity order in indicators/model.py (SEVERITIES, severity_rank), the time helpers in
data/clock.py, the colours in layouts/theme.py. A copy elsewhere (a tuple of the levels, a dict
ranking severities, a SQL CASE ranking them, another UTC conversion, an inline colour) fails here,
naming where it is. The AQI categories' colours are part of HJ 633 and stay with the standard."""

from __future__ import annotations

import ast
import re

import duckdb
import pytest

from data.levels import LEVELS
from indicators.model import SEVERITIES, severity_rank
from tests.test_architecture import ROOT, module_name, source_files

HOMES = {"levels": ("data.levels",), "severities": ("indicators.model",), "utc": ("data.clock",),
         "colours": ("layouts.theme", "indicators.aqi")}
COLOUR = re.compile(r"^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|rgba?\(.*\))$")


def copies_in(tree: ast.Module) -> list[tuple[int, str]]:
    """Return (line, fact) for each literal copy of a shared fact in a module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple) and _strings(node.elts) == LEVELS:
            found.append((node.lineno, "levels"))
        elif isinstance(node, ast.Dict) and set(_strings(node.keys) or ()) >= {"blue", "red"} \
                and all(isinstance(v, ast.Constant) and isinstance(v.value, int) for v in node.values):
            found.append((node.lineno, "severities"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and COLOUR.match(node.value):
            found.append((node.lineno, "colours"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "WHEN 'red'" in node.value:
            found.append((node.lineno, "severities"))
        elif isinstance(node, ast.Call) and ast.unparse(node.func) == "datetime.fromtimestamp" \
                and "timezone.utc" in ast.unparse(node):
            found.append((node.lineno, "utc"))
    return found


def _strings(nodes) -> tuple | None:
    values = tuple(n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str))
    return values if len(values) == len(nodes) else None


def test_shared_facts_are_declared_once():
    copies = []
    for path in source_files(ROOT):
        module = module_name(path, ROOT)
        for line, fact in copies_in(ast.parse(path.read_text(encoding="utf-8"))):
            if module not in HOMES[fact]:
                copies.append(f"{module}:{line} repeats the {fact} (declared in {HOMES[fact][0]})")
    assert copies == []


@pytest.mark.parametrize("source, fact", [
    ('LEVELS = ("city", "district", "street", "community", "grid")', "levels"),
    ('RANK = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}', "severities"),
    ('SQL = "ORDER BY CASE severity WHEN \'red\' THEN 0 ELSE 1 END"', "severities"),
    ("def _utc(s):\n    return datetime.fromtimestamp(s, timezone.utc)", "utc"),
    ('BORDER = "#dfe3e8"', "colours"),
    ('fig.update_layout(paper_bgcolor="rgba(5,13,31,0.6)")', "colours"),
])
def test_a_copy_is_found(source, fact):
    assert [f for _, f in copies_in(ast.parse(source))] == [fact]


def test_sql_ranks_severities_as_python_does():
    con = duckdb.connect()
    for severity in (*SEVERITIES, None, "normal"):
        sql_rank = con.execute("SELECT coalesce(list_position(?, ?), 0)", [list(SEVERITIES), severity]).fetchone()[0]
        assert sql_rank == severity_rank(severity)
    assert [severity_rank(s) for s in SEVERITIES] == [1, 2, 3, 4]
