"""Searching the indicator catalog and reading an indicator's current city value, for /indicators.

A search matches every word of the query (Chinese or English, any case) against an indicator's id,
names, domain and subject (ids and names), department and definition; results are ranked so
that an exact id, then an id prefix, then a name containing the whole query come first.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from indicators.catalog import Catalog, Domain
from indicators.model import Indicator

MAX_RESULTS = 200


@dataclass(frozen=True)
class Hit:
    """One indicator found, with its rank (lower first)."""

    indicator: Indicator
    rank: int


def subject_names(domain: Domain | None, subject: str) -> tuple[str, str]:
    """Return a subject's Chinese and English names (the id when the domain does not name it)."""
    if domain is None:
        return subject, subject
    return domain.subjects.get(subject, (subject, subject))


def haystack(ind: Indicator, domain: Domain | None) -> str:
    """Return the lower-case text a query is matched against."""
    parts = [ind.id, ind.name_zh, ind.name_en, ind.domain, ind.subject, ind.department, ind.definition,
             *subject_names(domain, ind.subject)]
    if domain is not None:
        parts += [domain.name_zh, domain.name_en]
    return " ".join(parts).lower()


def _rank(ind: Indicator, query: str) -> int:
    if ind.id.lower() == query:
        return 0
    if ind.id.lower().startswith(query):
        return 1
    if query in ind.name_zh.lower() or query in ind.name_en.lower():
        return 2
    return 3


def search_catalog(catalog: Catalog, query: str | None, domain: str | None = None,
                   limit: int = MAX_RESULTS) -> tuple[list[Hit], int]:
    """Return the best ``limit`` indicators matching ``query`` (all when empty) in ``domain``, and how many matched."""
    query = " ".join((query or "").lower().split())
    words = query.split()
    domains = {d.id: d for d in catalog.domains}
    hits = [Hit(ind, _rank(ind, query) if query else 3) for ind in catalog.indicators
            if (domain is None or ind.domain == domain)
            and all(word in haystack(ind, domains.get(ind.domain)) for word in words)]
    order = {ind.id: i for i, ind in enumerate(catalog.indicators)}     # catalog order within a rank
    hits.sort(key=lambda hit: (hit.rank, order[hit.indicator.id]))
    return hits[:limit], len(hits)


def latest_value(con: duckdb.DuckDBPyConnection, indicator_id: str, unit_code: str | None = None) -> dict | None:
    """Return the newest stored value of an indicator for a unit (the city when None), or None."""
    cursor = con.execute(
        """SELECT indicator_id, unit_code, level, value, numerator, denominator, baseline, status,
                  epoch(as_of)::BIGINT AS as_of_s, epoch(computed_at)::BIGINT AS computed_s, data_age_s
           FROM indicator_latest WHERE indicator_id = ?
             AND unit_code = coalesce(?, (SELECT min(code) FROM admin_units WHERE level = 'city'))""",
        [indicator_id, unit_code])
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return dict(zip(names, rows[0])) if rows else None


def latest_city_statuses(con: duckdb.DuckDBPyConnection, indicator_ids: list[str]) -> dict[str, tuple[float | None, str]]:
    """Return {indicator id: (city value, status)} for the given indicators that have a value."""
    if not indicator_ids:
        return {}
    rows = con.execute(
        """SELECT indicator_id, value, status FROM indicator_latest
           WHERE level = 'city' AND list_contains(?, indicator_id)""", [list(indicator_ids)]).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}
