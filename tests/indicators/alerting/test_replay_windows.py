"""The alert replay scores the demo's episodes from the windows its builder recorded in the store,
without importing the demo city's weather model."""

from __future__ import annotations

import pytest

from data import db
from data.demo.weather import episodes
from indicators.alerting.commands import recorded_episode_windows


def test_the_builder_records_therecorded_episode_windows_the_replay_reads(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    expected = episodes(int(db.get_setting(con, "demo.anchor_s")), db.get_setting(con, "city.tz"))
    assert recorded_episode_windows(con) == expected.__dict__
    con.close()


def test_a_store_without_windows_is_refused_before_any_replay(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    con.execute("DELETE FROM settings WHERE key = 'demo.episodes'")
    with pytest.raises(SystemExit, match="records no episode windows"):
        recorded_episode_windows(con)
    con.close()
