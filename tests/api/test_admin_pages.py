"""The admin pages while the server runs: users and tokens added, reset, disabled and revoked through
their Dash callbacks, audited with the acting administrator, secrets shown once and stored hashed;
other roles refused by the server; the styled 403 page; the backup API's roles."""

from __future__ import annotations

import json

import pytest

from access import accounts
from data import audit
from data.ingest import tokens
from tests.api.conftest import ORIGIN, PASSWORD

USER_OUTPUT = ("..admin-users-notice.children...admin-users-version.data...admin-users-name.value"
               "...admin-users-display.value..")
TOKEN_OUTPUT = "..admin-tokens-notice.children...admin-tokens-version.data.."


def _update(client, output: str, inputs: list, state: list, changed: str):
    body = {"output": output, "outputs": [{"id": i, "property": p} for i, p in
                                          (part.rsplit(".", 1) for part in output[2:-2].split("..."))],
            "inputs": inputs, "state": state, "changedPropIds": [changed]}
    return client.post("/_dash-update-component", json=body, headers={"Origin": ORIGIN})


def _state(pairs: dict) -> list:
    return [{"id": i, "property": p, "value": v} for (i, p), v in pairs.items()]


def add_user(client, name: str, role: str = "analyst", language: str = "en", department: str | None = None):
    inputs = [{"id": "admin-users-add", "property": "n_clicks", "value": 1}, []]
    state = _state({("admin-users-name", "value"): name, ("admin-users-display", "value"): "Test",
                    ("admin-users-role", "value"): role, ("admin-users-department", "value"): department,
                    ("language", "data"): language, ("admin-users-version", "data"): 0})
    return _update(client, USER_OUTPUT, inputs, state, "admin-users-add.n_clicks")


def act_on_user(client, action: str, name: str):
    button = {"type": "admin-user-action", "action": action, "user": name}
    inputs = [{"id": "admin-users-add", "property": "n_clicks", "value": 0},
              [{"id": button, "property": "n_clicks", "value": 1}]]
    state = _state({("admin-users-name", "value"): None, ("admin-users-display", "value"): None,
                    ("admin-users-role", "value"): None, ("admin-users-department", "value"): None,
                    ("language", "data"): "en", ("admin-users-version", "data"): 0})
    changed = json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"
    return _update(client, USER_OUTPUT, inputs, state, changed)


def add_token(client, name: str, scope: str):
    inputs = [{"id": "admin-tokens-add", "property": "n_clicks", "value": 1}, []]
    state = _state({("admin-tokens-name", "value"): name, ("admin-tokens-scope", "value"): scope,
                    ("language", "data"): "en", ("admin-tokens-version", "data"): 0})
    return _update(client, TOKEN_OUTPUT, inputs, state, "admin-tokens-add.n_clicks")


def revoke(client, token_id: str):
    button = {"type": "admin-token-revoke", "token": token_id}
    inputs = [{"id": "admin-tokens-add", "property": "n_clicks", "value": 0},
              [{"id": button, "property": "n_clicks", "value": 1}]]
    state = _state({("admin-tokens-name", "value"): None, ("admin-tokens-scope", "value"): None,
                    ("language", "data"): "en", ("admin-tokens-version", "data"): 0})
    return _update(client, TOKEN_OUTPUT, inputs, state, json.dumps(button, sort_keys=True, separators=(",", ":"))
                   + ".n_clicks")


def shown_secret(answer) -> str:
    """Return the one-time secret in a callback answer's notice (the <code> element's text)."""
    notice = answer.get_json()["response"]["admin-users-notice" if "admin-users-notice" in answer.text
                                           else "admin-tokens-notice"]["children"]
    return notice["props"]["children"][1]["props"]["children"]


def sign_in(secured, name: str, password: str) -> int:
    client = secured.dash_app.server.test_client()
    return client.post("/login", data={"username": name, "password": password}, headers={"Origin": ORIGIN}).status_code


def last_audit(secured, action: str) -> dict:
    return audit.recent(secured.app_context.cursor(), 1, action)[0]


def test_an_admin_adds_a_user_who_signs_in_with_the_password_shown_once(secured):
    answer = add_user(secured.client("admin"), "officer.wang", "duty_officer")
    assert answer.status_code == 200, answer.text
    password = shown_secret(answer)
    assert sign_in(secured, "officer.wang", password) == 303
    stored = secured.app_context.cursor().execute("SELECT password_hash FROM users WHERE username = 'officer.wang'"
                                                  ).fetchall()[0][0]
    assert password not in stored and accounts.verify_password(password, stored)
    entry = last_audit(secured, "user.add")
    assert (entry["actor"], entry["target"]) == ("admin", "officer.wang")
    assert "exists already" in add_user(secured.client("admin"), "officer.wang").text


def test_a_department_user_is_added_bound_and_the_binding_is_checked_on_the_server(secured):
    cursor = secured.app_context.cursor()
    department = cursor.execute("SELECT min(code) FROM departments").fetchall()[0][0]
    refused = add_user(secured.client("admin"), "desk.none", "department")
    assert refused.status_code == 200 and "Choose the department" in refused.text
    forged = add_user(secured.client("admin"), "desk.forged", "department", department="' OR 1=1 --")
    assert "no department" in forged.text
    answer = add_user(secured.client("admin"), "desk.water", "department", department=department)
    assert shown_secret(answer)
    bound = cursor.execute("SELECT username, department FROM users WHERE username LIKE 'desk.%'").fetchall()
    assert bound == [("desk.water", department)]


def test_the_roles_offered_are_the_declared_ones(secured):
    from callbacks.admin_users import draw_users_page
    from callbacks import context
    context.install(secured.app_context)
    options = draw_users_page("en", 0)[3]
    assert [o["value"] for o in options] == list(accounts.USER_ROLES)


def test_reset_disable_and_enable(secured):
    admin = secured.client("admin")
    password = shown_secret(add_user(admin, "analyst.li"))
    new_password = shown_secret(act_on_user(admin, "reset", "analyst.li"))
    assert sign_in(secured, "analyst.li", password) == 401 and sign_in(secured, "analyst.li", new_password) == 303
    assert act_on_user(admin, "disable", "analyst.li").status_code == 200
    assert sign_in(secured, "analyst.li", new_password) == 401
    assert last_audit(secured, "user.disable")["actor"] == "admin"
    act_on_user(admin, "enable", "analyst.li")
    assert sign_in(secured, "analyst.li", new_password) == 303
    assert last_audit(secured, "user.enable")["target"] == "analyst.li"


def test_an_admin_cannot_disable_themselves_or_an_unknown_user(secured):
    admin = secured.client("admin")
    assert "cannot disable your own account" in act_on_user(admin, "disable", "admin").text
    assert "no such user" in act_on_user(admin, "reset", "nobody").text
    assert sign_in(secured, "admin", PASSWORD) == 303


@pytest.mark.parametrize("who", ["leader", "analyst", "duty_officer", "screen"])
def test_other_roles_cannot_change_accounts_or_tokens(secured, who):
    client = secured.client(who)
    assert add_user(client, f"intruder_{who}", "admin").status_code == 403
    assert act_on_user(client, "reset", "admin").status_code == 403
    assert add_token(client, "mine", "backup").status_code == 403
    assert revoke(client, secured.display_token_id).status_code == 403
    assert not secured.app_context.cursor().execute("SELECT count(*) FROM users WHERE username = ?",
                                                    [f"intruder_{who}"]).fetchall()[0][0]
    assert sign_in(secured, "admin", PASSWORD) == 303


def test_a_wall_token_made_on_the_page_opens_the_kiosk_until_revoked(secured):
    admin = secured.client("admin")
    kiosk_path = shown_secret(add_token(admin, "hall wall", "display"))
    assert kiosk_path.startswith("/kiosk/cv_")
    secret = kiosk_path.removeprefix("/kiosk/")
    stored = secured.app_context.cursor().execute("SELECT token_hash FROM api_tokens WHERE token_id = ?",
                                                  [tokens.token_id_of(secret)]).fetchall()[0][0]
    assert stored == tokens.hash_token(secret) and secret not in stored
    wall = secured.dash_app.server.test_client()
    assert wall.get(kiosk_path).status_code == 303
    assert wall.get("/screen").status_code == 200
    assert revoke(admin, tokens.token_id_of(secret)).status_code == 200
    assert wall.get("/screen").status_code == 302          # signed out on its next request
    assert secured.dash_app.server.test_client().get(kiosk_path).status_code == 403
    assert last_audit(secured, "token.revoke")["actor"] == "admin"
    assert "no such active token" in revoke(admin, tokens.token_id_of(secret)).text


def test_a_backup_token_made_on_the_page_takes_a_backup(secured):
    secret = shown_secret(add_token(secured.client("admin"), "nightly copy", "backup"))
    client = secured.dash_app.server.test_client()
    answer = client.post("/api/v1/backups", headers={"Authorization": f"Bearer {secret}", "Origin": ORIGIN})
    lines = [json.loads(line) for line in answer.get_data(as_text=True).splitlines()]
    assert answer.status_code == 200 and "progress" in lines[0] and "backup" in lines[-1], lines[-1]
    name = lines[-1]["backup"]["name"]
    listed = client.get("/api/v1/backups", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert name in [m["name"] for m in listed]
    manifest = client.get(f"/api/v1/backups/{name}/manifest.json", headers={"Authorization": f"Bearer {secret}"})
    assert manifest.status_code == 200 and json.loads(manifest.data)["name"] == name
    for bad in (f"{name}/../../city.duckdb", "..%2F..%2Fetc/passwd", f"{name}/store.duckdb.wal", "x/manifest.json",
                f"{name}.partial/manifest.json", "..%2Fcity.duckdb/manifest.json"):
        got = client.get(f"/api/v1/backups/{bad}", headers={"Authorization": f"Bearer {secret}"})
        assert "attachment" not in got.headers.get("Content-Disposition", ""), bad     # no file served
    assert last_audit(secured, "backup.create")["actor"].startswith("token:")


@pytest.mark.parametrize("who", ["leader", "duty_officer", "ingest", "display-bearer"])
def test_only_admins_and_backup_tokens_may_take_backups(secured, who):
    if who in ("ingest", "display-bearer"):
        token = secured.ingest_token if who == "ingest" else secured.display_token
        answer = secured.dash_app.server.test_client().post(
            "/api/v1/backups", headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN})
    else:
        answer = secured.client(who).post("/api/v1/backups", headers={"Origin": ORIGIN})
    assert answer.status_code == 403


@pytest.mark.parametrize("query, expected", [("", "无权访问"), ("?lang=en", "Not allowed"), ("?lang=xx", "无权访问")])
def test_the_403_page_is_styled_in_one_language_with_a_way_back(secured, query, expected):
    answer = secured.client("leader").get("/admin/users" + query)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403 and expected in page
    assert "/assets/00-bootstrap.min.css" in page and 'id="forbidden-back" href="/"' in page
    other = "Not allowed" if expected == "无权访问" else "无权访问"
    assert other not in page and "<script" not in page


def test_the_403_page_escapes_the_path(secured):
    page = secured.client("leader").get('/audit/"><script>x</script>').get_data(as_text=True)
    assert "<script>x" not in page

