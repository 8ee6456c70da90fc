"""Every benchmark script still starts (its imports resolve, it prints its usage), and those that
drive the product's own code measure the tiny city and print figures.

The benches are run by hand, not by the suite, so a moved module or a changed signature would
otherwise break them unnoticed until someone measures."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.compare_commits import figures_of

BENCH = Path(__file__).resolve().parent.parent / "bench"


SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if 'if __name__ == "__main__"' in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_script_prints_its_usage(script):
    done = subprocess.run([sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True,
                          timeout=120, cwd=BENCH.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage" in done.stdout.lower()


SMOKE_RUNS = {       # the benchmarks that drive the product's own code, run briefly on the tiny city
    "bench_indicators.py": ["--repeat", "1", "--naive-sample", "1"],
    "bench_screen.py": ["--runs", "2"],
    "bench_walls.py": ["--seconds", "2"],
    "bench_panel.py": ["--panels", "3"],
    "bench_endpoints.py": ["--rounds", "1"],
    "bench_map.py": ["--repeat", "1", "--skip-browser", "--skip-load"],
    "bench_unit_search.py": ["--repeat", "1"],
    "bench_brief_page.py": ["--at", "2026-11-20T15:30:00", "--periods", "2026-11-19", "--readers", "2"],
    "bench_orders_list.py": ["--repeat", "2"],
}


@pytest.mark.parametrize("script", sorted(SMOKE_RUNS))
def test_bench_script_measures_the_tiny_city(script, tiny_db_path, tmp_path):
    copy = tmp_path / "city.duckdb"
    shutil.copy(tiny_db_path, copy)
    done = subprocess.run([sys.executable, str(BENCH / script), "--db", str(copy), *SMOKE_RUNS[script]],
                          capture_output=True, text=True, timeout=600, cwd=BENCH.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    assert figures_of(done.stdout), done.stdout[-2000:]
