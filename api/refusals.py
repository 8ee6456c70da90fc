"""Refused tokens that match no stored token: counted in the log, never written to the audit log.

A forged token (``cv_<a real id>_anything``) used to write a ``token.refused`` audit row under
the real feed's id; anyone could fill the audit log that way. Only tokens whose secret matched a
stored token are audited (api/guard.py, api/auth.py); the rest are summed here and logged at most
once per ``WINDOW_S`` seconds as one line.
"""

from __future__ import annotations

import logging
import threading
import time

WINDOW_S = 60.0
LOG = logging.getLogger("city_vitals.security")


class UnknownTokens:
    """A count of unknown tokens, logged as one warning per window."""

    def __init__(self, window_s: float = WINDOW_S):
        self.window_s = window_s
        self._lock = threading.Lock()
        self._count = 0
        self._addresses: set[str] = set()
        self._since = time.monotonic()

    def refused(self, where: str, address: str | None) -> None:
        """Count one unknown token presented at ``where``; log the sum when the window has passed."""
        with self._lock:
            self._count += 1
            if len(self._addresses) < 20:
                self._addresses.add(address or "unknown")
            if time.monotonic() - self._since < self.window_s:
                return
            count, addresses = self._count, sorted(self._addresses)
            self._count, self._addresses, self._since = 0, set(), time.monotonic()
        LOG.warning("%d unknown token(s) refused in the last %.0f s (latest at %s) from %s",
                    count, self.window_s, where, ", ".join(addresses))


UNKNOWN_TOKENS = UnknownTokens()
