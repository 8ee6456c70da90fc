"""Named sizes of the demo city, from a test fixture up to Zhenjiang's 175 million records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How big a demo city is and how much happens in it."""

    name: str
    days: int                   # history length up to "now"
    n_districts: int
    n_streets: int
    n_communities: int
    n_grids: int
    population: int
    events_per_day: float       # city-wide, all sources, an average day
    n_air_national: int
    n_air_micro: int
    n_water_level: int
    n_rainfall: int
    n_traffic: int
    n_noise: int
    n_power: int
    traffic_interval_min: int   # cadence of road-segment speed readings
    crowd_interval_min: int     # cadence of per-grid crowd density readings
    # days before ``days`` kept lighter, for 同比 (docs/DEMO_CITY.md): each case's final row only
    # (no earlier versions), no sensor readings
    archive_days: int = 0


SCALES: dict[str, Scale] = {
    s.name: s
    for s in (
        Scale("tiny", 21, 2, 6, 30, 150, 300_000, 900, 2, 8, 3, 4, 20, 4, 4, 15, 60),
        Scale("demo", 90, 6, 60, 500, 3_000, 3_200_000, 6_000, 10, 100, 12, 24, 150, 30, 24, 15, 60, archive_days=320),
        Scale("city", 90, 6, 80, 700, 5_000, 4_500_000, 12_000, 10, 200, 16, 32, 300, 40, 30, 15, 60),
        Scale("zhenjiang", 365, 7, 90, 1_200, 9_000, 3_200_000, 25_000, 12, 300, 24, 48, 800, 60, 40, 15, 60),
    )
}


def get_scale(name: str) -> Scale:
    """Return the named scale, or raise ValueError listing the valid names."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None
