"""Fault drills: kill the server and the CLI mid-write, stop the server with SIGTERM mid-step, fill the
disk under the CLI and under the running server (bench/drill_server_faults.py), feed broken files.

    python bench/drill_faults.py [--scale tiny] [--kills 5] [--workdir /tmp/drills] [--only NAME]

Each drill works on its own copy of a freshly built demo city, injects one kind of fault, then
reopens the store and runs every consistency check of ``data/integrity.py`` (``cli.py check``)
plus the drill's own checks. It prints one line per drill (PASS/FAIL with figures) and the
machine; ``tests/test_fault_drills.py`` runs the same drills on the tiny city in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data import db, integrity  # noqa: E402
from tests.browser import free_port  # noqa: E402

DRILL_NOW = "2026-11-20T15:30:00"          # city-local instant the drill city is built at
REFRESH_AT = "2026-11-20T15:00:00"         # an hourly snapshot: latest values and history rows


@dataclass
class DrillResult:
    """What one drill found: passed when no problem was seen."""

    name: str
    figures: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        figures = ", ".join(f"{k}={v}" for k, v in self.figures.items())
        return f"{verdict} {self.name:<28} {figures}" + "".join(f"\n     - {p}" for p in self.problems)


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cli.py`` with the arguments; return the finished process (output captured)."""
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True, **kwargs)


def build_city(path: Path, scale: str) -> Path:
    """Build the drill city at ``path`` (once; later drills copy it)."""
    if not path.exists():
        done = cli("demo", "--scale", scale, "--seed", "7", "--now", DRILL_NOW, "--db", str(path), "--quiet")
        if done.returncode != 0:
            raise RuntimeError(f"building the drill city failed: {done.stderr}")
    return path


def fresh_copy(city: Path, workdir: Path, name: str) -> Path:
    """Return a private copy of the drill city for one drill."""
    copy = workdir / f"{name}.duckdb"
    for stale in (copy, copy.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    shutil.copy(city, copy)
    return copy


def store_problems(path: Path) -> list[str]:
    """Open the store as a restarted server would and return its broken invariants."""
    con = db.open_store(path)
    try:
        return integrity.problems(con)
    finally:
        con.close()


def latest_values(path: Path) -> pd.DataFrame:
    """Return the latest indicator values, sorted, without the bookkeeping columns."""
    con = db.open_store(path, read_only=True)
    try:
        return con.execute("SELECT indicator_id, unit_code, value, status FROM indicator_latest "
                           "ORDER BY indicator_id, unit_code").df()
    finally:
        con.close()


def same_values(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """True when two sets of latest values agree (floating sums may differ in the last bits:
    DuckDB adds in parallel, in no fixed order)."""
    if len(a) != len(b) or not a[["indicator_id", "unit_code", "status"]].equals(b[["indicator_id", "unit_code", "status"]]):
        return False
    return bool(np.allclose(a["value"].to_numpy(float), b["value"].to_numpy(float), rtol=1e-9, equal_nan=True))


def kill_after(command: list[str], seconds: float) -> bool:
    """Start ``command``, SIGKILL it after ``seconds``; return True when it was still running."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


def drill_kill_refresh(city: Path, workdir: Path, kills: int) -> DrillResult:
    """SIGKILL ``cli.py refresh`` at spread-out moments; each time the store must be consistent, and a
    final refresh must give exactly the values of an undisturbed one."""
    result = DrillResult("kill -9 during refresh")
    reference = fresh_copy(city, workdir, "refresh-reference")
    started = time.perf_counter()
    done = cli("refresh", "--db", str(reference), "--at", REFRESH_AT)
    duration = time.perf_counter() - started
    if done.returncode != 0:
        return DrillResult(result.name, problems=[f"the reference refresh failed: {done.stderr[-500:]}"])
    target = fresh_copy(city, workdir, "refresh-killed")
    command = [sys.executable, "cli.py", "refresh", "--db", str(target), "--at", REFRESH_AT]
    killed = 0
    for i in range(kills):
        if kill_after(command, duration * (0.3 + 0.65 * i / max(kills - 1, 1))):
            killed += 1
        result.problems += [f"after kill {i + 1}: {p}" for p in store_problems(target)]
    done = cli("refresh", "--db", str(target), "--at", REFRESH_AT)
    if done.returncode != 0:
        result.problems.append(f"the refresh after the kills failed: {done.stderr[-500:]}")
    elif not same_values(latest_values(target), latest_values(reference)):
        result.problems.append("values after the kills differ from an undisturbed refresh")
    result.problems += store_problems(target)
    result.figures = {"refresh_s": round(duration, 1), "kills": killed}
    return result


def wait_until_serving(url: str, process: subprocess.Popen, timeout_s: float = 120) -> None:
    """Wait until the server answers (or fail if it died)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"{url}/login", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not come up")


def serve(path: Path, log: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """Start the server on ``path`` refreshing every second (no simulator; more ``options`` for app.py);
    return it and its URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "app.py", "--db", str(path), "--port", str(port), "--no-simulator",
                                "--refresh-seconds", "1", *options], cwd=ROOT, stdout=log.open("a"),
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(url, process)
    return process, url


def runs_recorded(path: Path) -> int:
    """Return how many refreshes the store records."""
    con = db.open_store(path, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM indicator_runs").fetchone()[0]
    finally:
        con.close()


def drill_kill_server(city: Path, workdir: Path, kills: int) -> DrillResult:
    """SIGKILL the server while it refreshes indicators and evaluates alerts, restart it, repeat;
    the store must stay consistent and the restarted server must keep refreshing."""
    result = DrillResult("kill -9 the server")
    target = fresh_copy(city, workdir, "server-killed")
    log = workdir / "server-killed.log"
    log.write_text("")
    rng = np.random.default_rng(5)
    for i in range(kills):
        process, _ = serve(target, log)
        time.sleep(float(rng.uniform(2.0, 8.0)))
        process.send_signal(signal.SIGKILL)
        process.wait()
        result.problems += [f"after kill {i + 1}: {p}" for p in store_problems(target)]
    before = runs_recorded(target)
    log_offset = log.stat().st_size
    process, _ = serve(target, log)          # the last restart must come up and refresh again
    refreshed = wait_for_log(log, log_offset, "indicators refreshed", timeout_s=240)
    process.terminate()
    process.wait(timeout=30)
    after = runs_recorded(target)
    if not refreshed or after <= before:
        result.problems.append("the restarted server recorded no refresh")
    result.problems += store_problems(target)
    result.figures = {"kills": kills, "refreshes_after_last_restart": after - before}
    return result


def wait_for_log(log: Path, offset: int, text: str, timeout_s: float) -> bool:
    """Wait until ``text`` appears in the log after ``offset``; return whether it did."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        with log.open(encoding="utf-8", errors="replace") as handle:
            handle.seek(offset)
            if text in handle.read():
                return True
        time.sleep(0.5)
    return False


def events_file(path: Path, rows: int, prefix: str = "DRILL") -> Path:
    """Write a Parquet file of new cases (ids PREFIX-0000000…) in the API's format within the tiny city."""
    rng = np.random.default_rng(3)
    received = pd.Timestamp("2026-11-01T00:00:00Z") + pd.to_timedelta(rng.integers(0, 14 * 86400, rows), unit="s")
    pd.DataFrame({"source": "grid_report", "event_id": [f"{prefix}-{i:07d}" for i in range(rows)],
                  "category": "hotline.noise", "received_at": received,
                  "lon": rng.uniform(119.40, 119.50, rows), "lat": rng.uniform(32.15, 32.25, rows)}).to_parquet(path)
    return path


def drill_disk_full(city: Path, workdir: Path, rows: int) -> DrillResult:
    """Ingest with the file size capped just above the store's size (a full disk): a clean error,
    no partial batch, the failure recorded; then, with room again, the same file goes in whole."""
    result = DrillResult("disk full during ingest")
    target = fresh_copy(city, workdir, "disk-full")
    source = events_file(workdir / "disk-full.parquet", rows)
    cap = target.stat().st_size + 1024 * 1024

    def cap_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)       # writes past the cap fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))

    command = ("ingest", "events", str(source), "--mapping", "api_events", "--db", str(target), "--quiet")
    full = cli(*command, preexec_fn=cap_file_size)
    if full.returncode == 0:
        result.problems.append("the ingest succeeded although the disk was full: raise the row count")
    if "Traceback" in full.stderr or not full.stderr.startswith("error:"):
        result.problems.append(f"not a clean error message: {full.stderr[-300:]!r}")
    con = db.open_store(target)
    partial = con.execute("SELECT count(*) FROM events WHERE event_id LIKE 'DRILL-%'").fetchone()[0]
    failed = con.execute("SELECT count(*) FROM ingest_batches WHERE status = 'failed'").fetchone()[0]
    con.close()
    if partial:
        result.problems.append(f"{partial:,} rows of the failed batch were kept")
    result.problems += store_problems(target)
    again = cli(*command)
    accepted = json.loads(again.stdout)["accepted"] if again.returncode == 0 else None
    if accepted is None:
        result.problems.append(f"the ingest failed again with room on the disk: {again.stderr[-300:]}")
    result.figures = {"rows": rows, "exit": full.returncode, "failed_batches_recorded": failed,
                      "accepted_after": accepted}
    return result


def broken_files(workdir: Path) -> dict[str, Path]:
    """Write the broken inputs: truncated Parquet, CSV and JSON, and an .xlsx that is not a zip."""
    good = events_file(workdir / "good.parquet", 5000)
    frame = pd.read_parquet(good)
    frame.to_csv(workdir / "good.csv", index=False)
    files = {}
    for name, data in (("truncated.parquet", good.read_bytes()), ("truncated.csv", (workdir / "good.csv").read_bytes()),
                       ("truncated.json", frame.head(50).to_json(orient="records", date_format="iso").encode())):
        files[name] = workdir / name
        files[name].write_bytes(data[: len(data) // 2])
    files["corrupt.xlsx"] = workdir / "corrupt.xlsx"
    files["corrupt.xlsx"].write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    return files


def drill_broken_files(city: Path, workdir: Path) -> DrillResult:
    """Truncated and corrupted inputs: a clean error (nothing stored) or, for a CSV cut mid-line,
    the whole lines stored and the cut line quarantined."""
    result = DrillResult("truncated/corrupt files")
    target = fresh_copy(city, workdir, "broken-files")
    outcomes = {}
    for name, path in broken_files(workdir).items():
        done = cli("ingest", "events", str(path), "--mapping", "api_events", "--db", str(target), "--quiet")
        if "Traceback" in done.stderr:
            result.problems.append(f"{name}: a traceback instead of a clean error")
        if name == "truncated.csv":
            summary = json.loads(done.stdout)
            outcomes[name] = f"{summary['accepted']}+{summary['quarantined']}q"
            if done.returncode != 0 or summary["quarantined"] != 1 or not summary.get("batch_id"):
                result.problems.append(f"{name}: expected the cut line quarantined, got {done.stdout[-300:]}")
        else:
            outcomes[name] = f"exit {done.returncode}"
            if done.returncode == 0 or not done.stderr.startswith("error:"):
                result.problems.append(f"{name}: expected a clean error, got exit {done.returncode}")
    result.problems += store_problems(target)
    result.figures = outcomes
    return result


def drill_sensor_clock(city: Path, workdir: Path) -> DrillResult:
    """A sensor feed whose clock is wrong: readings in the future and in 1970 are quarantined with
    their reason; the good readings go in."""
    result = DrillResult("sensor timestamps wrong")
    target = fresh_copy(city, workdir, "sensor-clock")
    con = db.open_store(target, read_only=True)
    sensor = con.execute("SELECT sensor_id FROM sensors WHERE kind = 'noise' ORDER BY sensor_id LIMIT 1").fetchone()[0]
    con.close()
    now = pd.Timestamp.now(tz="UTC").floor("min")
    times = [now - pd.Timedelta(minutes=20), now - pd.Timedelta(minutes=10),           # good
             now + pd.Timedelta(days=1), now + pd.Timedelta(days=120),                # the future
             pd.Timestamp("1970-01-01T00:00:00Z"), pd.Timestamp("2000-01-01T00:00:00+08:00")]   # a reset clock
    times = [t.isoformat() for t in times]
    feed = pd.DataFrame({"sensor_id": sensor, "ts": times, "metric": "noise_db", "value": 55.0})
    path = workdir / "sensor-clock.csv"
    feed.to_csv(path, index=False)
    done = cli("ingest", "readings", str(path), "--mapping", "api_readings", "--db", str(target), "--quiet")
    if done.returncode != 0:
        return DrillResult(result.name, problems=[f"the ingest failed: {done.stderr[-300:]}"])
    summary = json.loads(done.stdout)
    reasons = summary["quarantined_by_reason"]
    result.figures = {"accepted": summary["accepted"], "quarantined": reasons}
    if reasons.get("future_time", 0) != 2:
        result.problems.append(f"expected the 2 future readings quarantined as future_time: {reasons}")
    if reasons.get("implausible_time", 0) != 2:
        result.problems.append(f"expected the 2 reset-clock readings quarantined as implausible_time: {reasons}")
    if summary["accepted"] != 2:
        result.problems.append(f"expected the 2 good readings accepted, got {summary['accepted']}")
    result.problems += store_problems(target)
    return result


DRILLS = ("refresh", "server", "disk", "files", "sensor_clock", "sigterm_refresh", "sigterm_ingest", "disk_server",
          "backup_sigterm", "backup_burst")


def run_drills(city: Path, workdir: Path, kills: int, rows: int, only: tuple[str, ...] = DRILLS) -> list[DrillResult]:
    """Run the chosen drills on copies of ``city``; return their results."""
    from bench import drill_server_faults as running    # the drills against a running server (it imports this module)

    runners = {"refresh": lambda: drill_kill_refresh(city, workdir, kills),
               "server": lambda: drill_kill_server(city, workdir, kills),
               "disk": lambda: drill_disk_full(city, workdir, rows),
               "files": lambda: drill_broken_files(city, workdir),
               "sensor_clock": lambda: drill_sensor_clock(city, workdir),
               "sigterm_refresh": lambda: running.drill_sigterm_refresh(city, workdir),
               "sigterm_ingest": lambda: running.drill_sigterm_ingest(city, workdir),
               "disk_server": lambda: running.drill_disk_full_server(city, workdir),
               "backup_sigterm": lambda: _backup_drills().drill_sigterm_backup(city, workdir),
               "backup_burst": lambda: _backup_drills().drill_backup_during_burst(city, workdir)}
    return [runners[name]() for name in only]


def _backup_drills():
    from bench import drill_backup      # it builds on this module's helpers
    return drill_backup


def machine() -> str:
    """Return a one-line description of this machine."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.platform()} | Python {platform.python_version()} | {os.cpu_count()} cores | {memory_gib:.0f} GiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--rows", type=int, default=300_000, help="rows of the disk-full ingest")
    parser.add_argument("--workdir", default="/tmp/city-vitals-drills")
    parser.add_argument("--only", choices=DRILLS, action="append")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}", flush=True)
    started = time.perf_counter()
    city = build_city(workdir / f"city-{args.scale}.duckdb", args.scale)
    print(f"drill city ({args.scale}) ready in {time.perf_counter() - started:.1f} s", flush=True)
    results = []
    for name in args.only or DRILLS:
        drill_started = time.perf_counter()
        result = run_drills(city, workdir, args.kills, args.rows, (name,))[0]
        print(f"{result.line()}  [{time.perf_counter() - drill_started:.0f} s]", flush=True)
        results.append(result)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
