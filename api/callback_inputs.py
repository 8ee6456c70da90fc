"""The form of a Dash callback request, checked before any callback runs.

The browser sends each input's value as the component holds it; a crafted request can send a
list where a text box holds a text, a text where a number box holds a number, NaN, or JSON nested
thousands deep. Such requests used to reach the callbacks and end in HTTP 500. Here every input
and state whose component holds a text or a number (a text box, a number box, a single
dropdown, a click count, or a property the layouts declare with a text or a number) must still
hold one (a finite number), or the request is answered 400 naming ``id.property``. Values the layouts leave
empty (stores, selections) are checked by the callbacks that read them (data.inputs).
"""

from __future__ import annotations

import json
import math
from numbers import Real

from flask import Response

MAX_DEPTH = 64          # nesting of a callback body's JSON (Dash's own requests stay under 10)
CLICKS = ("n_clicks", "n_submit", "n_blur")
SCALAR = "scalar"       # a text or a number (a single dropdown's value)
EXPECTED = {str: "a text", Real: "a number", SCALAR: "a text or a number"}


def declared_forms(layouts) -> dict[tuple[str, str], type]:
    """Return (component id, property) → str or Real for every property the layouts give a
    text or a number (only string ids: pattern-matching ids carry their own checks)."""
    forms: dict[tuple[str, str], type] = {}
    for layout in layouts:
        for component in [layout, *layout._traverse()]:
            component_id = getattr(component, "id", None)
            if not isinstance(component_id, str):
                continue
            for prop in getattr(component, "_prop_names", ()):
                form = _form(component, prop)
                if form is not None:
                    forms.setdefault((component_id, prop), form)
    return forms


def _form(component, prop: str):
    """Return the form a property of a component holds: str, Real, SCALAR or None (unknown)."""
    kind, value = type(component).__name__, getattr(component, prop, None)
    if prop == "search_value" or kind == "DatePickerSingle" and prop == "date":
        return str
    if prop in CLICKS:
        return Real
    if kind == "Input" and prop == "value":
        return Real if getattr(component, "type", None) == "number" else str
    if kind in ("Dropdown", "RadioItems") and prop == "value" and not getattr(component, "multi", False):
        return SCALAR
    if isinstance(value, str):
        return str
    if isinstance(value, Real) and not isinstance(value, bool):
        return Real
    return None


def depth(value, limit: int = MAX_DEPTH) -> int:
    """Return how deeply ``value`` nests (stopping once past ``limit``)."""
    stack, deepest = [(value, 1)], 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def parse_body(data: bytes) -> dict | str:
    """Return a callback request's JSON body, or what is wrong with it."""
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        return "the body is not JSON a callback sends"
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return "not a Dash callback request"
    if depth(body) > MAX_DEPTH:
        return f"the body nests deeper than {MAX_DEPTH} levels"
    return body


def shape_problem(body: dict, entry: dict) -> str | None:
    """Return what is wrong with the inputs' and states' shape against the callback's declaration
    (Dash passes them by position: each must be the declared component's property), or None."""
    for part in ("inputs", "state"):
        declared, given = entry.get(part) or [], body.get(part) or []
        if not isinstance(given, list) or len(given) != len(declared):
            return f"{part}: this callback takes {len(declared)}"
        for spec, item in zip(declared, given):
            name = f"{spec['id']}.{spec['property']}"
            if '["ALL"]' in spec["id"] or '["ALLSMALLER"]' in spec["id"]:
                if not isinstance(item, list) or not all(_matches(i, spec, True) for i in item):
                    return f"{name}: a list of the matching components"
            elif not _matches(item, spec, spec["id"].startswith("{")):
                return f"{name}: not this callback's {part[:-1] if part == 'inputs' else part}"
    return None


def _matches(item, spec: dict, pattern: bool) -> bool:
    if not isinstance(item, dict) or item.get("property") != spec["property"]:
        return False
    if item.get("property") in CLICKS and not _clicks(item.get("value")):
        return False
    return isinstance(item.get("id"), dict) if pattern else item.get("id") == spec["id"]


def _clicks(value) -> bool:
    return value is None or isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def problem(body: dict, forms: dict[tuple[str, str], type]) -> str | None:
    """Return what is wrong with the inputs and states of a callback body, or None."""
    for item in [*(body.get("inputs") or []), *(body.get("state") or [])]:
        if isinstance(item, list):              # ALL / ALLSMALLER wildcards: a list of items
            continue
        if not isinstance(item, dict):
            return "inputs: each input is an object with id, property and value"
        key = (item.get("id"), item.get("property"))
        value = item.get("value")
        if isinstance(value, float) and not math.isfinite(value):
            return f"{key[0]}.{key[1]}: a finite number"
        if key[1] in CLICKS and not _clicks(value):
            return f"{key[0]}.{key[1]}: a click count"
        form = forms.get(key) if isinstance(key[0], str) else None
        if value is None or form is None:
            continue
        number = isinstance(value, Real) and not isinstance(value, bool)
        if not (isinstance(value, str) if form is str else number if form is Real else isinstance(value, str) or number):
            return f"{key[0]}.{key[1]}: {EXPECTED[form]}"
    return None


def refused(message: str) -> Response:
    """Return the 400 answer of a malformed callback request."""
    return Response(json.dumps({"error": message}, ensure_ascii=False), status=400, mimetype="application/json")
