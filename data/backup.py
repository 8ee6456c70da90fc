"""Online backups of the store: a consistent snapshot taken while the server keeps writing, checked
on restore, kept N at a time.

A backup is a folder ``cityvitals-YYYYmmddTHHMMSSZ/`` holding ``store.duckdb`` (a DuckDB file with
the store's schema and every row), the archive's Parquet files the store lists (data/retention.py,
at the same relative paths as beside the store) and ``manifest.json`` (the instant of the snapshot, the schema
version, the SHA-256 of the file and the ``cli.py checksum`` of every data table at that instant).

Why this way (docs/BACKUP.md has the figures): DuckDB gives each transaction a snapshot, so one
transaction that attaches a new file, copies the schema (``COPY FROM DATABASE … (SCHEMA)``) and
then every table into it sees the store as of its start, however many ingests commit meanwhile;
no writer has to stop. A copy of the checkpointed file would be faster but needs every writer
held off for the whole copy, and the server has many writers. The folder is written under a
``.partial`` name and renamed when complete, so a kill leaves no half backup behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb

from data import db, retention, writer

FORMAT = 1
PREFIX = "cityvitals-"
NAME = re.compile(r"^cityvitals-\d{8}T\d{6}Z(-\d+)?$")
PARTIAL = ".partial"
STORE_FILE, MANIFEST_FILE = "store.duckdb", "manifest.json"
BACKUP_FILES = (STORE_FILE, MANIFEST_FILE)
COPY_CHUNK = 8 * 1024 * 1024


class BackupError(RuntimeError):
    """A backup cannot be taken, checked or restored; the message says why in plain words."""


class BackupCancelled(BackupError):
    """The backup was stopped (SIGTERM, Ctrl-C) before it was complete; nothing was kept."""


@dataclass(frozen=True)
class Progress:
    """How far a backup is: tables and rows copied of the totals."""

    table: str
    tables_done: int
    tables_total: int
    rows_done: int
    rows_total: int

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 100

    def line(self) -> str:
        """Return the progress as one log line."""
        return (f"backup: {self.table} copied ({self.tables_done}/{self.tables_total} tables, "
                f"{self.rows_done:,}/{self.rows_total:,} rows, {self.percent} %)")


ProgressCallback = Callable[[Progress], None]


def store_path(con: duckdb.DuckDBPyConnection) -> Path:
    """Return the file of the store ``con`` is connected to."""
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return Path(rows[0][0])


# --- taking a backup ---------------------------------------------------------------------------

def take_backup(con: duckdb.DuckDBPyConnection, out_dir: Path, progress: ProgressCallback | None = None,
                cancel: threading.Event | None = None) -> dict:
    """Write a complete, checked backup of the store into ``out_dir``; return its manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = _new_name(out_dir)
    partial = out_dir / (name + PARTIAL)
    partial.mkdir()
    try:
        manifest = {"format": FORMAT, "name": name, **_snapshot(con, partial / STORE_FILE, progress, cancel)}
        manifest["archive"] = _copy_archive(store_path(con).parent, partial, manifest.pop("archive_files"), cancel)
        manifest["sha256"] = file_sha256(partial / STORE_FILE)
        manifest["bytes"] = (partial / STORE_FILE).stat().st_size
        _write_json(partial / MANIFEST_FILE, manifest)
        os.replace(partial, out_dir / name)
        _fsync_dir(out_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _new_name(out_dir: Path) -> str:
    stem = PREFIX + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    name, n = stem, 1
    while (out_dir / name).exists() or (out_dir / (name + PARTIAL)).exists():
        n += 1
        name = f"{stem}-{n}"
    return name


def _snapshot(con: duckdb.DuckDBPyConnection, target: Path, progress: ProgressCallback | None,
              cancel: threading.Event | None) -> dict:
    """Copy the store into ``target`` in one transaction; return what the manifest records of it."""
    alias = f"backup_{secrets.token_hex(4)}"
    source = con.execute("SELECT current_database()").fetchall()[0][0]
    # READ_WRITE: the CLI reads the store read-only, the new file is still written. The path is ours,
    # never one from a request.
    con.execute(f"ATTACH '{_quoted(target)}' AS {alias} (READ_WRITE)")
    try:
        with db.transaction(con):
            taken_at = datetime.now(timezone.utc)       # the snapshot is the transaction's start
            con.execute(f'COPY FROM DATABASE "{source}" TO {alias} (SCHEMA)')
            _copy_tables(con, source, alias, progress, cancel)
            facts = {"taken_at": taken_at.isoformat(),
                     "schema_version": db.schema_version(con),
                     "archive_files": retention.parts(con),     # listed files never change: copied after
                     "checksums": {t: list(v) for t, v in writer.store_checksum(con).items()}}
    finally:
        con.execute(f"DETACH {alias}")
    return facts


def _copy_tables(con, source: str, alias: str, progress: ProgressCallback | None,
                 cancel: threading.Event | None) -> None:
    tables = [row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "ORDER BY table_name", [source]).fetchall()]
    sizes = {t: con.execute(f'SELECT count(*) FROM "{source}".main."{t}"').fetchall()[0][0] for t in tables}
    done = 0
    for index, table in enumerate(tables, 1):
        if cancel is not None and cancel.is_set():
            raise BackupCancelled("the backup was stopped before it was complete; nothing was kept")
        con.execute(f'INSERT INTO {alias}.main."{table}" SELECT * FROM "{source}".main."{table}"')
        done += sizes[table]
        if progress is not None:
            progress(Progress(table, index, len(tables), done, sum(sizes.values())))


def _copy_archive(source: Path, target: Path, files: list[str], cancel: threading.Event | None) -> list[dict]:
    """Copy the archive files the snapshot lists; return each one's path, SHA-256 and size."""
    copied = []
    for relative in files:
        if cancel is not None and cancel.is_set():
            raise BackupCancelled("the backup was stopped before it was complete; nothing was kept")
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, target / relative)
        copied.append({"file": relative, "sha256": file_sha256(target / relative),
                       "bytes": (target / relative).stat().st_size})
    return copied


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _write_json(path: Path, value: dict) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False, indent=2)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(COPY_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- listing and keeping N ---------------------------------------------------------------------

def list_backups(out_dir: Path) -> list[dict]:
    """Return the manifests of the complete backups in ``out_dir``, oldest first."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    found = []
    for folder in sorted(out_dir.iterdir()):
        if NAME.match(folder.name) and (folder / MANIFEST_FILE).is_file():
            found.append(read_manifest(folder))
    return found


def prune_backups(out_dir: Path, keep: int) -> list[str]:
    """Delete all but the newest ``keep`` complete backups and any stale partial one; return the names deleted."""
    out_dir = Path(out_dir)
    complete = [m["name"] for m in list_backups(out_dir)]
    doomed = complete[:-keep] if keep > 0 else complete
    doomed += [p.name for p in out_dir.glob(PREFIX + "*" + PARTIAL)] if out_dir.is_dir() else []
    for name in doomed:
        shutil.rmtree(out_dir / name, ignore_errors=True)
    return doomed


def read_manifest(folder: Path) -> dict:
    """Return a backup's manifest; raise BackupError when it is missing or not JSON."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a City Vitals backup: {MANIFEST_FILE} cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: unknown backup format {manifest.get('format') if isinstance(manifest, dict) else '?'}")
    return manifest


# --- checking and restoring --------------------------------------------------------------------

def verify_backup(folder: Path, complete: bool = False) -> dict:
    """Check a backup (complete, files intact, schema this program can open, tables equal to the
    checksums taken at its instant); return its manifest or raise BackupError naming the problem.
    ``complete``: the caller knows the folder is whole though it still has its .partial name."""
    folder = Path(folder)
    if folder.name.endswith(PARTIAL) and not complete:
        raise BackupError(f"{folder} is an unfinished backup (its writer was stopped); it cannot be restored")
    manifest = read_manifest(folder)
    store = folder / STORE_FILE
    if not store.is_file() or file_sha256(store) != manifest.get("sha256"):
        raise BackupError(f"{store} is missing or damaged: its SHA-256 differs from the manifest's")
    if int(manifest.get("schema_version", 0)) > db.latest_schema_version():
        raise BackupError(f"the backup has schema version {manifest['schema_version']}, newer than this program "
                          f"({db.latest_schema_version()}): restore it with the newer City Vitals")
    for part in manifest.get("archive", []):
        if not _inside(folder, part["file"]) or file_sha256(folder / part["file"]) != part["sha256"]:
            raise BackupError(f"the archive file {part['file']} of the backup is missing or damaged")
    con = duckdb.connect(str(store), read_only=True, config={"file_search_path": str(folder.resolve())})
    try:
        version = db.schema_version(con)
        found = {t: list(v) for t, v in writer.store_checksum(con).items()}
    finally:
        con.close()
    if version != manifest["schema_version"]:
        raise BackupError(f"{store} has schema version {version}, the manifest says {manifest['schema_version']}")
    differing = sorted(t for t in manifest["checksums"] if found.get(t) != manifest["checksums"][t])
    if differing:
        raise BackupError(f"{store}: the content of {', '.join(differing)} differs from the backup's checksums")
    return manifest


def restore_backup(folder: Path, target: Path, force: bool = False) -> dict:
    """Check the backup, then put its store at ``target``; return its manifest.

    Refuses a store some process holds (the running server) and, without ``force``, any existing
    file; with ``force`` the replaced store and its WAL are kept beside it as ``*.replaced-<time>``.
    The file is copied under a temporary name and renamed, so an interrupted restore leaves the old
    store in place."""
    target = Path(target)
    if target.exists():
        _refuse_running(target)
        if not force:
            raise BackupError(f"{target} exists: stop using it and add --force to replace it "
                              "(the old file is kept beside it)")
    manifest = verify_backup(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(target.name + ".restoring")
    try:
        shutil.copyfile(Path(folder) / STORE_FILE, incoming)
        _restore_archive(Path(folder), target.parent, manifest.get("archive", []))
        with incoming.open("rb+") as handle:
            os.fsync(handle.fileno())
        _set_aside(target)
        os.replace(incoming, target)
        _fsync_dir(target.parent)
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    return manifest


def _inside(folder: Path, relative: str) -> bool:
    return (folder / relative).resolve().is_relative_to(folder.resolve()) and (folder / relative).is_file()


def _restore_archive(folder: Path, store_folder: Path, parts: list[dict]) -> None:
    """Put the archive files beside the restored store (their names are unique: one already there
    with the same content is kept)."""
    for part in parts:
        destination = store_folder / part["file"]
        if destination.is_file() and file_sha256(destination) == part["sha256"]:
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / part["file"], destination.with_name(destination.name + ".restoring"))
        os.replace(destination.with_name(destination.name + ".restoring"), destination)


def _refuse_running(target: Path) -> None:
    try:
        db.connect(target, read_only=True).close()
    except db.StoreLockedError:
        raise BackupError(f"{target} is in use by a running process (the server?): stop it before restoring "
                          "over it, or restore to another path with --db") from None
    except db.StoreError:
        pass            # not a readable store: replacing it is what restore is for


def _set_aside(target: Path) -> None:
    """Move an existing store and its write-ahead log out of the way (a stale WAL would be replayed
    onto the restored file)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for path in (target, target.with_name(target.name + ".wal")):
        if path.exists():
            os.replace(path, path.with_name(f"{path.name}.replaced-{stamp}"))
