"""The load test's server: app.py on a free loopback port on the city's copy, and what is read from
it while the stages run: its RSS every second (/proc, the owner and its worker processes summed), and
from its log the CPU seconds per thread group and section (data/thread_cpu.py, switched on with
$CITY_CPU_LOG_SECONDS; each process logs its own, a worker's lines tagged "[worker N]"), the indicator
refreshes and any minute tick the refresh loop skipped (data/background.py logs each)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from data.thread_cpu import parse_line
from tests.browser import _wait_until_up, free_port

ROOT = Path(__file__).resolve().parents[1]
REFRESH_MARKERS = ("indicators refreshed:", "indicators computed at the frozen instant")
REFRESHED = re.compile(r"indicators refreshed: .* in ([0-9.]+) s")
SKIPPED = re.compile(r"indicator-refresh: a step took ([0-9.]+) s, past (\d+) boundar")
CPU_LOG_SECONDS = 1
# Thread groups (data/thread_cpu.py) that answer people; every other named Python thread is a background job.
REQUEST_GROUPS = ("waitress", "MainThread", "store-link")      # store-link: the owner running workers' SQL
WORKER_TAG = re.compile(r"\[worker (\d+)\]")
UNATTRIBUTED = ("native", "ended")


@dataclass
class Server:
    """The server process on loopback, its URL and its log."""

    proc: subprocess.Popen
    url: str
    log_path: Path

    def stop(self) -> None:
        """Terminate the server and wait for it (it commits nothing half-way: batches are transactions)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_size(self) -> int:
        """Return the log's length now: a stage's lines are those between two sizes."""
        return self.log_path.stat().st_size

    def log_between(self, start: int, end: int) -> str:
        """Return the log's text between two sizes."""
        with open(self.log_path, "rb") as log:
            log.seek(start)
            return log.read(end - start).decode("utf-8", errors="replace")


def start_server(db_path: Path, extra: list[str], env: dict[str, str], timeout_s: float = 900,
                 profile: Path | None = None) -> Server:
    """Start app.py on a free loopback port with ``env`` added to the environment (through
    bench/load_sampler.py when ``profile`` names its output); return once it answers."""
    port = free_port()
    log_path = db_path.with_suffix(".server.log")
    program = ["bench/load_sampler.py", str(profile)] if profile else ["app.py"]
    proc = subprocess.Popen([sys.executable, *program, "--db", str(db_path), "--port", str(port), *extra],
                            cwd=ROOT, stdout=open(log_path, "w"), stderr=subprocess.STDOUT,
                            env={**os.environ, "CITY_CPU_LOG_SECONDS": str(CPU_LOG_SECONDS), **env})
    url = f"http://127.0.0.1:{port}"
    _wait_until_up(url, proc, timeout_s, log_path)
    return Server(proc, url, log_path)


def wait_for_first_refresh(server: Server, timeout_s: float) -> float:
    """Wait until the server logs its first indicator refresh (the live loop's or the frozen instant's);
    return how long that took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        text = server.log_path.read_text(errors="replace")
        if any(marker in text for marker in REFRESH_MARKERS):
            return time.monotonic() - started
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server exited:\n{text[-3000:]}")
        time.sleep(1.0)
    raise RuntimeError(f"no indicator refresh logged within {timeout_s} s")


def stage_log_figures(text: str) -> dict:
    """Return what a stage's log lines say: refreshes and their seconds, minute ticks skipped, CPU."""
    seconds = [float(s) for s in REFRESHED.findall(text)]
    skipped = [(float(took), int(missed)) for took, missed in SKIPPED.findall(text)]
    return {"refreshes": len(seconds), "refresh_s": [round(s, 2) for s in seconds],
            "ticks_skipped": sum(missed for _, missed in skipped), "cpu": cpu_shares(cpu_spans(text))}


def cpu_spans(text: str) -> list[tuple[dict, dict]]:
    """Return each process's first and last CPU log line in ``text`` (the owner's and each worker's)."""
    by_process: dict[str, list[dict]] = {}
    for line in text.splitlines():
        figures = parse_line(line)
        if figures:
            tag = WORKER_TAG.search(line)
            by_process.setdefault(tag.group(1) if tag else "owner", []).append(figures)
    return [(lines[0], lines[-1]) for lines in by_process.values() if len(lines) > 1]


def cpu_shares(spans: list[tuple[dict, dict]]) -> dict | None:
    """Return the CPU seconds between each process's first and last CPU log line, summed over the
    processes: the seconds, the cores used, and each thread group's and section's share."""
    if not spans:
        return None
    seconds = sum(last["process"] - first["process"] for first, last in spans)
    wall = max(max(last["at"] - first["at"] for first, last in spans), 1e-9)
    threads: dict[str, float] = {}
    sections: dict[str, float] = {}
    for first, last in spans:
        for kind, total in (("threads", threads), ("sections", sections)):
            for key, value in last[kind].items():
                total[key] = total.get(key, 0.0) + value - first[kind].get(key, 0.0)
    background = sum(v for k, v in threads.items() if k not in REQUEST_GROUPS + UNATTRIBUTED)
    share = (lambda v: round(v / seconds, 3)) if seconds > 0 else (lambda v: None)  # noqa: E731
    return {"wall_s": round(wall, 1), "process_cpu_s": round(seconds, 2), "cores_used": round(seconds / wall, 2),
            "processes": len(spans), "background_share": share(background),
            "thread_share": {k: share(v) for k, v in sorted(threads.items()) if v > 0.005},
            "section_share": {k: share(v) for k, v in sorted(sections.items()) if v > 0.005}}


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """Return the resident set size and peak (VmHWM) in MB of a process and its children (the worker
    processes), summed: the peak is the sum of each process's own peak."""
    sizes = [rss_mb(p) for p in (pid, *children(pid))]
    return sum(rss for rss, _ in sizes), sum(peak for _, peak in sizes)


def children(pid: int) -> list[int]:
    """Return the pids of ``pid``'s child processes (from each process's /proc stat)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def rss_mb(pid: int) -> tuple[float, float]:
    """Return a process's resident set size and its peak (VmHWM) in MB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def available_mb() -> float:
    """Return the machine's available memory (MemAvailable) in MB."""
    line = next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemAvailable:"))
    return int(line.split()[1]) / 1024


class RssSampler(threading.Thread):
    """Samples the server's RSS and the machine's available memory every second, labelled with the stage."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.stage, self.samples = pid, "start", []
        self._stop = threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        while not self._stop.wait(1.0):
            try:
                rss, peak = tree_rss_mb(self.pid)
            except (FileNotFoundError, KeyError):
                return
            self.samples.append({"t_s": round(time.monotonic() - self.started_at, 1), "stage": self.stage,
                                 "rss_mb": round(rss), "peak_mb": round(peak), "available_mb": round(available_mb()),
                                 "load_1m": round(os.getloadavg()[0], 2)})

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
