"""Length limits and an allow-list for every text field a feed brings in.

One API row with a 100,000-character ``source`` crashed /events in every staff browser. Two
kinds of text, two rules (docs/INGEST.md, "Text limits"):

- codes (``CODE_LIMITS``: what rows are keyed, filtered and labelled by) are refused when longer
  than their limit or when they hold a control, direction or invisible character: the row goes
  to quarantine as ``bad_text`` naming the field (a code cut short or cleaned could name another
  record);
- free text (``FREE_TEXT_LIMITS``) loses its control, direction and invisible characters and is
  cut to its limit; the row is kept and flagged ``text_truncated`` (counted in the summary).

Readings carry no free text: their sensor, metric and quality must match registered sensors,
known metrics and the quality words, which is an allow-list of its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.ingest.rules import Verdicts
from data.text import INVISIBLE

CODE_LIMITS = {"source": 64, "event_id": 128, "grid_code": 64, "category": 128, "sensor_id": 128, "kind": 64,
               "code": 64, "name_zh": 200, "name_en": 200, "place_id": 128, "name": 200}
FREE_TEXT_LIMITS = {"description": 4000, "department": 128, "caller_name": 64, "caller_phone": 32}


def reject_bad_codes(out: pd.DataFrame, verdicts: Verdicts, names: tuple[str, ...]) -> None:
    """Reject the rows whose code fields ``names`` are too long or hold invisible characters."""
    for name in names:
        values = out[name].astype("string")
        limit = CODE_LIMITS[name]
        bad = (values.str.len() > limit) | values.str.contains(INVISIBLE.pattern, regex=True)
        verdicts.reject(bad.fillna(False).to_numpy(dtype=bool), "bad_text",
                        f"{name}: more than {limit} characters, or control or direction characters")


def clean_free_text(out: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """Strip invisible characters from the free-text fields ``names`` and cut them to their
    limits, in place; return per row a note of the fields cut (None where none was)."""
    notes = np.full(len(out), None, dtype=object)
    for name in names:
        values = out[name].astype("string")
        marked = values.str.contains(INVISIBLE.pattern, regex=True).fillna(False).to_numpy(dtype=bool)
        if marked.any():        # replacing costs more than finding: only in the few rows that need it
            values = values.copy()
            values[marked] = values[marked].str.replace(INVISIBLE.pattern, "", regex=True)
        limit = FREE_TEXT_LIMITS[name]
        lengths = values.str.len()
        long = (lengths > limit).fillna(False).to_numpy(dtype=bool)
        for row in np.flatnonzero(long):
            note = f"{name} cut from {lengths.iloc[row]} to {limit} characters"
            notes[row] = note if notes[row] is None else f"{notes[row]}; {note}"
        out[name] = values.where(~long, values.str.slice(0, limit))
    return notes
