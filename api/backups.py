"""/api/v1/backups: take a backup of the running server's store, list the backups, download one.

    POST /api/v1/backups                    NDJSON: {"progress": …} lines, then {"backup": manifest}
    GET  /api/v1/backups                    the complete backups (manifests without checksums)
    GET  /api/v1/backups/<name>/<file>      store.duckdb, manifest.json or an archive file its manifest lists

For a token of scope ``backup`` (``cli.py backup --token``) or an administrator's session. The
backups stay in the server's backup folder (data/backup_schedule.py): nothing in a request names
a file; a name is served only when it is one of the listed backups.
"""

from __future__ import annotations

import json
import logging
import queue
import threading

from flask import Blueprint, Response, send_file

from access.roles import current_principal
from data import audit, backup, backup_schedule

log = logging.getLogger(__name__)
ROLES = ("admin", "backup")         # an administrator's session, or a bearer token of scope backup
_DONE = object()


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _refused() -> Response | None:
    principal = current_principal()
    if principal is None or principal.role not in ROLES:
        return _json({"error": "backups need an administrator or a token of scope backup"}, 403)
    return None


class BackupRoutes:
    """The backup routes bound to the server's store."""

    def __init__(self, app_context):
        self.app_context = app_context

    def blueprint(self) -> Blueprint:
        bp = Blueprint("backups", __name__)
        bp.add_url_rule("/api/v1/backups", "take", self.take, methods=["POST"])
        bp.add_url_rule("/api/v1/backups", "listing", self.listing, methods=["GET"])
        bp.add_url_rule("/api/v1/backups/<name>/<path:file_name>", "download", self.download, methods=["GET"])
        return bp

    def take(self) -> Response:
        """Start a backup in its own thread and stream its progress; the backup finishes even if the
        client goes away."""
        refused = _refused()
        if refused is not None:
            return refused
        actor = current_principal().actor
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._run, args=(actor, lines), name="backup-request", daemon=True).start()
        return Response(_stream(lines), mimetype="application/x-ndjson")

    def _run(self, actor: str, lines: queue.Queue) -> None:
        cursor = self.app_context.con.cursor()
        try:
            manifest = backup_schedule.run_backup(cursor, progress=lambda p: _progress(lines, p))
            audit.record(cursor, actor, "backup.create", manifest["name"], {"bytes": manifest["bytes"]})
            lines.put({"backup": _public(manifest)})
        except Exception as exc:        # reported to the client; the server carries on
            log.exception("backup failed")
            lines.put({"error": str(exc)[:500]})
        finally:
            lines.put(_DONE)
            cursor.close()

    def listing(self) -> Response:
        """Return the complete backups, oldest first."""
        return _refused() or _json([_public(m) for m in backup.list_backups(self._folder())])

    def download(self, name: str, file_name: str) -> Response:
        """Send one file of a listed backup."""
        refused = _refused()
        if refused is not None:
            return refused
        manifest = next((m for m in backup.list_backups(self._folder()) if m["name"] == name), None)
        served = set(backup.BACKUP_FILES) | {part["file"] for part in (manifest or {}).get("archive", [])}
        if manifest is None or file_name not in served:
            return _json({"error": "no such backup file"}, 404)
        audit.record(self.app_context.cursor(), current_principal().actor, "backup.download", f"{name}/{file_name}")
        return send_file(self._folder() / name / file_name, as_attachment=True,
                         download_name=f"{name}-{file_name.rsplit('/', 1)[-1]}")

    def _folder(self):
        return backup_schedule.backup_dir(self.app_context.cursor())


def _progress(lines: queue.Queue, progress: backup.Progress) -> None:
    log.info(progress.line())
    lines.put({"progress": progress.line()})


def _public(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k != "checksums"}


def _stream(lines: queue.Queue):
    while True:
        item = lines.get()
        if item is _DONE:
            return
        yield json.dumps(item, ensure_ascii=False) + "\n"


def register(server, app_context) -> None:
    """Mount the backup routes on the Flask server."""
    server.register_blueprint(BackupRoutes(app_context).blueprint())
