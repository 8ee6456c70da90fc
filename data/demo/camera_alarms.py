"""The demo city's cameras and the video-AI alarms they raise, false ones included.

Cameras stand at streets (industry code 00, social security road access), city-management points
(08), around schools (11) and at mines (41), as the seed centres' networks do. Each alarm type has a
rate per camera and day, a daily rhythm, the sites it is seen at, a share of false alarms (steam and
cooking read as smoke, shadows as crowds) and a burst of repeated reports: a camera re-reports a
scene every few minutes while it lasts, which de-duplication folds into one alarm. A day's
episodes come from the day's own random stream, so a live tick and the build make the same ones.

The demo's duty officers review each alarm some twenty minutes after its first report: a false one is
dismissed, a true one confirmed into a case of the camera channel whose later stages are planned
like every demo case (data/demo/lifecycle.py). Alarms in their type's quiet hours stay quiet.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from data import db, writer
from data.alarm_types import ensure_camera_channel, in_quiet_hours, parse_quiet_hours, stored_types
from data.clock import HOUR_S
from data.demo import rand
from data.demo.clock import DayWindow, local_hour_weekday
from data.demo.lifecycle import events_as_of
from data.demo.sensor_names import place_names

CENTRE = "32110000"                        # a city-level monitoring centre (GB/T 2260 division + 00)
SITES = {"00": ("路口监控", 0.55), "08": ("城管监控点", 0.25), "11": ("校园周边监控", 0.1), "41": ("矿区监控", 0.1)}
OFFLINE_SHARE = 0.03
HOURLY = {                                  # relative rate by local hour 0..23
    "day": np.r_[np.full(7, 0.1), np.full(13, 1.6), np.full(4, 0.3)],
    "meals": np.r_[np.full(6, 0.2), np.full(4, 2.0), np.full(7, 0.6), np.full(4, 2.0), np.full(3, 0.3)],
    "evening": np.r_[np.full(8, 0.2), np.full(9, 0.8), np.full(5, 2.5), np.full(2, 0.5)],
    "flat": np.ones(24),
}


@dataclass(frozen=True)
class TypeModel:
    """How often an alarm type occurs at a camera, when, where, how often it is false, how it repeats."""

    per_camera_day: float
    hourly: str
    sites: dict
    false_share: float
    mean_reports: float


MODELS = {
    "road_occupied": TypeModel(0.5, "day", {"00": 1.0, "08": 2.0, "11": 0.3}, 0.25, 4.0),
    "bin_overflow": TypeModel(0.3, "meals", {"00": 1.0, "08": 1.5, "11": 0.5, "41": 0.2}, 0.2, 3.0),
    "illegal_parking": TypeModel(0.4, "day", {"00": 1.5, "08": 1.0, "11": 1.0}, 0.3, 3.0),
    "crowding": TypeModel(0.08, "evening", {"00": 1.0, "08": 0.5, "11": 2.0, "41": 0.2}, 0.35, 5.0),
    "smoke": TypeModel(0.03, "flat", {"00": 1.0, "08": 1.0, "11": 0.5, "41": 3.0}, 0.75, 3.0),
    "standing_water": TypeModel(0.03, "flat", {"00": 1.5, "08": 1.0, "11": 0.5, "41": 0.5}, 0.3, 6.0),
    "open_burning": TypeModel(0.02, "evening", {"00": 0.5, "08": 0.5, "41": 2.0}, 0.6, 3.0),
}
REVIEW_MEDIAN_S = 20 * 60


def build_cameras(seed: int, n_grids: int, geo, registered_s: int) -> pd.DataFrame:
    """Return the cameras table of the demo city: one camera per 20 grids (at least 6)."""
    rng = rand.stream(seed, "cameras")
    n = max(6, n_grids // 20)
    grids = geo.grids()
    weights = grids["population"].to_numpy(float) + 1.0
    chosen = rng.choice(len(grids), size=n, replace=n > len(grids), p=weights / weights.sum())
    lon, lat = geo.sample_points(chosen, rng)
    industry = rng.choice(list(SITES), size=n, p=[share for _, share in SITES.values()])
    zh, _ = place_names(n, rng)
    ids = [f"{CENTRE}{ind}1320{k + 1:06d}" for k, ind in enumerate(industry)]
    return pd.DataFrame({
        "camera_id": ids, "name": [f"{z}{SITES[ind][0]}" for z, ind in zip(zh, industry)], "place": zh,
        "lon": lon, "lat": lat, "grid_code": grids["code"].to_numpy()[chosen],
        "online": rng.random(n) >= OFFLINE_SHARE, "status_at": float(registered_s),
        "registered_at": float(registered_s)})


def plan_episodes(seed: int, cameras: pd.DataFrame, day: DayWindow, tz: str) -> pd.DataFrame:
    """Return the day's alarm episodes kept by the window: camera, type, first report, reports, spacing."""
    rng = rand.stream(seed, "camera_alarms", day.day_index)
    sites = cameras["camera_id"].str.slice(8, 10).to_numpy()
    hours = np.arange(day.day_start_s, day.day_end_s, HOUR_S)
    local_hour, _ = local_hour_weekday(hours, tz)
    frames = []
    for code, model in MODELS.items():
        affinity = np.array([model.sites.get(site, 0.0) for site in sites])
        profile = HOURLY[model.hourly][local_hour.astype(int) % 24]
        expected = model.per_camera_day * np.outer(affinity, profile / profile.sum())   # camera x hour
        counts = rng.poisson(expected)
        camera, hour = np.nonzero(counts)
        camera, hour = np.repeat(camera, counts[camera, hour]), np.repeat(hour, counts[camera, hour])
        n = len(camera)
        frames.append(pd.DataFrame({
            "camera_id": cameras["camera_id"].to_numpy()[camera], "type_code": code,
            "first_at": hours[hour] + rng.integers(0, HOUR_S, n),
            "reports": 1 + rng.poisson(model.mean_reports - 1, n), "spacing_s": rng.integers(120, 480, n)}))
    episodes = pd.concat(frames, ignore_index=True)
    keep = (episodes["first_at"] >= day.keep_start_s) & (episodes["first_at"] < day.keep_end_s)
    return episodes[keep].drop_duplicates(["camera_id", "type_code", "first_at"]).reset_index(drop=True)


def write_day(con: duckdb.DuckDBPyConnection, seed: int, cameras: pd.DataFrame, day: DayWindow, as_of_s: int,
              tz: str) -> dict[str, int]:
    """Append the day's alarms and reports seen at ``as_of_s``, then review what is due; return rows."""
    episodes = plan_episodes(seed, cameras, day, tz)
    episodes = episodes[episodes["first_at"] < as_of_s]
    types = stored_types(con)
    if episodes.empty or not types:
        return {"alarms": 0, "alarm_reports": 0} | review_due(con, seed, as_of_s)
    seen = np.minimum(episodes["reports"], 1 + (as_of_s - episodes["first_at"]) // episodes["spacing_s"])
    episodes = episodes.assign(reports=seen, last_at=episodes["first_at"] + (seen - 1) * episodes["spacing_s"])
    quiet = [_quiet(types[c].get("quiet_hours"), t, tz) for c, t in zip(episodes["type_code"], episodes["first_at"])]
    alarms = episodes.assign(severity=episodes["type_code"].map(lambda c: types[c]["severity"]),
                             status=np.where(quiet, "quiet", "pending"), received_at=episodes["first_at"] + 5)
    ids = _insert_alarms(con, alarms)
    reports = _reports(alarms.assign(alarm_id=ids), np.asarray(quiet))
    written = {"alarms": len(alarms), "alarm_reports": writer.append_frame(con, "alarm_reports", reports)}
    return written | review_due(con, seed, as_of_s)


def _quiet(text, at_s: int, tz: str) -> bool:
    local = pd.Timestamp(at_s, unit="s", tz="UTC").tz_convert(tz).time()
    return in_quiet_hours(parse_quiet_hours(text), local)


def _insert_alarms(con: duckdb.DuckDBPyConnection, alarms: pd.DataFrame) -> np.ndarray:
    columns = ["camera_id", "type_code", "severity", "first_at", "last_at", "received_at", "reports", "status"]
    arrow = writer.frame_to_arrow(alarms[columns], ("first_at", "last_at", "received_at"))
    db.register(con, "_demo_alarms", arrow)
    try:
        rows = con.execute(f"INSERT INTO alarms ({', '.join(columns)}) SELECT {', '.join(columns)} FROM _demo_alarms "
                           "RETURNING alarm_id, camera_id, type_code, epoch(first_at)::BIGINT").fetchall()
    finally:
        con.unregister("_demo_alarms")
    by_key = {(c, t, f): a for a, c, t, f in rows}
    return np.array([by_key[k] for k in zip(alarms["camera_id"], alarms["type_code"], alarms["first_at"])])


def _reports(alarms: pd.DataFrame, quiet: np.ndarray) -> pd.DataFrame:
    which = np.repeat(np.arange(len(alarms)), alarms["reports"].to_numpy())
    rank = np.concatenate([np.arange(n) for n in alarms["reports"].to_numpy()]) if len(which) else np.array([], int)
    occurred = alarms["first_at"].to_numpy()[which] + rank * alarms["spacing_s"].to_numpy()[which]
    first_outcome = np.where(quiet[which], "quiet", "new")
    return pd.DataFrame({
        "received_at": occurred + 5, "occurred_at": occurred, "camera_id": alarms["camera_id"].to_numpy()[which],
        "type_code": alarms["type_code"].to_numpy()[which], "alarm_id": alarms["alarm_id"].to_numpy()[which],
        "outcome": np.where(rank == 0, first_outcome, "merged")})


def verdict(seed: int, camera_id: str, type_code: str, first_s: int) -> tuple[bool, int]:
    """Return whether the demo's reviewer finds an alarm false, and how long after its first report they
    decide: both from the alarm's identity alone, so a live tick and a later build decide alike."""
    rng = rand.stream(seed, "camera_alarms.review", zlib.crc32(f"{camera_id}:{type_code}".encode()), first_s)
    return bool(rng.random() < MODELS[type_code].false_share), int(REVIEW_MEDIAN_S * rng.lognormal(0.0, 0.6))


def case_id(camera_id: str, first_s: int) -> str:
    """Return the demo case id of a confirmed alarm: its camera's serial and first report (stable across
    builds, where alarm ids are not)."""
    return f"ALARM-{camera_id[14:]}-{first_s}"


def review_due(con: duckdb.DuckDBPyConnection, seed: int, as_of_s: int) -> dict[str, int]:
    """Dismiss or confirm the pending alarms whose review time has come; plan the cases confirmed ones make."""
    pending = con.execute("SELECT alarm_id, camera_id, type_code, epoch(first_at)::BIGINT "
                          "FROM alarms WHERE status = 'pending' AND type_code IN (SELECT unnest(?)) "
                          "AND starts_with(camera_id, ?)", [list(MODELS), CENTRE]).fetchall()   # the demo's own cameras
    decided = []
    for alarm_id, camera_id, type_code, first_s in pending:
        false, delay = verdict(seed, camera_id, type_code, first_s)
        if first_s + delay < as_of_s:
            decided.append((alarm_id, false, first_s + delay, case_id(camera_id, first_s)))
    source = ensure_camera_channel(con)
    for alarm_id, false, at_s, case in decided:
        con.execute("UPDATE alarms SET status = ?, reviewed_by = 'demo-duty', reviewed_at = to_timestamp(?), "
                    "review_note = ?, case_source = ?, case_id = ? WHERE alarm_id = ?",
                    ["dismissed" if false else "confirmed", at_s, "false_detection" if false else None,
                     None if false else source, None if false else case, alarm_id])
    confirmed = [(a, at) for a, false, at, _ in decided if not false]
    return {"alarms_reviewed": len(decided), **_plan_cases(con, seed, confirmed, as_of_s)}


def _plan_cases(con: duckdb.DuckDBPyConnection, seed: int, confirmed: list[tuple[int, int]], as_of_s: int) -> dict:
    if not confirmed:
        return {"events": 0}
    rows = con.execute(
        "SELECT a.alarm_id, a.case_source, a.case_id, t.category_code, c.grid_code, c.lon, c.lat, "
        "epoch(a.first_at)::BIGINT AS first_s, x.sla_hours, x.default_level, x.department, t.name_zh, c.place "
        "FROM alarms a JOIN alarm_types t ON t.code = a.type_code JOIN cameras c USING (camera_id) "
        "JOIN event_categories x ON x.code = t.category_code WHERE a.alarm_id IN (SELECT unnest(?))",
        [[a for a, _ in confirmed]]).df()
    reviewed = dict(confirmed)
    accepted = rows["alarm_id"].map(reviewed).to_numpy("int64")
    sla_s = rows["sla_hours"].to_numpy(float) * HOUR_S
    draws = np.array([rand.stream(seed, "camera_alarms.cases", zlib.crc32(case.encode())).lognormal(0, 0.5, 2)
                      for case in rows["case_id"]]).reshape(-1, 2)       # per case: the same in every build
    dispatched = accepted + (600 * draws[:, 0]).astype("int64")
    resolved = dispatched + (0.4 * sla_s * draws[:, 1]).astype("int64")
    plan = pd.DataFrame({
        "source": rows["case_source"], "event_id": rows["case_id"], "category_code": rows["category_code"],
        "grid_code": rows["grid_code"], "lon": rows["lon"], "lat": rows["lat"], "received_at": rows["first_s"],
        "accepted_at": accepted,
        "dispatched_at": dispatched, "resolved_at": resolved, "closed_at": resolved + 2 * HOUR_S,
        "due_at": accepted + sla_s.astype("int64"), "status": "closed",
        "handling_level": rows["default_level"].astype("int8"), "department": rows["department"],
        "satisfaction": np.nan, "is_repeat": False, "description": rows["name_zh"] + "：" + rows["place"],
        "caller_name": None, "caller_phone": None, "updated_at": resolved + 2 * HOUR_S})
    events, history, pending = events_as_of(plan, as_of_s)
    written = writer.append_frame(con, "events", events)
    writer.append_frame(con, "event_versions", history[history.duplicated(["source", "event_id"], keep="last")])
    writer.append_frame(con, "demo_event_plans", pending)
    return {"events": written}
