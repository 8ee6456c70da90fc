"""The outbox sender: one thread per receiver posts its due messages and records each answer.

Each receiver has its own thread and cursor, so a slow or dead receiver only delays its own
messages; a request is bounded by ``timeout_s``. Nothing sleeps between retries: a failed message
gets a ``next_attempt_at`` (back-off) and the thread waits for the earliest one, a wake-up or the
poll interval, whichever comes first. A message to '*' is fanned out to the receivers subscribed
to its topic by one more thread. The table is the queue: at start the sender recovers
messages a crash left ``sending`` and then sends whatever is queued or failed, and it polls
periodically, so nothing depends on a wake-up arriving.

Every attempt carries the header ``Idempotency-Key: outbox-<id>`` (the same on a retry); a JSON
receiver that keeps the keys it has seen receives each message exactly once even across a crash.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable, Mapping

import duckdb

from data import db, outbox
from data.outbox import Message

log = logging.getLogger(__name__)
FORMATS = ("json", "wecom", "dingtalk")
TRANSIENT_HTTP = (408, 425, 429)                 # 4xx answers that mean "later", not "never"
ROBOT_BUSY = (-1, 45009, 130101)                 # WeCom "system busy", WeCom and DingTalk rate limits


@dataclass(frozen=True)
class Receiver:
    """A notification target: a name producers queue to, an URL and the body format it reads."""

    name: str
    url: str
    format: str = "json"
    topics: tuple[str, ...] = ()

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ValueError(f"receiver {self.name!r}: format must be one of {FORMATS}, not {self.format!r}")


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: sent, refused for good, or failed (try again later)."""

    status: str
    http_status: int | None = None
    error: str | None = None


def render(fmt: str, body: dict) -> dict:
    """Return the request body of a message in a receiver's format."""
    if fmt == "json":
        return body
    text = str(body.get("text") or json.dumps(body, ensure_ascii=False, default=str))[:outbox.MAX_TEXT]
    mobiles = [str(m) for m in body.get("mentions") or ()]
    if fmt == "wecom":
        return {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": mobiles}}
    return {"msgtype": "text", "text": {"content": text}, "at": {"atMobiles": mobiles, "isAtAll": False}}


def post(receiver: Receiver, message: Message, timeout_s: float) -> Outcome:
    """POST one message to its receiver and classify the answer (never raises for the receiver's faults)."""
    data = json.dumps(render(receiver.format, message.body), ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(receiver.url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.idempotency_key,
        "X-Outbox-Topic": message.topic})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return _robot_outcome(response.status, response.read(65536))
    except urllib.error.HTTPError as exc:
        kind = "refused" if 400 <= exc.code < 500 and exc.code not in TRANSIENT_HTTP else "failed"
        return Outcome(kind, exc.code, f"HTTP {exc.code} {exc.reason}")
    except (OSError, ValueError) as exc:          # refused connection, timeout, DNS, a malformed URL
        return Outcome("failed", None, f"{type(exc).__name__}: {exc}")


def _robot_outcome(http_status: int, answer: bytes) -> Outcome:
    """A 2xx is sent unless a group robot's ``errcode`` says otherwise (rate limits are retried)."""
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if not errcode:
        return Outcome("sent", http_status)
    return Outcome("failed" if errcode in ROBOT_BUSY else "refused", http_status, f"robot errcode {errcode}")


class OutboxSender:
    """Delivers the outbox's messages, one daemon thread per configured receiver."""

    def __init__(self, con: duckdb.DuckDBPyConnection, receivers: Mapping[str, Receiver], poll_s: float = 5.0,
                 timeout_s: float = 5.0, send: Callable[[Receiver, Message, float], Outcome] = post):
        self._con = con
        self._receivers = dict(receivers)
        self._poll_s, self._timeout_s, self._send = poll_s, timeout_s, send
        self._stop = threading.Event()
        self._wakes = {name: threading.Event() for name in [*self._receivers, outbox.FAN_OUT]}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Recover interrupted messages, then start one thread per receiver."""
        cursor = self._con.cursor()
        recovered = outbox.recover_interrupted(cursor)
        if recovered:
            log.warning("%d notification(s) were interrupted while sending; they are sent again", recovered)
        for name in outbox.pending_receivers(cursor):
            if name not in self._receivers and name != outbox.FAN_OUT:
                log.error("notifications wait for receiver %r, which is not configured", name)
        for name in self._receivers:
            thread = threading.Thread(target=self._run, args=(name,), name=f"outbox-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        thread = threading.Thread(target=self._run_fan_out, name="outbox-fan-out", daemon=True)
        thread.start()
        self._threads.append(thread)

    def wake(self, *_ignored) -> None:
        """Tell every receiver's thread to look for due messages now (call after a commit)."""
        for event in self._wakes.values():
            event.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the threads after their current attempt."""
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    def drain(self, receiver: str, cursor: duckdb.DuckDBPyConnection | None = None) -> int:
        """Send every message of ``receiver`` that is due now, in this thread; return how many were tried."""
        cursor = cursor or self._con.cursor()
        tried = 0
        while not self._stop.is_set() and (message := outbox.next_due(cursor, receiver)) is not None:
            self.attempt(cursor, message)
            tried += 1
        return tried

    def attempt(self, cursor: duckdb.DuckDBPyConnection, message: Message) -> str:
        """Try one message once: mark it sending (committed), post it, record the outcome; return it."""
        if not outbox.mark_sending(cursor, message.message_id):
            return "taken"
        receiver = self._receivers[message.receiver]
        try:
            outcome = self._send(receiver, message, self._timeout_s)
        except Exception as exc:                 # a bug in a sender must not strand the message in 'sending'
            log.exception("sending message %s failed", message.message_id)
            outcome = Outcome("failed", None, f"{type(exc).__name__}: {exc}")
        if outcome.status == "sent":
            outbox.mark_sent(cursor, message.message_id, outcome.http_status or 200)
        elif outcome.status == "refused":
            outbox.mark_refused(cursor, message.message_id, outcome.http_status, outcome.error or "refused")
        else:
            outbox.mark_failed(cursor, message.message_id, message.attempts + 1, outcome.http_status,
                               outcome.error or "failed")
        return outcome.status

    def receivers_of(self) -> dict[str, tuple[str, ...]]:
        """Return each topic's subscribed receivers' names."""
        topics = {t for r in self._receivers.values() for t in r.topics}
        return {t: tuple(n for n, r in self._receivers.items() if t in r.topics) for t in sorted(topics)}

    def _run_fan_out(self) -> None:
        cursor, wake = self._con.cursor(), self._wakes[outbox.FAN_OUT]
        while not self._stop.is_set():
            wake.clear()
            try:
                if outbox.fan_out(cursor, self.receivers_of()):
                    for name in self._receivers:
                        self._wakes[name].set()
            except duckdb.ConnectionException:
                return
            except Exception as exc:
                db.log_failure(log, exc, "outbox fan-out failed; retrying")
            wake.wait(self._poll_s)

    def _run(self, name: str) -> None:
        cursor = self._con.cursor()
        wake = self._wakes[name]
        while not self._stop.is_set():
            wake.clear()
            try:
                self.drain(name, cursor)
                due_in = outbox.seconds_until_due(cursor, name)
            except duckdb.ConnectionException:      # the store was closed under the sender: nothing left to do
                return
            except Exception as exc:
                db.log_failure(log, exc, "outbox sender for %s failed; retrying", name)
                due_in = None
            wake.wait(self._poll_s if due_in is None else min(self._poll_s, max(due_in, 0.05)))
