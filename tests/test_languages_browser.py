"""Every page in each language, in real Chromium: the choice is made once and holds across pages and a
reload, and no page shows a string of the other language.

An English page fails on any Han character, except the switch that names 中文 in its own language and
the few names the store holds in one form only (see ``one_form_names``). A Chinese page fails on the
UI's own English texts (the English side of layouts/i18n.py's TEXT), on the English defaults of the
widgets (AG Grid, dropdown, date picker, plotly) and on English month names. Both fail on raw catalog
or code keys (``water_flood``, ``cases.intake.count.today``). The widgets that draw lazily are opened:
a dropdown menu with a search that finds nothing, the date picker's calendar, an AG Grid pager and
the plotly modebar. One server and one browser serve the whole walk.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from data import db
from indicators.city_catalog import catalog_for_store
from layouts.i18n import TEXT
from layouts.pages import PAGES
from tests.browser import TEST_ADMIN, chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser
LEADER = ("leader1", "Leader-pass-123")      # may not open /audit: the 403 page
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
SNAKE_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")                        # water_flood
DOTTED_CODE = re.compile(r"\b[a-z][a-z0-9_]+\.[a-z][a-z0-9_]+(?:\.[a-z0-9_]+)*\b")  # cases.intake.count.today
FILE_NAME = re.compile(r"\.(csv|png|pdf|html|json|js|css|duckdb)$")                    # cases.csv is no code
# The widgets' own English defaults (dash-ag-grid 35, dcc.Dropdown/DatePicker of Dash 4, plotly.js 4)
# and English month and day names: none may show on a Chinese page.
WIDGET_ENGLISH = (
    "Page", "Loading...", "No Rows To Show", "No Matching Rows", "First Page", "Next Page", "Last Page",
    "No options found", "Select All", "Deselect All", "Clear selection", "Clear search", "Select Date",
    "Updating...", "Zoom", "Pan", "Autoscale", "Reset axes", "Download plot", "Box Select", "Lasso Select",
    "January", "February", "March", "April", "June", "July", "August", "September", "October", "November",
    "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)
# The page's text as a person meets it: visible text, the document title, and the texts the browser
# shows on hover or in empty fields (placeholder, title, aria-label, plotly's data-title); the
# language switch is left out (each language is named in itself).
PAGE_TEXT_JS = """() => {
    const skip = new Set(['lang-zh', 'lang-en', 'login-lang', 'forbidden-lang']);
    const parts = [document.title, document.body.innerText];
    for (const id of skip) { const el = document.getElementById(id); if (el) parts[1] = parts[1].split(el.innerText).join(' '); }
    for (const el of document.querySelectorAll('[placeholder],[title],[aria-label],[data-title],[alt]')) {
        if (skip.has(el.id)) continue;
        for (const name of ['placeholder', 'title', 'aria-label', 'data-title', 'alt']) {
            const value = el.getAttribute(name); if (value) parts.push(value);
        }
    }
    return parts.join('\\n');
}"""
DRAW_MS = 180_000      # generous: a loaded machine draws the long order list slowly
SETTLE_S = 20
STORED_JSON = re.compile(r"\{[^{}\n]*\}")
SETTLED_JS = "() => !document.querySelector('[data-dash-is-loading=\"true\"]')"


def english_ui_phrases() -> list[str]:
    """Return the UI's own English texts that can only be English (different from the Chinese, a word of
    four letters or more), placeholders like {n} cut out: the phrases a Chinese page must not show."""
    phrases = set()
    for zh, en in TEXT.values():
        for piece in re.split(r"\{[^}]*\}", en):
            piece = piece.strip(" :·,.()/-–—")
            if piece != zh and re.search(r"[A-Za-z]{4,}", piece) and not HAN.search(piece):
                phrases.add(piece)
    return sorted(phrases, key=len, reverse=True)


def one_form_names(db_path) -> set[str]:
    """Return the texts the store holds in one form only, allowed on an English page: what a person typed
    (the people on the duty roster, the shifts' labels, work order titles) and the cameras and their
    places (the camera registry has one name per camera, as the city's video platform sends it)."""
    con = db.open_store(db_path, read_only=True)
    try:
        rows = con.execute("""SELECT name FROM duty_people UNION SELECT label FROM duty_shifts
                              UNION SELECT title FROM work_orders
                              UNION SELECT name FROM cameras UNION SELECT place FROM cameras""").fetchall()
    finally:
        con.close()
    return {name for (name,) in rows if name}


def indicator_ids(db_path) -> set[str]:
    """Return the catalog's indicator ids: pages cite one beside the indicator's name (the code an analyst
    searches by, like a case number), never instead of it."""
    con = db.open_store(db_path, read_only=True)
    try:
        return {indicator.id for indicator in catalog_for_store(con).indicators}
    finally:
        con.close()


def other_language_strings(text: str, language: str, allowed: set[str], phrases: list[str],
                           codes: frozenset[str] = frozenset()) -> list[str]:
    """Return the strings of ``text`` that belong to the other language, or are raw codes (``codes``: the
    identifiers a page may cite)."""
    text = DOTTED_CODE.sub(lambda m: " " if m.group(0) in codes else m.group(0), text)
    found = SNAKE_CODE.findall(text)
    found += [code for code in DOTTED_CODE.findall(text) if not FILE_NAME.search(code)]
    if language == "en":
        for name in sorted(allowed, key=len, reverse=True):
            text = text.replace(name, " ")
        return found + HAN.findall(text)
    for phrase in (*phrases, *WIDGET_ENGLISH):
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(phrase)}(?![A-Za-z0-9])", text):     # leader1 is a name
            found.append(phrase)
    return found


def settle(page) -> None:
    """Wait until the page's callbacks have drawn it: no component loading for a moment, or, on a page
    that keeps refreshing on a loaded machine, a while (what it shows by then is checked all the same)."""
    page.wait_for_selector("#_pages_content > *", timeout=DRAW_MS)
    quiet, deadline = 0, time.monotonic() + SETTLE_S
    while quiet < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        quiet = quiet + 1 if page.evaluate(SETTLED_JS) else 0


class Walk:
    """One walk through the pages in one language, collecting what it found per page."""

    def __init__(self, page, url: str, language: str, allowed: set[str], codes: frozenset[str], shots):
        self.page, self.url, self.language, self.allowed, self.shots = page, url, language, allowed, shots
        self.codes = codes
        self.phrases = english_ui_phrases()
        self.found: dict[str, list[str]] = {}

    def check(self, where: str) -> None:
        """Record the other language's strings on the page as it is now."""
        text = self.page.evaluate(PAGE_TEXT_JS)
        if where == "/audit":       # the log's detail column is each record's JSON as stored (forensic)
            text = STORED_JSON.sub(" ", text)
        bad = other_language_strings(text, self.language, self.allowed, self.phrases, self.codes)
        if bad:
            self.found[where] = sorted(set(bad))

    def visit(self, path: str) -> None:
        """Open ``path`` afresh, check it and keep a screenshot."""
        self.page.goto(self.url + path, wait_until="commit")
        settle(self.page)
        self.check(path)
        name = path.strip("/").replace("/", "-") or "overview"
        self.page.screenshot(path=str(self.shots / f"languages-{self.language}-{name}.png"))

    def open_lazy_widgets(self) -> None:
        """Open what draws only on demand: a dropdown menu searching for nothing, the date picker, the
        case grid's pager, the map's modebar (its tooltips are data-title attributes)."""
        page = self.page
        self.visit("/events")
        page.wait_for_selector("#events-grid .ag-paging-panel", timeout=30_000)
        page.click("#events-source")
        page.keyboard.type("zzzz")
        page.wait_for_timeout(500)
        self.check("/events dropdown menu")
        page.keyboard.press("Escape")
        self.visit("/summary")
        page.click("#summary-date")
        page.wait_for_timeout(800)
        self.check("/summary date picker")
        page.screenshot(path=str(self.shots / f"languages-{self.language}-date-picker.png"))
        page.keyboard.press("Escape")


def test_every_page_in_each_language(tiny_db_copy, artifacts_dir):
    shots = artifacts_dir / "screenshots"
    allowed, codes = one_form_names(tiny_db_copy), frozenset(indicator_ids(tiny_db_copy))
    users = (TEST_ADMIN + ("admin",), LEADER + ("leader",))
    paths = [page.path for page in PAGES]
    found: dict[str, dict[str, list[str]]] = {}
    with running_server(tiny_db_copy, "--at", TINY_NOW, "--no-simulator", users=users) as url, \
            chromium_page() as (page, watch):
        for language in ("zh", "en"):
            page.context.clear_cookies()
            sign_in(page, url, TEST_ADMIN, "/")
            page.set_default_timeout(DRAW_MS)
            walk = Walk(page, url, language, allowed, codes, shots)
            if language == "en":
                page.click("#lang-en")                      # chosen once: it must hold on every page
                page.wait_for_selector("#lang-en.btn-light", timeout=30_000)
            for path in paths:
                walk.visit(path)
            page.reload()
            settle(page)
            walk.check(paths[-1] + " reloaded")
            walk.open_lazy_widgets()

            page.context.clear_cookies()
            page.context.add_cookies([{"name": "lang", "value": language, "url": url}])
            page.goto(url + "/login")
            walk.check("/login")
            sign_in(page, url, LEADER, "/")
            assert page.goto(url + "/audit").status == 403
            walk.check("/audit 403")
            watch.errors[:] = [error for error in watch.errors if "status of 403" not in error]
            found[language] = walk.found

    assert found == {"zh": {}, "en": {}}, json.dumps(found, ensure_ascii=False, indent=1)
    assert watch.errors == []
    assert watch.outside_requests == []
