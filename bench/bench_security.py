"""What the security measures of issue 23 cost: password hashing, mapping regexes, text checks.

    python bench/bench_security.py --rows 1000000 --repeat 3

Prints one JSON object: seconds per scrypt hash at the old (N=2^14) and current (N=2^17) cost, the
time of the attack regex ``^(a+)+$`` on ids of growing length in Python's engine and in RE2, and
the seconds the ingest text checks (codes refused, free text cut) take on ``--rows`` event rows.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from access import passwords  # noqa: E402
from bench.bench_demo import machine  # noqa: E402
from data.ingest import patterns, textcheck  # noqa: E402
from data.ingest.rules import Verdicts  # noqa: E402


def timed(work, repeat: int) -> float:
    """Return the median seconds of ``repeat`` runs of ``work``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 4)


def hashing(repeat: int) -> dict:
    return {f"scrypt_n{n.bit_length() - 1}_s": timed(lambda n=n: passwords.hash_password("Bench-pass-2026", (n, 8, 1)),
                                                    repeat) for n in (2**14, 2**17)}


def regexes(lengths: list[int]) -> dict:
    python, safe = re.compile(r"^(a+)+$"), patterns.compile_pattern(r"^(a+)+$")
    out = {}
    for length in lengths:
        text = "a" * length + "!"
        out[f"python_re_{length}_s"] = timed(lambda: python.search(text), 1)
        out[f"re2_{length}_s"] = timed(lambda: safe.first_group(text), 1)
    out["re2_100000_s"] = timed(lambda: safe.first_group("a" * 100_000 + "!"), 1)
    return out


def text_checks(rows: int, repeat: int) -> dict:
    frame = pd.DataFrame({"source": pd.Series(["hotline_12345"] * rows, dtype="string"),
                          "event_id": pd.Series([f"E{i}" for i in range(rows)], dtype="string"),
                          "grid_code": pd.Series(["320102001001"] * rows, dtype="string"),
                          "description": pd.Series(["噪音扰民，请尽快处理。" * 8] * rows, dtype="string"),
                          "department": pd.Series(["city management"] * rows, dtype="string"),
                          "caller_name": pd.Series(["张三"] * rows, dtype="string"),
                          "caller_phone": pd.Series(["13912345678"] * rows, dtype="string")})

    def run():
        out = frame.copy()
        textcheck.reject_bad_codes(out, Verdicts(out.index), ("source", "event_id", "grid_code"))
        textcheck.clean_free_text(out, ("department", "description", "caller_name", "caller_phone"))
    return {"rows": rows, "text_checks_s": timed(run, repeat)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="event rows for the text checks")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is printed)")
    parser.add_argument("--max-length", type=int, default=22, help="longest id for Python's engine (doubles per character)")
    args = parser.parse_args(argv)
    figures = {"machine": machine(), **hashing(args.repeat),
               **regexes(list(range(args.max_length - 4, args.max_length + 1, 2))),
               **text_checks(args.rows, args.repeat)}
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
