"""Personal data masked in exports and API answers, audited unmasking, and hostile input kept inert."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from access import privacy
from data import audit
from tests.api.conftest import ORIGIN, PASSWORD

NAME, PHONE, ID_NUMBER = "欧阳娜娜", "13912345678", "32010219900307123X"
SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"
INJECTIONS = ("' OR '1'='1", "'; DROP TABLE users; --", "admin'--", '" OR ""="', "\\'; SELECT 1; --",
              "=HYPERLINK(\"http://evil.example\")", "{{7*7}}", "${jndi:ldap://x}")
DAY = "2026-11-20"
DESCRIPTION = f"{NAME}来电（身份证{ID_NUMBER}，回电13800001111），住幸福路12号3栋401室。{SCRIPT}"


@pytest.fixture(scope="module")
def planted(secured):
    """Add one case with personal data, a script and a formula to the tiny city's day."""
    cursor = secured.app_context.cursor()
    at = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
    cursor.execute("INSERT INTO events (source, event_id, category_code, received_at, status, description, "
                   "caller_name, caller_phone, department, updated_at) VALUES (?, ?, "
                   "(SELECT min(code) FROM event_categories), ?, 'received', ?, ?, ?, ?, ?)",
                   ["hotline_12345", "PII-1", at, DESCRIPTION, NAME, PHONE, INJECTIONS[5], at])
    return "PII-1"


def _export(secured, who: str, fmt: str, unmask: bool = False):
    return secured.client(who).get(f"/export/events.{fmt}?day={DAY}" + ("&unmask=1" if unmask else ""))


def _planted_row(answer) -> dict:
    rows = csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig")))
    return next(row for row in rows if row["event_id"] == "PII-1")


@pytest.mark.parametrize("who", ["admin", "leader", "analyst", "duty_officer"])
def test_exports_are_masked_by_default_for_every_role(secured, planted, who):
    csv_answer, json_answer = _export(secured, who, "csv"), _export(secured, who, "json")
    for body in (csv_answer.data.decode("utf-8-sig"), json_answer.get_data(as_text=True)):
        for secret in (NAME, PHONE, ID_NUMBER, "13800001111"):
            assert secret not in body
    row = _planted_row(csv_answer)
    assert row["caller_name"] == "欧***" and row["caller_phone"] == "139****5678"
    assert "320***********123X" in row["description"] and "138****1111" in row["description"]
    assert SCRIPT in row["description"]                      # kept as inert text, not stripped or run


def test_spreadsheet_formulas_are_neutralised_in_csv(secured, planted):
    assert _planted_row(_export(secured, "analyst", "csv"))["department"] == "'" + INJECTIONS[5]


def test_unmasking_needs_the_permission(secured, planted):
    assert _export(secured, "analyst", "csv", unmask=True).status_code == 403
    assert _export(secured, "leader", "json", unmask=True).status_code == 403
    assert _export(secured, "screen", "csv").status_code == 403


def test_unmasking_is_audited(secured, planted):
    answer = _export(secured, "duty_officer", "json", unmask=True)
    event = next(e for e in answer.get_json()["events"] if e["event_id"] == "PII-1")
    assert event["caller_phone"] == PHONE and event["caller_name"] == NAME
    entry = audit.recent(secured.app_context.cursor(), 1, "pii.unmask")[0]
    assert entry["actor"] == "duty_officer" and entry["target"] == f"events:{DAY}"
    assert audit.recent(secured.app_context.cursor(), 1, "export.")[0]["actor"] == "duty_officer"


def test_mask_text_covers_ids_mobiles_landlines_doors_and_names():
    masked = privacy.mask_text("张三丰 ID 11010519491231002X 手机+86 138-1234-5678 座机025-84561234 5栋2单元",
                               ("张三丰",))
    assert masked == "张** ID 110***********002X 手机+86 138****5678 座机025******34 *栋*单元"


def test_mask_frame_keeps_columns_and_masks_rows():
    import pandas as pd

    frame = pd.DataFrame([{"event_id": "a", "caller_name": "李四", "caller_phone": "13700000000",
                           "description": "李四说13700000000"}])
    masked = privacy.mask_frame(frame)
    assert list(masked.columns) == list(frame.columns)
    assert masked.iloc[0].tolist() == ["a", "李*", "137****0000", "李*说137****0000"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_in_the_login_form_changes_nothing(secured, text):
    cursor = secured.app_context.cursor()
    users_before = cursor.execute("SELECT count(*), max(password_changed_at) FROM users").fetchone()
    client = secured.dash_app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.0.2.{INJECTIONS.index(text)}"
    for username, password in ((text, text), ("admin", text), (text, PASSWORD)):
        answer = client.post("/login", data={"username": username, "password": password, "next": text},
                             headers={"Origin": ORIGIN})
        assert answer.status_code == 401
        assert "<script>" not in answer.text
    assert cursor.execute("SELECT count(*), max(password_changed_at) FROM users").fetchone() == users_before


@pytest.mark.parametrize("text", INJECTIONS + (SCRIPT,))
def test_injection_in_the_audit_filter_and_export_day_changes_nothing(secured, text):
    cursor = secured.app_context.cursor()
    audit.record(cursor, "tester", "probe", SCRIPT, {"text": text})
    before = cursor.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    body = {"output": "..audit-table.children...audit-heading.children...audit-filter.placeholder..",
            "outputs": [{"id": "audit-table", "property": "children"}, {"id": "audit-heading", "property": "children"},
                        {"id": "audit-filter", "property": "placeholder"}],
            "inputs": [{"id": "audit-tick", "property": "n_intervals", "value": 1},
                       {"id": "audit-filter", "property": "value", "value": text},
                       {"id": "language", "property": "data", "value": "en"}], "changedPropIds": []}
    answer = secured.client("admin").post("/_dash-update-component", json=body, headers={"Origin": ORIGIN})
    assert answer.status_code == 200
    assert secured.client("admin").get(f"/export/events.csv?day={text}").status_code == 400
    assert cursor.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before
    assert cursor.execute("SELECT count(*) FROM users").fetchone()[0] >= 4


def test_script_payloads_come_back_as_text_children_not_markup(secured):
    audit.record(secured.app_context.cursor(), "tester", "probe.script", SCRIPT, None)
    body = {"output": "..audit-table.children...audit-heading.children...audit-filter.placeholder..",
            "outputs": [{"id": "audit-table", "property": "children"}, {"id": "audit-heading", "property": "children"},
                        {"id": "audit-filter", "property": "placeholder"}],
            "inputs": [{"id": "audit-tick", "property": "n_intervals", "value": 1},
                       {"id": "audit-filter", "property": "value", "value": "probe.script"},
                       {"id": "language", "property": "data", "value": "en"}], "changedPropIds": []}
    answer = secured.client("admin").post("/_dash-update-component", json=body, headers={"Origin": ORIGIN})
    assert SCRIPT in answer.get_json()["response"]["audit-table"]["children"].__repr__()
    assert "dangerouslySetInnerHTML" not in answer.get_data(as_text=True)
