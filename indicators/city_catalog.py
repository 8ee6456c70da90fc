"""The catalog of one city: the shipped templates expanded over the taxonomy its store holds.

The catalog's per-category families (``foreach: {list: event_categories, where: {domain: ...}}``)
expand over the city's own categories (table event_categories: its leaves, the codes cases carry)
instead of the demo city's, so a city with 300 categories gets their per-category indicators and
none of another city's. Each category's indicator ids carry its *slug*, derived from its code alone
(:func:`category_slug`), so they stay the same from one load to the next. Channel filters name
roles (``channel = 'hotline'``), which the store's table ``channels`` gives each source code.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import duckdb

from data import alarm_types, places, yamlfile
from indicators.catalog import CATALOG_DIR, LISTS_FILE, Catalog, load_catalog
from indicators.coverage import coverage, store_holdings
from indicators.thresholds import apply_thresholds, stored_thresholds

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_PLAIN_CODE = re.compile(r"[a-z0-9]+([._][a-z0-9]+)*")
_UNSAFE_CODE = re.compile(r"['\\\x00-\x1f]")     # a code that cannot sit between quotes in a filter
_CATEGORY_FIELDS = ("code", "name_zh", "name_en", "domain", "sla_hours", "default_level", "department")


def shipped_lists(directory: Path = CATALOG_DIR) -> dict[str, list]:
    """Return the named lists of the shipped catalog (``_lists.yaml``)."""
    return yamlfile.read(directory / LISTS_FILE) or {}


def channel_roles(directory: Path = CATALOG_DIR) -> tuple[str, ...]:
    """Return the ids of the channel roles the catalog knows (what a city's channels may be)."""
    return tuple(role["id"] for role in shipped_lists(directory)["channel_roles"])


def category_slug(code: str, hashed: bool = False) -> str:
    """Return the identifier part a category's indicator ids carry: its code in lowercase ASCII with
    dots as underscores (``hotline.noise`` → ``hotline_noise``); a code with any other character
    (other scripts, capitals, spaces), or ``hashed``, gets a short hash of the code as well, so two
    codes never share a slug."""
    plain = _NOT_SLUG.sub("_", code.lower()).strip("_")
    if plain and not hashed and _PLAIN_CODE.fullmatch(code):
        return plain
    digest = hashlib.sha1(code.encode("utf-8")).hexdigest()[:8]
    return f"{plain}_{digest}" if plain else f"c_{digest}"


def city_categories(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the store's leaf categories (those no category names as parent) as catalog list items,
    each with its slug; a code that cannot be quoted in a filter is left out (coverage names it)."""
    rows = con.execute(
        f"SELECT {', '.join(_CATEGORY_FIELDS)} FROM event_categories WHERE code NOT IN "
        "(SELECT parent_code FROM event_categories WHERE parent_code IS NOT NULL) ORDER BY code").fetchall()
    items = [dict(zip(_CATEGORY_FIELDS, row)) for row in rows if not _UNSAFE_CODE.search(row[0])]
    plain = [category_slug(item["code"]) for item in items]
    shared = {slug for slug, n in Counter(plain).items() if n > 1}        # 'a.b' and 'a_b': both hashed
    return [{**item, "slug": category_slug(item["code"], hashed=slug in shared)} for item, slug in zip(items, plain)]


def city_departments(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the store's departments as catalog list items (code, names and a slug made like a
    category's, prefixed ``dept_``); a code that cannot be quoted in a filter is left out."""
    rows = con.execute("SELECT code, name_zh, name_en FROM departments ORDER BY code").fetchall()
    return [{"code": code, "slug": "dept_" + category_slug(code), "name_zh": zh, "name_en": en}
            for code, zh, en in rows if not _UNSAFE_CODE.search(code)]


def unusable_categories(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the store's category codes that no filter can name (a quote or control character)."""
    return [code for (code,) in con.execute("SELECT code FROM event_categories ORDER BY code").fetchall()
            if _UNSAFE_CODE.search(code)]


def catalog_for_store(con: duckdb.DuckDBPyConnection, directory: Path = CATALOG_DIR) -> Catalog:
    """Return the catalog expanded over the store's own categories, with what each indicator the city
    cannot compute lacks (its coverage, read from the store once)."""
    catalog = load_catalog(directory, {"event_categories": city_categories(con), "departments": city_departments(con),
                                       "alarm_types": alarm_types.list_items(con),
                                       "place_kinds": places.list_items(con)})
    lacking = {i: lacks for i, lacks in coverage(catalog, store_holdings(con)).items() if lacks}
    return apply_thresholds(replace(catalog, lacking=lacking), stored_thresholds(con))
