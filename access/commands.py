"""CLI: accounts, wall-screen display tokens and the audit log.

    python cli.py users add NAME --role admin|leader|analyst|duty_officer [--password-stdin]
    python cli.py users passwd NAME [--password-stdin]
    python cli.py users disable NAME
    python cli.py users list
    python cli.py screens add NAME          # prints the kiosk URL path once
    python cli.py screens revoke TOKEN_ID
    python cli.py screens list
    python cli.py audit [--limit 50] [--action login.]

Passwords are asked twice on the terminal, or read from one line of stdin with --password-stdin.
These commands open the store directly: stop the server first (DuckDB allows one process).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from access import accounts
from access.departments import bind_department, check_binding
from data import audit
from data import db
from data.clock import DEFAULT_TZ, local_text
from data.ingest import tokens

ACTOR = "cli"


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise accounts.AccountError("the passwords differ")
    return first


def _run(func):
    """Wrap a command: open the store, turn AccountError into a message and exit status 1."""
    def command(args: argparse.Namespace) -> int:
        con = db.open_store(args.db)
        try:
            return func(con, args)
        except accounts.AccountError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            con.close()
    return command


@_run
def cmd_users_add(con, args) -> int:
    """Create an account."""
    check_binding(con, args.role, args.department)
    accounts.add_user(con, args.name, args.role, _password(args), args.display_name)
    if args.department:
        bind_department(con, args.name, args.department)
    audit.record(con, ACTOR, "user.add", args.name, {"role": args.role, "department": args.department})
    print(f"user {args.name} ({args.role}) created")
    return 0


@_run
def cmd_users_passwd(con, args) -> int:
    """Set a new password (unlocks the account, ends its sessions)."""
    accounts.set_password(con, args.name, _password(args))
    audit.record(con, ACTOR, "user.passwd", args.name)
    print(f"password of {args.name} changed; its sessions ended")
    return 0


@_run
def cmd_users_disable(con, args) -> int:
    """Disable an account at once."""
    accounts.disable_user(con, args.name)
    audit.record(con, ACTOR, "user.disable", args.name)
    print(f"user {args.name} disabled; its sessions ended")
    return 0


@_run
def cmd_users_list(con, args) -> int:
    """Print every account as JSON."""
    print(json.dumps(accounts.list_users(con), ensure_ascii=False, indent=2))
    return 0


@_run
def cmd_screens_add(con, args) -> int:
    """Create a display token and print its kiosk URL path (shown once)."""
    token_id, secret = tokens.create_token(con, args.name, scope="display")
    audit.record(con, ACTOR, "token.create", token_id, {"name": args.name, "scope": "display"})
    print(json.dumps({"token_id": token_id, "kiosk_path": f"/kiosk/{secret}",
                      "note": "open http://HOST:PORT + kiosk_path on the wall screen; shown once"}, indent=2))
    return 0


@_run
def cmd_screens_revoke(con, args) -> int:
    """Revoke a display token; its screens are signed out on their next request."""
    found = tokens.revoke_token(con, args.token_id)
    accounts.end_sessions(con, token_id=args.token_id)
    audit.record(con, ACTOR, "token.revoke", args.token_id)
    print(f"token {args.token_id} revoked" if found else f"no active token {args.token_id}")
    return 0 if found else 1


@_run
def cmd_screens_list(con, args) -> int:
    """Print the display tokens (never their secrets)."""
    print(json.dumps([t for t in tokens.list_tokens(con) if t["scope"] == "display"], indent=2))
    return 0


@_run
def cmd_audit(con, args) -> int:
    """Print the newest audit entries as JSON lines, times in the city's local time (ISO 8601)."""
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    for entry in audit.recent(con, args.limit, args.action):
        print(json.dumps(entry, ensure_ascii=False, default=lambda value: local_text(value, tz)))
    return 0


def register(sub) -> None:
    """Add the users, screens and audit commands to the CLI."""
    users = sub.add_parser("users", help="accounts: add, passwd, disable, list").add_subparsers(dest="action",
                                                                                                required=True)
    add = users.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=accounts.USER_ROLES)
    add.add_argument("--display-name", default=None)
    add.add_argument("--department", default=None, help="the department a user of role department acts for")
    add.set_defaults(func=cmd_users_add)
    passwd = users.add_parser("passwd", help="set a new password")
    passwd.add_argument("name")
    passwd.set_defaults(func=cmd_users_passwd)
    disable = users.add_parser("disable", help="disable an account")
    disable.add_argument("name")
    disable.set_defaults(func=cmd_users_disable)
    users.add_parser("list", help="list accounts").set_defaults(func=cmd_users_list)
    for parser in (add, passwd):
        parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    screens = sub.add_parser("screens", help="wall-screen display tokens").add_subparsers(dest="action",
                                                                                         required=True)
    screen_add = screens.add_parser("add", help="create a display token")
    screen_add.add_argument("name")
    screen_add.set_defaults(func=cmd_screens_add)
    revoke = screens.add_parser("revoke", help="revoke a display token")
    revoke.add_argument("token_id")
    revoke.set_defaults(func=cmd_screens_revoke)
    screens.add_parser("list", help="list display tokens").set_defaults(func=cmd_screens_list)
    log = sub.add_parser("audit", help="the newest audit log entries")
    log.add_argument("--limit", type=int, default=50)
    log.add_argument("--action", default=None, help="only actions starting with this (e.g. login.)")
    log.set_defaults(func=cmd_audit)
    for parser in (*users.choices.values(), *screens.choices.values(), log):
        parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")
