"""The CityScore-style scorecard: key indicators evaluated by the indicator engine at the brief's
as-of instant (the end of an ended period; now for a running one, so a "now" indicator such as the
sensors reporting is the live pages' figure, not a reading of an instant still to come), scored
against their targets, and an overall score per unit (the mean of the scores of the key indicators
the unit has values for). A score is the percentage of target reached, capped at 125."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from indicators.engine import Engine
from reporting.area import Area
from reporting.span import BriefSpan
from reporting.targets import KeyIndicator, score

SCORED_LEVELS = ("city", "district", "street", "community")
BEST_WORST = 5


@dataclass(frozen=True)
class Scorecard:
    """Scores at the brief's as-of instant."""

    rows: pd.DataFrame           # the area's own values: id, value, target, direction, score, status (key-indicator order)
    units: pd.DataFrame          # level, unit_code, score, scored (key indicators with a value)
    best: pd.DataFrame           # the five best-scoring key indicators
    worst: pd.DataFrame          # the five worst

    def unit_score(self, code: str) -> float | None:
        """Return a unit's overall score, None if it has none."""
        match = self.units.loc[self.units["unit_code"] == code, "score"]
        return None if match.empty or pd.isna(match.iloc[0]) else float(match.iloc[0])


def key_values(engine: Engine, con, span: BriefSpan, keys: tuple[KeyIndicator, ...]) -> pd.DataFrame:
    """Return the key indicators' values at the as-of instant at every scored level."""
    ids = {k.id for k in keys}
    values = engine.evaluate(con, int(span.as_of_s), only=ids)
    return values[values["indicator_id"].isin(ids) & values["level"].isin(SCORED_LEVELS)]


def scored(values: pd.DataFrame, keys: tuple[KeyIndicator, ...]) -> pd.DataFrame:
    """Return the values with each key indicator's target, direction and score."""
    table = pd.DataFrame([{"indicator_id": k.id, "target": k.target, "direction": k.direction, "order": n}
                          for n, k in enumerate(keys)])
    frame = values.merge(table, on="indicator_id")
    frame["score"] = [score(None if pd.isna(v) else float(v), t, d)
                      for v, t, d in zip(frame["value"], frame["target"], frame["direction"])]
    frame["score"] = frame["score"].astype("float64")
    return frame


def build_scorecard(engine: Engine, con, span: BriefSpan, keys: tuple[KeyIndicator, ...], area: Area) -> Scorecard:
    """Return the scorecard of the span, its rows the area's own values."""
    frame = scored(key_values(engine, con, span, keys), keys)
    own = frame["level"] == area.level
    if not area.is_city:
        own &= frame["unit_code"] == area.code
    city = frame[own].sort_values("order")
    rows = city[["indicator_id", "value", "target", "direction", "score", "status"]].reset_index(drop=True)
    units = (frame.groupby(["level", "unit_code"], as_index=False)
             .agg(score=("score", "mean"), scored=("score", "count")))
    ranked = rows.dropna(subset=["score"]).sort_values(["score", "indicator_id"], ascending=[False, True])
    worst = rows.dropna(subset=["score"]).sort_values(["score", "indicator_id"], ascending=[True, True])
    return Scorecard(rows, units, ranked.head(BEST_WORST).reset_index(drop=True),
                     worst.head(BEST_WORST).reset_index(drop=True))
