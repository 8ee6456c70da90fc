"""Accounts: roles and permissions, scrypt password hashes, users, sessions and login lockout.

No Dash and no Flask here: the HTTP guard (api/guard.py) and the CLI (access/commands.py)
call these functions with a DuckDB cursor.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from access.passwords import dummy_hash, hash_password, needs_rehash, password_problems, verify_password
from data.clock import now_utc

ROLES = ("admin", "leader", "analyst", "duty_officer", "department", "screen")
USER_ROLES = ROLES[:-1]          # screen sessions come only from display tokens
# What the centre and a department may do with alerts and work orders (docs/ORDERS.md, the role table
# of docs/SECURITY.md): duty officers handle alerts and run the orders' loop; leaders give instructions
# (批示), supervise (督办) and may dispatch; analysts read; a department's user (bound to one
# department, access/departments.py) signs for, works on, feeds back and returns its own orders.
_CENTRE_ORDERS = frozenset({"orders.dispatch", "orders.remind", "orders.supervise", "orders.verify", "orders.close",
                            "orders.comment"})
_DEPARTMENT_ORDERS = frozenset({"orders.sign", "orders.feedback", "orders.return", "orders.comment"})
# What each role may do beyond opening its pages. pii.unmask: see caller names, phones and ID numbers;
# alerts.handle: acknowledge, assign, silence, escalate and close alerts and manage silences.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"pii.unmask", "audit.view", "export", "users.manage", "alerts.handle", "orders.instruct",
                        *_CENTRE_ORDERS, *_DEPARTMENT_ORDERS}),
    "leader": frozenset({"export", "orders.dispatch", "orders.instruct", "orders.supervise", "orders.remind",
                         "orders.comment"}),
    "analyst": frozenset({"export"}),
    "duty_officer": frozenset({"pii.unmask", "export", "alerts.handle", *_CENTRE_ORDERS}),
    "department": _DEPARTMENT_ORDERS,
    "screen": frozenset(),
}
MAX_FAILED_LOGINS = 5                       # consecutive failures before the account locks
LOCKOUT = timedelta(minutes=15)
SESSION_IDLE = {"screen": timedelta(days=30)}   # wall screens poll all day; people sign in again
DEFAULT_SESSION_IDLE = timedelta(hours=12)
SESSION_MAX_AGE = timedelta(days=30)
TOUCH_EVERY = timedelta(minutes=1)          # write last_seen at most this often (fewer write conflicts)


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user or a wall screen, with the role's permissions."""

    role: str
    username: str | None = None
    token_id: str | None = None
    session_hash: str | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        """Return the name written to the audit log."""
        return self.username or f"token:{self.token_id}"

    def may(self, permission: str) -> bool:
        """Return True when the role holds ``permission``."""
        return permission in self.permissions


def check_password_rules(password: str, username: str | None = None) -> None:
    """Raise AccountError naming every way a new password breaks the policy (password_problems)."""
    problems = password_problems(password, username)
    if problems:
        raise AccountError("; ".join(problems))


def principal_for(role: str, username: str | None = None, token_id: str | None = None,
                  session_hash: str | None = None) -> Principal:
    """Return the Principal of a role with that role's permissions."""
    return Principal(role, username, token_id, session_hash, PERMISSIONS.get(role, frozenset()))


# --- users -------------------------------------------------------------------------------------

def add_user(con: duckdb.DuckDBPyConnection, username: str, role: str, password: str,
             display_name: str | None = None) -> None:
    """Create an account; raise AccountError for a taken name, an unknown role or a weak password."""
    if role not in USER_ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(USER_ROLES)}")
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise AccountError("a username uses letters, digits, '.', '-' and '_' only")
    check_password_rules(password, username)
    if con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchall()[0][0]:
        raise AccountError(f"the user {username!r} exists already")
    now = now_utc()
    con.execute("INSERT INTO users (username, display_name, role, password_hash, created_at, password_changed_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", [username, display_name, role, hash_password(password), now, now])


def set_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> None:
    """Replace a user's password, unlock the account and end its sessions."""
    check_password_rules(password, username)
    _require_user(con, username)
    con.execute("UPDATE users SET password_hash = ?, password_changed_at = ?, failed_logins = 0, locked_until = NULL "
                "WHERE username = ?", [hash_password(password), now_utc(), username])
    end_sessions(con, username=username)


def disable_user(con: duckdb.DuckDBPyConnection, username: str) -> None:
    """Disable an account and end its sessions at once."""
    _require_user(con, username)
    con.execute("UPDATE users SET disabled_at = ? WHERE username = ? AND disabled_at IS NULL", [now_utc(), username])
    end_sessions(con, username=username)


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return every account without its password hash."""
    rows = con.execute("SELECT username, display_name, role, created_at, disabled_at, locked_until, last_login_at, "
                       "department FROM users ORDER BY username").fetchall()
    keys = ("username", "display_name", "role", "created_at", "disabled_at", "locked_until", "last_login_at",
            "department")
    return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in zip(keys, row)} for row in rows]


def count_active_admins(con: duckdb.DuckDBPyConnection) -> int:
    """Return how many enabled admin accounts exist."""
    return con.execute("SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL").fetchall()[0][0]


def _require_user(con: duckdb.DuckDBPyConnection, username: str) -> None:
    if not con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchall()[0][0]:
        raise AccountError(f"no user {username!r}")


# --- login -------------------------------------------------------------------------------------

def authenticate(con: duckdb.DuckDBPyConnection, username: str, password: str) -> tuple[str, str | None]:
    """Check a login; return (verdict, role) with verdict ok, bad, locked or disabled.

    Five consecutive failures lock a name for fifteen minutes, even for the right password, whether
    or not an account has that name (so "locked" tells nothing about which accounts exist), and
    every answer costs one password check (a dummy one for unknown or locked names). The attempts
    of one name are checked one at a time (:func:`_one_at_a_time`), so parallel guesses cannot
    all pass the lock before the first failure is counted.
    """
    with _one_at_a_time(username):
        now = now_utc()
        row = con.execute("SELECT password_hash, role, disabled_at, locked_until FROM users WHERE username = ?",
                          [username]).fetchall()
        if not row:
            locked = UNKNOWN_NAMES.attempt(username, now)
            verify_password(password, dummy_hash())
            return ("locked" if locked else "bad"), None
        stored, role, disabled_at, locked_until = row[0]
        if locked_until is not None and locked_until > now:
            verify_password(password, dummy_hash())
            return "locked", None
        if not verify_password(password, stored):
            failures = _update_user(con, "UPDATE users SET failed_logins = failed_logins + 1 WHERE username = ? "
                                         "RETURNING failed_logins", [username])
            if failures < MAX_FAILED_LOGINS:
                return "bad", None
            _update_user(con, "UPDATE users SET failed_logins = 0, locked_until = ? WHERE username = ?",
                         [now + LOCKOUT, username])
            return "locked", None
        if disabled_at is not None:
            return "disabled", None
        rehashed = hash_password(password) if needs_rehash(stored) else stored
        _update_user(con, "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ?, "
                          "password_hash = ? WHERE username = ?", [now, rehashed, username])
        return "ok", role


_NAME_LOCKS = tuple(threading.Lock() for _ in range(64))


def _one_at_a_time(username: str) -> threading.Lock:
    """Return the lock that serialises sign-ins of ``username`` (one of 64, by the name's hash)."""
    return _NAME_LOCKS[int(hashlib.sha256(username.encode("utf-8")).hexdigest()[:8], 16) % len(_NAME_LOCKS)]


class UnknownNames:
    """Failed sign-ins of names no account has, kept in memory (at most ``limit`` names), so they
    lock exactly as an account would."""

    def __init__(self, limit: int = 10_000):
        self.limit = limit
        self._names: dict[str, tuple[int, datetime | None]] = {}
        self._lock = threading.Lock()

    def attempt(self, username: str, now: datetime) -> bool:
        """Count one failed attempt of ``username``; return True when the name is locked."""
        with self._lock:
            failures, locked_until = self._names.pop(username, (0, None))
            if locked_until is not None and locked_until > now:
                self._names[username] = (failures, locked_until)
                return True
            failures = failures + 1 if locked_until is None else 1
            locked = failures >= MAX_FAILED_LOGINS
            self._names[username] = (0, now + LOCKOUT) if locked else (failures, None)
            while len(self._names) > self.limit:
                self._names.pop(next(iter(self._names)))
            return locked


UNKNOWN_NAMES = UnknownNames()


def _update_user(con: duckdb.DuckDBPyConnection, sql: str, params: list, attempts: int = 20):
    """Run an update of one user's row and return its RETURNING value (if any), retrying when a
    concurrent sign-in of the same account updated the row first (DuckDB refuses the second
    writer with a conflict; the retry applies the update to the winner's committed row)."""
    for attempt in range(attempts):
        try:
            rows = con.execute(sql, params).fetchall()
            return rows[0][0] if rows else None
        except duckdb.TransactionException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.005 * (attempt + 1))


# --- sessions ----------------------------------------------------------------------------------

def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start_session(con: duckdb.DuckDBPyConnection, role: str, username: str | None = None,
                  token_id: str | None = None, remote_addr: str | None = None) -> str:
    """Open a session; return the cookie value (only its hash is stored)."""
    secret = secrets.token_urlsafe(32)
    now = now_utc()
    con.execute("INSERT INTO sessions (session_hash, username, token_id, role, created_at, last_seen_at, expires_at, "
                "remote_addr) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [_hash(secret), username, token_id, role, now, now, now + SESSION_MAX_AGE, remote_addr])
    return secret


def resolve_session(con: duckdb.DuckDBPyConnection, secret: str) -> Principal | None:
    """Return the Principal of a live session, or None (ended, expired, idle, disabled, revoked)."""
    row = con.execute(
        "SELECT s.role, s.username, s.token_id, s.last_seen_at, s.expires_at, u.disabled_at, t.revoked_at "
        "FROM sessions s LEFT JOIN users u ON u.username = s.username "
        "LEFT JOIN api_tokens t ON t.token_id = s.token_id "
        "WHERE s.session_hash = ? AND s.ended_at IS NULL", [_hash(secret)]).fetchall()
    row = row[0] if row else None       # fetchall: a half-read result would block this thread's cursor
    if row is None:
        return None
    role, username, token_id, last_seen, expires, disabled_at, revoked_at = row
    now = now_utc()
    idle = SESSION_IDLE.get(role, DEFAULT_SESSION_IDLE)
    if expires <= now or last_seen + idle <= now or disabled_at is not None or revoked_at is not None:
        return None
    if username is not None and _user_role(con, username) != role:
        return None            # the role changed since sign-in: sign in again
    if now - last_seen >= TOUCH_EVERY:
        _touch(con, _hash(secret), now)
    return principal_for(role, username, token_id, _hash(secret))


def _user_role(con: duckdb.DuckDBPyConnection, username: str) -> str | None:
    rows = con.execute("SELECT role FROM users WHERE username = ?", [username]).fetchall()
    return rows[0][0] if rows else None


def _touch(con: duckdb.DuckDBPyConnection, session_hash: str, now: datetime) -> None:
    try:
        con.execute("UPDATE sessions SET last_seen_at = ? WHERE session_hash = ?", [now, session_hash])
    except duckdb.TransactionException:
        pass        # another request of the same session touched it in the same instant


def end_session(con: duckdb.DuckDBPyConnection, secret: str) -> None:
    """End one session (logout)."""
    con.execute("UPDATE sessions SET ended_at = ? WHERE session_hash = ? AND ended_at IS NULL",
                [now_utc(), _hash(secret)])


def end_sessions(con: duckdb.DuckDBPyConnection, username: str | None = None, token_id: str | None = None) -> None:
    """End every session of a user or of a display token."""
    con.execute("UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL AND (username = ? OR token_id = ?)",
                [now_utc(), username, token_id])
