"""The registry of pages: route, navigation label and layout; app.py registers each one.

A page is added by one entry here (and its callbacks module in CALLBACK_MODULES), which
also puts it in the navigation bar: as a link of its own, or in a menu (``menu_key``) when two or
more pages of that menu are open to the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from layouts import (admin_tokens, admin_users, alarms_page, alerts, audit, deliveries, duty, events_page,
                     indicators_page, map_page, orders, overview, screen, summary)

ANALYSTS = ("admin", "leader", "analyst", "duty_officer")    # the staff roles that read every working page
# The pages of administration share one menu in the navigation bar, so an admin's bar keeps to one line.
ADMIN_MENU = "nav.menu.admin"


@dataclass(frozen=True)
class Page:
    """One page of the app."""

    name: str                       # Dash page name (module-like id)
    path: str                       # route
    label_key: str                  # i18n key of the navigation label
    layout: Callable                # layout(**query) -> component
    roles: tuple[str, ...] = ()     # roles that may open the page and use its callbacks; () = every signed-in role
    menu_key: str = ""              # i18n key of the navigation menu it is listed under ("": a link of its own)


PAGES: tuple[Page, ...] = (          # in navigation order
    Page("overview", "/", "nav.overview", overview.layout),
    Page("screen", "/screen", "nav.screen", screen.layout, roles=(*ANALYSTS, "screen")),
    Page("map_page", "/map", "nav.map", map_page.layout, roles=ANALYSTS),
    Page("events_page", "/events", "nav.events", events_page.layout, roles=ANALYSTS),
    Page("alerts", "/alerts", "nav.alerts", alerts.layout, roles=ANALYSTS),
    Page("orders", "/orders", "nav.orders", orders.layout, roles=(*ANALYSTS, "department")),
    Page("indicators_page", "/indicators", "nav.indicators", indicators_page.layout, roles=ANALYSTS),
    Page("summary", "/summary", "nav.summary", summary.layout, roles=ANALYSTS),
    Page("alarms_page", "/alarms", "nav.alarms", alarms_page.layout, roles=ANALYSTS),
    Page("duty", "/duty", "nav.duty", duty.layout, roles=ANALYSTS),
    Page("deliveries", "/deliveries", "nav.deliveries", deliveries.layout, roles=("admin", "duty_officer"),
         menu_key=ADMIN_MENU),
    Page("audit", "/audit", "nav.audit", audit.layout, roles=("admin",), menu_key=ADMIN_MENU),
    Page("admin_users", "/admin/users", "nav.admin_users", admin_users.layout, roles=("admin",), menu_key=ADMIN_MENU),
    Page("admin_tokens", "/admin/tokens", "nav.admin_tokens", admin_tokens.layout, roles=("admin",),
         menu_key=ADMIN_MENU),
)

# Modules whose import registers the pages' @callback functions.
CALLBACK_MODULES: tuple[str, ...] = ("callbacks.shell", "callbacks.overview", "callbacks.screen", "callbacks.map_page",
                                     "callbacks.map_search", "callbacks.screen_search", "callbacks.screen_sound",
                                     "callbacks.events_page", "callbacks.alerts", "callbacks.orders",
                                     "callbacks.indicators_page",
                                     "callbacks.summary", "callbacks.alarms_page", "callbacks.duty",
                                     "callbacks.deliveries", "callbacks.audit", "callbacks.admin_users",
                                     "callbacks.admin_tokens", "callbacks.place_layers", "callbacks.screen_places")


def page_for_path(path: str) -> Page | None:
    """Return the registered page at ``path`` (trailing slash ignored), or None."""
    wanted = path.rstrip("/") or "/"
    return next((page for page in PAGES if (page.path.rstrip("/") or "/") == wanted), None)


def page_named(name: str) -> Page | None:
    """Return the registered page of that Dash name, or None."""
    return next((page for page in PAGES if page.name == name), None)
