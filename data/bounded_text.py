"""Bounded, inert text from people and feeds: printable, no direction overrides, within a length."""

from __future__ import annotations

# Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) can make a line read otherwise
# than it is stored ("Trojan Source"); control characters can break a log or a robot message.
_BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))


class TextError(ValueError):
    """A text field is missing, too long or holds control or direction characters; says which field."""


def check_text(value, field: str, limit: int, required: bool = True) -> str:
    """Return ``value`` stripped, or raise TextError naming ``field`` when it is empty (if required),
    longer than ``limit`` characters or holds control or direction characters."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise TextError(f"{field} is required")
    if len(text) > limit:
        raise TextError(f"{field} is longer than {limit} characters")
    if any(not ch.isprintable() or ord(ch) in _BIDI for ch in text):
        raise TextError(f"{field} holds control or direction characters")
    return text
