"""Run the server (app.py) with a sampling profiler beside it: where the server's threads spend their time.

    python bench/load_sampler.py OUT.json [app.py's options]
    python bench/load_sampler.py --show OUT.json [TOP]      # print each group's busy share and top functions

bench/load_test.py starts the server through this file when given --profile. A daemon thread reads
every thread's Python stack (sys._current_frames) --hz times a second and counts, per thread group
(data/thread_cpu.py's names: waitress, indicator-refresh …), the busy samples, the functions on
the stack (inclusive: a request's whole time goes to every function it passes through) and the
innermost function (where the thread was: Python code, or a call into DuckDB, zlib or the JSON
encoder that holds it). Idle samples (a request thread waiting for a request, a job sleeping until
its boundary) are counted apart. Samples are wall-clock time, so a thread waiting for the GIL or
for DuckDB counts where it waits: that is what a person waiting for an answer sees. The counts are
written to OUT.json every few seconds (the server ends with os._exit, so nothing runs at exit).
Only while the file OUT.counting exists (bench/load_test.py makes it for its stages) are samples
counted. Not part of the product; it costs the server a few per cent.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.thread_cpu import group_of  # noqa: E402

HZ = 50
WRITE_EVERY_S = 5.0
IDLE_LEAVES = {"wait", "select", "poll", "accept", "sleep", "_wait_for_tstate_lock", "get", "_sleep_until"}
IDLE_CALLERS = {"handler_thread", "_worker", "_sleep_until", "run"}
SKIPPED_GROUPS = {"load-sampler"}


# What a busy sample is doing, by the first matching frame of its stack (innermost first).
KINDS = (("serialise", ("plotly/io/_json.py", "json/encoder.py", "orjson")), ("compress", ("flask_compress",)),
         ("duckdb", ("duckdb/",)), ("lock", ("threading.py:wait", "threading.py:acquire")))


def frame_name(frame) -> tuple[str, bool]:
    """Return 'path:function' of a frame (the path relative to the repository or site-packages) and
    whether the file is the repository's own."""
    path = frame.f_code.co_filename
    site = str(ROOT) + "/.venv/lib/python3.11/site-packages/"
    if path.startswith(site) or "/site-packages/" in path:
        return f"{path.split('/site-packages/', 1)[1]}:{frame.f_code.co_name}", False
    if path.startswith(str(ROOT) + "/"):
        return f"{path[len(str(ROOT)) + 1:]}:{frame.f_code.co_name}", True
    return f"{path.rsplit('/', 2)[-1] if '/' in path else path}:{frame.f_code.co_name}", False


def stack_of(frame) -> tuple[list[str], str | None]:
    """Return a stack's frames, innermost first, and its entry: the outermost frame of the repository
    (the callback or route a request thread is answering)."""
    names, entry = [], None
    while frame is not None:
        name, own = frame_name(frame)
        names.append(name)
        entry = name if own and not name.startswith(("data/background.py", "bench/")) else entry
        frame = frame.f_back
    return names, entry


def kind_of(stack: list[str]) -> str:
    """Return what a busy stack is doing: serialising JSON, compressing, in DuckDB, waiting on a lock, or Python."""
    for name in stack:
        for kind, markers in KINDS:
            if any(marker in name for marker in markers):
                return kind
    return "python"


def is_idle(stack: list[str]) -> bool:
    """Return whether a stack is a thread waiting for work: a worker loop's wait, or a pool thread's
    queue (its innermost Python frame the pool's loop, blocked in C)."""
    leaf = stack[0].rsplit(":", 1)[1]
    if stack[0] == "thread.py:_worker":                  # concurrent.futures' pool thread waiting for work
        return True
    return leaf in IDLE_LEAVES and any(name.rsplit(":", 1)[1] in IDLE_CALLERS for name in stack[1:4])


class Sampler(threading.Thread):
    """Counts stacks per thread group; writes the counts to ``out`` every WRITE_EVERY_S."""

    def __init__(self, out: Path, hz: float = HZ):
        super().__init__(name="load-sampler", daemon=True)
        self.out, self.period = out, 1.0 / hz
        self.busy: Counter = Counter()
        self.idle: Counter = Counter()
        self.inclusive: dict[str, Counter] = defaultdict(Counter)
        self.leaf: dict[str, Counter] = defaultdict(Counter)
        self.entries: dict[str, Counter] = defaultdict(Counter)        # group -> "entry|kind" -> samples

    def sample(self) -> None:
        """Take one sample of every thread."""
        names = {t.ident: group_of(t.name) for t in threading.enumerate()}
        for ident, frame in sys._current_frames().items():
            group = names.get(ident, "unknown")
            if group in SKIPPED_GROUPS:
                continue
            stack, entry = stack_of(frame)
            if is_idle(stack):
                self.idle[group] += 1
                continue
            self.busy[group] += 1
            self.leaf[group][stack[0]] += 1
            self.entries[group][f"{entry}|{kind_of(stack)}"] += 1
            for name in set(stack):
                self.inclusive[group][name] += 1

    def write(self) -> None:
        """Write the counts so far (the top functions of each group)."""
        report = {"hz": round(1 / self.period), "busy": dict(self.busy), "idle": dict(self.idle),
                  "inclusive": {g: c.most_common(60) for g, c in self.inclusive.items()},
                  "leaf": {g: c.most_common(40) for g, c in self.leaf.items()},
                  "entries": {g: c.most_common(80) for g, c in self.entries.items()}}
        temporary = self.out.with_suffix(".tmp")
        temporary.write_text(json.dumps(report, indent=1))
        os.replace(temporary, self.out)

    def run(self) -> None:
        written = time.monotonic()
        counting = self.out.with_suffix(".counting")
        while True:
            time.sleep(self.period)
            if counting.exists():
                self.sample()
            if time.monotonic() - written > WRITE_EVERY_S:
                self.write()
                written = time.monotonic()


def show(path: Path, top: int = 15) -> None:
    """Print each thread group's busy and idle samples, its top functions inclusive (the repository's
    own) and its top innermost functions."""
    report = json.loads(path.read_text())
    for group, busy in sorted(report["busy"].items(), key=lambda kv: -kv[1]):
        print(f"\n{group}: {busy} busy samples ({busy / report['hz']:.1f} thread-s), "
              f"{report['idle'].get(group, 0)} idle")
        own = [(n, c) for n, c in report["inclusive"][group] if (ROOT / n.split(":")[0]).is_file()]
        for title, rows in (("inclusive", own[:top]), ("innermost", report["leaf"][group][:top]),
                            ("entry | doing", report["entries"][group][:top])):
            print(f"  {title}:")
            for name, count in rows:
                print(f"    {100 * count / busy:5.1f}%  {name}")


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print("usage: " + __doc__.split("\n\n", 1)[1].strip())          # the docstring after its title
        return 0 if len(sys.argv) >= 2 else 2
    if sys.argv[1] == "--show":
        show(Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 15)
        return 0
    out, app_args = Path(sys.argv[1]), sys.argv[2:]
    Sampler(out, float(os.environ.get("LOAD_SAMPLER_HZ", HZ))).start()
    import app

    return app.main(app_args)


if __name__ == "__main__":
    sys.exit(main())
