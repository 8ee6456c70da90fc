"""The ingest API against the real server (waitress) on loopback, and the CLI beside it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from data import db
from data.ingest import tokens

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 200_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_db_path):
    """Start app.py on a copy of the tiny city with two tokens (one revoked), answering in two worker
    processes (api/processes.py: the API reaches the store through the owner); yield (url, token, db path)."""
    path = tmp_path_factory.mktemp("api") / "city.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.open_store(path)
    _, secret = tokens.create_token(con, "test feed")
    revoked_id, revoked = tokens.create_token(con, "old feed")
    tokens.revoke_token(con, revoked_id)
    con.close()
    port = _free_port()
    env = {**os.environ, "CITY_API_MAX_BYTES": str(LIMIT)}
    process = subprocess.Popen([sys.executable, "app.py", "--db", str(path), "--port", str(port), "--no-simulator",
                                "--refresh-seconds", "3600", "--workers", "2"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=1)
            break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None:
                pytest.fail(f"the server exited: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield {"url": url, "token": secret, "revoked": revoked, "db": path}
    process.terminate()
    process.wait(timeout=20)


def call(server, path, body: bytes, token: str | None = "good", content_type="application/json"):
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {server['token'] if token == 'good' else token}"
    request = urllib.request.Request(server["url"] + path, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def event(i: int, **changes) -> dict:
    row = {"source": "city_app", "event_id": f"API-{i}", "category": "hotline.noise",
           "received_at": "2026-11-20T09:00:00+08:00", "lon": 119.45, "lat": 32.2}
    row.update(changes)
    return row


def test_openapi_is_served(server):
    with urllib.request.urlopen(server["url"] + "/api/v1/openapi.json") as response:
        document = json.loads(response.read())
    assert document["openapi"].startswith("3.") and "/api/v1/events" in document["paths"]


@pytest.mark.parametrize("token,status", [(None, 401), ("cv_nope_nope", 403), ("revoked", 403)])
def test_missing_wrong_or_revoked_tokens_are_refused(server, token, status):
    token = server["revoked"] if token == "revoked" else token
    code, body = call(server, "/api/v1/events", json.dumps([event(1)]).encode(), token)
    assert code == status and "token" in body["error"]


def test_oversized_body_gets_413(server):
    code, body = call(server, "/api/v1/events", b"[" + b" " * (LIMIT + 10) + b"]")
    assert code == 413 and str(LIMIT) in body["error"]


def test_malformed_json_gets_400_with_a_message(server):
    code, body = call(server, "/api/v1/events", b'[{"event_id": "x",}]')
    assert code == 400 and "malformed JSON" in body["error"] and "line 1" in body["error"]


def test_good_rows_land_and_bad_ones_get_per_row_results(server):
    rows = [event(1), event(2, lon=0, lat=0), event(3, category="no.such"), event(4, received_at="yesterday")]
    code, body = call(server, "/api/v1/events", json.dumps(rows).encode())
    assert code == 200, body
    assert body["summary"]["accepted"] == 1 and body["ok_rows"] == 1
    assert [(r["row"], r["reason"]) for r in body["rejected_rows"]] == [
        (2, "zero_coords"), (3, "unknown_category"), (4, "bad_time")]
    again_code, again = call(server, "/api/v1/events", json.dumps(rows).encode())
    assert again_code == 200 and again["summary"]["already_ingested_as"] == body["summary"]["batch_id"]


def test_batches_posted_at_once_through_every_worker_all_land(server):
    """Batches updating the same cases at once through two worker processes take turns (data/write_locks.py)
    and all land whole."""
    answers = []

    def post(batch: int) -> None:
        rows = [event(i, received_at=f"2026-11-20T0{batch}:00:00+08:00") for i in range(500, 530)]
        answers.append(call(server, "/api/v1/events", json.dumps(rows).encode(),
                            content_type="application/json"))

    threads = [threading.Thread(target=post, args=(batch,)) for batch in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [code for code, _ in answers] == [200] * 8, answers
    assert all(body["ok_rows"] == 30 for _, body in answers), answers


def test_ndjson_readings_land(server):
    lines = [{"sensor_id": "AQ-N-01", "ts": "2026-11-20T15:00:00+08:00", "metric": "pm25", "value": 41.5},
             {"sensor_id": "NOPE", "ts": "2026-11-20T15:00:00+08:00", "metric": "pm25", "value": 1}]
    body = "\n".join(json.dumps(x) for x in lines).encode()
    code, answer = call(server, "/api/v1/readings", body, content_type="application/x-ndjson")
    assert code == 200, answer
    assert answer["summary"]["accepted"] + answer["summary"]["duplicates"] == 1
    assert answer["rejected_rows"][0]["reason"] == "unknown_sensor"


def test_cli_ingest_while_the_server_runs_goes_through_the_api(server, tmp_path):
    frame = pd.DataFrame([event(i) for i in range(100, 110)])
    path = tmp_path / "cases.csv"
    frame.to_csv(path, index=False)
    command = [sys.executable, "cli.py", "ingest", "events", str(path), "--mapping", "api_events",
               "--db", str(server["db"]), "--server", server["url"]]
    env = {k: v for k, v in os.environ.items() if k != "CITY_TOKEN"}
    refused = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "--token" in refused.stderr and "in use by another process" in refused.stderr
    sent = subprocess.run(command + ["--token", server["token"]], cwd=ROOT, capture_output=True, text=True, env=env)
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["accepted"] == 10


def test_places_land_and_bad_ones_get_per_row_results(server):
    rows = [{"place_id": "API-P1", "kind": "school", "name": "实验小学", "lon": 119.45, "lat": 32.2},
            {"place_id": "API-P2", "kind": "aquarium", "name": "海洋馆", "lon": 119.45, "lat": 32.2},
            {"place_id": "API-P3", "kind": "hospital", "name": "人民医院", "geometry": "LINESTRING (0 0, 1 1)"}]
    code, answer = call(server, "/api/v1/places", json.dumps(rows).encode())
    assert code == 200, answer
    assert answer["summary"]["accepted"] == 1
    assert [(r["row"], r["reason"]) for r in answer["rejected_rows"]] == [(2, "unknown_kind"), (3, "bad_geometry")]
