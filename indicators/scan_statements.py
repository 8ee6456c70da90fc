"""The statements the DuckDB engine runs for compiled scans, and the values they bind.

A scan's SQL (``compiler``) gives aggregate columns per (level, unit[, split value][, day_shift]);
the engine wants one row per (indicator, level, unit) with its value, numerator and denominator.
``labelled_sql`` wraps a scan so DuckDB does that relabelling: it unpivots the aggregate columns
and joins them with the outputs view (``outputs_frame``: which column and split value holds which
indicator's value, numerator or denominator), registered on the cursor under OUTPUTS_VIEW.

Only catalog text goes into SQL text; the instant and the window bounds are bound parameters
(``bound_parameters``).
"""

from __future__ import annotations


import pandas as pd

from data.clock import utc
from indicators.catalog import Catalog
from indicators.compiler import CompiledCatalog, Scan
from indicators.model import IndicatorType
from indicators.windows import span

OUTPUTS_VIEW = "_indicator_outputs"
ROLES = ("value", "numerator", "denominator")


def bound_parameters(sql: str, at_s: int, scan: Scan, tz: str) -> dict:
    """Return the values of the parameters ``sql`` names: $now, and the scan's window as $start, $end."""
    bounds = span(scan.window, at_s, tz)
    params = {"now": utc(at_s), "start": utc(bounds.start_s), "end": utc(bounds.end_s)}
    return {k: v for k, v in params.items() if f"${k}" in sql}


def labelled_sql(scan: Scan, materialised: dict[str, str] | None = None) -> str:
    """Return the SQL of one scan's values per (indicator, level, unit[, day_shift]), assembled in DuckDB.

    The scan's aggregate columns are unpivoted, joined with the outputs view registered on the
    cursor (which column and split value holds which indicator's value, numerator or denominator)
    and pivoted back by role."""
    shift = ", u.day_shift" if scan.shifted else ""
    split = "coalesce(u.split_value, '')" if scan.split_column else "''"
    columns = ", ".join(c.name for c in scan.columns)
    key = scan.key.replace("'", "''")          # catalog text, like the rest of the scan's SQL
    return f"""WITH s AS ({scan.sql(materialised)}),
                   u AS (UNPIVOT (SELECT * FROM s WHERE unit_code IS NOT NULL) ON {columns}
                         INTO NAME column_name VALUE val)
              SELECT o.indicator_id, u.level, u.unit_code{shift},
                     max(u.val) FILTER (WHERE o.role = 'value') AS value,
                     max(u.val) FILTER (WHERE o.role = 'numerator') AS numerator,
                     max(u.val) FILTER (WHERE o.role = 'denominator') AS denominator,
                     max(epoch(u.newest)) AS newest_s, any_value(o.scale) AS scale
              FROM u JOIN {OUTPUTS_VIEW} o
                ON o.scan = '{key}' AND o.column_name = u.column_name AND o.split_value = {split}
              GROUP BY ALL"""


def outputs_frame(compiled: CompiledCatalog, catalog: Catalog) -> pd.DataFrame:
    """Return which scan column (and split value) holds each indicator's value, numerator, denominator."""
    rows = []
    for indicator_id, out in compiled.outputs.items():
        scale = catalog[indicator_id].scale if catalog[indicator_id].type == IndicatorType.RATIO else 1.0
        for role in ROLES:
            ref = getattr(out, role)
            if ref is not None:
                rows.append((indicator_id, ref.scan, ref.column, ref.split_value, role, scale))
    return pd.DataFrame(rows, columns=["indicator_id", "scan", "column_name", "split_value", "role", "scale"])
