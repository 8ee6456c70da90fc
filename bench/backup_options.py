"""The ways DuckDB 2 can copy a store that is in use, timed on one store (what data/backup.py chose, and why).

    python bench/backup_options.py --db /tmp/demo.duckdb [--workdir /tmp/city-vitals-backup-bench]

1. ``COPY FROM DATABASE src TO bk`` in one statement;
2. schema with ``COPY FROM DATABASE … (SCHEMA)``, then ``INSERT INTO bk.t SELECT * FROM t`` per table, in
   one transaction (what data/backup.py does: a snapshot, with progress per table);
3. ``EXPORT DATABASE … (FORMAT parquet)``;
4. ``CHECKPOINT`` and a copy of the file (needs every writer held off for the copy);
then the whole ``take_backup`` (option 2 plus the checksums of every data table and the SHA-256).
Each prints seconds and the size written. The store is copied first and never changed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data import backup, db  # noqa: E402

MIB = 2**20


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    return path


def _size(path: Path) -> float:
    files = path.rglob("*") if path.is_dir() else [path]
    return sum(p.stat().st_size for p in files if p.is_file()) / MIB


def _timed(name: str, run, target: Path) -> None:
    started = time.perf_counter()
    run()
    print(f"{name:<44} {time.perf_counter() - started:6.1f} s  {_size(target):8.0f} MiB", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the store to copy (a copy of it is used)")
    parser.add_argument("--workdir", default="/tmp/city-vitals-backup-bench")
    args = parser.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    source = work / "source.duckdb"
    shutil.copy(args.db, _fresh(source))
    con = db.open_store(source)
    name = "source"
    print(f"store {_size(source):.0f} MiB")
    one = _fresh(work / "one.duckdb")
    _timed("1 COPY FROM DATABASE", lambda: con.execute(f"ATTACH '{one}' AS b1; COPY FROM DATABASE {name} TO b1; "
                                                       "DETACH b1"), one)
    per_table = _fresh(work / "per_table.duckdb")

    def copy_per_table():
        con.execute(f"ATTACH '{per_table}' AS b2; BEGIN; COPY FROM DATABASE {name} TO b2 (SCHEMA)")
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [name]).fetchall():
            con.execute(f'INSERT INTO b2.main."{table}" SELECT * FROM {name}.main."{table}"')
        con.execute("COMMIT; DETACH b2")

    _timed("2 schema + per table, one transaction", copy_per_table, per_table)
    exported = _fresh(work / "exported")
    _timed("3 EXPORT DATABASE (parquet)", lambda: con.execute(f"EXPORT DATABASE '{exported}' (FORMAT parquet)"),
           exported)
    copied = _fresh(work / "copied.duckdb")
    _timed("4 CHECKPOINT + file copy", lambda: (con.execute("CHECKPOINT"), shutil.copyfile(source, copied)), copied)
    out = _fresh(work / "backups")
    _timed("take_backup (2 + checksums + SHA-256)", lambda: backup.take_backup(con.cursor(), out), out)
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
