"""SeverityBounds as a table: per (indicator, level, severity) its bound, sign and relativity.

The statuses graded by them (normal, blue, yellow, orange, red, or no_data) are computed on an
evaluation's rows in ``evaluation_rows.EvaluationNumbers.statuses``."""

from __future__ import annotations

import pandas as pd

from indicators.catalog import Catalog
from indicators.model import Direction


def thresholds_table(catalog: Catalog) -> pd.DataFrame:
    """Return one row per (indicator, level, severity) with its bound, sign and relativity."""
    rows = []
    for ind in catalog.indicators:
        if not ind.thresholds.levels and not ind.thresholds.per_level:
            continue
        sign = -1.0 if ind.direction == Direction.HIGHER_IS_BETTER else 1.0
        for level in ind.levels:
            relative = ind.thresholds.relative_at(level) is not None
            for severity, bound in ind.thresholds.bounds_for(level):
                rows.append((ind.id, level, severity, bound, sign, relative))
    return pd.DataFrame(rows, columns=["indicator_id", "level", "severity", "bound", "sign", "relative"])
