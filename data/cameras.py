"""The camera registry: video and IoT alarm devices by their GB/T 28181 ids, where they stand, online or not.

A GB/T 28181 device id (encoding rule A, annex D) is 20 decimal digits: an 8-digit centre code (the
GB/T 2260 division code of the monitoring centre: province, city, county, then two digits for a
grassroots unit), a 2-digit industry code, a 3-digit type code and a 7-digit serial whose first
digit is the network identifier. Front-end devices have type codes 111–199 (111 DVR, 118 NVR,
131 camera, 132 network camera, 134 alarm input device …); centre and user codes (200 and up)
are not alarm sources. :func:`check_camera_id` checks that structure and says which part is wrong.
"""

from __future__ import annotations

import csv
import io
import re

import duckdb
import numpy as np

from data.clock import now_utc
from data.db import transaction
from data.text import check_text

GB2260_PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                              50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82})
FRONT_END_TYPES = range(111, 200)           # front-end devices: recorders, encoders, cameras, alarm inputs
DEVICE_TYPES = {111: "DVR", 112: "video server", 113: "encoder", 118: "NVR", 131: "camera", 132: "network camera",
                134: "alarm input device"}
_DIGITS20 = re.compile(r"^[0-9]{20}$")
MAX_NAME, MAX_PLACE, MAX_CAMERAS = 60, 80, 100_000
REGISTRY_COLUMNS = ("camera_id", "name", "place", "lon", "lat", "grid_code", "online")


class CameraError(ValueError):
    """A camera id or registry row is invalid; the message names the row and field."""


def check_camera_id(camera_id) -> str:
    """Return the id if it has GB/T 28181's structure, else raise CameraError naming the faulty part."""
    text = str(camera_id or "")
    if not _DIGITS20.match(text):
        raise CameraError("a camera id is 20 digits (GB/T 28181)")
    if int(text[:2]) not in GB2260_PROVINCES:
        raise CameraError(f"camera id {text}: the centre code starts with {text[:2]}, not a GB/T 2260 province")
    if text[2:4] == "00" and text[4:6] != "00":
        raise CameraError(f"camera id {text}: the centre code names a county under no city")
    if int(text[10:13]) not in FRONT_END_TYPES:
        raise CameraError(f"camera id {text}: type code {text[10:13]} is not a front-end device (111–199)")
    return text


def describe_id(camera_id: str) -> dict:
    """Return the parts of a valid id: centre (division and unit), industry, type, network, serial."""
    return {"division": camera_id[:6], "unit": camera_id[6:8], "industry": camera_id[8:10],
            "type": camera_id[10:13], "type_name": DEVICE_TYPES.get(int(camera_id[10:13]), "front-end device"),
            "network": camera_id[13], "serial": camera_id[14:]}


def parse_registry(text: str) -> list[dict]:
    """Return the checked rows of a registry CSV (columns REGISTRY_COLUMNS; grid_code and online optional)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"camera_id", "name", "place", "lon", "lat"} - set(reader.fieldnames or ())
    if missing:
        raise CameraError(f"the registry lacks the column(s) {sorted(missing)}")
    rows, seen = [], set()
    for number, raw in enumerate(reader, start=2):
        if number > MAX_CAMERAS + 1:
            raise CameraError(f"a registry holds at most {MAX_CAMERAS} cameras")
        row = _registry_row(raw, f"line {number}")
        if row["camera_id"] in seen:
            raise CameraError(f"line {number}: camera {row['camera_id']} is listed twice")
        seen.add(row["camera_id"])
        rows.append(row)
    return rows


def _registry_row(raw: dict, where: str) -> dict:
    try:
        camera_id = check_camera_id((raw.get("camera_id") or "").strip())
        lon, lat = float(raw.get("lon") or "nan"), float(raw.get("lat") or "nan")
        name = check_text(raw.get("name"), f"{where}: name", MAX_NAME)
        place = check_text(raw.get("place"), f"{where}: place", MAX_PLACE)
    except ValueError as exc:
        raise CameraError(f"{where}: {exc}") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CameraError(f"{where}: lon and lat must be WGS84 degrees")
    online = str(raw.get("online") or "true").strip().lower() not in ("false", "0", "no", "offline")
    grid = (raw.get("grid_code") or "").strip() or None
    return {"camera_id": camera_id, "name": name, "place": place, "lon": lon, "lat": lat, "grid_code": grid,
            "online": online}


def locate_grids(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Fill each row's grid_code from its point where none is given (rows outside every grid keep None)."""
    from data.ingest.gridindex import load_grid_index

    todo = [r for r in rows if not r["grid_code"]]
    if not todo:
        return
    index = load_grid_index(con)
    if index.empty:
        return
    codes = index.assign(np.array([r["lon"] for r in todo]), np.array([r["lat"] for r in todo]))
    for row, code in zip(todo, codes):
        row["grid_code"] = None if code is None else str(code)


def save_cameras(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> int:
    """Insert or update cameras by id (in the caller's transaction); return how many."""
    at = now_utc()
    for r in rows:
        con.execute("INSERT INTO cameras (camera_id, name, place, lon, lat, grid_code, online, status_at, registered_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (camera_id) DO UPDATE SET name = excluded.name, "
                    "place = excluded.place, lon = excluded.lon, lat = excluded.lat, grid_code = excluded.grid_code, "
                    "online = excluded.online, status_at = excluded.status_at",
                    [r["camera_id"], r["name"], r["place"], r["lon"], r["lat"], r["grid_code"], r["online"], at, at])
    return len(rows)


def load_registry(con: duckdb.DuckDBPyConnection, text: str) -> int:
    """Check a registry CSV whole, place its cameras in grids and store them; return how many."""
    rows = parse_registry(text)
    unknown = _unknown_grids(con, {r["grid_code"] for r in rows if r["grid_code"]})
    if unknown:
        raise CameraError(f"grid code(s) the store lacks: {sorted(unknown)[:5]}")
    locate_grids(con, rows)
    with transaction(con):
        return save_cameras(con, rows)


def _unknown_grids(con: duckdb.DuckDBPyConnection, codes: set[str]) -> set[str]:
    if not codes:
        return set()
    held = {r[0] for r in con.execute("SELECT code FROM admin_units WHERE code IN (SELECT unnest(?))",
                                      [sorted(codes)]).fetchall()}
    return codes - held
