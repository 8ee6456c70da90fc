"""Searching the indicator catalog (the one search of /indicators and of the map's indicator picker)
and reading an indicator's current city value.

A search matches every word of the query (Chinese or English, any case) against an indicator's id
and names; when no indicator matches there, it widens to the domain and subject (ids and names),
department and definition (Chinese and English), so a word naming a subject or found only in definitions still finds
something, while a word found in names lists only the indicators named by it. Results are ranked
so that an exact id, then an id prefix, then a name containing the whole query come first (catalog
order within a rank); a domain (``air``) or a subject (``air.aqi``) narrows the search first.
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


def names_text(ind: Indicator) -> str:
    """Return the lower-case id and names a query is matched against first."""
    return f"{ind.id} {ind.name_zh} {ind.name_en}".lower()


def haystack(ind: Indicator, domain: Domain | None) -> str:
    """Return the lower-case text a query is matched against when no id or name matches."""
    parts = [ind.id, ind.name_zh, ind.name_en, ind.domain, ind.subject, ind.department, ind.definition,
             ind.definition_zh, *subject_names(domain, ind.subject)]
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
                   limit: int = MAX_RESULTS, subject: str | None = None,
                   exclude: set[str] | None = None) -> tuple[list[Hit], int]:
    """Return the best ``limit`` indicators matching ``query`` (all when empty) in ``domain`` and ``subject``
    (``domain.subject``, as the map's tree names it), leaving out the ids in ``exclude``, and how many matched."""
    query = " ".join((query or "").lower().split())
    words = query.split()
    domains = {d.id: d for d in catalog.domains}
    within = [(i, ind) for i, ind in enumerate(catalog.indicators)
              if (domain is None or ind.domain == domain) and (not subject or f"{ind.domain}.{ind.subject}" == subject)
              and not (exclude and ind.id in exclude)]
    found = [(i, ind) for i, ind in within if all(word in names_text(ind) for word in words)]
    if not found:
        found = [(i, ind) for i, ind in within if all(word in haystack(ind, domains.get(ind.domain)) for word in words)]
    ranked = sorted(((_rank(ind, query) if query else 3, i, ind) for i, ind in found), key=lambda r: r[:2])
    return [Hit(ind, rank) for rank, _i, ind in ranked[:limit]], len(ranked)


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
