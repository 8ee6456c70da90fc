"""The wall's tables of today (the hotline and grid scenes): the day's most frequent categories and
the cases per district, counted from the city's local midnight."""

from __future__ import annotations

import duckdb
import pandas as pd

from data.clock import local_midnight_s, utc
from queries.overview import cases_by_district
from queries.reads import reads
from queries.screen_names import TickerNames, ticker_names


@reads('events', 'geometry')
def top_categories_today(con: duckdb.DuckDBPyConnection, now_s: int, tz: str, channel: str | None,
                         limit: int = 6, names: TickerNames | None = None) -> pd.DataFrame:
    """Return today's most frequent event categories (of the channels of one role, or all), named from ``names``."""
    names = names or ticker_names(con)
    rows = con.execute(
        """SELECT category_code, count(*) AS n FROM events
           WHERE received_at >= $mid AND received_at <= $now
             AND ($channel IS NULL OR source IN (SELECT code FROM channels WHERE role = $channel))
           GROUP BY category_code ORDER BY n DESC, category_code LIMIT $limit""",
        {"mid": utc(local_midnight_s(now_s, tz)), "now": utc(now_s), "channel": channel, "limit": limit}).fetchall()
    return pd.DataFrame([(code, *names.categories.get(code, (None, None)), n) for code, n in rows],
                        columns=["category_code", "name_zh", "name_en", "n"])


@reads('events', 'geometry')
def districts_today(con: duckdb.DuckDBPyConnection, now_s: int, tz: str, channel: str) -> pd.DataFrame:
    """Return per district: cases of the channels of one role received and closed today, and open overdue now."""
    return cases_by_district(con, utc(local_midnight_s(now_s, tz)), utc(now_s), channel)
