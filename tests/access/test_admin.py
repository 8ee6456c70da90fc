"""access/admin.py on its own: generated passwords, the last administrator, write conflicts, names."""

from __future__ import annotations

import json

import duckdb
import pytest

from access import accounts, admin
from data import audit, db


@pytest.fixture
def con(tiny_db_copy):
    store = db.open_store(tiny_db_copy)
    yield store
    store.close()


def test_generated_passwords_pass_the_account_rules_and_differ():
    passwords = {admin.generate_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        accounts.check_password_rules(password)


def test_the_last_enabled_administrator_cannot_be_disabled(con):
    admin.create_user(con, "cli", "chief", "admin")
    with pytest.raises(admin.AdminError) as refused:
        admin.disable_user(con, "cli", "chief")
    assert refused.value.code == "last_admin"
    admin.create_user(con, "cli", "deputy", "admin")
    admin.disable_user(con, "cli", "chief")
    assert audit.recent(con, 1, "user.disable")[0]["target"] == "chief"


def test_bad_names_roles_and_scopes_are_refused_with_a_code(con):
    for call, code in ((lambda: admin.create_user(con, "cli", "", "analyst"), "bad_username"),
                       (lambda: admin.create_user(con, "cli", "x" * 65, "analyst"), "bad_username"),
                       (lambda: admin.create_user(con, "cli", "bad name!", "analyst"), "rejected"),
                       (lambda: admin.create_user(con, "cli", "ok", "screen"), "bad_role"),
                       (lambda: admin.create_token(con, "cli", "wall", "root"), "bad_scope"),
                       (lambda: admin.create_token(con, "cli", " ", "display"), "bad_token_name"),
                       (lambda: admin.revoke_token(con, "cli", "nope"), "unknown_token")):
        with pytest.raises(admin.AdminError) as refused:
            call()
        assert refused.value.code == code


def test_a_write_conflict_becomes_a_notice_not_an_error(con, monkeypatch):
    admin.create_user(con, "cli", "busy", "analyst")

    def conflict(*_args):
        raise duckdb.TransactionException("Conflict on update")

    monkeypatch.setattr(accounts, "disable_user", conflict)
    with pytest.raises(admin.AdminError) as refused:
        admin.disable_user(con, "cli", "busy")
    assert refused.value.code == "conflict"


def test_a_department_user_is_created_bound_to_its_department_in_one_step(con):
    from access.departments import order_scope
    department = con.execute("SELECT min(code) FROM departments").fetchall()[0][0]
    admin.create_user(con, "cli", "water", "department", department=department)
    user = next(u for u in accounts.list_users(con) if u["username"] == "water")
    assert user["department"] == department
    assert order_scope(con, accounts.Principal("department", "water")) == department
    assert json.loads(audit.recent(con, 1, "user.add")[0]["detail"])["department"] == department


def test_a_department_binding_is_required_for_department_users_and_refused_for_others(con):
    department = con.execute("SELECT min(code) FROM departments").fetchall()[0][0]
    for kwargs, code in (({"role": "department"}, "need_department"),
                         ({"role": "department", "department": "no such office"}, "rejected"),
                         ({"role": "analyst", "department": department}, "rejected")):
        with pytest.raises(admin.AdminError) as refused:
            admin.create_user(con, "cli", "someone", **kwargs)
        assert refused.value.code == code
    assert "someone" not in {u["username"] for u in accounts.list_users(con)}   # nothing half made
