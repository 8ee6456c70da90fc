"""The load test's copy of a city: what the virtual users need from it, and what reached it.

The city is copied into the bench's folder and the copy gets the bench's analyst, a wall's display
token, an ingest token and an alarms token; the users pick units, categories, days, indicators,
work orders, cameras and alarm types the store holds, and leaders open signed links (the server is
started with the bench's link secret) to the briefs of periods that have ended: the last three
days, the last whole week and the last whole month. After the run the copy is read again to count
the feeds' cases and alarm reports that were stored.
"""

from __future__ import annotations

import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.load_feed import ALARM_PREFIX, EVENT_PREFIX
from bench.load_users import ANALYST
from data import db
from data.clock import parse_instant

LINK_SECRET = secrets.token_hex(32)       # passed to the server as $CITY_LINK_SECRET
LINK_DAYS = 7
CHILD_LEVEL = {"city": "district", "district": "street", "street": "community", "community": "grid"}


@dataclass
class City:
    """What the virtual users need: credentials and the codes they pick from."""

    kiosk_path: str
    ingest_token: str
    alarm_token: str
    units: list[tuple[str, str]]            # (unit code, level shown inside it)
    probe_grid: tuple[str, float, float]    # (code, lon, lat): where the feed's cases are placed
    categories: list[str]
    days: list[str]                         # recent days: the cases' filters start on one of them
    indicators: list[str]
    catalog_words: list[str]
    orders: list[int]
    cameras: list[str]
    alarm_types: list[str]
    brief_links: list[str]                  # /brief/<token> of ended periods
    tz: str
    frozen_s: float | None                  # the server's frozen instant (--at), None when live


def prepare_city(source: Path, target: Path, at: str | None = None) -> City:
    """Copy the city, add the bench's analyst and tokens to the copy; return what the users need
    (``at``: the server's frozen instant, ISO, city-local without an offset; None when live)."""
    from access import accounts
    from data.ingest import tokens

    shutil.copy(source, target)
    con = db.open_store(target)
    try:
        accounts.add_user(con, ANALYST[0], ANALYST[2], ANALYST[1])
        _, display = tokens.create_token(con, "load-test wall", scope="display")
        _, ingest = tokens.create_token(con, "load-test feed")
        _, alarm = tokens.create_token(con, "load-test cameras", scope="alarms")
        tz = db.get_setting(con, "city.tz", "Asia/Shanghai")
        frozen_s = parse_instant(at, tz) if at else None
        now_s = frozen_s if frozen_s is not None else time.time()
        indicators = _indicator_ids()
        return City(kiosk_path=f"/kiosk/{display}", ingest_token=ingest, alarm_token=alarm,
                    units=_drill_units(con), probe_grid=_probe_grid(con), categories=_column(
                        con, "SELECT code FROM event_categories WHERE code LIKE 'hotline.%' ORDER BY code"),
                    days=_recent_days(now_s, tz), indicators=indicators, catalog_words=_words(indicators),
                    orders=_column(con, "SELECT order_id FROM work_orders ORDER BY order_id DESC LIMIT 200"),
                    cameras=_column(con, "SELECT camera_id FROM cameras ORDER BY camera_id LIMIT 200"),
                    alarm_types=_column(con, "SELECT code FROM alarm_types WHERE enabled ORDER BY code"),
                    brief_links=brief_links(now_s, tz), tz=tz, frozen_s=frozen_s)
    finally:
        con.close()


def _column(con, sql: str) -> list:
    return [row[0] for row in con.execute(sql).fetchall()]


def _drill_units(con) -> list[tuple[str, str]]:
    rows = con.execute("SELECT code, level FROM admin_units WHERE level IN ('city', 'district', 'street', 'community') "
                       "ORDER BY hash(code) LIMIT 400").fetchall()
    return [(code, CHILD_LEVEL[level]) for code, level in rows]


def _probe_grid(con) -> tuple[str, float, float]:
    return tuple(con.execute("SELECT code, centroid_lon, centroid_lat FROM admin_units WHERE level = 'grid' "
                             "AND centroid_lon IS NOT NULL ORDER BY hash(code) LIMIT 1").fetchall()[0])


def _indicator_ids() -> list[str]:
    from indicators.catalog import load_catalog

    return sorted(indicator.id for indicator in load_catalog().indicators)


def _words(indicator_ids: list[str]) -> list[str]:
    """Return search words an analyst types: the parts of the indicators' ids (intake, backlog, pm25 …)."""
    return sorted({part for ident in indicator_ids for part in ident.split(".") if len(part) > 2})


def _local_today(now_s: float, tz: str) -> date:
    return datetime.fromtimestamp(now_s, ZoneInfo(tz)).date()


def _recent_days(now_s: float, tz: str) -> list[str]:
    today = _local_today(now_s, tz)
    return [(today - timedelta(days=d)).isoformat() for d in range(1, 8)]


def ended_periods(now_s: float, tz: str) -> list[str]:
    """Return the keys of ended periods a leader opens: the last three days, last week, last month."""
    today = _local_today(now_s, tz)
    last_week = (today - timedelta(days=7)).isocalendar()
    last_month = today.replace(day=1) - timedelta(days=1)
    days = [(today - timedelta(days=d)).isoformat() for d in range(1, 4)]
    return [*days, f"{last_week.year}-W{last_week.week:02d}", f"{last_month.year}-{last_month.month:02d}"]


def brief_links(now_s: float, tz: str) -> list[str]:
    """Return the phone pages (/brief/<token>) of the ended periods' city briefs, signed with LINK_SECRET."""
    from reporting.links import BriefLink, sign

    expires = int(max(now_s, time.time())) + LINK_DAYS * 86_400
    return [f"/brief/{sign(BriefLink(period, '', 'zh', expires), LINK_SECRET.encode('utf-8'))}"
            for period in ended_periods(now_s, tz)]


def feeds_stored(db_path: Path) -> dict[str, int]:
    """Return how many of the feeds' cases and alarm reports are in the store (read after the server stopped)."""
    con = db.open_store(db_path, read_only=True)
    try:
        cases = con.execute("SELECT count(*) FROM events WHERE starts_with(event_id, ?)", [EVENT_PREFIX]).fetchone()[0]
        alarms = con.execute("SELECT count(*) FROM alarm_reports WHERE starts_with(external_id, ?)",
                             [ALARM_PREFIX]).fetchone()[0]
        return {"cases": cases, "alarms": alarms}
    finally:
        con.close()
