"""Passwords: the policy every new password must meet, and memory-hard hashing (scrypt).

Policy (:func:`password_problems`, used by every path that sets a password): at least
``MIN_PASSWORD_LENGTH`` characters mixing classes, not built from a common password
(access/common_passwords.txt, with digits and symbols added or letters substituted), not
trivially repetitive (``Aaaaaaaaaa``, ``abcabcabcabc``, ``1234567890``), not the username with
digits or symbols added.

Hashing: scrypt at N=2¹⁷, r=8, p=1 (128 MiB per hash, OWASP's current minimum for scrypt); the
parameters travel with each hash, so older hashes (N=2¹⁴) still verify and are replaced at the
next successful sign-in (:func:`needs_rehash`). At most ``HASH_SLOTS`` hashes run at once, so a
burst of sign-ins queues rather than taking memory without bound. Tests set the environment
variable ``CITY_TEST_ONLY_FAST_PASSWORD_HASH=1`` for a cheap cost; production never does.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
import threading
from pathlib import Path

from data import settings

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
PRODUCTION_COST = (2**17, 8, 1)              # scrypt N, r, p
TEST_ONLY_COST = (2**10, 8, 1)               # only with the setting test_only_fast_password_hash
MAX_STORED_N = 2**20                         # a stored hash asking for more memory is refused
HASH_SLOTS = threading.BoundedSemaphore(2)
COMMON_FILE = Path(__file__).resolve().parent / "common_passwords.txt"
_SUBSTITUTIONS = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "l", "!": "i", "3": "e", "$": "s", "5": "s",
                                "7": "t", "+": "t"})
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")


@functools.cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords (lower case)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, username: str | None = None) -> list[str]:
    """Return why ``password`` may not be used (empty when it may): the one password policy."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")
    if password.isdigit() or password.lower() == password and password.isalpha():
        problems.append("the password must mix letters with digits, capitals or symbols")
    if _is_common(password):
        problems.append("the password is a common one (or one with digits or symbols added): choose another")
    if _is_repetitive(password):
        problems.append("the password repeats a few characters or follows a keyboard sequence: choose another")
    if username and _EDGES.sub("", password.lower()) in (username.lower(), username.lower()[::-1]):
        problems.append("the password must not be the username with digits or symbols added")
    return problems


def _is_common(password: str) -> bool:
    lowered = password.lower()
    candidates = {lowered, lowered.translate(_SUBSTITUTIONS), _EDGES.sub("", lowered),
                  _EDGES.sub("", lowered.translate(_SUBSTITUTIONS)), _EDGES.sub("", lowered).translate(_SUBSTITUTIONS)}
    return any(c in common_passwords() for c in candidates if c)


def _is_repetitive(password: str) -> bool:
    lowered = password.lower()
    if len(set(lowered)) < 4:
        return True
    for size in range(1, len(lowered) // 2 + 1):       # abcabcabc: one unit repeated
        if len(lowered) % size == 0 and lowered[:size] * (len(lowered) // size) == lowered:
            return True
    return any(lowered in seq or lowered in seq[::-1] for seq in _SEQUENCES)


# --- hashing -----------------------------------------------------------------------------------

def current_cost() -> tuple[int, int, int]:
    """Return the scrypt (N, r, p) new hashes use."""
    return TEST_ONLY_COST if settings.resolve("test_only_fast_password_hash") == "1" else PRODUCTION_COST


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    with HASH_SLOTS:
        return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32,
                              maxmem=2 * 128 * r * (n + p + 2) + 1024 * 1024)


def hash_password(password: str, cost: tuple[int, int, int] | None = None) -> str:
    """Return the stored form of a password: scrypt with a random salt and its parameters."""
    n, r, p = cost or current_cost()
    salt = secrets.token_bytes(16)
    return "$".join(["scrypt", str(n), str(r), str(p), base64.b64encode(salt).decode(),
                     base64.b64encode(_scrypt(password, salt, n, r, p)).decode()])


def verify_password(password: str, stored: str) -> bool:
    """Return True when ``password`` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt" or not 1 < int(n) <= MAX_STORED_N or not 0 < int(r) * int(p) <= 64:
            return False
        digest = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(expected))


def needs_rehash(stored: str) -> bool:
    """Return True when a stored hash was made with other parameters than the current ones."""
    parts = stored.split("$")
    return len(parts) != 6 or parts[0] != "scrypt" or tuple(map(int, parts[1:4])) != current_cost()


@functools.cache
def _dummy(cost: tuple[int, int, int]) -> str:
    return hash_password(secrets.token_urlsafe(16), cost)


def dummy_hash() -> str:
    """Return a hash of a random password at the current cost: unknown and locked accounts verify
    against it, so they take as long as a real check."""
    return _dummy(current_cost())
