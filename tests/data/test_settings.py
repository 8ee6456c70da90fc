"""Settings are declared once (data/settings.py) with one precedence rule, command line > environment >
stored setting > default; no other module reads the environment; docs/OPERATIONS.md has their table."""

from __future__ import annotations

import ast

import pytest

from data import db, settings
from reporting import archive, schedule
from tests.test_architecture import ROOT, module_name, source_files

# environment variables that belong to other programs, read where those programs are started
FOREIGN_ENVIRONMENT = {"scaleout.spark_engine": ("JAVA_HOME", "SPARK_LOCAL_IP"),
                       "api.processes": ("_ENV",)}      # what the owner hands its workers


@pytest.fixture
def store():
    con = db.open_store(":memory:")
    yield con
    con.close()


def test_command_line_beats_environment_beats_stored_beats_default(store):
    env = {"CITY_REPORT_AT": "06:15"}
    assert settings.resolve("report_at", environ={}) == "07:00"
    db.put_settings(store, {"report.daily_at": "05:30"})
    assert settings.resolve("report_at", con=store, environ={}) == "05:30"
    assert settings.resolve("report_at", con=store, environ=env) == "06:15"
    assert settings.resolve("report_at", cli="04:00", con=store, environ=env) == "04:00"


def test_both_report_settings_take_the_environment_before_the_stored_value(store, monkeypatch, tmp_path):
    """They used to disagree: report.daily_at won over $CITY_REPORT_AT, $CITY_REPORTS_DIR over report.dir."""
    db.put_settings(store, {"report.daily_at": "05:30", "report.dir": str(tmp_path / "stored")})
    monkeypatch.setenv("CITY_REPORT_AT", "06:45")
    monkeypatch.setenv("CITY_REPORTS_DIR", str(tmp_path / "env"))
    assert schedule.report_time(store).strftime("%H:%M") == "06:45"
    assert archive.reports_dir(store) == tmp_path / "env"
    monkeypatch.delenv("CITY_REPORT_AT")
    monkeypatch.delenv("CITY_REPORTS_DIR")
    assert schedule.report_time(store).strftime("%H:%M") == "05:30"
    assert archive.reports_dir(store) == tmp_path / "stored"


@pytest.mark.parametrize("name, text", [("port", "80a"), ("db_threads", "0"), ("log_level", "LOUD"),
                                        ("refresh_seconds", "-5"), ("backfill_hours", "-1"),
                                        ("wall_alert_sound", "loud")])
def test_a_bad_value_names_the_variable(name, text):
    item = settings.setting(name)
    with pytest.raises(settings.SettingError, match=rf"\${item.env} = '{text}'"):
        settings.resolve(name, environ={item.env: text})


@pytest.mark.parametrize("text, value", [("on", True), (" ON ", True), ("1", True), ("yes", True), ("true", True),
                                         ("off", False), ("0", False), ("No", False), ("false", False)])
def test_the_wall_alert_sound_is_a_switch_off_by_default(text, value):
    assert settings.resolve("wall_alert_sound", environ={}) is False
    assert settings.resolve("wall_alert_sound", environ={"CITY_WALL_ALERT_SOUND": text}) is value


def test_the_server_takes_its_flags_then_the_environment(monkeypatch):
    import app as app_module

    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("CITY_REFRESH_SECONDS", "15")
    monkeypatch.setenv("CITY_LOG_LEVEL", "warning")
    args = app_module.parse_args(["--port", "9002"])
    assert (args.port, args.refresh_seconds, args.log_level, args.scale) == (9002, 15.0, "WARNING", "demo")
    monkeypatch.setenv("CITY_BACKFILL_HOURS", "x")
    with pytest.raises(SystemExit):
        app_module.parse_args([])


def environment_reads(tree: ast.Module) -> list[tuple[int, str]]:
    """Return (line, text) of each read of os.environ / os.getenv in a module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and ast.unparse(node) in ("os.environ", "os.getenv"):
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_only_the_settings_module_reads_the_environment():
    readers = []
    for path in source_files(ROOT):
        module = module_name(path, ROOT)
        text = path.read_text(encoding="utf-8")
        for line, what in environment_reads(ast.parse(text)):
            foreign = FOREIGN_ENVIRONMENT.get(module, ())
            if module != "data.settings" and not any(name in text.splitlines()[line - 1] for name in foreign):
                readers.append(f"{module}:{line} reads {what}")
    assert readers == []


def test_the_operations_guide_has_the_settings_table():
    guide = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    assert settings.markdown_table() in guide, "regenerate the table: python -c 'from data import settings; " \
                                               "print(settings.markdown_table())'"


def test_every_setting_has_a_distinct_name_and_variable():
    assert len({s.name for s in settings.SETTINGS}) == len({s.env for s in settings.SETTINGS}) == len(settings.SETTINGS)


def test_settings_are_listed_with_their_origin_and_only_storable_ones_are_stored(tiny_db_copy, monkeypatch):
    from data import settings_commands

    monkeypatch.delenv("CITY_REPORT_AT", raising=False)
    monkeypatch.setenv("CITY_TOKEN", "a-secret-token")
    run = lambda *argv: cli_main([*argv, "--db", str(tiny_db_copy)])          # noqa: E731
    assert run("settings", "set", "report_at", "6:05") == 0
    assert run("settings", "set", "report_at", "6h") == 2                    # refused, naming the setting
    assert run("settings", "set", "port", "80") == 2                        # not a stored setting
    con = db.open_store(tiny_db_copy, read_only=True)
    rows = {r["setting"]: r for r in settings_commands.listing(con)}
    con.close()
    assert (rows["report_at"]["value"], rows["report_at"]["from"]) == ("06:05", "stored")
    assert rows["token"]["value"] == "(set)" and rows["port"]["from"] == "default"
    assert run("settings", "unset", "report_at") == 0


def cli_main(argv: list[str]) -> int:
    import cli

    return cli.main(argv)
