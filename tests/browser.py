"""Helpers for browser tests: a real server on loopback and Debian's Chromium via Playwright."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from data import settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = settings.resolve("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
TEST_ADMIN = ("admin", "Test-admin-pass-1")     # created by running_server before the app starts
# A JS function of (graph div, plotly's map subplot): true once MapLibre holds the GeoJSON of every
# location of the graph's first trace. plotly.js fetches a level's GeoJSON by its address
# (api/geometry.py) before handing MapLibre the units: until then the map is loaded() and idle with
# the figure's locations set, but draws the units of before (or none).
UNITS_GIVEN_JS = """(gd, sub) => {
    const trace = gd._fullData && gd._fullData[0] && sub.traceHash[gd._fullData[0].uid];
    const source = trace && trace.sourceId && sub.map.getSource(trace.sourceId);
    const given = source && source._data && source._data.geojson;
    if (!given || !given.features || source._isUpdatingWorker) return false;
    const wanted = new Set(gd.data[0].locations);
    return given.features.length === wanted.size && given.features.every(f => wanted.has(f.id));
}"""


def free_port() -> int:
    """Return a TCP port free on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(db_path: Path, *extra: str, timeout_s: float = 90, users: tuple = (TEST_ADMIN + ("admin",),)):
    """Run ``app.py`` on a free loopback port with ``users`` ((name, password, role), …); yield its URL."""
    for name, password, role in users:
        add_user(db_path, name, password, role)
    port = free_port()
    log = open(db_path.with_suffix(".server.log"), "w")
    proc = subprocess.Popen([sys.executable, "app.py", "--db", str(db_path), "--port", str(port), *extra],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, proc, timeout_s, db_path.with_suffix(".server.log"))
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def add_user(db_path: Path, name: str, password: str, role: str) -> None:
    """Create an account with the CLI, as an operator would (the server must not be running)."""
    subprocess.run([sys.executable, "cli.py", "users", "add", name, "--role", role, "--password-stdin",
                    "--db", str(db_path)], cwd=ROOT, input=password + "\n", text=True, check=True,
                   capture_output=True)


def sign_in(page, url: str, user: tuple = TEST_ADMIN, next_path: str = "/") -> None:
    """Sign in through the login form in the browser and land on ``next_path``."""
    page.goto(f"{url}/login?next={next_path}")
    page.fill("#username", user[0])
    page.fill("#password", user[1])
    page.click("#login-submit")
    page.wait_for_url(f"{url}{next_path}")


def _wait_until_up(url: str, proc: subprocess.Popen, timeout_s: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text()}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url + "/", timeout=2).read()
            return
        time.sleep(0.3)
    raise RuntimeError(f"server did not answer within {timeout_s} s:\n{log_path.read_text()}")


@dataclass
class PageWatch:
    """Console errors, page errors and non-local requests seen by a page."""

    errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        """Start recording the page's console errors and outgoing requests."""
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc) + " @ " + str(exc.stack)[:1500]))
        page.on("request", self._check_request)

    def _check_request(self, request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS:
            self.outside_requests.append(request.url)


@contextlib.contextmanager
def chromium_page(viewport=(1600, 1000)):
    """Yield (page, watch) in headless Debian Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            watch = PageWatch()
            watch.attach(page)
            yield page, watch
        finally:
            browser.close()
