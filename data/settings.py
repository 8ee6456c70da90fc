"""Every setting an operator can change, declared once, with one precedence rule:

    command line  >  environment variable  >  the store's stored setting  >  default

A setting names its environment variable, and where it has them its command-line flag and its key
in the store's ``settings`` table. Modules read a setting through :func:`resolve`, never
``os.environ`` directly; docs/OPERATIONS.md carries the table :func:`markdown_table` writes, and a
test fails when the two differ.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Callable, Mapping

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingError(ValueError):
    """A setting's value cannot be read; the message names the setting and where it came from."""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("must be more than 0")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise ValueError("must be 0 or more")
    return value


def _log_level(text: str) -> str:
    level = text.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
    return level


def _clock_time(text: str) -> str:
    hour, _, minute = text.strip().partition(":")
    if not (hour.isdigit() and minute.isdigit() and len(minute) == 2 and int(hour) < 24 and int(minute) < 60):
        raise ValueError("must be a local time HH:MM")
    return f"{int(hour):02d}:{minute}"


def _shares(text: str) -> tuple[float, ...]:
    shares = tuple(sorted(float(part) for part in text.split(",") if part.strip()))
    if not shares or any(not 0 < share < 1 for share in shares):
        raise ValueError("must be comma-separated shares, each between 0 and 1")
    return shares


def _web_address(text: str) -> str:
    address = text.strip()
    if not address.startswith(("http://", "https://")) or any(c.isspace() for c in address):
        raise ValueError("must be an http:// or https:// address")
    return address.rstrip("/")


def _text(text: str) -> str:
    return text


SWITCH_WORDS = {"1": True, "on": True, "true": True, "yes": True, "0": False, "off": False, "false": False, "no": False}


def _switch(text: str) -> bool:
    word = text.strip().lower()
    if word not in SWITCH_WORDS:
        raise ValueError("must be on or off (1/0, true/false, yes/no)")
    return SWITCH_WORDS[word]


def _holiday_calendar(text: str) -> str:
    value = text.strip().lower()
    if value not in ("cn", "none"):
        raise ValueError("must be cn or none")
    return value


@dataclass(frozen=True)
class Setting:
    """One setting: where it may be given, its default and what it does."""

    name: str
    env: str
    default: object
    help: str
    parse: Callable[[str], object] = _text
    flag: str | None = None          # command-line flag of app.py or cli.py
    stored: str | None = None        # key in the store's settings table
    secret: bool = False             # never printed or logged


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "HOST", "127.0.0.1", "address the server listens on", flag="--host"),
    Setting("port", "PORT", 8050, "port the server listens on", _positive_int, flag="--port"),
    Setting("db", "CITY_DB", "var/city.duckdb", "the store's database file", flag="--db"),
    Setting("scale", "CITY_SCALE", "demo", "size of the demo city built on first start when no database exists",
            flag="--scale"),
    Setting("refresh_seconds", "CITY_REFRESH_SECONDS", 60.0,
            "indicator refresh cadence; live instants fall on multiples of it", _positive_float,
            flag="--refresh-seconds"),
    Setting("backfill_hours", "CITY_BACKFILL_HOURS", 6, "hourly snapshots missing from the last N hours taken at start",
            _non_negative_int, flag="--backfill-hours"),
    Setting("log_level", "CITY_LOG_LEVEL", "INFO", "log level of the server (DEBUG, INFO, WARNING, ERROR)", _log_level,
            flag="--log-level"),
    Setting("trusted_proxy", "CITY_TRUSTED_PROXY", "",
            "address of the reverse proxy whose X-Forwarded-For/-Proto headers are believed (empty: none; `*`: any)",
            flag="--trusted-proxy"),
    Setting("trusted_proxy_count", "CITY_TRUSTED_PROXY_COUNT", 1,
            "how many proxies in front of the server append to X-Forwarded-For", _positive_int,
            flag="--trusted-proxy-count"),
    Setting("ready_max_age_s", "CITY_READY_MAX_AGE_S", 300.0,
            "/readyz answers 503 when the last indicator refresh is older than this (seconds)", _positive_float,
            flag="--ready-max-age"),
    Setting("workers", "CITY_WORKERS", 2,
            "worker processes answering requests while the first process owns the store and runs the background "
            "jobs (api/processes.py); 0: one process does everything", _non_negative_int, flag="--workers"),
    Setting("db_memory_limit", "CITY_DB_MEMORY_LIMIT", "8GB", "DuckDB's memory limit (beyond it DuckDB spills to disk)"),
    Setting("db_threads", "CITY_DB_THREADS", 2, "DuckDB's worker threads", _positive_int),
    Setting("api_max_bytes", "CITY_API_MAX_BYTES", 16 * 1024 * 1024, "largest body the ingest API accepts (bytes)",
            _positive_int),
    Setting("report_at", "CITY_REPORT_AT", "07:00", "local time (HH:MM) the daily brief is written into the archive",
            _clock_time, stored="report.daily_at"),
    Setting("holiday_calendar", "CITY_HOLIDAY_CALENDAR", "cn", "public holidays the briefs align 同比 with (cn: "
            "China's State Council notices, data/calendars; none: no holiday comparison)", _holiday_calendar,
            stored="report.holidays"),
    Setting("reports_dir", "CITY_REPORTS_DIR", "", "archive folder of the daily briefs (empty: reports/ beside the "
            "database file)", stored="report.dir"),
    Setting("chromium", "CHROMIUM_PATH", "/usr/bin/chromium", "the Chromium that runs the browser tests"),
    Setting("server", "CITY_SERVER", "http://127.0.0.1:8050", "server a CLI ingest posts to while the server holds "
            "the store", flag="--server"),
    Setting("token", "CITY_TOKEN", "", "API token of a CLI ingest posted to the server", flag="--token", secret=True),
    Setting("backup_dir", "CITY_BACKUP_DIR", "", "folder of the scheduled backups (empty: backups/ beside the "
            "database file)", stored="backup.dir"),
    Setting("backup_keep", "CITY_BACKUP_KEEP", 7, "scheduled backups kept (the oldest deleted after each backup)",
            _positive_int, stored="backup.keep"),
    Setting("backup_every_hours", "CITY_BACKUP_EVERY_HOURS", 0.0, "hours between scheduled backups (0: none)",
            _non_negative_float, stored="backup.every_hours"),
    Setting("retention_readings_days", "CITY_RETENTION_READINGS_DAYS", 0, "days of sensor readings kept in the store; "
            "older whole months move to Parquet (0: all kept)", _non_negative_int, stored="retention.readings_days"),
    Setting("retention_history_days", "CITY_RETENTION_HISTORY_DAYS", 0, "days of hourly indicator snapshots kept in the "
            "store; older whole months move to Parquet (0: all kept)", _non_negative_int,
            stored="retention.history_days"),
    Setting("order_remind_shares", "CITY_ORDER_REMIND_SHARES", (0.5, 0.8), "shares of a work order's deadline span "
            "at which it is reminded (催办), comma-separated, each between 0 and 1", _shares,
            stored="orders.remind_shares"),
    Setting("report_push", "CITY_REPORT_PUSH", "", "JSON list of the WeCom/DingTalk/JSON groups briefs are pushed to "
            "(docs/DAILY_BRIEF.md; empty: none)", stored="report.push", secret=True),
    Setting("public_url", "CITY_PUBLIC_URL", "", "the server's address as leaders reach it, for the links in pushed "
            "briefs (empty: no link is sent)", _web_address, stored="report.public_url"),
    Setting("report_link_days", "CITY_REPORT_LINK_DAYS", 7, "days a brief's signed link stays open",
            _positive_int, stored="report.link_days"),
    Setting("wall_alert_sound", "CITY_WALL_ALERT_SOUND", False, "the wall screens play a short tone once for each "
            "new red alert (`on`/`off`; a browser plays sound only after a click or key on the wall, which the wall "
            "asks for)", _switch, stored="screen.alert_sound"),
    Setting("wall_places_layer", "CITY_WALL_PLACES_LAYER", False, "the wall screens open with the places layer "
            "shown (`on`/`off`; each wall can still switch it with its button or key 5)", _switch,
            stored="screen.places_layer"),
    Setting("wall_cameras_layer", "CITY_WALL_CAMERAS_LAYER", False, "the wall screens open with the cameras layer "
            "shown (`on`/`off`; each wall can still switch it with its button or key 6)", _switch,
            stored="screen.cameras_layer"),
    Setting("link_secret", "CITY_LINK_SECRET", "", "the key signing leaders' brief links (empty: a random key kept "
            "in the file link-secret, mode 0600, in the reports folder)", secret=True),
    Setting("cpu_log_seconds", "CITY_CPU_LOG_SECONDS", 0.0, "every N seconds log the server's CPU seconds per thread "
            "group and section (data/thread_cpu.py; for bench/load_test.py; 0: off)", _non_negative_float),
    Setting("test_only_fast_password_hash", "CITY_TEST_ONLY_FAST_PASSWORD_HASH", "0",
            "tests only: `1` hashes new passwords at a cheap scrypt cost; never set it in production"),
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """Return the declared setting called ``name`` (KeyError for an undeclared one)."""
    return BY_NAME[name]


def resolve(name: str, cli: object = None, con=None, environ: Mapping[str, str] | None = None) -> object:
    """Return the setting's value: ``cli`` when given, else its environment variable, else the store's
    stored value (when the setting has a key and ``con`` is given), else its default."""
    return resolve_with_origin(name, cli, con, environ)[0]


def resolve_with_origin(name: str, cli: object = None, con=None,
                        environ: Mapping[str, str] | None = None) -> tuple[object, str]:
    """Return (value, where it came from: flag, environment, stored or default); see :func:`resolve`."""
    item = BY_NAME[name]
    if cli is not None:
        return cli, "flag"
    environ = os.environ if environ is None else environ
    text = environ.get(item.env)
    if text:
        return _parse(item, text, f"${item.env}"), "environment"
    if item.stored and con is not None:
        rows = con.execute("SELECT value FROM settings WHERE key = ?", [item.stored]).fetchall()
        if rows and rows[0][0]:
            return _parse(item, rows[0][0], f"the stored setting {item.stored}"), "stored"
    return item.default, "default"


def check_stored(name: str, text: str) -> str:
    """Return the key a stored value of setting ``name`` goes under, after checking ``text`` parses."""
    item = BY_NAME.get(name)
    if item is None or not item.stored:
        storable = ", ".join(s.name for s in SETTINGS if s.stored)
        raise SettingError(f"{name!r} cannot be stored in the store; settings that can: {storable}")
    _parse(item, text, name)
    return item.stored


def _parse(item: Setting, text: str, origin: str) -> object:
    try:
        return item.parse(text)
    except ValueError as exc:
        raise SettingError(f"{origin} = {text!r} is not a valid {item.name}: {exc}") from None


def add_flag(parser: argparse.ArgumentParser, name: str, **kwargs) -> None:
    """Add the setting's flag to ``parser`` (default None: unset flags fall through to :func:`resolve`)."""
    item = BY_NAME[name]
    default = "" if item.secret else f", default {item.default}"
    parser.add_argument(item.flag, dest=name, default=None, type=_flag_type(item), **kwargs,
                        help=f"{item.help} (${item.env}{default})")


def _flag_type(item: Setting) -> Callable[[str], object]:
    def parse(text: str) -> object:
        try:
            return item.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    return parse


def markdown_table() -> str:
    """Return the settings table of docs/OPERATIONS.md."""
    lines = ["| setting | flag | environment | stored key | default | what it does |",
             "|---|---|---|---|---|---|"]
    for item in SETTINGS:
        default = "(none)" if item.default in ("", None) else f"`{item.default}`"
        cells = (item.name, _code(item.flag), _code(item.env), _code(item.stored), default, item.help)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _code(text: str | None) -> str:
    return f"`{text}`" if text else ""
