"""Department users: the one department a user of role ``department`` acts for, and the scope of
the work orders a principal may see and act on (its department's, or every order for the centre).

A department user with no department bound sees nothing: the scope fails closed.
"""

from __future__ import annotations

import duckdb

from access.accounts import AccountError, Principal

DEPARTMENT_ROLE = "department"


class NoDepartment(PermissionError):
    """A department's user has no department bound: it may see no work order."""


def bind_department(con: duckdb.DuckDBPyConnection, username: str, department: str | None) -> None:
    """Bind a user of role department to one of the city's departments (None unbinds)."""
    row = con.execute("SELECT role FROM users WHERE username = ?", [username]).fetchall()
    if not row:
        raise AccountError(f"no user {username!r}")
    if department is not None:
        if row[0][0] != DEPARTMENT_ROLE:
            raise AccountError(f"only a user of role {DEPARTMENT_ROLE!r} acts for a department")
        require_department(con, department)
    con.execute("UPDATE users SET department = ? WHERE username = ?", [department, username])


def check_binding(con: duckdb.DuckDBPyConnection, role: str, department: str | None) -> None:
    """Raise AccountError unless a user of ``role`` may be created bound to ``department``: a
    department's user needs one of the city's departments, every other role none."""
    if (role == DEPARTMENT_ROLE) != bool(department):
        raise AccountError(f"a department is required for role {DEPARTMENT_ROLE!r} and only for it")
    if department:
        require_department(con, department)


def require_department(con: duckdb.DuckDBPyConnection, department: str) -> None:
    """Raise AccountError unless the city has the department."""
    if not con.execute("SELECT count(*) FROM departments WHERE code = ?", [department]).fetchall()[0][0]:
        raise AccountError(f"no department {department!r} (the city's departments come from its profile)")


def order_scope(con: duckdb.DuckDBPyConnection, principal: Principal | None) -> str | None:
    """Return the department whose orders the principal is limited to (None: the centre sees every
    order); raise NoDepartment for a department's user with none bound, or anyone unknown."""
    if principal is None:
        raise NoDepartment("sign in first")
    if principal.role != DEPARTMENT_ROLE:
        return None
    rows = con.execute("SELECT department FROM users WHERE username = ?", [principal.username]).fetchall()
    if not rows or not rows[0][0]:
        raise NoDepartment("this account acts for no department: ask an administrator to bind one")
    return rows[0][0]
