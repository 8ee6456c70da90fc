"""Where the browser's time goes on /map: a first view and a drill step profiled in Chromium.

    python bench/profile_map_browser.py --db /tmp/map.duckdb [--at 2026-11-20T15:30:00] [--rounds 2]

The database is copied first. For each round: the main thread's JavaScript CPU profile (DevTools
Profiler, 1 ms samples) summed by script, and a Chrome trace of the drill step summed by thread and
by event (layout, commits, WebGL read-backs …), with the count of the page's Dash components.
Prints JSON; figures, not a verdict. bench/bench_map.py times the same steps without the profilers.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_map import INDICATOR, PROJECT_JS, USER, wait_drawn  # noqa: E402
from data import db  # noqa: E402

TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "blink", "gpu", "cc", "toplevel"]
TASKS = ("RunTask", "ThreadControllerImpl::RunTask")
COMPONENTS_JS = "() => document.querySelectorAll('#_pages_content *').length"


def by_script(profile: dict, top: int = 8) -> dict:
    """Return the sampled milliseconds of a DevTools CPU profile by script file (native work as "(program)")."""
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    spent = collections.Counter()
    for node, delta_us in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[node]
        spent[frame["url"].rsplit("/", 1)[-1].split("?")[0][:40] or frame["functionName"] or "(native)"] += delta_us / 1000
    return {name: round(ms) for name, ms in spent.most_common(top)}


def trace_summary(path: Path, top: int = 12) -> dict:
    """Return a Chrome trace's busy milliseconds by thread and the main thread's by event name."""
    events = json.loads(path.read_text())["traceEvents"]
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    busy, main = collections.Counter(), collections.Counter()
    for e in events:
        if e.get("ph") != "X":
            continue
        thread = threads.get((e["pid"], e["tid"]), "?")
        if e["name"] in TASKS:
            busy[thread] += e.get("dur", 0) / 1000
        elif thread == "CrRendererMain":
            main[e["name"]] += e.get("dur", 0) / 1000
    read_backs = [e for e in events if e.get("name") == "GLES2::ReadPixels" and e.get("ph") == "X"]
    return {"busy_ms_by_thread": {k: round(v) for k, v in busy.most_common(6)},
            "main_thread_ms_by_event": {k: round(v) for k, v in main.most_common(top)},
            "webgl_read_backs": len(read_backs), "read_back_ms": round(sum(e["dur"] for e in read_backs) / 1000)}


def profile_rounds(url: str, district: tuple[str, float, float], rounds: int, folder: Path) -> list[dict]:
    """Profile ``rounds`` first views of /map and drill steps into the largest district."""
    from tests.browser import chromium_page, sign_in

    report = []
    with chromium_page() as (page, _watch):
        sign_in(page, url, user=USER[:2], next_path="/")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 1000})
        for n in range(rounds):
            cdp.send("Profiler.start")
            started = time.perf_counter()
            page.goto(f"{url}/map?indicator={INDICATOR}")
            wait_drawn(page, "district")
            first = {"seconds": round(time.perf_counter() - started, 2), "script_ms": by_script(cdp.send("Profiler.stop")["profile"]),
                     "dom_elements": page.evaluate(COMPONENTS_JS)}
            x, y = page.evaluate(PROJECT_JS, [district[1], district[2]])
            trace = folder / f"drill{n}.json"
            page.context.browser.start_tracing(page=page, path=str(trace), categories=TRACE_CATEGORIES)
            cdp.send("Profiler.start")
            started = time.perf_counter()
            page.mouse.click(x, y)
            wait_drawn(page, "street")
            drill = {"seconds": round(time.perf_counter() - started, 2), "script_ms": by_script(cdp.send("Profiler.stop")["profile"])}
            page.context.browser.stop_tracing()
            report.append({"first_view": first, "drill": {**drill, **trace_summary(trace)}})
            page.goto(f"{url}/")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--at", default="2026-11-20T15:30:00")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    from tests.browser import running_server

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "map.duckdb"
        shutil.copy(args.db, path)
        con = db.open_store(path)              # the copy: upgraded to this program's schema if older
        district = con.execute("SELECT code, centroid_lon, centroid_lat FROM admin_units WHERE level = 'district' "
                               "ORDER BY area_km2 DESC LIMIT 1").fetchone()
        con.close()
        with running_server(path, "--at", args.at, timeout_s=600, users=(USER,)) as url:
            print(json.dumps(profile_rounds(url, district, args.rounds, Path(folder)), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
