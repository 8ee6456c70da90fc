"""Statuses from thresholds: normal, blue, yellow, orange, red, or no_data; vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.catalog import Catalog
from indicators.model import SEVERITIES, Direction


def thresholds_table(catalog: Catalog) -> pd.DataFrame:
    """Return one row per (indicator, level, severity) with its bound, sign and relativity."""
    rows = []
    for ind in catalog.indicators:
        if not ind.thresholds.levels and not ind.thresholds.per_level:
            continue
        sign = -1.0 if ind.direction == Direction.HIGHER_IS_BETTER else 1.0
        overridden = dict(ind.thresholds.per_level)
        for level in ind.levels:
            relative = ind.thresholds.relative_to is not None and level not in overridden
            for severity, bound in ind.thresholds.bounds_for(level):
                rows.append((ind.id, level, severity, bound, sign, relative))
    return pd.DataFrame(rows, columns=["indicator_id", "level", "severity", "bound", "sign", "relative"])


def statuses(values: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """Return the status of every row (the most severe threshold crossed in the bad direction),
    given the catalog's :func:`thresholds_table`."""
    result = np.where(values["value"].isna(), "no_data", "normal").astype(object)
    if table.empty:
        return result
    keyed = values[["indicator_id", "level", "value", "baseline"]].reset_index(drop=True).reset_index()
    for severity in SEVERITIES:          # mildest first: a later, more severe match overwrites
        rows = keyed.merge(table[table["severity"] == severity], on=["indicator_id", "level"])
        compare = np.where(rows["relative"], rows["value"] / rows["baseline"].replace(0, np.nan), rows["value"])
        crossed = (rows["sign"] * compare >= rows["sign"] * rows["bound"]).to_numpy()
        result[rows["index"].to_numpy()[crossed]] = severity
    return result
