"""Text from users and feeds made inert for display: one function, :func:`inert`.

Direction controls make ``gnp.exe`` display as ``exe.png`` (U+202E), and 100,000 characters of
``source`` made /events take 3.85 GB in every staff browser. Every text a page, the wall, a
report or an export shows from a feed or a user passes :func:`inert` (through :func:`inert_row`
or :func:`inert_frame` for rows): direction controls and other invisible controls are removed,
and the text is cut to a length with an ellipsis. Ingestion applies the same rule to what it
stores (data/ingest/textcheck.py), so this is the second line, for older rows and user input.
"""

from __future__ import annotations

import re

import pandas as pd

# Direction controls (embeddings, overrides, isolates, marks) and the other invisible format or
# control characters a text may carry (C0/C1 controls but tab and newline, zero-width, BOM).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
INVISIBLE = re.compile("[" + BIDI_CONTROLS + "\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\u2028\u2029]")
DISPLAY_LIMIT = 2000          # characters of one free text shown in a page (a description)
LABEL_LIMIT = 120             # characters of a label shown (a channel, an id, a department)
ELLIPSIS = "…"


def inert(value, limit: int = DISPLAY_LIMIT):
    """Return ``value`` without direction or invisible controls, cut to ``limit`` characters
    (an ellipsis marks the cut); anything not a text is returned as it is."""
    if not isinstance(value, str):
        return value
    cleaned = INVISIBLE.sub("", value)
    return cleaned if len(cleaned) <= limit else cleaned[:limit - 1] + ELLIPSIS


def inert_row(row: dict | None, limit: int = DISPLAY_LIMIT, labels: tuple[str, ...] = ()) -> dict | None:
    """Return a row (a dict) with every text value made inert; the keys in ``labels`` are cut to
    LABEL_LIMIT characters, the others to ``limit``."""
    if row is None:
        return None
    return {key: inert(value, LABEL_LIMIT if key in labels else limit) for key, value in row.items()}


def inert_frame(frame: pd.DataFrame, limit: int = DISPLAY_LIMIT) -> pd.DataFrame:
    """Return a frame whose text columns are made inert."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
            out[column] = pd.Series([inert(v, limit) for v in values.tolist()], index=values.index,
                                    dtype=values.dtype if values.dtype != object else None)
    return out


class TextError(ValueError):
    """A text field is missing, too long or holds control or direction characters; says which field."""


def check_text(value, field: str, limit: int, required: bool = True) -> str:
    """Return ``value`` stripped, or raise TextError naming ``field`` when it is empty (if required),
    longer than ``limit`` characters or holds control, direction or invisible characters: for one-line
    text people or feeds give the product to keep (a camera's place, a reason, a person on duty)."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise TextError(f"{field} is required")
    if len(text) > limit:
        raise TextError(f"{field} is longer than {limit} characters")
    if INVISIBLE.search(text) or not text.isprintable():
        raise TextError(f"{field} holds control or direction characters")
    return text
