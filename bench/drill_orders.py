"""Fault drill: kill -9 a process in the middle of dispatching a work order.

The child dispatches orders in a loop and, on the chosen one, stops inside the dispatch
transaction (after the order and its departments are written, before its history row) and tells
the parent, which SIGKILLs it there. Reopened as a restarted server would, the store must hold no
half-created order (data/integrity.py's orders checks) and exactly the orders dispatched before.

    python -m bench.drill_orders --db var/tiny.duckdb
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data import db, integrity  # noqa: E402
# The child: dispatch `before` whole orders, then one that stops mid-transaction (marker file) until killed.
CHILD = """
import sys, time
from pathlib import Path
from data import db
from data.orders import machine, store
path, marker, before = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
con = db.open_store(path)
unit = con.execute("SELECT min(code) FROM admin_units WHERE level = 'community'").fetchone()[0]
department = con.execute("SELECT min(code) FROM departments").fetchone()[0]
level = store.handling_levels(con)[-1]
write_history = store.add_history
def stop_inside(*args, **kwargs):
    marker.write_text("inside the dispatch transaction")
    time.sleep(600)
for i in range(before + 1):
    if i == before:
        store.add_history = stop_inside
    store.create_order(con, title=f"drill {i}", unit_code=unit, departments=[department], handling_level=level,
                       report_due_s=2_000_000_000, finish_due_s=2_000_100_000, actor="drill",
                       permissions=machine.SYSTEM_PERMISSIONS, at_s=1_900_000_000)
"""


def drill_kill_dispatch(path: Path, before: int = 2, timeout_s: float = 120) -> list[str]:
    """Kill a dispatch mid-transaction on the store at ``path``; return the problems found (none: passed)."""
    marker = path.with_suffix(".dispatching")
    marker.unlink(missing_ok=True)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(marker), str(before)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.time() + timeout_s
    while not marker.exists():
        if child.poll() is not None or time.time() > deadline:
            child.kill()
            return [f"the dispatching child never reached the transaction (exit {child.returncode})"]
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    con = db.open_store(path)
    try:
        problems = integrity.problems(con)
        titles = [r[0] for r in con.execute("SELECT title FROM work_orders WHERE created_by = 'drill' "
                                            "ORDER BY order_id").fetchall()]          # the store's own orders aside
        if titles != [f"drill {i}" for i in range(before)]:
            problems.append(f"expected the {before} whole orders only, found {titles}")
        orphans = con.execute("SELECT count(*) FROM work_order_departments d ANTI JOIN work_orders o "
                              "USING (order_id)").fetchone()[0]
        if orphans:
            problems.append(f"{orphans} department rows of no order")
    finally:
        con.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    """Run the drill on a copy of the given store and print its verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a store to copy (never changed)")
    args = parser.parse_args(argv)
    copy = Path(args.db).with_suffix(".drill-orders.duckdb")
    copy.write_bytes(Path(args.db).read_bytes())
    problems = drill_kill_dispatch(copy)
    print("kill -9 during dispatch:", "passed" if not problems else "FAILED\n  " + "\n  ".join(problems))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
