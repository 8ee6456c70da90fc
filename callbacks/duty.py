"""Callbacks of /duty. Staff read the roster and handovers (the page entry's roles); EDITORS may add
or remove a shift, checked here on the server; every change is audited."""

from dash import Input, Output, State, callback, html, no_update

from access.roles import current_principal
from callbacks import context
from data import audit, handover, inputs, roster
from data.clock import utc
from data.db import transaction
from data.text import TextError
from layouts import ids
from layouts.duty import handover_options, handover_view, remove_options, shifts_section
from layouts.i18n import normalise_language, t
from queries import duty

EDITORS = ("admin", "leader", "duty_officer")


@callback(Output(ids.DUTY_HEADING, "children"), Output(ids.DUTY_LABELS, "children"),
          Output(ids.DUTY_START, "placeholder"), Output(ids.DUTY_END, "placeholder"),
          Output(ids.DUTY_LABEL, "placeholder"), Output(ids.DUTY_PEOPLE, "placeholder"),
          Output(ids.DUTY_ADD, "children"), Output(ids.DUTY_REMOVE_PICK, "placeholder"),
          Output(ids.DUTY_REMOVE, "children"), Output(ids.DUTY_HANDOVERS, "children"),
          Output(ids.DUTY_HANDOVER_PICK, "placeholder"), Input(ids.LANGUAGE, "data"))
def label_page(language):
    """Return the page's fixed labels in the UI language."""
    language = normalise_language(language)
    return (t("duty.heading", language), html.H5(t("duty.edit", language)), t("duty.start", language),
            t("duty.end", language), t("duty.label", language), t("duty.people", language) + "\n" + t("duty.people.example", language),
            t("duty.add", language), t("duty.remove_pick", language), t("duty.remove", language),
            html.H5(t("duty.handovers", language)), t("duty.handover_pick", language))


@callback(Output(ids.DUTY_SHIFTS, "children"), Output(ids.DUTY_REMOVE_PICK, "options"),
          Output(ids.DUTY_HANDOVER_PICK, "options"),
          Input(ids.DUTY_TICK, "n_intervals"), Input(ids.DUTY_CHANGED, "data"), Input(ids.LANGUAGE, "data"))
def show_roster(_ticks, _changed, language):
    """Return the shifts around now, the shifts that may be removed and the handovers to choose from."""
    app = context.current()
    language, cursor, now = normalise_language(language), app.cursor(), app.now_s()
    rows = duty.shifts(cursor, now)
    return (shifts_section(rows, language, app.tz), remove_options(rows, now, app.tz),
            handover_options(duty.handovers(cursor), language, app.tz))


@callback(Output(ids.DUTY_HANDOVER, "children"), Input(ids.DUTY_HANDOVER_PICK, "value"),
          Input(ids.DUTY_HANDOVER_PICK, "options"), Input(ids.LANGUAGE, "data"))
def show_handover(handover_id, options, language):
    """Return the chosen handover, else the newest one."""
    app = context.current()
    language = normalise_language(language)
    if handover_id is None:         # none picked yet: the newest, the first of the options
        first = options[0] if isinstance(options, list) and options and isinstance(options[0], dict) else {}
        handover_id = first.get("value")
    chosen = inputs.whole_number(handover_id, "handover", 1, 2**53) if handover_id is not None else None
    found = handover.handover(app.cursor(), chosen) if chosen is not None else None
    return handover_view(with_indicator_names(found, app.catalog, language), language, app.tz)


def with_indicator_names(found: dict | None, catalog, language: str) -> dict | None:
    """Return the handover with each open alert's indicator shown by its name in ``language`` (the
    handover keeps the catalog id, which is no text for a person)."""
    for item in ((found or {}).get("items") or {}).get("alerts", {}).get("items", []):
        indicator_id = item.get("indicator_id")
        if isinstance(indicator_id, str) and indicator_id in catalog:
            indicator = catalog[indicator_id]
            item["indicator_id"] = indicator.name_zh if language == "zh" else indicator.name_en
    return found


@callback(Output(ids.DUTY_MESSAGE, "children"), Output(ids.DUTY_CHANGED, "data"),
          Input(ids.DUTY_ADD, "n_clicks"), State(ids.DUTY_START, "value"), State(ids.DUTY_END, "value"),
          State(ids.DUTY_LABEL, "value"), State(ids.DUTY_PEOPLE, "value"), State(ids.DUTY_CHANGED, "data"),
          State(ids.LANGUAGE, "data"), prevent_initial_call=True)
def add_shift(_clicks, start, end, label, people, changed, language):
    """Add a shift from the form as the signed-in editor."""
    language = normalise_language(language)
    principal = current_principal()
    if principal is None or principal.role not in EDITORS:
        return t("duty.not_allowed", language), no_update
    app = context.current()
    try:
        entry = {"start": inputs.text(start, "start", 40, "").strip(), "end": inputs.text(end, "end", 40, "").strip(),
                 "label": inputs.text(label, "label", 200),
                 "people": parse_people(inputs.text(people, "people", 20_000, ""), language)}
        shift = roster.parse_shift(entry, app.tz, "shift")
        cursor = app.cursor()
        with transaction(cursor):
            shift_id = roster.save_shift(cursor, shift, principal.actor)
            audit.record(cursor, principal.actor, "roster.add", f"shift:{shift_id}",
                         {"starts": utc(shift.starts_s), "people": [p.name for p in shift.people]})
    except TextError as exc:
        return html.Span(str(exc), className="text-danger"), no_update
    return t("duty.added", language).format(shift=shift_id), (changed or 0) + 1


def duty_role(word: str) -> str:
    """Return the roster's role code for a role typed in either language (带班领导 or leader); any other
    word is passed on for data.roster to refuse."""
    for code in roster.DUTY_ROLES:
        if word in (code, t(f"duty.role.{code}", "zh"), t(f"duty.role.{code}", "en")):
            return code
    return word


def parse_people(text: str, language: str) -> list[dict]:
    """Return the people of the form's lines 'name, role, mobile' (a comma or a Chinese comma)."""
    people = []
    for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if len(parts) != 3:
            raise TextError(t("duty.bad_people", language).format(line=number))
        people.append({"name": parts[0], "role": duty_role(parts[1]), "mobile": parts[2]})
    return people


@callback(Output(ids.DUTY_MESSAGE, "children", allow_duplicate=True),
          Output(ids.DUTY_CHANGED, "data", allow_duplicate=True),
          Input(ids.DUTY_REMOVE, "n_clicks"), State(ids.DUTY_REMOVE_PICK, "value"), State(ids.DUTY_CHANGED, "data"),
          State(ids.LANGUAGE, "data"), prevent_initial_call=True)
def remove_shift(_clicks, shift_id, changed, language):
    """Remove a shift that has not begun, as the signed-in editor."""
    language = normalise_language(language)
    principal = current_principal()
    if principal is None or principal.role not in EDITORS:
        return t("duty.not_allowed", language), no_update
    app = context.current()
    cursor = app.cursor()
    if not isinstance(shift_id, int) or roster.shift_starts(cursor, shift_id) is None \
            or roster.shift_starts(cursor, shift_id) <= app.now_s():
        return t("duty.not_future", language), no_update
    with transaction(cursor):
        roster.delete_shifts(cursor, [shift_id])
        audit.record(cursor, principal.actor, "roster.remove", f"shift:{shift_id}")
    return t("duty.removed", language).format(shift=shift_id), (changed or 0) + 1
