"""The city's clock: instants read and written in the city's zone, across a change of the clocks."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd

from data.clock import local_iso, local_iso_series, local_text, local_times, parse_instant

LA = "America/Los_Angeles"
NOV_20_0730_PST = 1_795_188_600          # 2026-11-20T15:30Z
FALL_BACK = 1_793_523_600                # 2026-11-01T09:00Z = 01:00 PST, the second 01:00 of that day


def test_parse_instant_reads_a_time_without_offset_in_the_given_zone():
    assert parse_instant("2026-11-20T07:30:00", LA) == NOV_20_0730_PST
    assert parse_instant("2026-11-20T07:30:00-08:00", "Asia/Shanghai") == NOV_20_0730_PST


def test_local_iso_writes_the_local_wall_clock_with_its_offset():
    assert local_iso(NOV_20_0730_PST, LA) == "2026-11-20T07:30:00-08:00"
    assert local_iso(datetime.fromtimestamp(NOV_20_0730_PST, timezone.utc), LA) == "2026-11-20T07:30:00-08:00"
    assert local_iso(pd.Timestamp(NOV_20_0730_PST, unit="s", tz="UTC"), "Asia/Shanghai") == "2026-11-20T23:30:00+08:00"
    assert local_iso(FALL_BACK - 3600, LA) == "2026-11-01T01:00:00-07:00"      # the same wall clock twice,
    assert local_iso(FALL_BACK, LA) == "2026-11-01T01:00:00-08:00"             # told apart by the offset
    assert local_iso(None, LA) is None and local_iso(float("nan"), LA) is None and local_iso(pd.NaT, LA) is None


def test_local_iso_series_equals_local_iso_row_by_row():
    instants = pd.Series([NOV_20_0730_PST, np.nan, FALL_BACK - 3600, FALL_BACK], index=[3, 5, 7, 9])
    written = local_iso_series(instants, LA)
    assert written.index.tolist() == [3, 5, 7, 9]
    assert written.tolist() == [local_iso(x, LA) for x in instants]
    assert local_iso_series([1_795_217_400], "Asia/Kolkata").tolist() == ["2026-11-21T05:00:00+05:30"]


def test_local_times_are_the_naive_local_wall_clock_plotly_draws():
    times = local_times(pd.Series([NOV_20_0730_PST, None]), LA)
    assert times.iloc[0] == pd.Timestamp("2026-11-20T07:30:00") and times.iloc[0].tzinfo is None
    assert pd.isna(times.iloc[1])


def test_local_text_writes_instants_locally_and_the_rest_as_text():
    assert local_text(datetime.fromtimestamp(NOV_20_0730_PST, timezone.utc), LA) == "2026-11-20T07:30:00-08:00"
    assert local_text(42, LA) == "42" and local_text("x", LA) == "x"
