"""How large the store grows over a year of the demo city, with and without retention.

    python bench/store_growth.py [--days 365] [--retention-days 30] [--workdir /tmp/city-vitals-growth]

Cases and readings are simulated, not extrapolated: the demo city is built with ``--days`` of
history (its generator at the ``demo`` scale). Indicator snapshots are extrapolated, and the output
says so: one hourly snapshot is computed and measured (``cli.py refresh --history-hours 1``), and
the history the server keeps (one snapshot an hour, at most data.retention.HISTORY_DAYS days)
is that snapshot's rows and bytes times the hours kept (its bytes: the snapshot alone in a fresh
DuckDB file, and as the archive's Parquet). Store sizes are printed twice, after a CHECKPOINT: the
file, and the blocks in use (DuckDB does not shrink a file after a DELETE; it reuses the freed blocks,
so with retention the file stops growing; a backup and restore gives a file of the size in use).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data import db, retention  # noqa: E402
from data.retention import HISTORY_DAYS  # noqa: E402
from data.demo import build  # noqa: E402
from data.demo.scales import get_scale  # noqa: E402

NOW = "2026-11-20T15:30:00"
MIB = 2**20


def build_year(path: Path, days: int) -> float:
    """Build the demo city with ``days`` of history at ``path`` (once); return the seconds it took."""
    if path.exists():
        return 0.0
    started = time.perf_counter()
    spec = build.spec_from_options("demo", 7, NOW)
    build.build_demo(path, replace(spec, scale=replace(get_scale("demo"), days=days)), progress=True)
    return time.perf_counter() - started


def file_mib(path: Path) -> float:
    """Return the size of a store's file after a checkpoint, in MiB."""
    con = db.open_store(path)
    con.execute("CHECKPOINT")
    con.close()
    return path.stat().st_size / MIB


def used_mib(path: Path) -> float:
    """Return the MiB of the store's blocks in use (the file less its free blocks)."""
    con = db.open_store(path, read_only=True)
    try:
        block_size, used = con.execute("SELECT block_size, used_blocks FROM pragma_database_size()").fetchall()[0]
    finally:
        con.close()
    return block_size * used / MIB


def rows(path: Path, table: str) -> int:
    con = db.open_store(path, read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    finally:
        con.close()


def one_snapshot(path: Path, workdir: Path) -> tuple[int, float, float]:
    """Compute one hourly snapshot on a copy; return (its rows, its MiB in the store, its MiB as Parquet)."""
    copy = workdir / "snapshot.duckdb"
    shutil.rmtree(workdir / f"{copy.stem}{retention.ARCHIVE_SUFFIX}", ignore_errors=True)
    shutil.copy(path, copy)
    done = subprocess.run([sys.executable, "cli.py", "refresh", "--at", "2026-11-20T15:00", "--history-hours", "1",
                           "--db", str(copy)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the refresh failed: {done.stderr[-500:]}")
    alone = workdir / "snapshot-alone.duckdb"
    alone.unlink(missing_ok=True)
    con = db.open_store(copy)
    con.execute(f"ATTACH '{alone}' AS alone; CREATE TABLE alone.history AS SELECT * FROM indicator_history; "
                "DETACH alone")
    in_store = alone.stat().st_size / MIB
    moved = retention.move_before(con, "indicator_history", datetime(2100, 1, 1, tzinfo=timezone.utc))
    con.close()
    return rows(copy, "indicator_history_all"), in_store, sum(m.bytes for m in moved) / MIB


def with_retention(path: Path, workdir: Path, keep_days: int) -> tuple[float, float, int]:
    """Apply retention to a copy; return (store MiB, archive MiB, rows moved)."""
    copy = workdir / "retained.duckdb"
    shutil.rmtree(workdir / f"{copy.stem}{retention.ARCHIVE_SUFFIX}", ignore_errors=True)
    shutil.copy(path, copy)
    con = db.open_store(copy)
    db.put_settings(con, {"retention.readings_days": keep_days})
    now = datetime.fromisoformat(NOW + "+08:00").astimezone(timezone.utc)
    moved = retention.apply_retention(con, now)
    con.close()
    archive = sum(p.stat().st_size for p in (workdir / f"{copy.stem}{retention.ARCHIVE_SUFFIX}").rglob("*.parquet"))
    return used_mib(copy), archive / MIB, sum(m.rows for m in moved)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--retention-days", type=int, default=30)
    parser.add_argument("--workdir", default="/tmp/city-vitals-growth")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    city = workdir / f"demo-{args.days}d.duckdb"
    seconds = build_year(city, args.days)
    store, in_use = file_mib(city), used_mib(city)
    readings, events = rows(city, "readings"), rows(city, "events")
    print(f"demo city, {args.days} days simulated{f' (built in {seconds:.0f} s)' if seconds else ''}: "
          f"file {store:,.0f} MiB, {in_use:,.0f} MiB in use; {readings:,} readings, {events:,} cases")
    snapshot_rows, snapshot_mib, snapshot_parquet_mib = one_snapshot(city, workdir)
    history_mib = snapshot_mib * 24 * HISTORY_DAYS
    print(f"one hourly snapshot (measured): {snapshot_rows:,} rows, {snapshot_mib:.2f} MiB in the store, "
          f"{snapshot_parquet_mib:.2f} MiB as Parquet")
    print(f"history kept by the refresh ({HISTORY_DAYS} days x 24 snapshots, extrapolated): {history_mib:,.0f} MiB")
    kept, archive, moved = with_retention(city, workdir, args.retention_days)
    keep = args.retention_days
    history_kept = snapshot_mib * 24 * keep
    history_archived = snapshot_parquet_mib * 24 * max(HISTORY_DAYS - keep, 0)
    print(f"without retention: store {in_use + history_mib:,.0f} MiB in use "
          f"(cases and readings simulated, history extrapolated)")
    print(f"with retention of {keep} days (readings and history): store {kept + history_kept:,.0f} MiB in use; "
          f"Parquet archive {archive + history_archived:,.0f} MiB = readings {archive:,.0f} MiB "
          f"({moved:,} moved, simulated) + history {history_archived:,.0f} MiB ({max(HISTORY_DAYS - keep, 0)} days, "
          f"extrapolated: snapshots are kept {HISTORY_DAYS} days in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
