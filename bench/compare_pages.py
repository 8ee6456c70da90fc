"""Open every page on two commits and compare what the server sent, property by property.

    python bench/compare_pages.py --old HEAD~1 --new HEAD --db var/city.duckdb --at 2026-11-20T15:30

A refactoring that should change nothing a user sees is checked here end to end: each commit's
own server (``app.py``, from a temporary worktree of that commit) serves a fresh copy of the same
store frozen at ``--at``; real Chromium signs in and opens each page of PAGES; every Dash callback
response is recorded. For each page, component and property, the set of distinct values sent must
be equal on both commits (intervals fire a varying number of times, so sets, not sequences, are
compared). Two things are left out of the comparison because they vary between runs of the same
commit: alert ids (the evaluator assigns them in its insertion order) and the wall's digests of
its panels (the panels themselves are compared). Prints a JSON report; exits 1 when a property
differs.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine  # noqa: E402
from bench.compare_commits import add_worktree  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

PAGES = ("/", "/?lang=en", "/screen", "/map", "/map?indicator=hotline.intake.count.today&level=street", "/events",
         "/alerts", "/indicators", "/summary")
ADMIN = ("compare-admin", "Compare-pages-pass-1")
SETTLE_MS = 4000
VARYING = ((re.compile(r"(alert-row-|screen-alert-)\d+"), r"\1#"),
           (re.compile(r'"index": \d+, "type": "alerts-open"'), '"index": #, "type": "alerts-open"'))
IGNORED = {"screen-sent"}


def serve(tree: Path, db_copy: Path, at: str, log: Path) -> tuple[subprocess.Popen, str]:
    """Create the comparing account and start ``tree``'s server on ``db_copy``; return it and its URL."""
    subprocess.run([sys.executable, "cli.py", "users", "add", ADMIN[0], "--role", "admin", "--password-stdin",
                    "--db", str(db_copy)], cwd=tree, input=ADMIN[1] + "\n", text=True, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", "--db", str(db_copy), "--port", str(port), "--at", at,
                             "--no-simulator"], cwd=tree, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/login", timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"{tree.name}: the server stopped; see {log}")
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"{tree.name}: the server did not answer; see {log}")


def record_pages(url: str) -> dict[str, list[str]]:
    """Sign in, open every page and return the bodies of its callback responses."""
    from playwright.sync_api import sync_playwright

    recorded: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{url}/login?next=/")
        page.fill("#username", ADMIN[0])
        page.fill("#password", ADMIN[1])
        page.click("#login-submit")
        page.wait_for_load_state("networkidle")
        for path in PAGES:
            bodies: list[str] = []
            listener = functools.partial(keep_callback_body, bodies)
            page.on("response", listener)
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(SETTLE_MS)
            page.remove_listener("response", listener)
            recorded[path] = bodies
        browser.close()
    return recorded


def keep_callback_body(bodies: list[str], response) -> None:
    """Keep the body of a Dash callback response (one the next page's load cut off has none)."""
    from playwright.sync_api import Error

    if "_dash-update-component" in response.url:
        try:
            bodies.append(response.text())
        except Error:
            pass


def sent_values(bodies: list[str]) -> dict[tuple[str, str], set[str]]:
    """Return, per (component, property), the distinct values the responses sent."""
    values: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for body in bodies:
        try:
            response = json.loads(body).get("response") or {}
        except ValueError:
            continue
        for component, props in response.items():
            if component in IGNORED:
                continue
            for prop, value in props.items():
                text = json.dumps(value, sort_keys=True, ensure_ascii=False)
                for pattern, replacement in VARYING:
                    text = pattern.sub(replacement, text)
                values[(component, prop)].add(text)
    return values


def compare(old: dict[str, list[str]], new: dict[str, list[str]]) -> dict:
    """Return the properties compared, those that differ and those sent by one commit only."""
    report = {"compared": 0, "differ": [], "only_old": [], "only_new": []}
    for path in PAGES:
        before, after = sent_values(old.get(path, [])), sent_values(new.get(path, []))
        for key in sorted(set(before) | set(after)):
            name = f"{path} {key[0]}.{key[1]}"
            if key not in after:
                report["only_old"].append(name)
            elif key not in before:
                report["only_new"].append(name)
            else:
                report["compared"] += 1
                if before[key] != after[key]:
                    report["differ"].append(name)
    return report


def record_commit(revision: str, args, scratch: Path) -> dict[str, list[str]]:
    """Serve a fresh copy of the store with one commit's code and record its pages."""
    tree = add_worktree(revision, scratch)
    copy = scratch / f"{tree.name}.duckdb"
    shutil.copy(args.db, copy)
    proc, url = serve(tree, copy, args.at, scratch / f"{tree.name}.log")
    try:
        print(f"{revision}: recording the pages", file=sys.stderr, flush=True)
        return record_pages(url)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the earlier commit (any git revision)")
    parser.add_argument("--new", default="HEAD", help="the later commit (default HEAD)")
    parser.add_argument("--db", required=True, help="a city store (copied for each commit, never written)")
    parser.add_argument("--at", required=True, help="the instant both servers show (local time of the city)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="compare-pages-"))
    try:
        old, new = (record_commit(rev, args, scratch) for rev in (args.old, args.new))
        report = compare(old, new)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({"machine": machine(), "old": args.old, "new": args.new, "db": args.db, "at": args.at,
                      **report, "identical": not report["differ"]}, ensure_ascii=False, indent=1))
    return 0 if not report["differ"] else 1


if __name__ == "__main__":
    sys.exit(main())
