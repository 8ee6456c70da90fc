"""The names the wall's ticker and panels show beside codes: each case category's, each grid's
community (or the grid's own when it has none) and each channel's, read apart so that a new case re-reads only the
few categories, never the grids."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from queries.reads import reads


@dataclass(frozen=True)
class TickerNames:
    """Names the ticker shows: each category's, each grid's community (or the grid's own when it has none) and each
    channel's (by source code)."""

    categories: dict[str, tuple[str, str]]
    places: dict[str, tuple[str, str]]
    channels: dict[str, tuple[str, str]]


@reads('events', 'geometry')
def ticker_names(con: duckdb.DuckDBPyConnection) -> TickerNames:
    """Read the names of the categories, of each grid's community and of the channels."""
    return TickerNames(category_names(con), place_names(con), channel_names(con))


@reads('events')
def category_names(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """Read {category code: (zh, en)} (an ingested case may bring a new category)."""
    return {code: (zh, en) for code, zh, en in
            con.execute("SELECT code, name_zh, name_en FROM event_categories").fetchall()}


@reads('geometry')
def channel_names(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """Read {source code: (zh, en)} of the city's channels (its profile names them; writing a profile
    bumps the geometry family)."""
    return {code: (zh, en) for code, zh, en in con.execute("SELECT code, name_zh, name_en FROM channels").fetchall()}


@reads('geometry')
def role_names(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """Read {channel role: (zh, en)} of the roles the city's channels play, each named by its channels
    ("12345热线"; two channels of one role are joined by "/")."""
    return {role: (zh, en) for role, zh, en in con.execute(
        "SELECT role, string_agg(name_zh, '/' ORDER BY code), string_agg(name_en, '/' ORDER BY code) "
        "FROM channels GROUP BY role").fetchall()}


@reads('geometry')
def place_names(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """Read {grid code: (zh, en) of its community} (they change only with new grids)."""
    return {code: (zh, en) for code, zh, en in con.execute(
        """SELECT g.code, coalesce(m.name_zh, g.name_zh), coalesce(m.name_en, g.name_en) FROM admin_units g
           LEFT JOIN admin_units m ON m.code = g.community_code WHERE g.level = 'grid'""").fetchall()}
