"""Sign-in, the admin's audit page and a wall screen in real Chromium: CSP clean, payloads inert."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.browser import ROOT, TEST_ADMIN, chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser
SCRIPT = "<img src=x onerror=\"window.__pwned=1\"><b>x</b>"   # under the 64-character username limit


def _display_token(db_path) -> str:
    out = subprocess.run([sys.executable, "cli.py", "screens", "add", "lobby", "--db", str(db_path)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return out.split('"kiosk_path": "')[1].split('"')[0]


def _expect_only_status_error(watch, status: int) -> None:
    assert len(watch.errors) == 1 and f"status of {status}" in watch.errors[0], watch.errors
    watch.errors.clear()


def test_login_audit_page_and_kiosk(tiny_db_copy, artifacts_dir):
    kiosk_path = _display_token(tiny_db_copy)
    shots = artifacts_dir / "screenshots"
    with running_server(tiny_db_copy, "--at", TINY_NOW, "--no-simulator") as url, chromium_page() as (page, watch):
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url + "/audit")
        assert "/login" in page.url
        page.screenshot(path=str(shots / "login-zh.png"))
        page.click("#login-lang")
        page.wait_for_selector("text=Sign in")
        page.fill("#username", SCRIPT)
        page.fill("#password", "wrong-password-1")
        page.click("#login-submit")
        page.wait_for_selector("[data-testid='login-message']")
        page.screenshot(path=str(shots / "login-en-failed.png"))
        _expect_only_status_error(watch, 401)       # the failed sign-in answers 401 on purpose
        sign_in(page, url, TEST_ADMIN, "/audit")
        page.wait_for_selector("[data-testid='audit-table']", timeout=30_000)
        page.fill("#audit-filter", "login.")
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelector(\"[data-testid='audit-table']\").innerText"
                               ".match(/登录失败|Sign-in failed/)")     # login.bad by its name
        assert SCRIPT in page.inner_text("[data-testid='audit-table']")
        assert page.evaluate("window.__pwned") is None and dialogs == []
        page.screenshot(path=str(shots / "audit-zh.png"), full_page=True)
        page.click("#sign-out")
        page.wait_for_url(url + "/login")

        page.goto(url + kiosk_path)                  # a wall PC: the display token opens the wall screen
        page.wait_for_selector("[data-testid^='screen-kpi-']", timeout=60_000)
        assert page.url == url + "/screen" and "审计日志" not in page.inner_text("#navbar")
        assert page.goto(url + "/audit").status == 403
        _expect_only_status_error(watch, 403)
    assert watch.errors == []
    assert watch.outside_requests == []
