"""One catalog search for /indicators and the map's indicator picker: the same hits for the same query."""

from __future__ import annotations

import pytest

from indicators.catalog_search import search_catalog
from tests.callbacks.installed import shared_catalog

# (query text, the map tree's subject or None): ids, Chinese and English names, a subject of the tree
QUERIES = [("cases.intake.count.today", None), ("热线 受理", None), ("pm2.5", None), ("12345热线 超期", None),
           ("Real-time AQI", None), ("", "air.aqi"), ("aqi", "air.aqi"), ("no such words at all", None)]


def indicators_page_ids(text: str, subject: str | None, limit: int) -> list[str]:
    """Return the ids /indicators lists (callbacks/indicators_page.show_results' call)."""
    return [hit.indicator.id for hit in search_catalog(shared_catalog(), text, None, limit, subject=subject)[0]]


@pytest.mark.parametrize("text, subject", QUERIES)
def test_the_map_picker_and_the_indicators_page_find_the_same_indicators(text, subject):
    from layouts.map_page import SEARCH_LIMIT, search_indicators

    found = {ind.id for ind in search_indicators(shared_catalog(), text, subject, limit=2000)}
    assert found == set(indicators_page_ids(text, subject, 2000))
    assert len(found) <= SEARCH_LIMIT or text == ""          # the picker's limit keeps the same hits


WIDENED = pytest.param("满意度", "hotline.satisfaction", id="a-word-in-no-name-widens-to-subjects")


@pytest.mark.parametrize("text, subject", QUERIES + [WIDENED])
def test_the_map_picker_lists_the_shared_search_in_its_order(text, subject):
    from layouts.map_page import SEARCH_LIMIT, search_indicators

    listed = [ind.id for ind in search_indicators(shared_catalog(), text, subject)]
    assert listed == indicators_page_ids(text, subject, SEARCH_LIMIT)


def test_a_word_found_in_no_name_widens_to_subjects_and_definitions():
    hits, total = search_catalog(shared_catalog(), "满意度", domain="hotline")
    assert total > 0 and all(hit.indicator.domain == "hotline" for hit in hits)
    named, _ = search_catalog(shared_catalog(), "热线 受理", limit=2000)
    assert named and all("热线" in hit.indicator.name_zh and "受理" in hit.indicator.name_zh for hit in named)
