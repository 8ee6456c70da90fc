"""The /orders list draws one page of rows at a time and nothing when its rows have not changed:
every row is a dozen components, and a list of hundreds redrawn on each tick froze the browser."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from dash import no_update

from access import accounts
from data import db
from data.orders import store
from layouts import ids
from layouts.orders import PAGE_SIZE
from tests.callbacks.installed import frozen_context

EXTRA = PAGE_SIZE + 5


@pytest.fixture
def installed(tiny_db_copy, monkeypatch):
    import callbacks.orders as page

    con = db.open_store(tiny_db_copy)
    unit = con.execute("SELECT min(code) FROM admin_units WHERE level = 'community'").fetchone()[0]
    department = con.execute("SELECT min(code) FROM departments").fetchone()[0]
    for n in range(EXTRA):
        store.create_order(con, title=f"积水点 {n}", unit_code=unit, departments=[department], handling_level=3,
                           report_due_s=1_795_003_600, finish_due_s=1_795_086_400, actor="duty",
                           permissions=accounts.PERMISSIONS["duty_officer"], at_s=1_795_000_000)
    monkeypatch.setattr(page, "current_principal", lambda: accounts.principal_for("duty_officer", username="duty"))
    with frozen_context(con) as app_context:
        yield app_context, con.execute("SELECT count(*) FROM work_orders").fetchone()[0]
    con.close()


def _rows(table) -> list:
    return table.children[1].children


def test_the_list_shows_one_page_and_says_which_rows_of_how_many(installed):
    from callbacks.orders import refresh_list
    _, total = installed
    table, digest, pager, prev_off, next_off = refresh_list(None, None, None, None, 0, "zh", 0, None)
    assert len(_rows(table)) == PAGE_SIZE and digest
    assert pager == f"第 1–{PAGE_SIZE} 张，共 {total} 张" and prev_off is True and next_off is False
    last = (total - 1) // PAGE_SIZE
    table, _, pager, prev_off, next_off = refresh_list(None, None, None, None, 0, "en", last, None)
    assert len(_rows(table)) == total - last * PAGE_SIZE
    assert pager == f"{last * PAGE_SIZE + 1}–{total} of {total}" and prev_off is False and next_off is True
    beyond = refresh_list(None, None, None, None, 0, "en", last + 40, None)       # fewer orders than it starts at
    assert beyond[2] == pager


def test_an_unchanged_page_is_not_drawn_again_and_a_change_is(installed):
    from callbacks.orders import refresh_list
    first = refresh_list(None, None, None, None, 0, "zh", 0, None)
    assert refresh_list(1, None, None, None, 0, "zh", 0, first[1]) == (no_update,) * 5
    assert refresh_list(1, None, None, None, 0, "en", 0, first[1])[1] != first[1]     # another language
    assert refresh_list(1, None, None, None, 0, "zh", 1, first[1])[1] != first[1]     # another page


@pytest.mark.parametrize("pressed, page, expected", [(ids.ORDERS_NEXT, 2, 3), (ids.ORDERS_PREV, 2, 1),
                                                     (ids.ORDERS_PREV, 0, 0), (ids.ORDERS_FILTER_STATE, 4, 0)])
def test_the_pager_turns_and_a_filter_starts_again_at_the_first_page(monkeypatch, pressed, page, expected):
    import callbacks.orders as orders
    monkeypatch.setattr(orders, "ctx", SimpleNamespace(triggered_id=pressed))
    assert orders.turn_page(1, 1, None, None, None, page) == expected
