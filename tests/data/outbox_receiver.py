"""A loopback HTTP receiver for outbox tests: records each POST, answers with chosen statuses, can hang."""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Records (path, idempotency key, body) of every POST; ``answers`` are popped per request (default 200)."""

    def __init__(self, answers: list[int] | None = None, hang_on: int | None = None):
        self.posts: list[tuple[str, str, dict]] = []
        self.answers = list(answers or [])
        self.hang_on = hang_on                 # the n-th request (1-based) waits until ``release``
        self.arrived, self.release = threading.Event(), threading.Event()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with outer._lock:
                    outer.posts.append((self.path, self.headers.get("Idempotency-Key"), body))
                    n, status = len(outer.posts), outer.answers.pop(0) if outer.answers else 200
                if n == outer.hang_on:
                    outer.arrived.set()
                    outer.release.wait(30)
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b'{"errcode": 0}')
                except OSError:                # the sender died while waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keys(self) -> Counter:
        """Return how many times each idempotency key arrived."""
        with self._lock:
            return Counter(key for _, key, _ in self.posts)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
