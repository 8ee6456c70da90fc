"""The registry of pages: route, navigation label and layout; app.py registers each one.

A page is added by one entry here (and its callbacks module in CALLBACK_MODULES), which
also puts it in the navigation bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from layouts import alerts, audit, overview
from layouts import summary
from layouts import map_page
from layouts import indicators_page
from layouts import events_page
from layouts import screen


@dataclass(frozen=True)
class Page:
    """One page of the app."""

    name: str                       # Dash page name (module-like id)
    path: str                       # route
    label_key: str                  # i18n key of the navigation label
    layout: Callable                # layout(**query) -> component
    roles: tuple[str, ...] = ()     # roles that may open the page and use its callbacks; () = every signed-in role


PAGES: tuple[Page, ...] = (
    Page("overview", "/", "nav.overview", overview.layout),
    Page("audit", "/audit", "nav.audit", audit.layout, roles=("admin",)),
    Page("alerts", "/alerts", "nav.alerts", alerts.layout, roles=("admin", "leader", "analyst", "duty_officer")),
    Page("summary", "/summary", "nav.summary", summary.layout, roles=("admin", "leader", "analyst", "duty_officer")),
    Page("map_page", "/map", "nav.map", map_page.layout, roles=("admin", "leader", "analyst", "duty_officer")),
    Page("indicators_page", "/indicators", "nav.indicators", indicators_page.layout,
         roles=("admin", "leader", "analyst", "duty_officer")),
    Page("events_page", "/events", "nav.events", events_page.layout, roles=("admin", "leader", "analyst", "duty_officer")),
    Page("screen", "/screen", "nav.screen", screen.layout, roles=("admin", "leader", "analyst", "duty_officer", "screen")),
)

# Modules whose import registers the pages' @callback functions.
CALLBACK_MODULES: tuple[str, ...] = ("callbacks.shell", "callbacks.overview", "callbacks.audit",
                                       "callbacks.alerts", "callbacks.summary",
                                       "callbacks.indicators_page", "callbacks.events_page")
CALLBACK_MODULES += ("callbacks.screen",)
CALLBACK_MODULES += ("callbacks.map_page",)
