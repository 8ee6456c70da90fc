"""An in-process app on a copy of the tiny city with one account per role and two tokens."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from access import accounts
from access.departments import bind_department
from data import db
from data.ingest import tokens
from tests.conftest import TINY_NOW

PASSWORD = "Role-pass-123"
ORIGIN = "http://localhost"
DEPARTMENT = "水务局"          # the tiny city's department the user 'department' acts for


@dataclass
class SecuredApp:
    """The Dash app, its store context, and the secrets the tests sign in with."""

    dash_app: object
    app_context: object
    ingest_token: str
    display_token: str
    display_token_id: str
    backup_token: str = ""
    alarm_token: str = ""
    clients: dict = field(default_factory=dict)

    def client(self, who: str):
        """Return a Flask test client signed in as ``who`` (a role, 'anonymous' or 'ingest')."""
        if who not in self.clients:
            self.clients[who] = self._sign_in(who)
        return self.clients[who]

    def _sign_in(self, who: str):
        client = self.dash_app.server.test_client()
        if who == "screen":
            assert client.get(f"/kiosk/{self.display_token}").status_code == 303
        elif who in accounts.USER_ROLES:
            answer = client.post("/login", data={"username": who, "password": PASSWORD}, headers={"Origin": ORIGIN})
            assert answer.status_code == 303, answer.text
        return client


@pytest.fixture(scope="session")
def secured(tmp_path_factory, tiny_db_path):
    """Return the app with users admin, leader, analyst, duty_officer and department (named as their
    roles; 'department' acts for DEPARTMENT).

    Session-wide: Dash hands the registered callbacks to the first app built in a process.
    """
    import app as app_module

    path = tmp_path_factory.mktemp("secured") / "city.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.open_store(path)
    for role in accounts.USER_ROLES:
        accounts.add_user(con, role, role, PASSWORD)
    bind_department(con, "department", DEPARTMENT)
    _, ingest_secret = tokens.create_token(con, "feed")
    display_id, display_secret = tokens.create_token(con, "wall", scope="display")
    _, backup_secret = tokens.create_token(con, "nightly", scope="backup")
    _, alarm_secret = tokens.create_token(con, "cameras", scope="alarms")
    con.close()
    app_context = app_module.open_context(path, TINY_NOW)
    dash_app = app_module.create_app(app_context)
    yield SecuredApp(dash_app, app_context, ingest_secret, display_secret, display_id, backup_secret, alarm_secret)
    app_context.con.close()
