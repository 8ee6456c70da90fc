"""The camera-alarm indicators (indicators/catalog/cameras.yaml) equal independent computations on the
tiny city: each one through the engine-vs-pandas check, and the false-alarm rates straight from the
alarms table in pandas (dismissed / reviewed), per type and per grid (one camera a grid here)."""

from __future__ import annotations

import pandas as pd
import pytest

from data.clock import DAY_S
from tests.indicators.test_engine_vs_pandas import CATALOG, NOW_S, values  # noqa: F401  (values: fixture)
from tests.indicators.test_engine_vs_pandas import test_engine_equals_pandas as engine_equals_pandas

CAMERA_INDICATORS = sorted(i.id for i in CATALOG.indicators if i.source == "alarms")
CHECKS = [(i, level) for i in CAMERA_INDICATORS for level in ("city", "street", "grid") if level in CATALOG[i].levels]


def test_the_cameras_domain_has_rates_and_counts_per_type():
    assert "cameras.false_alarm_rate.ratio.last_30d" in CAMERA_INDICATORS
    assert {f"cameras.types.{t}_false_alarm_rate.last_30d" for t in ("smoke", "crowding", "road_occupied")} <= set(
        CAMERA_INDICATORS)


@pytest.mark.parametrize("indicator_id, level", CHECKS)
def test_camera_indicator_equals_pandas(indicator_id, level, values, tiny_con):  # noqa: F811
    engine_equals_pandas(indicator_id, level, values, tiny_con)


def _alarms(con) -> pd.DataFrame:
    frame = con.execute("SELECT a.type_code, a.status, epoch(a.first_at) AS first_s, c.grid_code "
                        "FROM alarms a JOIN cameras c USING (camera_id)").df()
    return frame[(frame["first_s"] > NOW_S - 30 * DAY_S) & (frame["first_s"] <= NOW_S)]


def _rate(frame: pd.DataFrame) -> float:
    reviewed = frame[frame["status"].isin(["confirmed", "dismissed"])]
    return 100.0 * (reviewed["status"] == "dismissed").sum() / len(reviewed)


def test_false_alarm_rates_by_type_equal_pandas(values, tiny_con):  # noqa: F811
    alarms = _alarms(tiny_con)
    city = values[(values["level"] == "city")].set_index("indicator_id")["value"]
    assert city["cameras.false_alarm_rate.ratio.last_30d"] == pytest.approx(_rate(alarms))
    reviewed_types = alarms[alarms["status"].isin(["confirmed", "dismissed"])]["type_code"].unique()
    assert len(reviewed_types) >= 3
    for code in reviewed_types:
        assert city[f"cameras.types.{code}_false_alarm_rate.last_30d"] == pytest.approx(
            _rate(alarms[alarms["type_code"] == code])), code


def test_false_alarm_rate_per_camera_grid_equals_pandas(values, tiny_con):  # noqa: F811
    alarms = _alarms(tiny_con)
    grids = values[(values["level"] == "grid") & (values["indicator_id"] == "cameras.false_alarm_rate.ratio.last_30d")]
    by_grid = grids.dropna(subset=["value"]).set_index("unit_code")["value"]
    assert len(by_grid) >= 3
    for grid, value in by_grid.items():
        assert value == pytest.approx(_rate(alarms[alarms["grid_code"] == grid])), grid
