"""API bearer tokens: created and revoked with the CLI, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets

import duckdb

from data.ingest.batches import now_utc

PREFIX = "cv"
FEED_SCOPES = ("ingest", "alarms")          # what a feed's token may post: cases and readings, or camera alarms
# The API paths (and the paths below them) a scope other than ingest opens: the request guard checks
# a bearer token against the scope of the path it asks for.
SCOPE_OF_PATH = {"/api/v1/alarms": "alarms", "/api/v1/backups": "backup"}


def hash_token(secret: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(con: duckdb.DuckDBPyConnection, name: str, scope: str = "ingest") -> tuple[str, str]:
    """Create a token (scope ingest, alarms, or display for wall screens); return (token id, the secret, shown once)."""
    token_id = secrets.token_hex(4)
    secret = f"{PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
    con.execute("INSERT INTO api_tokens (token_id, name, token_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)",
                [token_id, name, hash_token(secret), scope, now_utc()])
    return token_id, secret


def revoke_token(con: duckdb.DuckDBPyConnection, token_id: str) -> bool:
    """Revoke a token; return False when no active token has that id."""
    found = con.execute("SELECT count(*) FROM api_tokens WHERE token_id = ? AND revoked_at IS NULL",
                        [token_id]).fetchone()[0]
    con.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL", [now_utc(), token_id])
    return bool(found)


def list_tokens(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return every token's id, name and dates (never the secret)."""
    rows = con.execute("SELECT token_id, name, created_at, revoked_at, scopes FROM api_tokens "
                       "ORDER BY created_at").fetchall()
    return [{"token_id": r[0], "name": r[1], "created_at": r[2].isoformat(),
             "revoked_at": r[3].isoformat() if r[3] else None, "scope": r[4]} for r in rows]


def check_token(con: duckdb.DuckDBPyConnection, secret: str, scope: str = "ingest") -> str:
    """Return 'ok', 'revoked' or 'unknown' for a presented token (a token of another scope is unknown)."""
    return identify_token(con, secret, scope)[0]


def identify_token(con: duckdb.DuckDBPyConnection, secret: str, scope: str = "ingest") -> tuple[str, str | None]:
    """Return (verdict, the stored token's id) for a presented token; the id is None when no stored
    token has this secret, so a forged token never speaks for a real one (whatever id it carries)."""
    row = con.execute("SELECT revoked_at, token_id FROM api_tokens WHERE token_hash = ? AND scopes = ?",
                      [hash_token(secret[:512]), scope]).fetchall()
    row = row[0] if row else None       # fetchall: a half-read result would block the request's cursor
    if row is None:
        return "unknown", None
    return ("revoked" if row[0] is not None else "ok"), row[1]


def token_id_of(secret: str) -> str | None:
    """Return the public id inside a presented token (cv_<id>_...), or None when it has no such shape."""
    parts = secret.split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX and parts[1].isalnum() else None
