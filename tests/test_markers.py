"""Every test module that drives Chromium is marked ``browser``: scripts/test.sh runs those in their
own pytest run after the fast suite, so an unmarked one would slow the fast suite down."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
BROWSER_HELPERS = ("tests.browser", "playwright")


def drives_a_browser(tree: ast.Module) -> bool:
    """Return True when a module imports the browser helpers or Playwright."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(BROWSER_HELPERS):
            return True
        if isinstance(node, ast.Import) and any(a.name.startswith(BROWSER_HELPERS) for a in node.names):
            return True
    return False


def marked_browser(tree: ast.Module) -> bool:
    """Return True when the module sets ``pytestmark`` to (a list holding) ``pytest.mark.browser``."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytestmark" for t in node.targets):
            return "pytest.mark.browser" in ast.unparse(node.value)
    return False


def test_browser_modules_carry_the_browser_mark():
    unmarked = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if drives_a_browser(tree) and not marked_browser(tree):
            unmarked.append(str(path.relative_to(TESTS)))
    assert unmarked == []


def test_an_unmarked_browser_module_is_found():
    tree = ast.parse("from tests.browser import open_page\n\ndef test_page():\n    pass\n")
    assert drives_a_browser(tree) and not marked_browser(tree)
