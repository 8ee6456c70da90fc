"""Deterministic random streams: the same seed and key always give the same numbers.

Every generator draws from a stream keyed by (seed, purpose, day), never from a shared
global state, so a day generated alone (by the live simulator) equals the same day
generated inside a full build.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, purpose: str, *keys: int) -> np.random.Generator:
    """Return a numpy Generator for (seed, purpose, keys...)."""
    tag = zlib.crc32(purpose.encode("utf-8"))
    return np.random.default_rng([int(seed), tag, *[int(k) for k in keys]])
