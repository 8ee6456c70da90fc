"""Progress lines of long commands: done/total, rate, ETA, and the step just done."""

from __future__ import annotations

import io
import logging

from data import progress


def test_a_progress_line_has_share_rate_and_eta():
    line = progress.progress_line("report", 3, 12, 6.0, detail="charts")
    assert line == "report: 3/12 (25 %), 0.50/s, ETA 18 s (charts)"
    assert progress.progress_line("export", 4, 4, 300.0, " tables").endswith("done in 5 min 00 s")
    assert "ETA 2 h 46 min" in progress.progress_line("catch-up", 1, 1001, 10.0)


def test_the_console_meter_prints_a_line_per_step_and_can_be_silenced():
    out = io.StringIO()
    meter = progress.ConsoleProgress("brief", 2, stream=out)
    meter.step("catalog")
    meter.step("PDF")
    lines = out.getvalue().splitlines()
    assert [line.split(":")[1].split("(")[0].strip() for line in lines] == ["1/2", "2/2"]
    assert lines[1].endswith("(PDF)")
    quiet = io.StringIO()
    progress.ConsoleProgress("brief", 2, enabled=False, stream=quiet).step("x")
    assert quiet.getvalue() == ""


def test_the_simulator_logs_its_catch_up_day_by_day(tiny_db_copy, caplog):
    from data import db
    from data.demo.simulator import LiveSimulator

    con = db.open_store(tiny_db_copy)
    until_s = int(db.get_setting(con, "data.until_s"))
    caplog.set_level(logging.INFO, logger="data.demo.simulator")
    LiveSimulator(con, now=lambda: until_s + 3 * 86400).catch_up(report_progress=True)
    lines = [r.getMessage() for r in caplog.records if "catching up" in r.getMessage()]
    assert len(lines) in (3, 4) and lines[-1].split(": ")[1].startswith(f"{len(lines)}/{len(lines)} (100 %)")
    con.close()
