"""The admin pages in real Chromium while the server runs: add a duty officer who signs in with the
password shown once and a department's user bound to its department, make a wall-screen token and
revoke it; a leader gets the styled 403 page."""

from __future__ import annotations

import pytest

from tests.browser import TEST_ADMIN, chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser
LEADER = ("leader1", "Leader-pass-123")


def _choose(page, dropdown_id: str, label: str) -> None:
    page.click(f"#{dropdown_id}")
    page.get_by_role("option", name=label, exact=True).click()


def test_admin_adds_a_user_and_a_wall_token_while_the_server_runs(tiny_db_copy, artifacts_dir):
    shots = artifacts_dir / "screenshots"
    users = (TEST_ADMIN + ("admin",), LEADER + ("leader",))
    with running_server(tiny_db_copy, "--at", TINY_NOW, "--no-simulator", users=users) as url, \
            chromium_page() as (page, watch):
        sign_in(page, url, TEST_ADMIN, "/admin/users")
        page.wait_for_selector("[data-testid='admin-users-table']", timeout=30_000)
        page.fill("#admin-users-name", "officer.zhao")
        page.fill("#admin-users-display", "赵值班")
        _choose(page, "admin-users-role", "值班员")
        page.click("#admin-users-add")
        page.wait_for_selector("[data-testid='new-password']", timeout=30_000)
        password = page.inner_text("[data-testid='new-password']")
        page.wait_for_selector("tr[data-user='officer.zhao']")
        assert page.input_value("#admin-users-name") == ""          # the form is emptied for the next user
        page.fill("#admin-users-name", "water.desk")
        _choose(page, "admin-users-role", "部门")
        page.click("#admin-users-department")
        department = page.get_by_role("option").first
        department_name = department.inner_text()
        department.click()
        page.click("#admin-users-add")
        page.wait_for_selector("tr[data-user='water.desk']", timeout=30_000)
        assert department_name in page.inner_text("tr[data-user='water.desk']")
        page.screenshot(path=str(shots / "admin-users-zh.png"), full_page=True)

        page.goto(url + "/admin/tokens")
        page.wait_for_selector("#admin-tokens-add:has-text('创建令牌')", timeout=30_000)
        page.fill("#admin-tokens-name", "指挥大厅主屏")
        _choose(page, "admin-tokens-scope", "大屏（免登录显示）")
        page.click("#admin-tokens-add")
        page.wait_for_selector("[data-testid='new-token']", timeout=30_000)
        kiosk_path = page.inner_text("[data-testid='new-token']")
        assert kiosk_path.startswith("/kiosk/cv_")
        page.screenshot(path=str(shots / "admin-tokens-zh.png"), full_page=True)
        token_id = kiosk_path.split("_")[1]
        page.click(f"tr[data-token='{token_id}'] button")
        page.wait_for_selector(f"tr[data-token='{token_id}'] >> text=吊销", state="detached", timeout=30_000)
        page.click("#sign-out")
        page.wait_for_url(url + "/login")

        sign_in(page, url, ("officer.zhao", password), "/")
        assert "officer.zhao" in page.inner_text("[data-testid='account-name']")
        assert "用户管理" not in page.inner_text("#navbar")
        page.click("#sign-out")
        page.wait_for_url(url + "/login")

        sign_in(page, url, LEADER, "/")
        assert page.goto(url + "/admin/users").status == 403
        assert watch.errors and "status of 403" in watch.errors[-1]
        watch.errors.clear()
        assert page.inner_text("[data-testid='forbidden-title']") == "无权访问"
        page.screenshot(path=str(shots / "forbidden-zh.png"))
        page.click("#forbidden-lang")
        page.wait_for_selector("text=Not allowed")
        watch.errors.clear()
        page.screenshot(path=str(shots / "forbidden-en.png"))
        page.click("#forbidden-back")
        page.wait_for_url(url + "/")
    assert watch.errors == []
    assert watch.outside_requests == []
