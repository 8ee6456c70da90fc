"""Run one benchmark on two commits in turn (A B A B …) and print each figure's medians and ratio.

    python bench/compare_commits.py --old HEAD~1 --new HEAD --rounds 3 -- \\
        bench/bench_indicators.py --db var/city.duckdb --repeat 3 --naive-sample 5

On a shared, noisy machine a figure measured on two commits an hour apart says little; measured
in alternation in one run, the ratio of each pair holds even while the machine's speed drifts.
Each commit is checked out into its own temporary worktree (the benchmark script of that commit
runs its own code); every ``--db PATH`` argument is copied afresh for each run and upgraded to
that commit's schema, so a commit that migrates the store cannot change what the other reads.
The numbers of each JSON object the benchmark prints are collected by their dotted key; a figure
is reported with the median of each commit's runs and the median of the per-round ratios new/old
(below 1: the new commit is faster).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine  # noqa: E402


def flatten(value, prefix: str = "") -> dict[str, float]:
    """Return the numbers of a JSON value by dotted key (lists of numbers by their median)."""
    if isinstance(value, bool):
        return {}
    if isinstance(value, (int, float)):
        return {prefix: float(value)}
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}.{key}" if prefix else key).items()}
    if isinstance(value, list) and value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return {prefix: float(statistics.median(value))}
    return {}


def figures_of(output: str) -> dict[str, float]:
    """Return the numbers of every JSON object printed on its own line (or as one indented document)."""
    found: dict[str, float] = {}
    decoder = json.JSONDecoder()
    text, at = output, 0
    while (start := text.find("{", at)) != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            at = start + 1
            continue
        found.update(flatten(value))
        at = end
    return found


def add_worktree(revision: str, into: Path) -> Path:
    """Check ``revision`` out into a detached worktree under ``into``; return its path."""
    path = into / revision.replace("/", "_").replace("~", "-").replace("^", "-")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--force", str(path), revision],
                   check=True, capture_output=True)
    return path


def with_fresh_copies(tree: Path, command: list[str], scratch: Path, run: int) -> list[str]:
    """Return the command with each ``--db PATH`` replaced by a fresh copy of that file, upgraded to
    the schema of the worktree's commit (a benchmark may open its store read-only)."""
    out, copy_next = [], False
    for arg in command:
        if copy_next:
            copy = scratch / f"run{run}-{Path(arg).name}"
            shutil.copy(arg, copy)
            subprocess.run([sys.executable, "cli.py", "migrate", "--db", str(copy)], cwd=tree, check=True,
                           capture_output=True)
            arg, copy_next = str(copy), False
        elif arg == "--db":
            copy_next = True
        out.append(arg)
    return out


def run_once(tree: Path, command: list[str], scratch: Path, run: int) -> dict[str, float]:
    """Run the benchmark script of one worktree; return its figures."""
    script, *args = command
    done = subprocess.run([sys.executable, str(tree / script), *with_fresh_copies(tree, args, scratch, run)],
                          cwd=tree, capture_output=True, text=True)
    for path in scratch.glob(f"run{run}-*"):
        path.unlink()
    if done.returncode != 0:
        raise SystemExit(f"{tree.name}: {script} failed:\n{done.stderr[-3000:]}")
    return figures_of(done.stdout)


def compare(old: list[dict[str, float]], new: list[dict[str, float]]) -> list[dict]:
    """Return, per figure both commits printed, the medians and the median ratio new/old."""
    keys = [k for k in old[0] if all(k in run for run in old + new)]
    rows = []
    for key in keys:
        ratios = [n[key] / o[key] for o, n in zip(old, new) if o[key]]
        rows.append({"figure": key, "old": statistics.median(r[key] for r in old),
                     "new": statistics.median(r[key] for r in new),
                     "ratio_new_over_old": round(statistics.median(ratios), 3) if ratios else None,
                     "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)] if ratios else None})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the earlier commit (any git revision)")
    parser.add_argument("--new", default="HEAD", help="the later commit (default HEAD)")
    parser.add_argument("--rounds", type=int, default=3, help="pairs of runs, old then new")
    parser.add_argument("--script-from", choices=("own", "new"), default="own",
                        help="run each commit's own benchmark script (default), or the new commit's on both "
                             "(to measure the old commit on figures its script did not print yet)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- SCRIPT ARGS: a bench script and its arguments")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the benchmark after --, e.g. -- bench/bench_screen.py --db var/city.duckdb")
    scratch = Path(tempfile.mkdtemp(prefix="compare-commits-"))
    trees = {}
    try:
        trees = {side: add_worktree(rev, scratch) for side, rev in (("old", args.old), ("new", args.new))}
        if args.script_from == "new":
            shutil.copy(trees["new"] / command[0], trees["old"] / command[0])
        runs: dict[str, list] = {"old": [], "new": []}
        for round_no in range(args.rounds):
            for side in ("old", "new"):
                runs[side].append(run_once(trees[side], command, scratch, round_no))
                print(f"round {round_no + 1}/{args.rounds}: {side} done", file=sys.stderr, flush=True)
        print(json.dumps({"machine": machine(), "old": args.old, "new": args.new, "rounds": args.rounds,
                          "command": command, "figures": compare(runs["old"], runs["new"])}, indent=1))
    finally:
        for tree in trees.values():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
