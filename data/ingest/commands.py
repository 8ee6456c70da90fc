"""CLI subcommands: ingest, quarantine, tokens (registered by cli.py through COMMAND_MODULES)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from data import db
from data.ingest import client, pipeline, quarantine, registry, tokens
from data.ingest.mapping import load_mapping
from data.ingest.rules import REASONS

KINDS = ("grids", "events", "sensors", "readings")


def _print(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest one file and print its JSON summary; through the API when the server holds the store."""
    mapping = load_mapping(args.mapping)
    path = Path(args.path)
    if not path.exists():
        raise ValueError(f"No such file: {path}")
    try:
        con = db.open_store(args.db)
    except db.StoreLockedError as exc:
        return _ingest_through_server(args, mapping, path, str(exc))
    try:
        summary = pipeline.ingest_path(con, args.kind, path, mapping, progress=not args.quiet)
    finally:
        con.close()
    _print(summary.as_dict())
    return 0


def _ingest_through_server(args, mapping, path: Path, locked: str) -> int:
    token = client.token_value(args.token)
    if args.kind not in client.API_KINDS:
        raise db.StoreLockedError(f"{locked}\nThe HTTP API takes events and readings only: stop the server "
                                  f"to ingest {args.kind}, then start it again.")
    if not token:
        raise db.StoreLockedError(
            f"{locked}\nTo send the file through the running server instead, give an API token: "
            f"python cli.py ingest {args.kind} {path} --mapping {args.mapping} --token TOKEN "
            f"(or set CITY_TOKEN; server URL from --server or CITY_SERVER, default {client.DEFAULT_SERVER}). "
            f"Tokens are made with 'python cli.py tokens create NAME' while the server is stopped.")
    server = client.server_url(args.server)
    print(f"The server holds the database: sending {path.name} to {server}/api/v1/{args.kind}", file=sys.stderr)
    try:
        answers = client.send_file(args.kind, path, mapping, server, token)
    except client.ApiError as exc:
        raise ValueError(str(exc)) from None
    _print([a["summary"] for a in answers] if len(answers) > 1 else answers[0]["summary"])
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    """List, show or export quarantined rows."""
    con = db.open_store(args.db, read_only=True)
    try:
        if args.action == "list":
            _print(quarantine.list_quarantine(con, args.batch, args.reason))
        elif args.action == "show":
            if args.batch is None:
                raise ValueError("quarantine show needs --batch (and optionally --row)")
            _print(quarantine.show_rows(con, args.batch, args.row, args.limit))
        elif args.action == "flags":
            _print(quarantine.show_flags(con, args.batch, args.limit))
        elif args.action == "reasons":
            _print(REASONS)
        else:
            if not args.output:
                raise ValueError("quarantine export needs --output FILE (.csv, .jsonl)")
            count = quarantine.export_quarantine(con, Path(args.output), args.batch, args.reason)
            _print({"exported": count, "file": args.output})
    finally:
        con.close()
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    """Create, list or revoke API tokens."""
    con = db.open_store(args.db)
    try:
        if args.action == "create":
            if not args.name:
                raise ValueError("tokens create needs a NAME")
            token_id, secret = tokens.create_token(con, args.name, scope=args.scope)
            _print({"token_id": token_id, "name": args.name, "scope": args.scope, "token": secret,
                    "note": "shown once: only its hash is stored"})
        elif args.action == "revoke":
            if not tokens.revoke_token(con, args.name or ""):
                raise ValueError(f"No active token with id {args.name!r}")
            _print({"revoked": args.name})
        else:
            _print(tokens.list_tokens(con))
    finally:
        con.close()
    return 0


def cmd_mappings(args: argparse.Namespace) -> int:
    """Register, list or remove the mappings the ingest API may use (besides the shipped ones)."""
    con = db.open_store(args.db)
    try:
        if args.action == "register":
            if not args.target:
                raise ValueError("mappings register needs the mapping FILE")
            mapping = registry.register_mapping(con, args.target)
            _print({"registered": mapping.name, "kind": mapping.kind})
        elif args.action == "remove":
            if not registry.unregister_mapping(con, args.target or ""):
                raise ValueError(f"No registered mapping {args.target!r}")
            _print({"removed": args.target})
        else:
            _print(registry.list_registered(con))
    finally:
        con.close()
    return 0


def register(subparsers) -> None:
    """Add the ingest, quarantine and tokens subcommands."""
    ingest = subparsers.add_parser("ingest", help="load a city's file (grids, events, sensors, readings)")
    ingest.add_argument("kind", choices=KINDS)
    ingest.add_argument("path", help="the file (CSV, xlsx, xls, Parquet, JSON, NDJSON, Open311; grids: GeoJSON, "
                                     "Shapefile, GeoPackage, GeoParquet)")
    ingest.add_argument("--mapping", required=True, help="mapping YAML file, or a shipped mapping's name")
    ingest.add_argument("--token", default=None, help="API token when the server holds the database ($CITY_TOKEN)")
    ingest.add_argument("--server", default=None, help=f"server URL ($CITY_SERVER, default {client.DEFAULT_SERVER})")
    ingest.add_argument("--quiet", action="store_true", help="no progress output")
    ingest.set_defaults(func=cmd_ingest)
    quar = subparsers.add_parser("quarantine", help="rejected rows: list, show, export, reasons; flags on accepted rows")
    quar.add_argument("action", choices=("list", "show", "export", "reasons", "flags"))
    quar.add_argument("--batch", type=int, default=None)
    quar.add_argument("--reason", default=None, choices=sorted(REASONS))
    quar.add_argument("--row", type=int, default=None, help="show: one source row")
    quar.add_argument("--limit", type=int, default=20, help="show, flags: at most this many rows")
    quar.add_argument("--output", default=None, help="export: the file to write (.csv or .jsonl)")
    quar.set_defaults(func=cmd_quarantine)
    tok = subparsers.add_parser("tokens", help="API tokens: create NAME, list, revoke ID")
    tok.add_argument("action", choices=("create", "list", "revoke"))
    tok.add_argument("name", nargs="?", default=None, help="create: the token's name; revoke: its id")
    tok.add_argument("--scope", default="ingest", choices=tokens.FEED_SCOPES,
                     help="create: ingest (events, readings) or alarms (camera alarm feeds, POST /api/v1/alarms)")
    tok.set_defaults(func=cmd_tokens)
    maps = subparsers.add_parser("mappings", help="mappings the ingest API may use: register FILE, list, remove NAME")
    maps.add_argument("action", choices=("register", "list", "remove"))
    maps.add_argument("target", nargs="?", default=None, help="register: the mapping file; remove: its name")
    maps.set_defaults(func=cmd_mappings)
    for parser in (ingest, quar, tok, maps):
        parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")
