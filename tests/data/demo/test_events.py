"""Tests of the demo city's event categories and events: volumes, rhythms, episodes, life cycles."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.clock import DAY_S, HOUR_S, local_day_index
from data.clock import parse_instant
from data.demo.categories import CATEGORIES, DOMAINS, DRIVERS
from data.demo.clock import day_window, day_windows, local_hour_weekday
from data.demo.events import PLAN_COLUMNS, events_as_of, plan_events
from data.demo.lifecycle import HISTORY_COLUMNS, PENDING_COLUMNS
from data.demo.scales import SCALES
from data.demo.sources import SOURCE_IDS
from data.demo.weather import episodes, weather_for_day

TZ = "Asia/Shanghai"
SEED = 7
ANCHOR = parse_instant("2026-11-22T15:30", TZ)       # a Sunday afternoon
SCALE = dataclasses.replace(SCALES["tiny"], events_per_day=2_500)
MIGRATIONS = Path(__file__).resolve().parents[3] / "data" / "migrations"
RAIN_CODES = {c.code for c in CATEGORIES if c.driver == "rain"}
POLLUTION_CODES = {c.code for c in CATEGORIES if c.driver == "pollution"}
CROWD_CODES = {c.code for c in CATEGORIES if c.driver == "crowd"}


@dataclasses.dataclass
class FakeGeography:
    """A square of square grids, dense in the middle, nine grids a community; the venue is the densest grid."""

    side: int = 12
    cell_deg: float = 0.01

    def __post_init__(self):
        row, col = np.divmod(np.arange(self.side**2), self.side)
        population = (200 + 6_000 * np.exp(-np.hypot(row - self.side / 2, col - self.side / 2) / 3)).astype(int)
        codes = [f"321102{1 + k // 36:03d}{1 + k // 9:03d}{1 + k % 9:03d}" for k in range(self.side**2)]
        self._grids = pd.DataFrame({
            "code": codes,
            "population": population, "area_km2": 1.1,
            "centroid_lon": 119.40 + col * self.cell_deg, "centroid_lat": 32.15 + row * self.cell_deg,
            "district_code": "321102", "street_code": [c[:9] for c in codes], "community_code": [c[:12] for c in codes],
            "name_zh": [f"第{k}网格" for k in range(self.side**2)], "name_en": "Grid",
        })
        communities = sorted({c[:12] for c in codes})
        self.units = pd.DataFrame({"code": communities, "level": "community",
                                   "name_zh": [f"金山{k}社区" for k in range(len(communities))]})
        self.venue_grid_index = int(np.argmax(population))

    def grids(self) -> pd.DataFrame:
        return self._grids

    def sample_points(self, grid_index, rng):
        half = self.cell_deg / 2
        grids = self._grids.iloc[grid_index]
        return (grids["centroid_lon"].to_numpy() + rng.uniform(-half, half, len(grid_index)),
                grids["centroid_lat"].to_numpy() + rng.uniform(-half, half, len(grid_index)))


GEO = FakeGeography()
ANCHOR_DAY = local_day_index(ANCHOR, TZ)
FIRST_DAY_START = day_window(ANCHOR_DAY - 27, TZ, 0, 2**62).day_start_s


def plan_day(day, seed=SEED, scale=SCALE):
    return plan_events(seed, scale, GEO, day, ANCHOR, TZ, weather_for_day(seed, day, ANCHOR, TZ))


@pytest.fixture(scope="module")
def plan() -> pd.DataFrame:
    """27 full local days and today up to the anchor."""
    return pd.concat([plan_day(d) for d in day_windows(FIRST_DAY_START, ANCHOR, TZ)], ignore_index=True)


@pytest.fixture(scope="module")
def full_days(plan) -> pd.DataFrame:
    """The full days only, with local hour, weekday and day number."""
    days = plan[plan["received_at"] < day_window(ANCHOR_DAY, TZ, 0, 2**62).day_start_s].copy()
    hour, weekday = local_hour_weekday(days["received_at"].to_numpy(), TZ)
    return days.assign(hour=np.floor(hour).astype(int), weekday=weekday,
                       day=(days["received_at"] - FIRST_DAY_START) // DAY_S)


def table_columns(table: str) -> list[str]:
    schema = "\n".join(p.read_text() for p in sorted(MIGRATIONS.glob("*.sql")))
    body = re.search(rf"CREATE TABLE {table} \((.*?)\n\);", schema, re.S).group(1)
    return [m.group(1) for m in re.finditer(r"^\s{4}(\w+)\s+[A-Z]", body, re.M) if m.group(1) != "PRIMARY"]


def per_hour(frame: pd.DataFrame, window: tuple[int, int]) -> tuple[float, float]:
    """Events per hour inside a window and outside it, over the full days."""
    inside = frame["received_at"].between(window[0], window[1] - 1)
    hours_inside = (window[1] - window[0]) / HOUR_S
    return inside.sum() / hours_inside, (~inside).sum() / (27 * 24 - hours_inside)


def test_categories_are_many_unique_and_complete():
    codes = [c.code for c in CATEGORIES]
    assert len(codes) >= 60 and len(set(codes)) == len(codes)
    for c in CATEGORIES:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", c.code) and c.domain in DOMAINS, c.code
        assert c.driver in DRIVERS and c.default_level in (1, 2, 3) and c.sla_hours > 0 and c.weight > 0, c.code
        assert re.search(r"[\u4e00-\u9fff]", c.name_zh + c.department) and c.name_en.isascii(), c.code
        assert c.sources and set(c.sources) <= set(SOURCE_IDS) and c.template.count("{}") == 1, c.code
    assert {c.domain for c in CATEGORIES} == set(DOMAINS)
    assert {s for c in CATEGORIES for s in c.sources} == set(SOURCE_IDS)
    assert all(c.sla_hours == 168 for c in CATEGORIES if c.domain == "enterprise")   # the "117" rule


def test_frames_match_the_schema():
    assert list(PLAN_COLUMNS) == [c for c in table_columns("events") if c != "batch_id"]
    assert list(HISTORY_COLUMNS) == [c for c in table_columns("event_history") if c != "batch_id"]
    assert list(PENDING_COLUMNS) == table_columns("demo_event_plans")


def test_plan_rows_are_complete_and_ordered(plan):
    assert list(plan.columns) == list(PLAN_COLUMNS)
    times = plan[["received_at", "accepted_at", "dispatched_at", "resolved_at", "closed_at"]].to_numpy()
    assert all(plan[c].dtype == "int64" for c in ("received_at", "closed_at", "due_at", "updated_at"))
    assert (np.diff(times, axis=1) >= 0).all()
    assert (plan["status"] == "closed").all() and (plan["updated_at"] == plan["closed_at"]).all()
    sla = plan["category_code"].map({c.code: c.sla_hours for c in CATEGORIES})
    assert ((plan["due_at"] - plan["received_at"]) == (sla * HOUR_S).astype("int64")).all()
    assert (plan["department"] == plan["category_code"].map({c.code: c.department for c in CATEGORIES})).all()
    assert plan["received_at"].is_monotonic_increasing and plan["event_id"].is_unique


def test_event_ids_number_each_source_by_received_time(plan):
    parts = plan["event_id"].str.extract(r"^(12345|WG|110|CG|XF|QY)-(\d{8})-(\d{6})$")
    assert parts.notna().all().all()
    local_date = pd.to_datetime(plan["received_at"], unit="s", utc=True).dt.tz_convert(TZ).dt.strftime("%Y%m%d")
    assert (parts[1] == local_date).all()
    seq = parts[2].astype(int)
    first_day = plan.assign(seq=seq)[local_date == local_date.iloc[0]]
    for _, group in first_day.groupby("source"):
        assert (group["seq"].to_numpy() == np.arange(1, len(group) + 1)).all()


def test_source_mix(plan):
    share = plan["source"].value_counts(normalize=True)
    assert share.index[0] == "hotline_12345" and set(share.index) == set(SOURCE_IDS)
    assert 0.38 < share["hotline_12345"] < 0.52 and 0.20 < share["grid_report"] < 0.34
    assert 0.12 < share["police_110"] < 0.24 and 0.03 < share["city_app"] < 0.10
    assert 0.008 < share["petition"] < 0.05 and 0.008 < share["enterprise"] < 0.05


def test_hour_of_day_profile(full_days):
    by_hour = full_days.groupby("hour").size().reindex(range(24), fill_value=0)
    assert by_hour[2:6].mean() < 0.15 * by_hour[9:12].mean()
    night = full_days["hour"].isin([20, 21, 22, 23, 0, 1])
    assert night[full_days["source"] == "police_110"].mean() > 1.5 * night[full_days["source"] == "grid_report"].mean()
    assert night[full_days["source"] == "police_110"].mean() > 0.2


@pytest.mark.parametrize("source, low, high", [
    ("hotline_12345", 0.60, 0.88), ("grid_report", 0.55, 0.88), ("enterprise", 0.45, 0.95),
    ("police_110", 0.82, 1.15),
])
def test_weekend_dip(full_days, source, low, high):
    daily = full_days[full_days["source"] == source].groupby(["day", "weekday"]).size().reset_index(name="n")
    weekend = daily["weekday"] >= 5
    ratio = daily.loc[weekend, "n"].median() / daily.loc[~weekend, "n"].median()
    assert low < ratio < high


def test_rain_categories_surge_in_the_rainstorm(full_days):
    storm = episodes(ANCHOR, TZ).rainstorm
    inside, outside = per_hour(full_days[full_days["category_code"] == "water_flood.waterlogging"], storm)
    assert inside > 6 * outside
    inside, outside = per_hour(full_days[full_days["category_code"].isin(RAIN_CODES)], storm)
    assert inside > 4 * outside


def test_pollution_complaints_rise_in_the_episode(full_days):
    inside, outside = per_hour(full_days[full_days["category_code"].isin(POLLUTION_CODES)],
                               episodes(ANCHOR, TZ).pollution)
    assert inside > 2.5 * outside


def test_crowd_and_police_at_the_venue_during_the_surge(full_days):
    at_venue = full_days[full_days["grid_code"] == GEO.grids()["code"][GEO.venue_grid_index]]
    surge = episodes(ANCHOR, TZ).crowd_surge
    inside, outside = per_hour(at_venue[at_venue["category_code"].isin(CROWD_CODES)], surge)
    assert inside > 20 * max(outside, 0.01) and inside > 5
    inside, outside = per_hour(at_venue[at_venue["source"] == "police_110"], surge)
    assert inside > 10 * outside


def test_grids_follow_population_and_points_fall_inside(plan):
    counts = plan["grid_code"].value_counts()
    population = GEO.grids().set_index("code")["population"]
    assert np.corrcoef(population, counts.reindex(population.index, fill_value=0))[0, 1] > 0.9
    grids = GEO.grids().set_index("code").loc[plan["grid_code"]]
    half = GEO.cell_deg / 2 + 1e-9
    assert (np.abs(plan["lon"].to_numpy() - grids["centroid_lon"].to_numpy()) <= half).all()
    assert (np.abs(plan["lat"].to_numpy() - grids["centroid_lat"].to_numpy()) <= half).all()


def test_repeats_copy_an_earlier_case(plan):
    assert 0.05 < plan["is_repeat"].mean() < 0.10
    assert 0.15 < plan.loc[plan["source"] == "petition", "is_repeat"].mean() < 0.25
    keys = ["source", "caller_name", "caller_phone", "category_code", "grid_code"]
    firsts = plan.loc[~plan["is_repeat"], keys + ["received_at"]]
    matched = plan[plan["is_repeat"]].reset_index().merge(firsts, on=keys, suffixes=("", "_first"))
    matched = matched[matched["received_at_first"] <= matched["received_at"]]
    assert matched["index"].nunique() == plan["is_repeat"].sum()


def test_callers_and_descriptions(plan):
    assert plan["caller_phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert plan["caller_name"].str.len().between(2, 3).all()
    community = GEO.units.set_index("code")["name_zh"].loc[plan["grid_code"].str[:12]].to_numpy()
    assert all(d.startswith(n) for d, n in zip(plan["description"].head(300), community[:300]))
    assert plan["description"].str.endswith("。").all()


def test_handling_levels_mostly_default_with_escalation(plan):
    default = plan["category_code"].map({c.code: c.default_level for c in CATEGORIES})
    assert (plan["handling_level"] <= default).all()
    assert 0.85 < (plan["handling_level"] == default).mean() < 0.98


def test_satisfaction(plan):
    rated = plan["satisfaction"].notna()
    assert not rated[plan["source"] == "grid_report"].any() and 0.3 < rated.mean() < 0.6
    stars = plan.loc[rated, "satisfaction"]
    assert stars.isin([1, 2, 3, 4, 5]).all() and stars.isin([4, 5]).mean() > 0.8
    assert 0.03 < (stars <= 2).mean() < 0.08
    late = (plan["resolved_at"] > plan["due_at"])[rated]
    assert (stars[late] <= 2).mean() > 2 * (stars[~late] <= 2).mean()


def test_overdue_and_closure_as_of_now(plan):
    events, _, pending = events_as_of(plan, ANCHOR)
    open_late = events["resolved_at"].isna() & (events["due_at"] < ANCHOR)
    overdue = (events["resolved_at"] > events["due_at"]) | open_late
    assert 0.04 < overdue.mean() < 0.12
    closed = events["status"] == "closed"
    assert 0.88 < closed.mean() < 0.99 and len(pending) == (~closed).sum()


def test_events_as_of_is_consistent(plan):
    as_of = ANCHOR - 6 * HOUR_S
    received = plan[plan["received_at"] < as_of]
    events, history, pending = events_as_of(received, as_of)
    stages = ["received_at", "accepted_at", "dispatched_at", "resolved_at", "closed_at"]
    times = events[stages].to_numpy("float64")
    reached = ~np.isnan(times)
    assert (np.nan_to_num(times, nan=-1) <= as_of).all() and (reached == (received[stages] <= as_of)).all().all()
    latest = reached.sum(axis=1) - 1
    stage_names = np.array(["received", "accepted", "dispatched", "resolved", "closed"])
    assert (events["status"].to_numpy() == stage_names[latest]).all()
    assert (events["updated_at"].to_numpy() == times[np.arange(len(times)), latest]).all()
    assert events.loc[events["status"] != "closed", "satisfaction"].isna().all()
    assert list(history.columns) == list(HISTORY_COLUMNS) and list(pending.columns) == list(PENDING_COLUMNS)
    assert len(history) == reached.sum() and history["updated_at"].is_monotonic_increasing
    assert set(pending["event_id"]) == set(events.loc[events["status"] != "closed", "event_id"])
    assert (pending["closed_at"] > as_of).all()
    with pytest.raises(AssertionError):
        events_as_of(plan, as_of)


def test_deterministic_and_seed_dependent():
    day = day_window(ANCHOR_DAY - 3, TZ, 0, 2**62)
    pd.testing.assert_frame_equal(plan_day(day), plan_day(day))
    assert not plan_day(day).equals(plan_day(day, seed=SEED + 1))


def test_partial_keep_window_equals_the_full_day():
    full = day_window(ANCHOR_DAY - 8, TZ, 0, 2**62)
    part = day_window(ANCHOR_DAY - 8, TZ, full.day_start_s + 7 * HOUR_S, full.day_start_s + 15 * HOUR_S)
    expected = plan_day(full)
    expected = expected[expected["received_at"].between(part.keep_start_s, part.keep_end_s - 1)]
    pd.testing.assert_frame_equal(plan_day(part), expected.reset_index(drop=True))
