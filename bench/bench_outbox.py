"""Outbox delivery on loopback: how fast queued messages reach a fast receiver while another receiver
hangs on every request until the sender's timeout, and how long a restart takes to resume a backlog.

    python bench/bench_outbox.py [--messages 500] [--timeout 2]

Prints one JSON object: messages per second to the fast receiver, seconds to drain its backlog
while the other receiver hangs, the hanging receiver's messages still waiting, and the seconds
from a sender's start to the first delivery of a backlog a previous process left queued.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data import db, outbox  # noqa: E402
from data.delivery import OutboxSender, Receiver  # noqa: E402


def serve(hang_s: float) -> tuple[ThreadingHTTPServer, list]:
    """Start a loopback receiver answering 200 after ``hang_s``; return it and its list of keys."""
    keys: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            keys.append(self.headers.get("Idempotency-Key"))
            time.sleep(hang_s)
            try:
                self.send_response(200)
                self.end_headers()
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, keys


def measure(messages: int, timeout_s: float) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        con = db.open_store(Path(folder) / "outbox.duckdb")
        fast, fast_keys = serve(0.0)
        slow, _ = serve(timeout_s * 3)
        with db.transaction(con):
            for n in range(messages):
                for name in ("fast", "slow"):
                    outbox.queue_message(con, topic="bench", receiver=name, body={"text": f"message {n}"})
        receivers = {"fast": Receiver("fast", f"http://127.0.0.1:{fast.server_address[1]}"),
                     "slow": Receiver("slow", f"http://127.0.0.1:{slow.server_address[1]}")}
        sender = OutboxSender(con, receivers, poll_s=0.2, timeout_s=timeout_s)
        started = time.perf_counter()
        sender.start()
        first = None
        while len(fast_keys) < messages:
            if first is None and fast_keys:
                first = time.perf_counter() - started
            time.sleep(0.01)
        drained = time.perf_counter() - started
        sender.stop(timeout=timeout_s * 4)
        waiting = con.execute("SELECT count(*) FROM outbox WHERE receiver = 'slow' AND status <> 'sent'").fetchone()[0]
        con.close()
        fast.shutdown()
        slow.shutdown()
    return {"messages": messages, "fast_receiver_msgs_per_s": round(messages / drained, 1),
            "fast_backlog_drained_s": round(drained, 2), "first_delivery_after_start_s": round(first or 0.0, 3),
            "hanging_receiver_still_waiting": waiting, "timeout_s": timeout_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=2.0, help="the sender's request timeout, seconds")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.messages, args.timeout)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
