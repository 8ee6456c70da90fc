"""The closed-loop KPIs (indicators/catalog/orders.yaml) equal a pandas computation over the order
tables: by unit at every level (orders for whole streets and districts included), by handling level
and by department, on the tiny city's demo orders plus a few dispatched by hand, and they move when
an order moves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data import db
from data.clock import DAY_S, parse_instant
from data.orders import machine, store
from indicators.city_catalog import catalog_for_store, city_departments
from indicators.engine import Engine
from indicators.refresh import refresh
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"
NOW_S = parse_instant(TINY_NOW, TZ)
S = machine.SYSTEM_PERMISSIONS


def _by_hand(con) -> None:
    """Orders at a street and a district (above the grid), one signed late, one returned."""
    street, district = (con.execute(f"SELECT min(code) FROM admin_units WHERE level = '{lv}'").fetchone()[0]
                        for lv in ("street", "district"))
    for i, unit in enumerate((street, district, street)):
        t0 = NOW_S - (i + 1) * 5 * 3600
        order = store.create_order(con, title=f"hand {i}", unit_code=unit, departments=["水务局", "公安局"][: i + 1],
                                   handling_level=2 if unit == street else 1, report_due_s=t0 + 3600,
                                   finish_due_s=t0 + 4 * 3600, actor="duty", permissions=S, at_s=t0)
        if i == 0:
            store.act(con, order, "report_in", actor="w", permissions=S, department=None, at_s=t0 + 2 * 3600)
            store.act(con, order, "feedback", actor="w", permissions=S, department=None, at_s=t0 + 3 * 3600, text="ok")
        if i == 1:
            store.act(con, order, "return", actor="w", permissions=S, department=None, at_s=t0 + 600, text="no")


@pytest.fixture(scope="module")
def city(tmp_path_factory, tiny_db_path):
    path = tmp_path_factory.mktemp("order-kpis") / "city.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.open_store(path)
    _by_hand(con)
    engine = Engine(catalog_for_store(con), TZ)
    refresh(con, engine, NOW_S, kind="manual")
    yield con, engine
    con.close()


def expected(con, now_s: int) -> pd.DataFrame:
    """Return every orders KPI by (scope, level, unit) computed in pandas from the tables."""
    o = con.execute("SELECT * FROM work_orders").df()
    t = {c: o[c].map(lambda v: np.nan if pd.isna(v) else pd.Timestamp(v).timestamp())
         for c in ("created_at", "reported_at", "feedback_at", "verified_at", "returned_at", "report_due_at",
                   "finish_due_at")}
    f = pd.DataFrame({"order_id": o["order_id"], "level_n": o["handling_level"], "failures": o["verify_failures"],
                      "unit": o["unit_code"], **t})
    units = con.execute("SELECT code, level, city_code, district_code, street_code FROM admin_units").df()
    f = f.merge(units.rename(columns={"code": "unit"}), on="unit", how="left")
    first_city = units.loc[units["level"] == "city", "code"].min()
    f["u_city"] = f["city_code"].fillna(first_city)
    f["u_district"] = np.where(f["level"] == "district", f["unit"], f["district_code"])
    f["u_street"] = np.where(f["level"] == "street", f["unit"], f["street_code"])
    deps = con.execute("SELECT order_id, list(department) AS deps FROM work_order_departments GROUP BY 1").df()
    f = f.merge(deps, on="order_id")
    rows = []
    scopes = [("orders.loop.{k}.last_30d", lambda x: x)]
    scopes += [(f"orders.by_level.l{n}_{{k}}.last_30d", lambda x, n=n: x[x["level_n"] == n]) for n in (1, 2, 3)]
    scopes += [(f"orders.by_department.{d['slug']}_{{k}}.last_30d",
                lambda x, c=d["code"]: x[x["deps"].map(lambda v: c in list(v))]) for d in city_departments(con)]
    for template, narrow in scopes:
        part = narrow(f)
        for level in ("city", "district", "street"):
            for unit, g in part.groupby(f"u_{level}"):
                for key, value in kpis(g, now_s).items():
                    rows.append((template.format(k=key), unit, value))
    return pd.DataFrame(rows, columns=["indicator_id", "unit_code", "expected"])


def kpis(g: pd.DataFrame, now: int) -> dict[str, float]:
    """Return the KPIs of one group of orders at ``now`` (the catalog's definitions, in pandas)."""
    start = now - 30 * DAY_S
    created = g[(g["created_at"] > start) & (g["created_at"] <= now)]
    reported = created["reported_at"] <= now
    report_due = (created["report_due_at"] <= now) | reported
    finished = created["feedback_at"] <= now
    finish_due = (created["finish_due_at"] <= now) | finished
    verified = created["verified_at"] <= now
    share = lambda num, den: 100 * num.sum() / den.sum() if den.sum() else np.nan  # noqa: E731
    r = g[(g["reported_at"] > start) & (g["reported_at"] <= now)]
    fb = g[(g["feedback_at"] > start) & (g["feedback_at"] <= now)]
    report_h = (r["reported_at"] - r["created_at"]) / 3600
    finish_h = (fb["feedback_at"] - fb["created_at"]) / 3600
    return {
        "dispatched_count": float(len(created)),
        "report_in_rate": share(reported, pd.Series(True, index=created.index)),
        "report_in_on_time_rate": share(report_due & reported & (created["reported_at"] <= created["report_due_at"]),
                                        report_due),
        "finish_on_time_rate": share(finish_due & finished & (created["feedback_at"] <= created["finish_due_at"]),
                                     finish_due),
        "return_rate": share(created["returned_at"] <= now, pd.Series(True, index=created.index)),
        "verification_pass_rate": share(verified & (created["failures"] == 0), verified),
        "mean_report_in_hours": report_h.mean(), "median_report_in_hours": report_h.median(),
        "mean_finish_hours": finish_h.mean(), "median_finish_hours": finish_h.median(),
    }


def computed(con) -> pd.DataFrame:
    return con.execute("SELECT indicator_id, unit_code, value FROM indicator_latest "
                       "WHERE indicator_id LIKE 'orders.%'").df()


def test_the_kpis_equal_pandas_over_the_order_tables(city):
    con, _ = city
    assert con.execute("SELECT count(*) FROM work_orders").fetchone()[0] > 50       # the demo's orders are there
    both = expected(con, NOW_S).merge(computed(con), on=["indicator_id", "unit_code"], how="left")
    assert len(both) > 1000
    missing = both[both["value"].isna() & both["expected"].notna()]
    assert missing.empty, missing.head()
    close = np.isclose(both["value"].astype(float), both["expected"].astype(float), rtol=1e-9, equal_nan=True)
    assert close.all(), both[~close].head(10)
    # the hand-made district order counts at its district and the city, not below
    district = con.execute("SELECT min(code) FROM admin_units WHERE level = 'district'").fetchone()[0]
    assert both[(both["indicator_id"] == "orders.loop.return_rate.last_30d")
                & (both["unit_code"] == district)]["value"].iloc[0] > 0


def test_the_kpis_move_when_an_order_moves(city):
    con, engine = city
    order = con.execute("SELECT min(order_id) FROM work_orders WHERE state = 'dispatched'").fetchone()[0]
    before = computed(con).set_index(["indicator_id", "unit_code"])["value"]
    store.act(con, order, "report_in", actor="w", permissions=S, department=None, at_s=NOW_S)
    refresh(con, engine, NOW_S, kind="manual")
    after = computed(con).set_index(["indicator_id", "unit_code"])["value"]
    city_code = con.execute("SELECT min(code) FROM admin_units WHERE level = 'city'").fetchone()[0]
    key = ("orders.loop.report_in_rate.last_30d", city_code)
    assert after[key] > before[key]
    both = expected(con, NOW_S).merge(computed(con), on=["indicator_id", "unit_code"])
    assert np.isclose(both["value"].astype(float), both["expected"].astype(float), equal_nan=True).all()


def test_the_shipped_departments_list_is_the_demo_citys(city):
    """_lists.yaml's departments (the shipped catalog's) are the demo store's, slugs included, so the
    shipped and the store's catalogs name the same per-department indicators."""
    from indicators.city_catalog import shipped_lists

    con, _ = city
    assert shipped_lists()["departments"] == city_departments(con)
