"""Check that the requirements files pin exactly what the code imports.

    python scripts/check_requirements.py

Reads every import of the product (app.py, cli.py and its packages) and of the tests, benches and
scripts with ``ast``, maps each third-party module to its distribution, and fails (exit 1, one line
per problem) when:

- a product import is not pinned in requirements.txt (or requirements-spark.txt, the optional
  Spark path); a test/bench import not in requirements-dev.txt and what it includes;
- a pin is not ``name==version``;
- a pin is imported nowhere and its line carries no comment saying what uses it (an engine that
  pandas or geopandas loads by name, say).

The offline bundle (scripts/bundle.sh) downloads exactly these pins, so an unpinned import would be
missing on a machine with no network.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT_FILES = ("app.py", "cli.py")
PRODUCT_PACKAGES = ("api", "access", "callbacks", "layouts", "queries", "reporting", "indicators", "scaleout", "data")
DEV_DIRS = ("tests", "bench", "scripts")
PRODUCT_REQUIREMENTS = ("requirements.txt", "requirements-spark.txt")
DEV_REQUIREMENTS = "requirements-dev.txt"
_PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([A-Za-z0-9_.+\-]+)$")


def python_files(names: tuple[str, ...]) -> list[Path]:
    """Return the .py files of the given top-level files and folders."""
    files = []
    for name in names:
        path = ROOT / name
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def imported_modules(files: list[Path]) -> dict[str, str]:
    """Return top-level module → first file:line importing it, for absolute imports."""
    found: dict[str, str] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def local_names() -> set[str]:
    """Return the names of the repository's own modules and packages."""
    return {p.stem for p in ROOT.glob("*.py")} | {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}


def third_party(modules: dict[str, str]) -> dict[str, str]:
    """Keep the modules neither in the standard library nor the repository's own."""
    skip = set(sys.stdlib_module_names) | local_names() | {"__future__"}
    return {m: where for m, where in modules.items() if m not in skip}


def canonical(name: str) -> str:
    """Return a distribution name in PEP 503 normal form."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_requirements(name: str, seen: set[str] | None = None) -> dict[str, tuple[str, str]]:
    """Return canonical name → (line, comment) of a requirements file and the files it includes."""
    seen = set() if seen is None else seen
    if name in seen:
        return {}
    seen.add(name)
    pins: dict[str, tuple[str, str]] = {}
    for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line, _, comment = raw.partition("#")
        line = line.strip()
        if line.startswith("-r "):
            pins.update(read_requirements(line[3:].strip(), seen))
        elif line:
            pins[canonical(re.split(r"[=<>!~\[ ]", line)[0])] = (line, comment.strip())
    return pins


def distributions_of(module: str, mapping: dict[str, list[str]]) -> list[str]:
    """Return the canonical distributions providing ``module`` (installed ones; else the module's name)."""
    return [canonical(d) for d in mapping.get(module, [module])]


def problems() -> list[str]:
    """Return every mismatch between the imports and the pins."""
    mapping = metadata.packages_distributions()
    product_pins = {k: v for f in PRODUCT_REQUIREMENTS for k, v in read_requirements(f).items()}
    dev_pins = read_requirements(DEV_REQUIREMENTS)
    found, used = [], set()
    for files, pins, where in ((python_files(PRODUCT_FILES + PRODUCT_PACKAGES), product_pins, "requirements.txt"),
                               (python_files(DEV_DIRS), dev_pins, DEV_REQUIREMENTS)):
        for module, first in sorted(third_party(imported_modules(files)).items()):
            dists = distributions_of(module, mapping)
            used.update(dists)
            if not any(d in pins for d in dists):
                found.append(f"{first} imports {module} ({'/'.join(dists)}), not pinned in {where}")
    for name in (*PRODUCT_REQUIREMENTS, DEV_REQUIREMENTS):
        for dist, (line, comment) in read_requirements(name, {n for n in (*PRODUCT_REQUIREMENTS, DEV_REQUIREMENTS)
                                                              if n != name}).items():
            if not _PIN.match(line.replace(" ", "")):
                found.append(f"{name}: {line!r} is not pinned exactly (name==version)")
            if dist not in used and not comment:
                found.append(f"{name}: {line} is imported nowhere; remove it or say in a comment what uses it")
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    print(f"requirements: {'OK' if not found else f'{len(found)} problem(s)'}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
