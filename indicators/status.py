"""Statuses from thresholds: normal, blue, yellow, orange, red, or no_data; vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.catalog import Catalog
from indicators.model import LEVELS, SEVERITIES, Direction


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
    given the catalog's :func:`thresholds_table`.

    Rows and thresholds meet on an integer key per (indicator, level), looked up in arrays: a
    refresh has a million rows, and merging them on the two strings once per severity took most
    of the time."""
    result = np.where(values["value"].isna(), "no_data", "normal").astype(object)
    if table.empty:
        return result
    row_ids, ids = pd.factorize(values["indicator_id"])
    row_keys = _keys(row_ids, values["level"])
    table_keys = _keys(pd.Index(ids).get_indexer(table["indicator_id"]), table["level"])
    known = table_keys >= 0
    value = values["value"].to_numpy("float64")
    baseline = values["baseline"].to_numpy("float64")
    relative_value = value / np.where(baseline == 0, np.nan, baseline)
    size = len(ids) * len(LEVELS)
    has = row_keys >= 0
    rows = row_keys[has]
    for severity in SEVERITIES:          # mildest first: a later, more severe match overwrites
        chosen = known & (table["severity"] == severity).to_numpy()
        bound, sign, relative = np.full(size, np.nan), np.ones(size), np.zeros(size, dtype=bool)
        bound[table_keys[chosen]] = table["bound"].to_numpy("float64")[chosen]
        sign[table_keys[chosen]] = table["sign"].to_numpy("float64")[chosen]
        relative[table_keys[chosen]] = table["relative"].to_numpy(bool)[chosen]
        compare = np.where(relative[rows], relative_value[has], value[has])
        with np.errstate(invalid="ignore"):
            crossed = ~np.isnan(bound[rows]) & (sign[rows] * compare >= sign[rows] * bound[rows])
        result[np.flatnonzero(has)[crossed]] = severity
    return result


def _keys(id_codes: np.ndarray, levels: pd.Series) -> np.ndarray:
    """Return one integer per (indicator code, level), -1 where either is unknown."""
    level_codes = pd.Index(LEVELS).get_indexer(levels)
    id_codes = np.asarray(id_codes, dtype="int64")
    return np.where((id_codes >= 0) & (level_codes >= 0), id_codes * len(LEVELS) + level_codes, -1)
