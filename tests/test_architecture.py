"""The direction of imports: every arrow between the project's packages points one way.

    callbacks → layouts → queries → indicators → data
    api → access → data;  queries → access (read models mask personal data)

A package may import any package further down its line (layouts use the level hierarchy of data),
never one above it or beside it unless listed.

The allowed targets of each package are declared once, in ALLOWED; an import of a package not
listed there fails, naming the file, the line and the arrow. Only the demo builder, its simulator,
the server and the CLI may import the demo city (data.demo), and nothing below the pages imports
Dash or Plotly. The imports are read with ``ast`` from the source files, so nothing is executed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "cli", "api", "callbacks", "layouts", "reporting", "queries", "access", "indicators",
            "scaleout", "data")
# package → the project packages it may import (besides itself)
ALLOWED: dict[str, frozenset[str]] = {
    "app": frozenset(PACKAGES),
    "cli": frozenset(PACKAGES),
    "api": frozenset({"access", "reporting", "layouts", "data"}),
    "callbacks": frozenset({"layouts", "queries", "reporting", "access", "indicators", "data"}),
    "layouts": frozenset({"queries", "reporting", "indicators", "data"}),
    "reporting": frozenset({"queries", "indicators", "data"}),
    "queries": frozenset({"access", "indicators", "data"}),
    "access": frozenset({"data"}),
    "scaleout": frozenset({"indicators", "data"}),
    "indicators": frozenset({"data"}),
    "data": frozenset(),
}
# module → the packages that may import it although their rule does not list its package
SHARED_LEAVES: dict[str, frozenset[str]] = {
    "layouts.theme": frozenset({"reporting"}),       # the palette: the printed brief draws in the product's colours
}
DEMO = "data.demo"
DEMO_IMPORTERS = ("app", "cli", "data.demo")
NO_WEB = ("data", "indicators", "queries", "access", "scaleout", "reporting")   # no Dash, no Plotly below the pages
WEB_LIBRARIES = ("dash", "plotly")


@dataclass(frozen=True)
class Arrow:
    """One import: the importing module, its line, and the module it names."""

    source: str
    line: int
    target: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def module_name(path: Path, root: Path) -> str:
    """Return the dotted module name of a source file under ``root``."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path) -> list[Arrow]:
    """Return every absolute import in a file as arrows (``from a import b`` names ``a.b``)."""
    source = module_name(path, root)
    arrows = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            arrows += [Arrow(source, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            arrows += [Arrow(source, node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return arrows


def source_files(root: Path) -> list[Path]:
    """Return the product's Python files: the packages and the two entry points, not tests or benches."""
    files = [path for path in (root / "app.py", root / "cli.py") if path.exists()]
    for package in PACKAGES:
        if (root / package).is_dir():
            files += sorted((root / package).rglob("*.py"))
    return files


def package_of(module: str) -> str | None:
    """Return the project package a dotted module belongs to, or None for a library."""
    top = module.split(".")[0]
    return top if top in PACKAGES else None


def violations(arrows: list[Arrow]) -> list[str]:
    """Return one line per arrow against the declared direction."""
    found = []
    for arrow in arrows:
        source, target = package_of(arrow.source), package_of(arrow.target)
        if target is not None and target != source and target not in ALLOWED[source] \
                and source not in _leaf_importers(arrow.target):
            found.append(f"{arrow}: {source} may not import {target}")
        if _names(arrow.target, DEMO) and not any(_names(arrow.source, m) for m in DEMO_IMPORTERS):
            found.append(f"{arrow}: only {', '.join(DEMO_IMPORTERS)} import the demo city")
        if source in NO_WEB and arrow.target.split(".")[0] in WEB_LIBRARIES:
            found.append(f"{arrow}: {source} does not import {arrow.target.split('.')[0]}")
    return found


def _leaf_importers(target: str) -> frozenset[str]:
    return next((who for leaf, who in SHARED_LEAVES.items() if _names(target, leaf)), frozenset())


def _names(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def tree_violations(root: Path) -> list[str]:
    """Return the violations of every source file under ``root``."""
    return violations([arrow for path in source_files(root) for arrow in imports_of(path, root)])


def test_every_import_points_the_declared_way():
    assert tree_violations(ROOT) == []


@pytest.mark.parametrize("source, target", [
    ("data.db", "indicators.engine"),                 # the store reaching up to the indicators
    ("indicators.windows", "data.demo.clock"),        # production code using the demo city
    ("api.guard", "callbacks.shell"),                 # the HTTP door depending on a page
    ("queries.screen", "callbacks.context"),          # a read model reaching up to the callbacks
    ("access.roles", "layouts.pages"),                # access control depending on the layouts
    ("indicators.engine", "dash.Dash"),               # Dash below the pages
    ("reporting.view", "layouts.summary"),            # reporting may import the palette, no other layout
])
def test_an_arrow_against_the_direction_fails(source, target):
    assert violations([Arrow(source, 1, target)]) != []


@pytest.mark.parametrize("source, target", [
    ("callbacks.screen", "queries.screen"), ("queries.screen", "indicators.aqi"), ("indicators.engine", "data.db"),
    ("api.guard", "access.roles"), ("access.accounts", "data.clock"), ("data.demo.build", "data.db"),
    ("app", "data.demo.build"), ("layouts.screen", "plotly.graph_objects"), ("reporting.charts", "layouts.theme"),
])
def test_an_arrow_with_the_direction_passes(source, target):
    assert violations([Arrow(source, 1, target)]) == []


def test_shared_leaves_import_nothing_of_the_project():
    for leaf in SHARED_LEAVES:
        path = ROOT / (leaf.replace(".", "/") + ".py")
        assert [a for a in imports_of(path, ROOT) if package_of(a.target)] == []


def test_an_added_file_against_the_direction_is_found(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "store.py").write_text("from indicators.engine import Engine\n")
    assert tree_violations(tmp_path) == ["data.store:1 imports indicators.engine.Engine: data may not import indicators"]
