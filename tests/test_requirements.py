"""Every direct import is pinned, every pin is used or says what uses it (scripts/check_requirements.py)."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("check_requirements", ROOT / "scripts" / "check_requirements.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def test_the_requirements_pin_exactly_what_is_imported():
    assert check.problems() == []


def test_an_unpinned_import_and_an_unused_pin_are_found(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text("import flask\nimport yaml\n")
    (tmp_path / "requirements.txt").write_text("PyYAML==6.0.3\npytz==2026.6\nwaitress>=3\n")
    (tmp_path / "requirements-spark.txt").write_text("")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\n")
    monkeypatch.setattr(check, "ROOT", tmp_path)
    found = "\n".join(check.problems())
    assert "imports flask" in found and "pytz==2026.6 is imported nowhere" in found
    assert "'waitress>=3' is not pinned exactly" in found and "yaml" not in found.replace("PyYAML", "")
