"""Life cycles of the demo city's cases: planned stage times, ratings, and the state at an instant.

A case is received (受理), accepted, dispatched (派单) to its owner at one of the three handling
levels, resolved, and closed after the citizen's callback and rating (评价). The whole cycle is
planned when the case arrives; ``events_as_of`` shows what had happened by a given instant and
leaves the rest to the live simulator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.clock import HOUR_S
from data.demo.categories import category_array
from data.demo.people import text_labels
from data.demo.sources import source_array

STAGES = ("received", "accepted", "dispatched", "resolved", "closed")
STAGE_COLUMNS = tuple(f"{s}_at" for s in STAGES)
LATER_STAGE_COLUMNS = STAGE_COLUMNS[1:]

ESCALATION_SHARE = 0.10                       # cases handed one level up (community -> street -> district)
# Median time to resolve as a share of the SLA, by handling level 1..3 (index 0 unused):
# community cases are simplest, district cases need several departments.
RESOLVE_SHARE_OF_SLA = np.array([np.nan, 0.50, 0.37, 0.27])
RESOLVE_SPREAD = 0.7                          # lognormal sigma: a long tail of slow cases runs overdue
MIN_RESOLVE_S = 300
URGENT_ACCEPT_SHARE = 0.03                    # short-SLA cases are accepted within a few % of their SLA
URGENT_DISPATCH_SHARE = 0.08                  # ... and dispatched as fast
DISTRICT_DISPATCH_FACTOR = 1.5                # district cases take longer to route between departments
# Ratings 1..5 when the case was resolved on time, and when it was late.
RATING_ON_TIME = np.array([0.02, 0.02, 0.05, 0.19, 0.72])
RATING_OVERDUE = np.array([0.12, 0.13, 0.17, 0.25, 0.33])

HISTORY_COLUMNS = ("source", "event_id", "status", "updated_at", "handling_level", "department", "satisfaction")
PENDING_COLUMNS = ("source", "event_id", *LATER_STAGE_COLUMNS, "satisfaction")


def plan_life_cycles(rng: np.random.Generator, source: np.ndarray, category: np.ndarray,
                     received: np.ndarray) -> dict[str, np.ndarray]:
    """Return the planned handling level, stage times, due time and rating of each case."""
    sla_s = category_array("sla_hours").astype("float64")[category] * HOUR_S
    level = handling_levels(rng, category)
    accepted, dispatched, resolved, closed = _stage_times(rng, source, level, sla_s, received)
    due = received + sla_s.astype("int64")
    return {"handling_level": level, "accepted_at": accepted, "dispatched_at": dispatched,
            "resolved_at": resolved, "closed_at": closed, "due_at": due,
            "satisfaction": ratings(rng, source, resolved > due)}


def _stage_times(rng: np.random.Generator, source: np.ndarray, level: np.ndarray, sla_s: np.ndarray,
                 received: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Planned (accepted, dispatched, resolved, closed) instants."""
    accept_s = np.minimum(source_array("accept_min")[source] * 60, URGENT_ACCEPT_SHARE * sla_s)
    dispatch_s = np.minimum(source_array("dispatch_min")[source] * 60, URGENT_DISPATCH_SHARE * sla_s)
    dispatch_s = dispatch_s * np.where(level == 1, DISTRICT_DISPATCH_FACTOR, 1.0)
    accepted = received + _delay_s(rng, accept_s, 0.8, 10)
    dispatched = accepted + _delay_s(rng, dispatch_s, 0.8, 30)
    resolved = dispatched + _delay_s(rng, RESOLVE_SHARE_OF_SLA[level] * sla_s, RESOLVE_SPREAD, MIN_RESOLVE_S)
    closed = resolved + _delay_s(rng, source_array("close_h")[source] * HOUR_S, 0.9, 60)
    return accepted, dispatched, resolved, closed


def handling_levels(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    """Return each case's handling level: the category default, sometimes escalated one level."""
    default = category_array("default_level").astype("int8")[category]
    escalate = (rng.random(len(category)) < ESCALATION_SHARE) & (default > 1)
    return (default - escalate).astype("int8")


def ratings(rng: np.random.Generator, source: np.ndarray, overdue: np.ndarray) -> np.ndarray:
    """Return each case's rating 1..5 as float, NaN where the citizen does not rate."""
    cumulative = np.where(overdue[:, None], np.cumsum(RATING_OVERDUE), np.cumsum(RATING_ON_TIME))
    stars = 1 + (rng.random(len(source))[:, None] > cumulative[:, :-1]).sum(axis=1)
    rated = rng.random(len(source)) < source_array("rated_share")[source]
    return np.where(rated, stars, np.nan)


def _delay_s(rng: np.random.Generator, median_s: np.ndarray, sigma: float, floor_s: float) -> np.ndarray:
    """Lognormal delays in whole seconds around per-case medians."""
    draws = np.asarray(median_s, dtype="float64") * np.exp(sigma * rng.standard_normal(len(median_s)))
    return np.maximum(draws, floor_s).astype("int64")


def events_as_of(plan: pd.DataFrame, as_of_s: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (events, history, pending): the state at ``as_of_s`` of planned cases received before it."""
    assert (plan["received_at"].to_numpy() < as_of_s).all(), "events_as_of needs cases received before as_of"
    times = plan[list(STAGE_COLUMNS)].to_numpy("int64")
    reached = times <= as_of_s
    last = reached.sum(axis=1) - 1               # stages are ordered, so the count gives the latest one
    closed = last == len(STAGES) - 1
    events = plan.copy()
    for i, column in enumerate(LATER_STAGE_COLUMNS, start=1):
        events[column] = np.where(reached[:, i], times[:, i], np.nan)
    events["status"] = text_labels(STAGES, last)
    events["updated_at"] = times[np.arange(len(times)), last]
    events["satisfaction"] = np.where(closed, plan["satisfaction"].to_numpy("float64"), np.nan)
    pending = plan.loc[~closed, list(PENDING_COLUMNS)].reset_index(drop=True)
    return events, stage_history(events, times, reached), pending


def stage_history(events: pd.DataFrame, times: np.ndarray, reached: np.ndarray) -> pd.DataFrame:
    """Return one row per stage each case has reached, in time order."""
    row, stage = np.nonzero(reached)
    satisfaction = np.where(stage == len(STAGES) - 1, events["satisfaction"].to_numpy("float64")[row], np.nan)
    history = pd.DataFrame({
        "source": events["source"].array.take(row),
        "event_id": events["event_id"].array.take(row),
        "status": text_labels(STAGES, stage),
        "updated_at": times[row, stage],
        "handling_level": events["handling_level"].to_numpy()[row],
        "department": events["department"].array.take(row),
        "satisfaction": satisfaction,
    })
    return history.sort_values("updated_at", kind="stable", ignore_index=True)
