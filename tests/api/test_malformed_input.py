"""Issue 23, hole 10: malformed input gets a 4xx naming the field, never HTTP 500.

A non-integer alert id, silence hours ``nan``, the year 9999 and JSON nested thousands deep each
ended in HTTP 500. The table below replays them; the last test sends hostile values to every
input of every Dash callback the app registers (a callback added later is covered too).
"""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import ORIGIN

HOSTILE = ("abc", "nan", -1, 10**20, [1, 2], {"a": 1}, True, "9999-12-31")
NESTED = b"[" * 100_000 + b"]" * 100_000


def _body(dep: dict, position: int | None = None, value=None) -> dict:
    def items(specs, offset):
        out = []
        for i, spec in enumerate(specs):
            key = json.loads(spec["id"]) if spec["id"].startswith("{") else spec["id"]
            item = {"id": key, "property": spec["property"], "value": None}
            if i + offset == position:
                item["value"] = value
            out.append(item)
        return out
    parts = dep["output"][2:-2].split("...") if dep["output"].startswith("..") else [dep["output"]]
    outputs = [{"id": json.loads(i) if i.startswith("{") else i, "property": p}
               for i, p in (part.rsplit(".", 1) for part in parts)]
    inputs = items(dep["inputs"], 0)
    return {"output": dep["output"], "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": inputs, "state": items(dep.get("state", []), len(inputs)),
            "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"] if inputs else []}


def _dep(secured, output_part: str) -> dict:
    deps = secured.client("admin").get("/_dash-dependencies").get_json()
    return next(d for d in deps if output_part in d["output"])


def _call(secured, body) -> tuple[int, str]:
    answer = secured.client("admin").post("/_dash-update-component", json=body, headers={"Origin": ORIGIN})
    return answer.status_code, (answer.get_json(silent=True) or {}).get("error", "")


def test_a_non_integer_alert_id_is_a_400_naming_the_field(secured):
    dep = _dep(secured, "alerts-detail.children")
    for value in ("abc", "1; DROP TABLE alerts", 1.5, 10**30):
        assert _call(secured, _body(dep, 0, value)) == (400, "alerts-selected.data: a whole number from 1 to "
                                                              "4611686018427387904")
    assert _call(secured, _body(dep, 0, 987654321))[1] == "alerts-selected.data: the id of an existing alert"


@pytest.mark.parametrize("hours", ["nan", "inf", "-inf", "abc", -5, 10**9])
def test_silence_hours_that_are_not_a_number_are_a_400_naming_the_field(secured, hours):
    dep = _dep(secured, "alerts-silence-message.children...alerts-changed.data@")
    names = [f"{s['id']}.{s['property']}" for s in dep["inputs"] + dep["state"]]
    body = _body(dep, names.index("alerts-silence-rule-hours.value"), hours)
    body["inputs"][0]["value"] = 1
    body["state"][0]["value"] = "air.*"
    body["state"][names.index("alerts-silence-reason.value") - len(dep["inputs"])]["value"] = "fuzz"
    status, message = _call(secured, body)
    assert status == 400 and message.startswith("alerts-silence-rule-hours.value"), (hours, status, message)


@pytest.mark.parametrize("url, field", [
    ("/export/events.csv?day=9999-12-31", "day"), ("/export/events.json?day=0001-01-01", "day"),
    ("/export/events.csv?day=2026-13-45", "day"), ("/reports/brief-9999-12-31.pdf", "period"),
    ("/reports/brief-0001-01-01.html", "period")])
def test_days_out_of_range_are_a_400_naming_the_field(secured, url, field):
    answer = secured.client("admin").get(url)
    refusal = answer.get_json()
    assert answer.status_code == 400 and (refusal["error"].startswith(field) or refusal.get("field") == field), answer.data


def test_deeply_nested_json_is_a_400(secured):
    answer = secured.client("admin").post("/_dash-update-component", data=NESTED, headers={"Origin": ORIGIN},
                                          content_type="application/json")
    assert answer.status_code == 400
    value = 1
    for _ in range(100):            # past the callback body's depth limit, well under the parser's
        value = [value]
    shallow = {"output": "x", "inputs": [{"id": "a", "property": "b", "value": value}]}
    assert _call(secured, shallow)[0] == 400
    api = secured.dash_app.server.test_client().post("/api/v1/events", data=NESTED, content_type="application/json",
                                                    headers={"Authorization": f"Bearer {secured.ingest_token}"})
    assert api.status_code == 400 and "nests too deeply" in api.get_json()["error"]


def test_swapped_or_missing_inputs_are_a_400(secured):
    dep = _dep(secured, "events-count.children")
    body = _body(dep)
    body["inputs"].reverse()
    assert _call(secured, body)[0] == 400
    body["inputs"] = body["inputs"][:1]
    assert _call(secured, body)[0] == 400


def test_no_callback_answers_500_to_hostile_values(secured):
    deps = secured.client("admin").get("/_dash-dependencies").get_json()
    failures = []
    for dep in deps:
        for position in range(len(dep["inputs"]) + len(dep.get("state", []))):
            for value in HOSTILE:
                status, _ = _call(secured, _body(dep, position, value))
                if status >= 500:
                    failures.append((dep["output"][:60], position, value, status))
    assert failures == [], "\n".join(map(repr, failures))
