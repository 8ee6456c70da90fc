"""Sending a file to the running server's ingest API, for when the server holds the database."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from data import settings
from data.ingest import readers
from data.ingest.mapping import SHIPPED_DIR, Mapping

DEFAULT_SERVER = settings.setting("server").default
REQUEST_ROWS = 50_000      # rows per request: keeps each body under the server's size limit
API_KINDS = ("events", "readings", "places")


class ApiError(RuntimeError):
    """The server refused or failed a request; the message is the server's."""


def server_url(cli_value: str | None) -> str:
    """Return the server URL: --server, else $CITY_SERVER, else the local default."""
    return str(settings.resolve("server", cli_value or None)).rstrip("/")


def token_value(cli_value: str | None) -> str | None:
    """Return the API token: --token, else $CITY_TOKEN."""
    return settings.resolve("token", cli_value or None) or None


def send_file(kind: str, path: Path, mapping: Mapping, server: str, token: str) -> list[dict]:
    """Read a file locally, post its records to the server in parts; return each part's summary."""
    data = path.read_bytes()
    frame = readers.read_records(data, readers.detect_format(path, mapping), mapping).drop(columns=[readers.ROW])
    name = api_mapping_name(mapping)
    summaries = []
    for start in range(0, max(len(frame), 1), REQUEST_ROWS):
        part = frame.iloc[start:start + REQUEST_ROWS]
        body = part.astype("string").to_json(orient="records", lines=True, force_ascii=False).encode("utf-8")
        source = path.name if len(frame) <= REQUEST_ROWS else f"{path.name}#rows{start + 1}-{start + len(part)}"
        summaries.append(post(server, kind, body, token, {"X-City-Source": source}, name))
    return summaries


def api_mapping_name(mapping: Mapping) -> str:
    """Return the name the server knows ``mapping`` by: a shipped mapping's, else the name it was
    registered under (the server takes no mapping file from the network: docs/SECURITY.md)."""
    path = Path(mapping.path or "")
    return path.stem if path.parent == SHIPPED_DIR else mapping.name


def post(server: str, kind: str, body: bytes, token: str, headers: dict | None = None,
         mapping: str | None = None) -> dict:
    """POST NDJSON to /api/v1/<kind> (read with the named mapping); return the answer or raise ApiError."""
    query = f"?mapping={urllib.parse.quote(mapping)}" if mapping else ""
    request = urllib.request.Request(f"{server}/api/v1/{kind}{query}", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise ApiError(f"the server answered {exc.code}: {exc.read().decode('utf-8', 'replace')[:500]}") from None
    except urllib.error.URLError as exc:
        raise ApiError(f"cannot reach the server at {server}: {exc.reason}") from None
