"""The navigation bar's links: a menu's pages listed under its name when two or more are open to the
user, a lone one as a link of its own, in the order of the pages."""

from __future__ import annotations

from dash import dcc, html

from layouts.components import navbar
from layouts.i18n import t
from layouts.pages import ADMIN_MENU, PAGES


def _links(language: str, roles: set[str]) -> list[tuple[str, str, str]]:
    return [(p.path, t(p.label_key, language), t(p.menu_key, language) if p.menu_key else "")
            for p in PAGES if not p.roles or roles & set(p.roles)]


def _items(bar):
    return bar.children[2].children


def test_an_admin_gets_the_admin_pages_in_one_menu_marked_when_one_is_open():
    items = _items(navbar("en", "Yunjiang City", _links("en", {"admin"}), "/audit"))
    menus = [item for item in items if isinstance(item, html.Details)]
    assert len(menus) == 1 and items[-1] is menus[0]                    # where the first admin page was
    summary, listing = menus[0].children
    assert summary.children == t(ADMIN_MENU, "en") and "active" in summary.className
    assert [link.href for link in listing.children] == ["/deliveries", "/audit", "/admin/users", "/admin/tokens"]
    assert all(isinstance(item, dcc.Link) for item in items[:-1])


def test_a_lone_page_of_a_menu_is_a_link_of_its_own():
    items = _items(navbar("zh", "云江市", _links("zh", {"duty_officer"}), "/"))
    assert not any(isinstance(item, html.Details) for item in items)
    assert items[-1].href == "/deliveries" and items[-1].children == t("nav.deliveries", "zh")
