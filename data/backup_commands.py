"""CLI: backup, restore and retention (registered by cli.py through COMMAND_MODULES).

    python cli.py backup [--out DIR] [--db PATH] [--server URL] [--token TOKEN]
    python cli.py backups [--db PATH]                 # the complete backups in the backup folder
    python cli.py restore BACKUP --db PATH [--force]
    python cli.py retention [--db PATH] [--readings-days N] [--history-days N]   # server stopped

With the server stopped, ``backup`` opens the store itself. While the server holds the store it
asks the server to take the backup (a token of scope ``backup``, made on the admin page; --token
or $CITY_TOKEN), prints its progress and, with --out, downloads it. SIGTERM or Ctrl-C stops a
backup with one line on stderr and nothing kept (exit 143 / 130).
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from data import backup, backup_schedule, db, retention
from data.ingest import client

STOPPED = {signal.SIGTERM: 143, signal.SIGINT: 130}


def cmd_backup(args: argparse.Namespace) -> int:
    """Take a backup of the store, directly or through the running server."""
    path = db.resolve_db_path(args.db)
    try:
        con = db.connect(path, read_only=True)
    except db.StoreLockedError as locked:
        token = client.token_value(args.token)
        if not token:
            raise db.StoreLockedError(f"{locked}\nTo back up the running server's store, give a token of scope "
                                      "backup (made on the admin page): python cli.py backup --token TOKEN "
                                      "(or $CITY_TOKEN)") from None
        return _backup_through_server(client.server_url(args.server), token, args.out)
    try:
        return _backup_here(con, Path(args.out) if args.out else None)
    finally:
        con.close()


def _backup_here(con, out_dir: Path | None) -> int:
    """Run the backup in a worker thread so that SIGTERM/SIGINT reach this one and can stop it."""
    cancel, outcome = threading.Event(), {}
    stopped_by = []

    def stop(signum, _frame):
        if stopped_by or not worker.is_alive():     # a second signal, or one after the end
            return
        stopped_by.append(signum)
        cancel.set()
        con.interrupt()           # ends the running copy statement at once

    def work():
        try:
            outcome["manifest"] = backup_schedule.run_backup(con, out_dir, progress=_print_progress, cancel=cancel)
        except BaseException as exc:        # handed to the main thread
            outcome["error"] = exc

    for sig in STOPPED:           # kept until the command ends: the process exits right after
        signal.signal(sig, stop)
    worker = threading.Thread(target=work, name="backup")
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
    if "manifest" in outcome:       # complete before any signal could stop it
        print(json.dumps(_summary(outcome["manifest"]), ensure_ascii=False, indent=2))
        return 0
    if stopped_by:
        print(f"backup stopped by {signal.Signals(stopped_by[0]).name}: nothing was kept", file=sys.stderr, flush=True)
        return STOPPED[stopped_by[0]]
    raise outcome["error"]


def _summary(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k != "checksums"}


def _print_progress(progress: backup.Progress) -> None:
    print(progress.line(), file=sys.stderr, flush=True)


def _backup_through_server(server: str, token: str, out: str | None) -> int:
    """Ask the server for a backup, print its progress lines, download it with --out."""
    request = urllib.request.Request(f"{server}/api/v1/backups", data=b"{}", method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    manifest = None
    try:
        with urllib.request.urlopen(request, timeout=3600) as answer:
            for raw in answer:
                line = json.loads(raw)
                if "progress" in line:
                    print(line["progress"], file=sys.stderr, flush=True)
                elif "error" in line:
                    raise backup.BackupError(f"the server's backup failed: {line['error']}")
                else:
                    manifest = line["backup"]
    except urllib.error.HTTPError as exc:
        raise backup.BackupError(f"the server answered {exc.code}: "
                                 f"{exc.read().decode('utf-8', 'replace')[:300]}") from None
    except urllib.error.URLError as exc:
        raise backup.BackupError(f"cannot reach the server at {server}: {exc.reason}") from None
    if manifest is None:
        raise backup.BackupError("the server ended the answer before the backup was complete")
    if out:
        manifest["downloaded_to"] = str(_download(server, token, manifest["name"], Path(out)))
    print(json.dumps(_summary(manifest), ensure_ascii=False, indent=2))
    return 0


def _download(server: str, token: str, name: str, out_dir: Path) -> Path:
    """Fetch a backup's files into out_dir/<name> (under a .partial name until checked)."""
    partial = out_dir / (name + backup.PARTIAL)
    partial.mkdir(parents=True, exist_ok=False)
    try:
        for file_name in (backup.MANIFEST_FILE, backup.STORE_FILE):
            _fetch(server, token, name, file_name, partial)
        for part in backup.read_manifest(partial).get("archive", []):
            _fetch(server, token, name, part["file"], partial)
        backup.verify_backup(partial, complete=True)
        (partial).rename(out_dir / name)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return out_dir / name


def _fetch(server: str, token: str, name: str, file_name: str, folder: Path) -> None:
    """Download one file of a backup into ``folder`` (names come from the server's manifest: kept inside)."""
    target = folder / file_name
    if not target.resolve().is_relative_to(folder.resolve()):
        raise backup.BackupError(f"the server's manifest names a file outside the backup: {file_name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(f"{server}/api/v1/backups/{name}/{file_name}",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=3600) as answer, target.open("wb") as sink:
        shutil.copyfileobj(answer, sink, backup.COPY_CHUNK)


def cmd_backups(args: argparse.Namespace) -> int:
    """List the complete backups in the store's backup folder."""
    con = db.connect(db.resolve_db_path(args.db), read_only=True)
    try:
        folder = backup_schedule.backup_dir(con)
    finally:
        con.close()
    for manifest in backup.list_backups(folder):
        print(json.dumps({k: manifest[k] for k in ("name", "taken_at", "schema_version", "bytes")}))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Check a backup and put it at --db (never over a running store)."""
    target = db.resolve_db_path(args.db)
    manifest = backup.restore_backup(Path(args.backup), target, force=args.force)
    print(json.dumps({"restored": manifest["name"], "taken_at": manifest["taken_at"], "db": str(target),
                      "schema_version": manifest["schema_version"]}, ensure_ascii=False))
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    """Move the rows older than the retention settings to the archive now (the server does it hourly)."""
    con = db.open_store(args.db)
    try:
        changes = {key: value for key, value in (("retention.readings_days", args.readings_days),
                                                  ("retention.history_days", args.history_days)) if value is not None}
        db.put_settings(con, changes)
        moved = retention.apply_retention(con)
    finally:
        con.close()
    print(json.dumps([vars(part) for part in moved], ensure_ascii=False, indent=2))
    return 0


def _errors_as_messages(func):
    def command(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except backup.BackupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return command


def register(sub) -> None:
    """Add the backup, backups and restore commands."""
    take = sub.add_parser("backup", help="back up the store (also while the server runs)")
    take.add_argument("--out", default=None, help="folder to write the backup into (default: the backup folder)")
    take.add_argument("--server", default=None, help="the running server's URL ($CITY_SERVER)")
    take.add_argument("--token", default=None, help="a token of scope backup, when the server holds the store")
    take.set_defaults(func=_errors_as_messages(cmd_backup))
    listing = sub.add_parser("backups", help="list the complete backups in the backup folder")
    listing.set_defaults(func=_errors_as_messages(cmd_backups))
    restore = sub.add_parser("restore", help="check a backup and restore it to --db")
    restore.add_argument("backup", help="the backup folder (cityvitals-…)")
    restore.add_argument("--force", action="store_true", help="replace an existing (stopped) store")
    restore.set_defaults(func=_errors_as_messages(cmd_restore))
    keep = sub.add_parser("retention", help="move readings and snapshots older than N days to the archive")
    keep.add_argument("--readings-days", type=int, default=None, help="store setting retention.readings_days")
    keep.add_argument("--history-days", type=int, default=None, help="store setting retention.history_days")
    keep.set_defaults(func=cmd_retention)
    for parser in (take, listing, restore, keep):
        parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")
