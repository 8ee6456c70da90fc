"""Signed links to one brief: a leader opens the phone page of one period, area and language from
a group message without signing in, until the link expires.

A token is ``<payload>.<signature>``: the payload (base64url of ``period|area|lang|expires``) and
an HMAC-SHA256 of it with the server's secret. Changing any part (a later period, another area,
a longer expiry) breaks the signature; an expired link is refused even with a good signature.
The secret is $CITY_LINK_SECRET, else a random one kept in ``link-secret`` beside the archive
(created once, readable by the server's user only), so links survive a restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from data import settings

MAX_TOKEN = 400
_FIELDS = 4


class LinkRefused(ValueError):
    """A link that does not open: ``reason`` is 'malformed', 'tampered' or 'expired'."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class BriefLink:
    """What a valid link opens."""

    period: str
    area: str           # '' for the whole city
    lang: str
    expires_s: int


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, secret: bytes) -> str:
    return _b64(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def sign(link: BriefLink, secret: bytes) -> str:
    """Return the token of ``link``."""
    for part in (link.period, link.area, link.lang):
        if "|" in part:
            raise ValueError("a link's period, area and language hold no '|'")
    payload = _b64(f"{link.period}|{link.area}|{link.lang}|{int(link.expires_s)}".encode("utf-8"))
    return f"{payload}.{_signature(payload, secret)}"


def verify(token: str, secret: bytes, now_s: float) -> BriefLink:
    """Return what ``token`` opens; LinkRefused when it is malformed, altered or expired."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN or token.count(".") != 1:
        raise LinkRefused("malformed", "this is not a brief link")
    payload, signature = token.split(".")
    if not hmac.compare_digest(signature, _signature(payload, secret)):
        raise LinkRefused("tampered", "this link has been altered or was not issued by this server")
    try:
        period, area, lang, expires = _unb64(payload).decode("utf-8").split("|")
        link = BriefLink(period, area, lang, int(expires))
    except (ValueError, UnicodeDecodeError) as bad:
        raise LinkRefused("malformed", "this is not a brief link") from bad
    if now_s >= link.expires_s:
        raise LinkRefused("expired", "this link has expired: ask for a new one")
    return link


def link_secret(folder: Path) -> bytes:
    """Return the server's link secret (see the module docstring), creating it once."""
    given = settings.resolve("link_secret")
    if given:
        return given.encode("utf-8")
    path = folder / "link-secret"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / f".link-secret-{secrets.token_hex(8)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)         # appears whole, or not at all: a reader never sees it half-written
        except FileExistsError:          # another thread or worker process made it first: use theirs
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode("ascii")
