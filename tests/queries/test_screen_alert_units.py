"""The wall's alert layer: an alert on a district or on the city colours every grid it covers."""

from __future__ import annotations

from data import db
from queries import screen as queries


def _alert(con, unit: str, level: str, severity: str) -> None:
    con.execute("INSERT INTO alerts (indicator_id, unit_code, level, kind, state, severity, peak_severity, started_at) "
                "VALUES ('cases.intake.count.today', ?, ?, 'threshold', 'firing', ?, ?, now())",
                [unit, level, severity, severity])


def test_a_red_district_is_red_everywhere_in_it_and_a_blue_city_tints_the_rest(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    district = con.execute("SELECT code FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1").fetchone()[0]
    city = con.execute("SELECT code FROM admin_units WHERE level = 'city'").fetchone()[0]
    _alert(con, district, "district", "red")
    _alert(con, city, "city", "blue")
    ranks = queries.grid_alert_severity(con).set_index("code")["rank"]
    inside = con.execute("SELECT code FROM admin_units WHERE level = 'grid' AND district_code = ?", [district]).df()["code"]
    con.close()
    assert len(inside) > 0 and (ranks[inside] == 4).all()
    assert (ranks.drop(inside) == 1).all()                 # the city's blue alert covers every other grid


def test_without_alerts_no_grid_is_tinted(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    con.execute("DELETE FROM alerts")
    ranks = queries.grid_alert_severity(con)["rank"]
    con.close()
    assert (ranks == 0).all()
