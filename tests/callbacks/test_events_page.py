"""The /events callbacks called directly on a copy of the tiny city: pages from SQL, masking decided here."""

from __future__ import annotations

import pytest
from dash import no_update

from access import accounts
from data import audit
from data import db
from queries import events_page as cases
from tests.callbacks.installed import TZ, frozen_context
from tests.callbacks.test_overview import by_testid



@pytest.fixture
def installed(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    with frozen_context(con) as app_context:
        yield app_context
    con.close()


def _as(monkeypatch, role: str) -> None:
    import callbacks.events_page as page

    monkeypatch.setattr(page, "current_principal", lambda: accounts.principal_for(role, username=f"{role}-1"))


def test_the_grid_gets_one_masked_page_under_its_sort(installed):
    from callbacks.events_page import serve_rows

    query = {"status": "closed"}
    answer = serve_rows({"startRow": 50, "endRow": 100, "sortModel": [{"colId": "due", "sort": "asc"}]}, query, "zh")
    expected = cases.list_cases(installed.cursor(), cases.CaseFilters(status="closed"), installed.now_s(), TZ,
                                [("due", "asc")], 50, 50)
    assert [r["event_id"] for r in answer["rowData"]] == [r["event_id"] for r in expected]
    assert answer["rowCount"] == cases.count_cases(installed.cursor(), cases.CaseFilters(status="closed"),
                                                   installed.now_s(), TZ)
    callers = [(row, raw) for row, raw in zip(answer["rowData"], expected) if raw["caller_phone"]]
    assert len(callers) >= 25                       # a case from a camera alarm has no caller
    for row, raw in callers:
        assert row["phone"] != raw["caller_phone"] and row["phone"].endswith(raw["caller_phone"][-4:])
        assert row["caller"] == raw["caller_name"][0] + "*" * (len(raw["caller_name"]) - 1)
    assert serve_rows(None, query, "zh") is no_update


def test_an_unknown_sort_column_falls_back_to_newest_first(installed):
    from callbacks.events_page import serve_rows

    answer = serve_rows({"startRow": 0, "endRow": 10, "sortModel": [{"colId": "1; DROP TABLE events", "sort": "asc"}]},
                        {}, "en")
    newest = cases.list_cases(installed.cursor(), cases.CaseFilters(), installed.now_s(), TZ, offset=0, limit=10)
    assert [r["event_id"] for r in answer["rowData"]] == [r["event_id"] for r in newest]


def _first_case(installed) -> dict:
    row = installed.cursor().execute("SELECT source, event_id, caller_name, caller_phone FROM events "
                                     "WHERE status = 'closed' ORDER BY event_id LIMIT 1").fetchall()[0]
    return dict(zip(("source", "event_id", "caller_name", "caller_phone"), row))


@pytest.mark.parametrize("role", ["analyst", "leader"])
def test_roles_without_the_permission_get_masked_data_even_when_asking(installed, monkeypatch, role):
    from callbacks.events_page import HIDDEN, case_view

    _as(monkeypatch, role)
    case = _first_case(installed)
    panel, button, _note = case_view({"event_id": case["event_id"], "source": case["source"]}, True, "zh")
    shown = by_testid(panel)
    assert shown["case-phone"] != case["caller_phone"] and shown["case-caller"] != case["caller_name"]
    assert button == HIDDEN
    assert audit.recent(installed.cursor(), 5, "pii.unmask") == []


def test_a_duty_officer_sees_masked_data_until_revealing_and_the_reveal_is_audited(installed, monkeypatch):
    from callbacks.events_page import HIDDEN, SHOWN, case_view

    _as(monkeypatch, "duty_officer")
    case = _first_case(installed)
    chosen = {"event_id": case["event_id"], "source": case["source"]}
    masked, button, _ = case_view(chosen, False, "zh")
    assert by_testid(masked)["case-phone"] != case["caller_phone"] and button == SHOWN
    revealed, button, _ = case_view(chosen, True, "zh")
    assert by_testid(revealed)["case-phone"] == case["caller_phone"] and button == HIDDEN
    entries = audit.recent(installed.cursor(), 5, "pii.unmask")
    assert [(e["actor"], e["target"]) for e in entries] == [("duty_officer-1", f"event:{case['source']}:{case['event_id']}")]


def test_the_timeline_lists_every_version_and_the_deadline(installed, monkeypatch):
    from callbacks.events_page import case_view

    _as(monkeypatch, "analyst")
    case = _first_case(installed)
    panel, _, _ = case_view({"event_id": case["event_id"]}, False, "en")
    steps = by_testid(panel)["case-timeline"]
    history = cases.case_history(installed.cursor(), case["source"], case["event_id"])
    assert len(steps) == len(history) + 1


def test_a_missing_case_says_so(installed):
    from callbacks.events_page import case_view

    panel, _, _ = case_view({"event_id": "nope"}, False, "en")
    assert "case-not-found" in by_testid(panel)
