"""Every page, Dash callback and HTTP route, as anonymous and as each role: allowed or refused.

Pages and callbacks are walked from the live registry, so a page added later is checked too;
its callbacks are tied to it by the component ids of its layout (not by the guard's own rule).
"""

from __future__ import annotations

import json

import pytest

from access import accounts
from layouts.pages import PAGES
from tests.api.conftest import ORIGIN

WHO = ("anonymous",) + accounts.ROLES
REFUSED = {302, 401, 403}
# Pages whose audience the issue fixes; every other page is checked against its declared roles.
STAFF = {"admin", "leader", "analyst", "duty_officer"}
KNOWN_PAGES = {"/": set(accounts.ROLES), "/audit": {"admin"}, "/admin/users": {"admin"}, "/admin/tokens": {"admin"},
               "/deliveries": {"admin", "duty_officer"}, "/alarms": STAFF, "/duty": STAFF,
               "/orders": STAFF | {"department"}, "/alerts": STAFF}     # /orders: issue 21
BEARERS = ("ingest", "display-bearer", "backup-bearer", "alarm-bearer")


def page_allows(page, who: str) -> bool:
    """Return the expected verdict: admins open every page, () means every signed-in role."""
    if who == "anonymous":
        return False
    return not page.roles or who in page.roles or who == "admin"


def test_known_pages_have_the_audience_the_issue_asks_for():
    for page in PAGES:
        if page.path in KNOWN_PAGES:
            assert {who for who in accounts.ROLES if page_allows(page, who)} == KNOWN_PAGES[page.path]


@pytest.mark.parametrize("who", WHO)
def test_page_routes(secured, who):
    client = secured.client(who)
    for page in PAGES:
        status = client.get(page.path).status_code
        if page_allows(page, who):
            assert status == 200, (who, page.path, status)
        else:
            assert status in REFUSED, (who, page.path, status)
            assert status == (302 if who == "anonymous" else 403)


def _split_output(output: str) -> list[tuple[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(part.rsplit(".", 1)) for part in parts]


def _callback_body(dep: dict, values: dict) -> dict:
    outputs = [{"id": i, "property": p} for i, p in _split_output(dep["output"])]
    # a wildcard (ALL) input is a list of the matching components, as Dash sends it (none here)
    fill = lambda specs: [[] if '["ALL' in s["id"] else {**s, "value": values.get((s["id"], s["property"]))}  # noqa: E731
                          for s in specs]
    return {"output": dep["output"], "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": fill(dep["inputs"]), "state": fill(dep.get("state", [])), "changedPropIds": []}


def _component_ids(component) -> set[str]:
    found = {getattr(component, "id", None)}
    found |= {getattr(child, "id", None) for child in component._traverse()}
    return {i for i in found if isinstance(i, str)}


def _owners(secured) -> dict[str, object]:
    """Return output component id -> owning page ('frame' for the shell around every page)."""
    frame = secured.dash_app.layout
    owners = {i: "frame" for i in _component_ids(frame() if callable(frame) else frame)}   # drawn per request
    for page in PAGES:
        owners.update({i: page for i in _component_ids(page.layout())})
    return owners


def _dependencies(secured) -> list[dict]:
    deps = secured.client("admin").get("/_dash-dependencies").get_json()
    return [d for d in deps if not d["output"].startswith(("{", "..{")) and "_pages_" not in d["output"]]


@pytest.mark.parametrize("who", WHO)
def test_callbacks_of_each_page(secured, who):
    owners = _owners(secured)
    client = secured.client(who)
    checked = 0
    for dep in _dependencies(secured):
        owner = owners.get(_split_output(dep["output"])[0][0])
        values = {("language", "data"): "zh", ("url", "pathname"): "/"}
        answer = client.post("/_dash-update-component", json=_callback_body(dep, values), headers={"Origin": ORIGIN})
        if dep.get("clientside_function"):          # runs in the browser; the server refuses to run it
            assert answer.status_code in (401, 404), (who, dep["output"], answer.status_code)
            continue
        if who == "anonymous":
            assert answer.status_code == 401, dep["output"]
        elif owner == "frame" or (owner is not None and page_allows(owner, who)):
            assert answer.status_code in (200, 204), (who, dep["output"], answer.status_code, answer.text[:300])
            checked += 1
        elif owner is not None:
            assert answer.status_code == 403, (who, dep["output"], answer.status_code)
            assert b"audit_id" not in answer.data and b"login." not in answer.data
    assert who == "anonymous" or checked >= 3     # language, navbar and overview at least


@pytest.mark.parametrize("who", WHO)
def test_the_page_router_serves_only_permitted_layouts(secured, who):
    client = secured.client(who)
    for page in PAGES:
        body = {"output": ".._pages_content.children..._pages_store.data..",
                "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
                "inputs": [{"id": "_pages_location", "property": "pathname", "value": page.path},
                           {"id": "_pages_location", "property": "search", "value": ""}],
                "state": [], "changedPropIds": ["_pages_location.pathname"]}
        status = client.post("/_dash-update-component", json=body, headers={"Origin": ORIGIN}).status_code
        expected = 401 if who == "anonymous" else 200 if page_allows(page, who) else 403
        assert status == expected, (who, page.path, status)


def _router_body(first: tuple[str, object], second: tuple[str, object]) -> dict:
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": first[0], "value": first[1]},
                       {"id": "_pages_location", "property": second[0], "value": second[1]}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}


@pytest.mark.parametrize("who", WHO)
def test_the_router_checks_the_page_it_draws_whatever_the_spelling_or_the_inputs(secured, who):
    """Issue 23, hole 6: '//audit' and swapped callback inputs drew pages the role may not open."""
    client = secured.client(who)
    for page in PAGES:
        spellings = {"//" + page.path.lstrip("/"), page.path + "/", "///" + page.path.lstrip("/") + "//"}
        for pathname in spellings:
            body = _router_body(("pathname", pathname), ("search", ""))
            status = client.post("/_dash-update-component", json=body, headers={"Origin": ORIGIN}).status_code
            assert status == (401 if who == "anonymous" else 200 if page_allows(page, who) else 403), \
                (who, pathname, status)
        swapped = _router_body(("search", page.path), ("pathname", "/"))
        status = client.post("/_dash-update-component", json=swapped, headers={"Origin": ORIGIN}).status_code
        assert status in ((401,) if who == "anonymous" else (400, 403)), (who, page.path, status)


# rule -> (method, body, {who: allowed?}); who missing = refused. Public routes allow everyone.
def _route_matrix(secured) -> dict:
    everyone = set(accounts.ROLES)
    exporters = {r for r in accounts.ROLES if "export" in accounts.PERMISSIONS[r]}
    return {
        "/_dash-layout": ("GET", None, everyone),
        "/_dash-dependencies": ("GET", None, everyone),
        "/_reload-hash": ("GET", None, everyone),
        "/export/events.csv": ("GET", None, exporters),
        "/export/events.json": ("GET", None, exporters),
        "/api/v1/events": ("POST", b"not json", {"ingest"}),
        "/api/v1/readings": ("POST", b"not json", {"ingest"}),
        "/api/v1/alarms": ("POST", b"not json", {"alarm-bearer"}),      # a token of scope alarms only
        # a malformed date: the role is checked first (403), the date after it (400, cheap: no PDF rendered)
        "/reports/brief-<key>.<fmt>": ("GET", None, {"admin", "leader", "analyst", "duty_officer"}),
        "/static/<path:filename>": ("GET", None, None),      # no static folder: 404 for the signed-in
        # backups: a token of scope backup or an administrator (the download's name is checked after the role)
        "/api/v1/backups": ("GET", None, {"admin", "backup-bearer"}),
        "/api/v1/backups/<name>/<file_name>": ("GET", None, {"admin", "backup-bearer"}),
    }


PUBLIC_RULES = {"/login", "/setup", "/kiosk/<secret>", "/brief/<token>", "/brief/<token>.pdf", "/api/v1/openapi.json",
                "/_favicon.ico", "/healthz", "/readyz",
                "/assets/<path:filename>", "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"}
PAGE_RULES = {"/", "/<path:path>", "/_dash-update-component", "/logout"}   # covered by the tests above and below


def _request(secured, who: str, method: str, path: str, body: bytes | None):
    headers = {"Origin": ORIGIN}
    if who in BEARERS:
        token = {"ingest": secured.ingest_token, "display-bearer": secured.display_token,
                 "backup-bearer": secured.backup_token, "alarm-bearer": secured.alarm_token}[who]
        client = secured.dash_app.server.test_client()
        headers["Authorization"] = f"Bearer {token}"
    else:
        client = secured.client(who)
    return client.open(path, method=method, data=body, headers=headers, content_type="application/json")


def test_every_http_route_is_in_the_matrix_or_refuses_anonymous(secured):
    matrix = _route_matrix(secured)
    for rule in secured.dash_app.server.url_map.iter_rules():
        if rule.rule in PUBLIC_RULES | PAGE_RULES or rule.rule in matrix:
            continue
        path = rule.rule.replace("<", "").replace(">", "").replace(":", "_")
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        assert _request(secured, "anonymous", method, path, b"{}").status_code in REFUSED, rule.rule


@pytest.mark.parametrize("who", WHO + BEARERS)
def test_http_routes(secured, who):
    for rule, (method, body, allowed) in _route_matrix(secured).items():
        path = {"/static": "/static/x.js", "/reports": "/reports/brief-not-a-date.pdf"}.get(rule[:rule.find("/", 1)],
                                                                                            rule)
        path = path.replace("<name>/<file_name>", "cityvitals-20260101T000000Z/manifest.json")
        status = _request(secured, who, method, path, body).status_code
        if allowed is None:
            assert status in (REFUSED if who == "anonymous" else {404} if who in accounts.ROLES else REFUSED | {404})
        elif who in allowed:
            assert status not in REFUSED, (who, rule, status)
        else:
            assert status in REFUSED, (who, rule, status)


def test_public_doors_answer_everyone(secured):
    client = secured.dash_app.server.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/setup").status_code == 403          # an admin exists: the setup door is shut
    assert client.get("/kiosk/cv_nope_nope").status_code == 403
    assert json.loads(client.get("/_dash-layout").data)["error"] == "sign in first"
