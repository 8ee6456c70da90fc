"""CLI commands of the alerts: list, show, handle, state at an instant, check the rules, replay the demo episodes.

    python cli.py alerts list [--level L] [--domain D] [--unit CODE] [--db PATH]
    python cli.py alerts show ID
    python cli.py alerts ack|silence|assign|escalate|close ID --actor NAME [--comment ..] [--hours N]
                                                            [--level N --department ..]
    python cli.py alerts silences list [--all]
    python cli.py alerts silences add --match 'crowding.*' [--unit CODE] --hours N --actor NAME --comment REASON
    python cli.py alerts silences expire|remove ID --actor NAME
    python cli.py alerts state --at TIME
    python cli.py alerts check
    python cli.py alerts replay --days N [--step-hours H] [--db COPY]     (writes: use a copy)
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from tqdm import tqdm

from data import db
from data.clock import DEFAULT_TZ, HOUR_S, local_text, parse_instant
from indicators.alerting import handling, queries, replay, silences, store
from indicators.alerting.rules import alerting_indicators, load_config
from indicators.catalog import load_catalog
from indicators.city_catalog import catalog_for_store

ACTIONS = ("ack", "silence", "assign", "escalate", "close")


def register(sub) -> None:
    """Add the ``alerts`` subcommand and its actions."""
    group = sub.add_parser("alerts", help="alerts: list, show, handle, reconstruct, check rules, replay")
    actions = group.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="open alerts, most severe and oldest first")
    for name in ("--level", "--domain", "--unit"):
        listing.add_argument(name, default=None)
    listing.set_defaults(func=cmd_list)
    show = actions.add_parser("show", help="an alert with its history")
    show.add_argument("alert_id", type=int)
    show.set_defaults(func=cmd_show)
    for name in ACTIONS:
        act = actions.add_parser(name, help=f"{name} an alert (audited)")
        act.add_argument("alert_id", type=int)
        act.add_argument("--actor", required=True, help="who does it (recorded in the audit)")
        act.add_argument("--comment", default="", help="comment, silence reason, escalation reason or resolution note")
        act.add_argument("--hours", type=float, default=4.0, help="silence: hours until it expires")
        act.add_argument("--level", type=int, default=3, help="assign: 1 district, 2 street, 3 community")
        act.add_argument("--department", default="")
        act.set_defaults(func=cmd_act)
    silence_parsers = _register_silences(actions)
    state = actions.add_parser("state", help="every series not normal at an instant, from alert_history")
    state.add_argument("--at", required=True)
    state.set_defaults(func=cmd_state)
    actions.add_parser("check", help="validate rules.yaml against the catalog").set_defaults(func=cmd_check)
    again = actions.add_parser("replay", help="replay the episode-related alerts over past days; false-alarm rate")
    again.add_argument("--days", type=float, default=20)
    again.add_argument("--step-hours", type=float, default=1)
    again.set_defaults(func=cmd_replay)
    for parser in list(actions.choices.values()) + silence_parsers:
        parser.add_argument("--db", default=None)


def _register_silences(actions) -> list:
    """Add ``alerts silences list|add|expire|remove``: silences by matcher over a unit subtree; return
    their parsers (each parser built anew, so the CLI's parser can be built twice in one process)."""
    group = actions.add_parser("silences", help="silences by matcher: an indicator or prefix within a unit subtree")
    verbs = group.add_subparsers(dest="verb", required=True)
    listing = verbs.add_parser("list", help="active and scheduled silences (--all: expired ones too)")
    listing.add_argument("--all", action="store_true")
    listing.set_defaults(func=cmd_silences_list)
    add = verbs.add_parser("add", help="silence every alert matching --match within --unit and beneath it (audited)")
    add.add_argument("--match", required=True, help="an indicator id, or a prefix ending in * (air.*, air.pm25.*)")
    add.add_argument("--unit", default=None, help="a unit code: it and everything beneath it (default: the whole city)")
    add.add_argument("--hours", type=float, required=True, help="hours until it expires")
    add.add_argument("--starts-in-hours", type=float, default=0.0, help="schedule it to begin later")
    add.add_argument("--actor", required=True)
    add.add_argument("--comment", required=True, help="the reason")
    add.set_defaults(func=cmd_silences_add)
    for verb in ("expire", "remove"):
        end = verbs.add_parser(verb, help=f"{verb} a silence now (audited)")
        end.add_argument("silence_id", type=int)
        end.add_argument("--actor", required=True)
        end.set_defaults(func=cmd_silences_end)
    return list(verbs.choices.values())


def _con(args, read_only=False):
    con = db.open_store(args.db, read_only=read_only)
    return con, db.get_setting(con, "city.tz", DEFAULT_TZ)


def _print(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=1, default=str))


def cmd_list(args: argparse.Namespace) -> int:
    """Print the open alerts as JSON lines."""
    con, _ = _con(args, read_only=True)
    frame = queries.live_alerts(con, int(time.time()), args.level, args.domain, args.unit)
    columns = ["alert_id", "severity", "state", "indicator_id", "unit_code", "level", "value", "threshold",
               "acked_by", "silenced", "handling_level", "group_root"]
    for rec in frame[columns].to_dict("records") if not frame.empty else []:
        print(json.dumps(rec, ensure_ascii=False, default=str))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print one alert and its history."""
    con, _ = _con(args, read_only=True)
    _print({"alert": store.alert_dict(con, args.alert_id),
            "history": queries.alert_history(con, args.alert_id).to_dict("records")})
    return 0


def cmd_act(args: argparse.Namespace) -> int:
    """Apply one handling action as --actor."""
    con, _ = _con(args)
    now = int(time.time())
    calls = {
        "ack": lambda: handling.acknowledge(con, args.alert_id, args.actor, args.comment, now),
        "silence": lambda: handling.silence(con, args.alert_id, args.actor, args.comment,
                                            now + int(args.hours * HOUR_S), now),
        "assign": lambda: handling.assign(con, args.alert_id, args.actor, args.level, args.department, now),
        "escalate": lambda: handling.escalate(con, args.alert_id, args.actor, args.comment, now),
        "close": lambda: handling.close(con, args.alert_id, args.actor, args.comment, now),
    }
    return _report(calls[args.action])


def cmd_silences_list(args: argparse.Namespace) -> int:
    """Print the silences as JSON lines."""
    con, _ = _con(args, read_only=True)
    for rec in silences.list_silences(con, int(time.time()), include_ended=args.all).to_dict("records"):
        print(json.dumps(rec, ensure_ascii=False, default=str))
    return 0


def cmd_silences_add(args: argparse.Namespace) -> int:
    """Create a silence by matcher as --actor."""
    con, _ = _con(args)
    now = int(time.time())
    starts = now + int(args.starts_in_hours * HOUR_S)
    known = [i.id for i in catalog_for_store(con).indicators]
    return _report(lambda: silences.create(con, args.actor, args.match, args.unit, args.comment,
                                           starts + int(args.hours * HOUR_S), now, starts_s=starts, known_ids=known))


def cmd_silences_end(args: argparse.Namespace) -> int:
    """Expire or remove a silence now as --actor."""
    con, _ = _con(args)
    end = silences.expire if args.verb == "expire" else silences.remove
    return _report(lambda: end(con, args.silence_id, args.actor, int(time.time())))


def _report(call) -> int:
    """Run a handling call and print its result; a refused action prints its reason and returns 1."""
    try:
        _print(call())
    except handling.HandlingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_state(args: argparse.Namespace) -> int:
    """Print the reconstructed state of every series not normal at --at (city-local without an
    offset), each since when in the city's local time."""
    con, tz = _con(args, read_only=True)
    for rec in store.state_at(con, parse_instant(args.at, tz)).to_dict("records"):
        print(json.dumps(rec, ensure_ascii=False, default=lambda value: local_text(value, tz)))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate rules.yaml: patterns that match nothing, unknown outage health indicators."""
    config, catalog = load_config(), load_catalog()
    ids = [i.id for i in catalog.indicators]
    from fnmatch import fnmatchcase
    problems = [f"rule '{r.match}' matches no indicator" for r in config.rules + config.periods
                if not any(fnmatchcase(i, r.match) for i in ids)]
    problems += [f"outage {o.source}: unknown health indicator {o.health}" for o in config.outages if o.health not in catalog]
    problems += [f"override for unknown indicator {k[0]}" for k in config.overrides if k[0] not in catalog]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    _print({"alerting_indicators": len(alerting_indicators(config, catalog)), "rules": len(config.rules),
            "special_periods": len(config.periods), "outages": len(config.outages), "problems": 0})
    return 0


def recorded_episode_windows(con) -> dict[str, tuple[int, int]]:
    """Return the named incident windows ([start, end) epoch seconds) the demo builder recorded."""
    recorded = db.get_setting(con, "demo.episodes")
    if recorded is None:
        raise SystemExit("this store records no episode windows: replay scores the demo city's episodes "
                         "(rebuild it with `python cli.py demo --force`)")
    return {name: tuple(window) for name, window in json.loads(recorded).items()}


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay the episode-related alerts hourly over the last --days of data; print the false-alarm rate."""
    con, tz = _con(args)
    windows = recorded_episode_windows(con)
    until = int(db.get_setting(con, "data.until_s"))
    config, catalog = load_config(), catalog_for_store(con)
    subset = replay.subset_catalog(catalog, config, replay.EPISODE_INDICATORS)
    step = int(args.step_hours * HOUR_S)
    start = (until - int(args.days * 86_400)) // HOUR_S * HOUR_S
    instants = list(range(start, until + 1, step))
    bar = tqdm(total=len(instants), unit="h", file=sys.stderr)
    replay.replay(con, subset, config, tz, instants, progress=lambda _: bar.update())
    bar.close()
    first = con.execute("SELECT epoch(min(ts))::BIGINT FROM readings_all").fetchone()[0]
    scored_from = max(start, first + replay.BASELINE_WARMUP_S)      # before it, baselines lack days of data
    report = replay.false_alarms(con, windows, (scored_from, until))
    _print({"from": replay.utc_text(start), "to": replay.utc_text(until), "instants": len(instants),
            "scored_from": replay.utc_text(scored_from),
            "indicators": len(subset.indicators), "fired": report.fired, "during_episodes": report.during_episodes,
            "false_alarms": report.outside, "quiet_days": report.quiet_days,
            "false_alarms_per_quiet_day": report.per_quiet_day,
            "false_alarms_by_indicator": dict(zip(report.by_indicator["indicator_id"], report.by_indicator["false_alarms"]))})
    return 0
