"""Twenty wall PCs or analysts signing in to one shared account at once all get in: the
concurrent updates of the account's row are retried, not answered with a server error."""

from __future__ import annotations

import threading

from access import accounts
from data import db


def test_concurrent_sign_ins_to_one_account_all_succeed(tmp_path):
    con = db.open_store(tmp_path / "accounts.duckdb")
    accounts.add_user(con, "duty", "duty_officer", "Shared-pass-123")
    verdicts, errors = [], []

    def sign_in() -> None:
        try:
            verdicts.append(accounts.authenticate(con.cursor(), "duty", "Shared-pass-123")[0])
        except Exception as exc:          # noqa: BLE001 - the test reports whatever escaped
            errors.append(repr(exc))

    threads = [threading.Thread(target=sign_in) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and verdicts == ["ok"] * 20


def test_concurrent_wrong_passwords_are_all_counted(tmp_path):
    """Guessing in parallel must not slip past the lockout: every failure counts (an increment in
    SQL, not a read-modify-write that concurrent guesses would overwrite)."""
    con = db.open_store(tmp_path / "accounts.duckdb")
    accounts.add_user(con, "duty", "duty_officer", "Shared-pass-123")
    threads = [threading.Thread(target=accounts.authenticate, args=(con.cursor(), "duty", f"wrong-{i}"))
               for i in range(accounts.MAX_FAILED_LOGINS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert accounts.authenticate(con.cursor(), "duty", "Shared-pass-123")[0] == "locked"
