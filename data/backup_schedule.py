"""Where backups go, how many are kept, how often the server takes one: settings and the job.

Settings (environment first, then the store's ``settings`` table, then the default):

| setting | environment | stored key | default |
|---|---|---|---|
| backup folder | CITY_BACKUP_DIR | backup.dir | ``backups/`` beside the store file |
| backups kept | CITY_BACKUP_KEEP | backup.keep | 7 |
| hours between scheduled backups | CITY_BACKUP_EVERY_HOURS | backup.every_hours | 0 (no schedule) |
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb

from data import backup, settings, write_locks
from data.background import PeriodicJob

log = logging.getLogger(__name__)
CHECK_EVERY_S = 60.0            # how often the job looks whether a backup is due


def setting(con: duckdb.DuckDBPyConnection, name: str):
    """Return the backup setting ``name`` (dir, keep, every_hours) by the one precedence rule of
    data.settings; raise settings.SettingError naming the setting when its value is bad."""
    return settings.resolve(f"backup_{name}", con=con)


def number_setting(con: duckdb.DuckDBPyConnection, name: str) -> float:
    """Return a numeric backup setting (keep, every_hours)."""
    return float(setting(con, name))


def backup_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """Return the folder the server keeps its backups in."""
    configured = setting(con, "dir")
    return Path(configured) if configured else backup.store_path(con).parent / "backups"


def run_backup(con: duckdb.DuckDBPyConnection, out_dir: Path | None = None, progress=None, cancel=None) -> dict:
    """Take one backup (one at a time for every process of the server: a scheduled and an asked-for
    backup never run together), then keep only the newest N; return its manifest."""
    out_dir = Path(out_dir) if out_dir else backup_dir(con)
    keep = int(number_setting(con, "keep"))
    with write_locks.held(con, "backup"):
        manifest = backup.take_backup(con, out_dir, progress, cancel)
        removed = backup.prune_backups(out_dir, max(keep, 1))
    log.info("backup %s written to %s (%s bytes); %d old removed", manifest["name"], out_dir,
             f"{manifest['bytes']:,}", len(removed))
    return manifest


def backup_due(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> bool:
    """Return True when scheduled backups are on and the newest one is older than the interval."""
    hours = number_setting(con, "every_hours")
    if hours <= 0:
        return False
    done = backup.list_backups(backup_dir(con))
    if not done:
        return True
    newest = datetime.fromisoformat(done[-1]["taken_at"])
    return (now or datetime.now(timezone.utc)) - newest >= timedelta(hours=hours)


def start_scheduled_backups(con: duckdb.DuckDBPyConnection) -> PeriodicJob:
    """Check every minute whether a scheduled backup is due and take it (a thread with its own cursor)."""
    cursor = con.cursor()
    number_setting(cursor, "keep"), number_setting(cursor, "every_hours")     # a bad value stops the start

    def step() -> None:
        if backup_due(cursor):
            run_backup(cursor, progress=lambda p: log.info(p.line()))

    job = PeriodicJob("scheduled-backups", step, CHECK_EVERY_S)
    job.start()
    return job
