"""What an administrator changes while the server runs: accounts and tokens, each audited with its actor.

New passwords and token secrets are made here from the system's random source, returned once for
the page to show, and stored only as hashes (accounts.hash_password, tokens.hash_token). Accounts
are created and reset through access/accounts.py, so its password rules apply to every password.
The admin pages (callbacks/admin_users.py, callbacks/admin_tokens.py) call these functions with the
server's own cursor: the running server is the one writer of its store.
"""

from __future__ import annotations

import functools
import secrets
import string

import duckdb

from access import accounts, departments
from data import audit
from data.db import transaction
from data.ingest import tokens

TOKEN_SCOPES = ("display", "ingest", "backup")      # wall screens, feeds, cli.py backup
NEW_PASSWORD_LENGTH = 16
MAX_NAME = 64
_ALPHABET = string.ascii_letters + string.digits + "-_.!"


def _one_writer_at_a_time(func):
    """Turn a write conflict (a sign-in updated the same row in the same instant) into AdminError."""
    @functools.wraps(func)
    def guarded(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except duckdb.TransactionException:
            raise AdminError("conflict") from None
    return guarded


class AdminError(ValueError):
    """An administrator's request that cannot be done; ``code`` names the reason for the page's text."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


def generate_password() -> str:
    """Return a random password that mixes lower and upper case letters, digits and a symbol."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(NEW_PASSWORD_LENGTH))
        classes = (str.islower, str.isupper, str.isdigit, lambda c: c in "-_.!")
        if all(any(test(c) for c in password) for test in classes):
            return password


@_one_writer_at_a_time
def create_user(con: duckdb.DuckDBPyConnection, actor: str, username: str, role: str,
                display_name: str | None = None, remote_addr: str | None = None,
                department: str | None = None) -> str:
    """Create an account with a new password; return the password (to show once). A user of role
    ``department`` is created bound to ``department`` (required for that role, refused for others)."""
    username, display_name = (username or "").strip(), (display_name or "").strip()[:MAX_NAME] or None
    department = (department or "").strip() or None
    if role not in accounts.USER_ROLES:
        raise AdminError("bad_role", role)
    if not username or len(username) > MAX_NAME:
        raise AdminError("bad_username")
    if _user(con, username) is not None:
        raise AdminError("name_taken", username)
    _check_binding(con, role, department)
    password = generate_password()
    with transaction(con):
        try:
            accounts.add_user(con, username, role, password, display_name)
            if department:
                departments.bind_department(con, username, department)
        except accounts.AccountError as exc:
            raise AdminError("rejected", str(exc)) from None
        audit.record(con, actor, "user.add", username,
                     {"role": role, "department": department, "via": "admin page"}, remote_addr)
    return password


def _check_binding(con: duckdb.DuckDBPyConnection, role: str, department: str | None) -> None:
    if role == departments.DEPARTMENT_ROLE and not department:
        raise AdminError("need_department")
    try:
        departments.check_binding(con, role, department)
    except accounts.AccountError as exc:
        raise AdminError("rejected", str(exc)) from None


@_one_writer_at_a_time
def reset_password(con: duckdb.DuckDBPyConnection, actor: str, username: str, remote_addr: str | None = None) -> str:
    """Give an account a new password (unlocks it, ends its sessions); return the password (to show once)."""
    _require(con, username)
    password = generate_password()
    try:
        accounts.set_password(con, username, password)
    except accounts.AccountError as exc:
        raise AdminError("rejected", str(exc)) from None
    audit.record(con, actor, "user.passwd", username, {"via": "admin page"}, remote_addr)
    return password


@_one_writer_at_a_time
def disable_user(con: duckdb.DuckDBPyConnection, actor: str, username: str, remote_addr: str | None = None) -> None:
    """Disable an account and end its sessions; never one's own, never the last enabled administrator."""
    row = _require(con, username)
    if username == actor:
        raise AdminError("self_disable")
    if row["role"] == "admin" and row["disabled_at"] is None and accounts.count_active_admins(con) <= 1:
        raise AdminError("last_admin")
    accounts.disable_user(con, username)
    audit.record(con, actor, "user.disable", username, {"via": "admin page"}, remote_addr)


@_one_writer_at_a_time
def enable_user(con: duckdb.DuckDBPyConnection, actor: str, username: str, remote_addr: str | None = None) -> None:
    """Enable a disabled account again (its lockout cleared; it signs in with its password)."""
    _require(con, username)
    con.execute("UPDATE users SET disabled_at = NULL, failed_logins = 0, locked_until = NULL WHERE username = ?",
                [username])
    audit.record(con, actor, "user.enable", username, {"via": "admin page"}, remote_addr)


@_one_writer_at_a_time
def create_token(con: duckdb.DuckDBPyConnection, actor: str, name: str, scope: str,
                 remote_addr: str | None = None) -> tuple[str, str]:
    """Create a token of ``scope``; return (token id, secret). Only the secret's hash is stored."""
    name = (name or "").strip()
    if scope not in TOKEN_SCOPES:
        raise AdminError("bad_scope", scope)
    if not name or len(name) > MAX_NAME:
        raise AdminError("bad_token_name")
    token_id, secret = tokens.create_token(con, name, scope=scope)
    audit.record(con, actor, "token.create", token_id, {"name": name, "scope": scope, "via": "admin page"},
                 remote_addr)
    return token_id, secret


@_one_writer_at_a_time
def revoke_token(con: duckdb.DuckDBPyConnection, actor: str, token_id: str, remote_addr: str | None = None) -> None:
    """Revoke a token; the wall screens signed in with it are signed out on their next request."""
    if not tokens.revoke_token(con, token_id):
        raise AdminError("unknown_token", token_id)
    accounts.end_sessions(con, token_id=token_id)
    audit.record(con, actor, "token.revoke", token_id, {"via": "admin page"}, remote_addr)


def list_tokens(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return every token of the scopes this page manages (never a secret)."""
    return [t for t in tokens.list_tokens(con) if t["scope"] in TOKEN_SCOPES]


def _user(con: duckdb.DuckDBPyConnection, username: str) -> dict | None:
    rows = con.execute("SELECT role, disabled_at FROM users WHERE username = ?", [username]).fetchall()
    return {"role": rows[0][0], "disabled_at": rows[0][1]} if rows else None


def _require(con: duckdb.DuckDBPyConnection, username: str) -> dict:
    row = _user(con, username)
    if row is None:
        raise AdminError("unknown_user", username)
    return row
