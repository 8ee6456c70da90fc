"""The SQL of the relations that put cases and sensors beside places (schools, hospitals, sites).

Each relation pairs a row of another source (a case, an open case, a reading) with every place
near it, and carries the place's id, kind, the distance in metres and the unit codes of the
*place's* grid: "cases within 200 m of schools in district X" counts the cases near that
district's schools. ``{inner}`` is the other source's relation (indicators/sources.py fills it).

Distances are great-circle distances on the WGS84 mean radius (haversine), right at any latitude;
DuckDB 2 has no spatial extension here, and the haversine needs none. A range join on a box in
degrees (the distance's span in latitude, and in longitude at the place's latitude) keeps the
pairs few before the exact distance is taken. A place is its representative point plus its
``reach_m`` (the farthest vertex of a polygon from that point, 0 for a point): a row is near a
place when it lies within ``near_m`` (its kind's) of that circle. For a compact site that is the
site's edge; for a long one it errs towards near, and docs/PLACES.md says so.

The cameras relation is the camera registry (data/cameras.py) as a state: the cameras registered
at the instant, online or not (their status now: the registry keeps no history of it).
"""

from __future__ import annotations

import math

from data.places import EARTH_RADIUS_M

METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180      # one degree of latitude (and of longitude at the equator)
SENSOR_HORIZON_M = 2000                 # a sensor is paired with the places within this distance


def haversine_sql(lon1: str, lat1: str, lon2: str, lat2: str) -> str:
    """Return SQL for the great-circle distance in metres between two points given in degrees."""
    return (f"(2 * {EARTH_RADIUS_M} * asin(sqrt(pow(sin(radians({lat2} - {lat1}) / 2), 2) + "
            f"cos(radians({lat1})) * cos(radians({lat2})) * pow(sin(radians({lon2} - {lon1}) / 2), 2))))")


def _box(lon: str, lat: str, metres: str) -> str:
    """Return SQL keeping the points (lon, lat) within a box of ``metres`` (and 1 %: a degree of longitude
    shrinks away from the place's latitude) around the place point p."""
    metres = f"1.01 * ({metres})"
    return (f"{lat} BETWEEN p.p_lat - ({metres}) / {METRES_PER_DEGREE} AND p.p_lat + ({metres}) / {METRES_PER_DEGREE} "
            f"AND {lon} BETWEEN p.p_lon - ({metres}) / ({METRES_PER_DEGREE} * cos(radians(p.p_lat))) "
            f"AND p.p_lon + ({metres}) / ({METRES_PER_DEGREE} * cos(radians(p.p_lat)))")


# The places with their kind's near distance and their grid's ancestors (the unit columns).
_PLACES = """(SELECT pl.place_id, pl.kind AS place_kind, pl.lon AS p_lon, pl.lat AS p_lat, pl.reach_m, k.near_m,
        coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
        g.district_code AS u_district, g.street_code AS u_street, g.community_code AS u_community, g.code AS u_grid
    FROM places pl JOIN place_kinds k ON k.code = pl.kind
    LEFT JOIN admin_units g ON g.code = pl.grid_code AND g.level = 'grid')"""
_UNITS = "u_city, u_district, u_street, u_community, u_grid"

# Cases (or open cases) near places: one row per (case, place) within the kind's near_m.
NEAR_CASES = f"""SELECT * FROM (
    SELECT i.* EXCLUDE ({_UNITS}), p.place_id, p.place_kind, p.near_m,
           greatest({haversine_sql('i.lon', 'i.lat', 'p.p_lon', 'p.p_lat')} - p.reach_m, 0) AS distance_m,
           p.u_city, p.u_district, p.u_street, p.u_community, p.u_grid
    FROM ({{inner}}) i JOIN {_PLACES} p ON {_box('i.lon', 'i.lat', 'p.near_m + p.reach_m')}
) AS near_pairs WHERE distance_m <= near_m"""

# Readings of the sensors within SENSOR_HORIZON_M of a place: one row per (reading, place); the
# catalog's filter chooses the distance (distance_m <= 1000: a station near a school).
NEAR_READINGS = f"""SELECT i.* EXCLUDE ({_UNITS}), sp.place_id, sp.place_kind, sp.near_m, sp.distance_m,
       sp.u_city, sp.u_district, sp.u_street, sp.u_community, sp.u_grid
    FROM ({{inner}}) i JOIN (
        SELECT s.sensor_id, p.*,
               greatest({haversine_sql('s.lon', 's.lat', 'p.p_lon', 'p.p_lat')} - p.reach_m, 0) AS distance_m
        FROM sensors s JOIN {_PLACES} p ON {_box('s.lon', 's.lat', f'{SENSOR_HORIZON_M} + p.reach_m')}
    ) sp USING (sensor_id)
    WHERE sp.distance_m <= {SENSOR_HORIZON_M}"""
