"""Soak the wall screen: keep /screen refreshing every second for N minutes and record the browser's
JS heap and the server's RSS over time, then report the trend.

    python bench/soak_screen.py [--minutes 30] [--refresh 1] [--rotate 20] [--sample 30] [--db PATH] [--at TIME]

Without --db it builds the tiny demo city in a temporary folder. The server runs live (the demo
simulator moves cases and readings, the indicators refresh every minute) unless --at freezes it.
The heap is read after a forced garbage collection (CDP HeapProfiler.collectGarbage, then
Performance.getMetrics JSHeapUsedSize), so the figure is what the page keeps, not garbage not yet
collected. The trend is a least-squares slope over the samples after the warm-up.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, TEST_ADMIN, _wait_until_up, add_user, free_port  # noqa: E402


def rss_mb(pid: int) -> float:
    """Return a process's resident set size in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Return the least-squares slope of (seconds, value) points, per hour."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_t = sum(p[0] for p in points) / n
    mean_v = sum(p[1] for p in points) / n
    var = sum((p[0] - mean_t) ** 2 for p in points)
    return 0.0 if not var else sum((p[0] - mean_t) * (p[1] - mean_v) for p in points) / var * 3600


def prepare_db(args, workdir: Path) -> Path:
    """Return the database the server will own: a copy of --db, or a freshly built tiny city."""
    target = workdir / "soak.duckdb"
    if args.db:
        shutil.copy(args.db, target)
    else:
        subprocess.run([sys.executable, "cli.py", "demo", "--scale", "tiny", "--quiet", "--db", str(target)],
                       cwd=ROOT, check=True)
    add_user(target, *TEST_ADMIN, "admin")
    return target


def start_server(db_path: Path, at: str | None) -> tuple[subprocess.Popen, str]:
    """Start app.py on a free port; return the process and its URL once it answers."""
    port = free_port()
    log_path = db_path.with_suffix(".server.log")
    extra = ["--at", at] if at else []
    proc = subprocess.Popen([sys.executable, "app.py", "--db", str(db_path), "--port", str(port), *extra], cwd=ROOT,
                            stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    _wait_until_up(url, proc, 600, log_path)
    return proc, url


def soak(args) -> dict:
    """Run the soak and return its samples and summary."""
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="soak-screen-"))
    db_path = prepare_db(args, workdir)
    proc, url = start_server(db_path, args.at)
    samples, counters = [], {"updates": 0, "update_bytes": 0, "errors": []}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.on("console", lambda m: m.type == "error" and counters["errors"].append(m.text))
            page.on("pageerror", lambda exc: counters["errors"].append(str(exc)))
            page.on("response", lambda r: _count(r, counters))
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(f"{url}/login?next=/")
            page.fill("#username", TEST_ADMIN[0])
            page.fill("#password", TEST_ADMIN[1])
            page.click("#login-submit")
            page.wait_for_url(f"{url}/")
            page.goto(f"{url}/screen?refresh={args.refresh}&rotate={args.rotate}")
            page.wait_for_selector("#screen-map .maplibregl-canvas", timeout=120_000)
            start = time.monotonic()
            while True:
                elapsed = time.monotonic() - start
                cdp.send("HeapProfiler.collectGarbage")
                metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                sample = {"t_s": round(elapsed), "heap_mb": round(metrics["JSHeapUsedSize"] / 2**20, 2),
                          "dom_nodes": int(metrics.get("Nodes", 0)), "server_rss_mb": round(rss_mb(proc.pid), 1),
                          "updates": counters["updates"]}
                samples.append(sample)
                print(json.dumps(sample), flush=True)
                if elapsed >= args.minutes * 60:
                    break
                page.wait_for_timeout(args.sample * 1000)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    return summarise(samples, counters, args)


def _count(response, counters: dict) -> None:
    if "/_dash-update-component" in response.url:
        counters["updates"] += 1
        length = response.headers.get("content-length")
        counters["update_bytes"] += int(length) if length else 0


def summarise(samples: list[dict], counters: dict, args) -> dict:
    """Return the trend of heap and RSS after the warm-up, and the first and last values."""
    warm = [s for s in samples if s["t_s"] >= args.warmup * 60] or samples
    summary = {"minutes": args.minutes, "refresh_s": args.refresh, "rotate_s": args.rotate,
               "samples": len(samples), "callback_responses": counters["updates"],
               "page_errors": len(counters["errors"]), "first_errors": counters["errors"][:3], "machine": f"{platform.node()} {platform.machine()}"}
    for key in ("heap_mb", "server_rss_mb", "dom_nodes"):
        values = [s[key] for s in warm]
        summary[key] = {"first": values[0], "last": values[-1], "min": min(values), "max": max(values),
                        "slope_per_hour": round(slope_per_hour([(s["t_s"], s[key]) for s in warm]), 2)}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--refresh", type=float, default=1, help="the screen's refresh period, seconds")
    parser.add_argument("--rotate", type=float, default=20, help="scene rotation period, seconds (0 = none)")
    parser.add_argument("--sample", type=float, default=30, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=3, help="minutes left out of the trend")
    parser.add_argument("--db", default=None, help="a city to copy (default: build the tiny demo city)")
    parser.add_argument("--at", default=None, help="freeze the server's clock at this instant (default: live)")
    summary = soak(parser.parse_args(argv))
    print("SUMMARY " + json.dumps(summary, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
