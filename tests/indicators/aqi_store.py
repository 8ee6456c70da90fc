"""A small store for the AQI rule tests: a city with two districts, national stations in grids,
and hourly readings written by (station, metric, hour of a local day)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import shapely

from data import db, writer

TZ = "Asia/Shanghai"
DAY = date(2025, 6, 10)              # HJ 633-2012 applies (before 2026-03-01)
CITY, EAST, WEST = "110000", "110101", "110102"
STATIONS = {"S1": EAST, "S2": EAST, "S3": WEST}      # two stations in the east district, one in the west


def _unit(code, level, parent, city=None, district=None, street=None, community=None) -> dict:
    return {"code": code, "level": level, "level_no": ["city", "district", "street", "community", "grid"].index(level),
            "name_zh": code, "name_en": code, "parent_code": parent, "city_code": city, "district_code": district,
            "street_code": street, "community_code": community, "area_km2": 1.0, "population": 1000,
            "households": 400, "centroid_lon": 116.4, "centroid_lat": 39.9, "geometry": shapely.box(116, 39, 117, 40)}


def _units() -> pd.DataFrame:
    rows = [_unit(CITY, "city", None)]
    for district in (EAST, WEST):
        street, community = district + "001", district + "001001"
        rows += [_unit(district, "district", CITY, CITY),
                 _unit(street, "street", district, CITY, district),
                 _unit(community, "community", street, CITY, district, street)]
        rows += [_unit(grid_of(s), "grid", community, CITY, district, street, community)
                 for s, d in STATIONS.items() if d == district]
    return pd.DataFrame(rows)


def grid_of(station: str) -> str:
    """Return the grid code of a station (one grid each)."""
    return STATIONS[station] + "001001" + station[-1].zfill(3)


def build_store(path: Path):
    """Return a connection to a new store holding the units and the national stations."""
    con = db.open_store(path)
    writer.append_frame(con, "admin_units", _units())
    for station in STATIONS:
        con.execute("INSERT INTO sensors VALUES (?, 'air_national', ?, ?, ?, 116.4, 39.9, "
                    "['so2','no2','pm10','co','o3','pm25'], 60, NULL, NULL)", [station, station, station, grid_of(station)])
    return con


def local_hour(hour: int, day: date = DAY) -> datetime:
    """Return the instant a reading of the day's ``hour`` (0 = the hour from 00:00) is stamped with."""
    return datetime.combine(day, datetime.min.time(), ZoneInfo(TZ)) + timedelta(hours=hour)


def add_hours(con, station: str, metric: str, values: dict[int, float], day: date = DAY, quality: str = "ok") -> None:
    """Write one reading per hour of ``day``: ``values`` maps the hour (0-23) to the concentration."""
    frame = pd.DataFrame({"sensor_id": station, "ts": [local_hour(h, day) for h in values], "metric": metric,
                          "value": [float(v) for v in values.values()], "quality": quality})
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    writer.append_frame(con, "readings", frame)


def every_hour(value: float, hours=range(24)) -> dict[int, float]:
    """Return ``value`` at each of ``hours``."""
    return {h: value for h in hours}


def midnight_after(day: date = DAY) -> int:
    """Return the epoch seconds of the midnight that ends ``day`` (yesterday's AQI is evaluated then)."""
    return int(local_hour(24, day).timestamp())
