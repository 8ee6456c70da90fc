"""CLI commands of period figures: store the daily partials, print a period's figures.

    python cli.py indicators partials [--db PATH] [--through YYYY-MM-DD]
    python cli.py indicators period 2026-11 [--compare previous|same_last_year|holiday_aligned]
                                    [--level city|district|street] [--indicator ID ...] [--at TIME] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta

from tqdm import tqdm

from data import db, holidays
from data.clock import DEFAULT_TZ, local_datetime, parse_instant
from indicators.city_catalog import catalog_for_store
from indicators.day_partials import PARTIAL_LEVELS, DayPartials
from indicators.period_values import COMPARISONS, PeriodValues
from indicators.periods import Period, PeriodError


def add_period_parsers(actions) -> None:
    """Add ``indicators partials`` and ``indicators period`` to the ``indicators`` group."""
    partials = actions.add_parser("partials", help="compute and store the daily partials of the ended days")
    partials.add_argument("--db", default=None)
    partials.add_argument("--through", default=None, help="last day to store (YYYY-MM-DD); default yesterday")
    partials.set_defaults(func=cmd_partials)
    period = actions.add_parser("period", help="print a period's figures (and a comparison) as JSON")
    period.add_argument("period", help="2026-11-30, 2026-W48, 2026-11, 2026-Q4, 2026 or 2026~2026-11-30")
    period.add_argument("--compare", choices=COMPARISONS, default=None)
    period.add_argument("--level", choices=PARTIAL_LEVELS, default="city")
    period.add_argument("--indicator", action="append", default=None, help="an indicator with period views")
    period.add_argument("--at", default=None, help="the instant (ISO time, city-local without offset); default the data's end")
    period.add_argument("--db", default=None)
    period.set_defaults(func=cmd_period)


def store_partials(con, tz: str, through: date, progress: bool = True) -> int:
    """Store the daily partials of every day with data up to ``through``; return the days written."""
    partials = DayPartials(catalog_for_store(con), tz)
    bar = tqdm(desc="daily partials", unit="day", disable=not progress, file=sys.stderr)

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)
    written = partials.bring_up_to_date(con, through, progress=advance)
    bar.close()
    return written


def cmd_partials(args: argparse.Namespace) -> int:
    """Store the daily partials of the ended days; print how many days were written."""
    con = db.open_store(args.db)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    through = date.fromisoformat(args.through) if args.through else _data_today(con, tz) - timedelta(days=1)
    started = time.perf_counter()
    written = store_partials(con, tz, through)
    print(json.dumps({"through": through.isoformat(), "days_written": written,
                      "seconds": round(time.perf_counter() - started, 1)}))
    return 0


def cmd_period(args: argparse.Namespace) -> int:
    """Print a period's figures at --at, with a comparison when asked, as JSON lines per unit."""
    con = db.open_store(args.db, read_only=True)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    try:
        period = Period.parse(args.period)
        values = PeriodValues(DayPartials(catalog_for_store(con), tz))
        now_s = parse_instant(args.at, tz) if args.at else _data_until_s(con)
        if args.compare:
            frame = values.compare(con, period, args.compare, now_s, args.indicator, args.level, holidays.load())
        else:
            frame = values.figures(con, period, now_s, args.indicator, args.level).values
    except PeriodError as refused:
        print(str(refused), file=sys.stderr)
        return 2
    print(frame.to_json(orient="records", force_ascii=False, lines=True))
    return 0


def _data_until_s(con) -> int:
    """Return the data's end (a demo city's "now"), else the current instant."""
    return int(db.get_setting(con, "data.until_s") or time.time())


def _data_today(con, tz: str) -> date:
    return local_datetime(_data_until_s(con), tz).date()
