"""The work order's life (工单流转), declared once: states, steps, and the permission each step needs.

An order is dispatched (派单) to one or more departments, which sign for it (报到/签收), work on it
and feed back the result (反馈); the centre verifies it (核查) and closes it (办结), or sends the
feedback back for more work. A department may return (退回) an order that is not its own, with a
reason; the centre closes a returned order. Reminders (催办), supervision (督办), the leader's
instructions (批示), escalation (升级) and comments keep the state and are recorded like the rest.

Roles hold permissions (access/accounts.PERMISSIONS); each step names the one it needs, and
:func:`check_step` enforces the table below on the server. A department's user sees and acts on
the orders of its own department only (data/orders/store.py checks it on every read and step).
"""

from __future__ import annotations

from dataclasses import dataclass

STATES = ("dispatched", "reported", "in_progress", "feedback", "verified", "closed", "returned")
OPEN_STATES = ("dispatched", "reported", "in_progress", "feedback", "verified")
PRIORITIES = ("normal", "urgent", "critical")
SOURCE_KINDS = ("alert", "case", "unit", "alarm", "manual")
# handling level number → the level of the grid hierarchy that handles it (三级办理)
HANDLING_LEVEL_NAMES = {1: "district", 2: "street", 3: "community"}
# Default deadlines by priority, in hours after dispatch: (report in, finish).
DEFAULT_DEADLINES_H = {"normal": (2.0, 72.0), "urgent": (1.0, 24.0), "critical": (0.5, 8.0)}
SYSTEM_ACTOR = "system"
MAX_TEXT = 2000             # feedback, reasons, instructions and comments are bounded
MAX_TITLE = 200


class OrderError(ValueError):
    """A work order step that cannot be done; the message says why (and names the field)."""


@dataclass(frozen=True)
class Step:
    """One step of an order: where it may start, where it leads, what it needs."""

    action: str
    from_states: tuple[str, ...]
    to_state: str | None            # None: the order keeps its state (reminders, comments ...)
    permission: str
    text: str | None = None         # the field of text the step requires (feedback, reason ...)


STEPS: dict[str, Step] = {step.action: step for step in (
    Step("report_in", ("dispatched",), "reported", "orders.sign"),
    Step("start", ("reported",), "in_progress", "orders.sign"),
    Step("feedback", ("reported", "in_progress"), "feedback", "orders.feedback", text="feedback"),
    Step("return", ("dispatched", "reported"), "returned", "orders.return", text="reason"),
    Step("verify", ("feedback",), "verified", "orders.verify"),
    Step("reject", ("feedback",), "in_progress", "orders.verify", text="reason"),
    Step("close", ("verified", "returned"), "closed", "orders.close"),
    Step("remind", ("dispatched", "reported", "in_progress"), None, "orders.remind"),
    Step("supervise", OPEN_STATES, None, "orders.supervise", text="comment"),
    Step("instruct", OPEN_STATES, None, "orders.instruct", text="instructions"),
    Step("escalate", ("dispatched", "reported", "in_progress"), None, "orders.supervise", text="reason"),
    Step("comment", STATES, None, "orders.comment", text="comment"),
)}
DISPATCH_PERMISSION = "orders.dispatch"
# Every permission the steps name: what a trusted caller inside the server (the simulator, the
# deadline sweep, a reviewed camera alarm) acts with.
SYSTEM_PERMISSIONS = frozenset({DISPATCH_PERMISSION, *(step.permission for step in STEPS.values())})


def check_step(action: str, state: str, permissions: frozenset[str], text: str | None) -> Step:
    """Return the step if ``permissions`` allow ``action`` from ``state`` with the text it needs;
    raise OrderError naming what is missing."""
    step = STEPS.get(action)
    if step is None:
        raise OrderError(f"action: unknown step {action!r} (choose from {', '.join(STEPS)})")
    if step.permission not in permissions:
        raise PermissionError(f"your role may not {action} work orders")
    if state not in step.from_states:
        raise OrderError(f"action: an order in state {state!r} cannot take the step {action!r}")
    if step.text and not (text or "").strip():
        raise OrderError(f"{step.text}: required for {action}")
    if text is not None and len(text) > MAX_TEXT:
        raise OrderError(f"{step.text or 'text'}: at most {MAX_TEXT} characters")
    return step


def allowed_steps(state: str, permissions: frozenset[str]) -> tuple[str, ...]:
    """Return the steps ``permissions`` allow on an order in ``state`` (what the page offers)."""
    return tuple(step.action for step in STEPS.values()
                 if state in step.from_states and step.permission in permissions)
