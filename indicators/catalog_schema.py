"""The schema of a catalog file (indicators/catalog/*.yaml), declared once.

Every key an indicator entry, its defaults or a template's indicator may carry is listed here,
one a line: a misspelt key (``treshholds:``) is an error naming file, line and key instead of an
indicator that silently never alerts. Adding a key to the catalog format is one line below (and
its reading in indicators/catalog.py). Checked by data.yamlfile.check_schema.
"""

from __future__ import annotations

from indicators.model import SEVERITIES

ANY = None                   # any value: indicators/catalog.py checks its form

PART = {"agg": ANY, "expression": ANY, "filter": ANY}           # a ratio's numerator or denominator
BOUNDS = {**{severity: ANY for severity in SEVERITIES}}
THRESHOLDS = {
    **BOUNDS,
    "relative_to": ANY,
    "per_level": {"*": BOUNDS},
    "calibrate": ANY,
}
ENTRY = {
    "id": ANY,
    "name_zh": ANY,
    "name_en": ANY,
    "subject": ANY,
    "definition": ANY,
    "definition_zh": ANY,
    "unit": ANY,
    "type": ANY,
    "source": ANY,
    "window": ANY,
    "time_column": ANY,
    "expression": ANY,
    "quantile": ANY,
    "filter": ANY,
    "numerator": PART,
    "denominator": PART,
    "scale": ANY,
    "op": ANY,
    "input": ANY,
    "aqi_mode": ANY,
    "levels": ANY,
    "direction": ANY,
    "target": ANY,
    "thresholds": THRESHOLDS,
    "department": ANY,
    "cadence": ANY,
    "periods": ANY,
    "no_data_expected": ANY,
}
CATALOG_FILE = {
    "domain": ANY,
    "name_zh": ANY,
    "name_en": ANY,
    "subjects": {"*": {"name_zh": ANY, "name_en": ANY}},
    "defaults": ENTRY,
    "indicators": [ENTRY],
    "templates": [{"foreach": ANY, "indicator": ENTRY}],
}
