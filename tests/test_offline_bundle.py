"""The offline installation: scripts/bundle.sh builds the bundle's Python part (pip's cache reused),
scripts/install_offline.sh installs it into a fresh .venv with pip --no-index --require-hashes and
every proxy pointing nowhere, and the installed product works: the tiny city builds, the server
answers /healthz and /readyz and stops cleanly on SIGTERM. A .venv left without its python is rebuilt."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, TINY_NOW

NO_NETWORK = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
              "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Return the repo of a bundle built from HEAD and installed offline."""
    work = tmp_path_factory.mktemp("bundle")
    tarball = work / "bundle.tar.gz"
    run(["bash", "scripts/bundle.sh", "--python-only", "--out", str(tarball)], cwd=ROOT)
    with tarfile.open(tarball) as archive:
        archive.extractall(work / "unpacked", filter="tar")
    (bundle,) = (work / "unpacked").iterdir()
    assert {"repo", "wheels", "requirements-lock.txt", "SHA256SUMS", "BUNDLE.txt"} <= {p.name for p in bundle.iterdir()}
    run(["bash", "repo/scripts/install_offline.sh"], cwd=bundle, env=NO_NETWORK)
    return bundle / "repo"


@pytest.mark.slow
def test_every_locked_wheel_carries_its_hash(installed):
    lines = (installed.parent / "requirements-lock.txt").read_text().splitlines()
    assert lines and all("==" in line and " --hash=sha256:" in line for line in lines)
    names = {line.split("==")[0] for line in lines}
    assert {"dash", "duckdb", "flask", "werkzeug", "jinja2", "waitress", "pytz"} <= names


@pytest.mark.slow
def test_the_installed_product_builds_a_city_and_serves_health_checks(installed, tmp_path):
    python = installed / ".venv" / "bin" / "python"
    run([str(python), "-m", "pip", "check"], cwd=installed, env=NO_NETWORK)
    store = tmp_path / "city.duckdb"
    run([str(python), "cli.py", "demo", "--scale", "tiny", "--now", TINY_NOW, "--db", str(store), "--quiet"],
        cwd=installed, env=NO_NETWORK)
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as sink:
        server = subprocess.Popen([str(python), "app.py", "--db", str(store), "--port", str(port), "--no-simulator",
                                   "--backfill-hours", "0"], cwd=installed, stdout=sink, stderr=subprocess.STDOUT,
                                  env={**os.environ, **NO_NETWORK})
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", server) == 200
        assert wait_for(f"http://127.0.0.1:{port}/readyz", server) == 200     # after the first refresh
    finally:
        server.send_signal(signal.SIGTERM)
        status = server.wait(timeout=120)
    assert status == 0, log.read_text()[-2000:]
    assert "stopped on SIGTERM" in log.read_text()


@pytest.mark.slow
def test_a_venv_without_its_python_is_rebuilt(installed):
    for python in (installed / ".venv" / "bin").glob("python*"):
        python.unlink()
    done = run(["bash", "scripts/install_offline.sh"], cwd=installed, env=NO_NETWORK)
    assert "incomplete" in done.stderr
    run([str(installed / ".venv" / "bin" / "python"), "-c", "import dash, duckdb, flask"], cwd=installed)


def free_port() -> int:
    """Return a TCP port free on this machine now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout_s: float = 180) -> int:
    """Return the first non-5xx status of ``url`` (or fail when the server dies or never answers)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        assert process.poll() is None, f"the server exited with {process.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.status
        except urllib.error.HTTPError as refused:
            if refused.code < 500:
                return refused.code
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in {timeout_s} s")
