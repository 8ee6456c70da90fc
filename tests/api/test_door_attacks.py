"""Issue 23, holes 5, 7 and 8: the sign-in door (open redirect, lockout, passwords).

Each test replays the attack that was reproduced against a running server.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time

import pytest

from access import accounts, passwords
from tests.api.conftest import ORIGIN, PASSWORD


def _client(secured, address: str):
    client = secured.dash_app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example",
                                    "/%09%09/evil.example", "%09//evil.example", "/\\/evil.example",
                                    "https:/evil.example", "/%7f/evil.example", "/%c2%85/evil.example"])
def test_hole5_next_after_sign_in_is_a_same_origin_path(secured, target):
    client = _client(secured, "10.0.5.1")
    answer = client.post(f"/login?next={target}", data={"username": "analyst", "password": PASSWORD},
                         headers={"Origin": ORIGIN})
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    assert _client(secured, "10.0.5.2").post("/login?next=/events%3Fday%3D1", headers={"Origin": ORIGIN}, data={
        "username": "analyst", "password": PASSWORD}).headers["Location"] == "/events?day=1"


def _count_real_checks(monkeypatch) -> list[str]:
    """Make every password check slow (as the real one is) and record which hash it checked."""
    checked, real = [], accounts.verify_password

    def slow_verify(password: str, stored: str) -> bool:
        checked.append(stored)
        time.sleep(0.05)
        return real(password, stored)

    monkeypatch.setattr(accounts, "verify_password", slow_verify)
    return checked


def test_hole7_parallel_guesses_cannot_pass_the_lock(secured, monkeypatch):
    cursor = secured.app_context.cursor()
    accounts.add_user(cursor, "parallel", "analyst", PASSWORD)
    stored = cursor.execute("SELECT password_hash FROM users WHERE username = 'parallel'").fetchall()[0][0]
    checked = _count_real_checks(monkeypatch)
    verdicts = []
    threads = [threading.Thread(target=lambda i=i: verdicts.append(accounts.authenticate(
        secured.app_context.cursor(), "parallel", f"Wrong-guess-{i}")[0])) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert checked.count(stored) == accounts.MAX_FAILED_LOGINS     # the other three never reached the hash
    assert sorted(verdicts) == ["bad"] * 4 + ["locked"] * 4
    assert accounts.authenticate(cursor, "parallel", PASSWORD)[0] == "locked"


def test_hole7_unknown_names_lock_like_accounts_and_cost_one_check(secured, monkeypatch):
    cursor = secured.app_context.cursor()
    accounts.add_user(cursor, "realname", "analyst", PASSWORD)
    checked = _count_real_checks(monkeypatch)
    for name in ("realname", "ghostname"):
        verdicts = [accounts.authenticate(cursor, name, "Wrong-guess-1")[0] for _ in range(7)]
        assert verdicts == ["bad"] * 4 + ["locked"] * 3, name
    assert len(checked) == 14              # one password check per attempt, locked or unknown alike
    pages = [_client(secured, f"10.0.7.{i}").post("/login", data={"username": name, "password": "Wrong-guess-1"},
                                                  headers={"Origin": ORIGIN}) for i, name in
             enumerate(("realname", "ghostname"))]
    assert pages[0].status_code == pages[1].status_code == 401
    assert pages[0].data.replace(b"realname", b"X") == pages[1].data.replace(b"ghostname", b"X")


@pytest.mark.parametrize("weak", ["password12", "Aaaaaaaaaa", "P@ssw0rd2026", "Qwertyuiop1", "abcABCabcABC",
                                  "woaini1314!", "1234567890", "Admin12345"])
def test_hole8_weak_passwords_are_refused_on_every_path(secured, weak):
    assert accounts.password_problems(weak)
    cursor = secured.app_context.cursor()
    with pytest.raises(accounts.AccountError):
        accounts.add_user(cursor, "weakling", "admin", weak)
    with pytest.raises(accounts.AccountError):
        accounts.set_password(cursor, "analyst", weak)


def test_hole8_the_username_is_not_a_password():
    assert accounts.password_problems("Zhangwei-2026", "zhangwei")
    assert not accounts.password_problems("Role-pass-123", "analyst")


def test_hole8_production_hashing_is_memory_hard_and_verifies(monkeypatch):
    monkeypatch.delenv("CITY_TEST_ONLY_FAST_PASSWORD_HASH", raising=False)
    assert passwords.current_cost() == passwords.PRODUCTION_COST == (2**17, 8, 1)
    stored = accounts.hash_password("Strong-pass-4821")      # 128 MiB, once (what every sign-in costs)
    assert stored.startswith("scrypt$131072$8$1$") and accounts.verify_password("Strong-pass-4821", stored)


def test_hole8_old_hashes_still_sign_in_and_are_rehashed(secured):
    cursor = secured.app_context.cursor()
    accounts.add_user(cursor, "oldtimer", "analyst", PASSWORD)
    salt = b"0123456789abcdef"
    old = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    old_hash = "$".join(["scrypt", "16384", "8", "1", base64.b64encode(salt).decode(), base64.b64encode(old).decode()])
    cursor.execute("UPDATE users SET password_hash = ? WHERE username = 'oldtimer'", [old_hash])
    assert accounts.authenticate(cursor, "oldtimer", PASSWORD) == ("ok", "analyst")
    stored = cursor.execute("SELECT password_hash FROM users WHERE username = 'oldtimer'").fetchall()[0][0]
    assert stored != old_hash and not passwords.needs_rehash(stored)
    assert accounts.authenticate(cursor, "oldtimer", PASSWORD) == ("ok", "analyst")


def test_hole8_a_stored_hash_cannot_ask_for_unbounded_memory():
    assert not accounts.verify_password("x", "scrypt$1073741824$8$1$AAAA$AAAA")
