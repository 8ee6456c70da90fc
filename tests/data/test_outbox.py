"""The outbox against loopback receivers: dedupe keys, 4xx refused, 5xx retried by next attempt
time, one hanging receiver not holding the others, legacy rows fanned out, robot formats."""

from __future__ import annotations

import time

import pytest

from data import db, outbox
from data.delivery import OutboxSender, Receiver as Target, render
from tests.data.outbox_receiver import Receiver


@pytest.fixture
def con(tmp_path):
    con = db.open_store(tmp_path / "outbox.duckdb")
    yield con
    con.close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def statuses(con) -> list[tuple]:
    return con.execute("SELECT message_id, status, attempts, http_status FROM outbox ORDER BY 1").fetchall()


def wait_until(predicate, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_message_exists_only_if_its_transaction_committed(con):
    with pytest.raises(RuntimeError):
        with db.transaction(con):
            outbox.queue_message(con, topic="alert.fired_red", receiver="duty", body={"text": "a"})
            raise RuntimeError("the event failed")
    with db.transaction(con):
        kept = outbox.queue_message(con, topic="alert.fired_red", receiver="duty", body={"text": "b"})
    assert statuses(con) == [(kept, "queued", 0, None)]


@pytest.mark.parametrize("first, second, same", [
    (("brief.morning", "duty", "2026-12-07"), ("brief.morning", "duty", "2026-12-07"), True),
    (("brief.morning", "duty", "2026-12-07"), ("brief.morning", "duty", "2026-12-08"), False),
    (("brief.morning", "duty", "2026-12-07"), ("brief.morning", "leaders", "2026-12-07"), False),
    (("brief.morning", "duty", None), ("brief.morning", "duty", None), False),
])
def test_dedupe_key(con, first, second, same):
    ids = [outbox.queue_message(con, topic=t, receiver=r, body={"text": "x"}, dedupe_key=k) for t, r, k in (first, second)]
    assert (ids[0] == ids[1]) is same


@pytest.mark.parametrize("answer, status, retried", [
    (200, "sent", False), (204, "sent", False),
    (400, "refused", False), (403, "refused", False), (404, "refused", False),
    (429, "failed", True), (500, "failed", True), (503, "failed", True),
])
def test_answers_are_classified_and_only_transient_ones_wait_for_a_retry(con, answer, status, retried):
    r = Receiver(answers=[answer])
    try:
        message_id = outbox.queue_message(con, topic="t", receiver="hook", body={"n": 1})
        sender = OutboxSender(con, {"hook": Target("hook", r.url)})
        assert sender.drain("hook") == 1            # tried once: a failed one is not due again at once
        assert statuses(con) == [(message_id, status, 1, answer)]
        wait = outbox.seconds_until_due(con, "hook")
        assert (wait is not None and wait > 5) is retried
    finally:
        r.close()


def test_a_failed_message_is_sent_when_due(con, receiver):
    receiver.answers = [500]
    message_id = outbox.queue_message(con, topic="t", receiver="hook", body={"n": 1})
    sender = OutboxSender(con, {"hook": Target("hook", receiver.url)})
    sender.drain("hook")
    con.execute("UPDATE outbox SET next_attempt_at = now() - INTERVAL 1 SECOND")     # the back-off has passed
    sender.drain("hook")
    assert statuses(con) == [(message_id, "sent", 2, 200)]
    assert receiver.keys() == {f"outbox-{message_id}": 2}            # the same key on the retry


def test_a_dead_connection_is_a_failure_to_retry(con):
    message_id = outbox.queue_message(con, topic="t", receiver="dead", body={"n": 1})
    OutboxSender(con, {"dead": Target("dead", "http://127.0.0.1:9/none")}, timeout_s=2).drain("dead")
    row = con.execute("SELECT status, attempts, last_error FROM outbox").fetchone()
    assert row[:2] == ("failed", 1) and row[2].startswith("URLError") and message_id == 1


def test_retry_back_off_doubles_up_to_a_cap():
    assert [outbox.retry_after_s(n) for n in (1, 2, 3, 4, 10, 50)] == [10, 20, 40, 80, 900, 900]


def test_a_hanging_receiver_does_not_hold_up_the_others(con):
    slow, fast = Receiver(hang_on=1), Receiver()
    try:
        outbox.queue_message(con, topic="t", receiver="slow", body={"n": 0})
        fast_ids = [outbox.queue_message(con, topic="t", receiver="fast", body={"n": n}) for n in range(3)]
        sender = OutboxSender(con, {"slow": Target("slow", slow.url), "fast": Target("fast", fast.url)},
                              poll_s=0.2, timeout_s=30)
        sender.start()
        assert slow.arrived.wait(10)
        assert wait_until(lambda: len(fast.posts) == 3)             # while the slow one still hangs
        assert wait_until(lambda: {r[1] for r in statuses(con) if r[0] in fast_ids} == {"sent"})   # recorded after the answer
        assert con.execute("SELECT status FROM outbox WHERE receiver = 'slow'").fetchone()[0] == "sending"
        slow.release.set()
        assert wait_until(lambda: con.execute("SELECT status FROM outbox WHERE receiver = 'slow'").fetchone()[0] == "sent")
        sender.stop()
    finally:
        slow.close()
        fast.close()


def test_the_sender_resends_what_was_queued_or_interrupted_before_it_started(con, receiver):
    ids = [outbox.queue_message(con, topic="t", receiver="hook", body={"n": n}) for n in range(3)]
    con.execute("UPDATE outbox SET status = 'sending', attempts = 1 WHERE message_id = ?", [ids[1]])   # a crash
    sender = OutboxSender(con, {"hook": Target("hook", receiver.url)}, poll_s=0.2)
    sender.start()
    assert wait_until(lambda: [r[1] for r in statuses(con)] == ["sent"] * 3)
    sender.stop()
    assert sorted(receiver.keys()) == [f"outbox-{i}" for i in ids]
    assert con.execute("SELECT attempts FROM outbox WHERE message_id = ?", [ids[1]]).fetchone()[0] == 2


def test_legacy_rows_fan_out_to_the_topic_receivers(con):
    con.execute("INSERT INTO outbox (created_at, topic, receiver, body, status) VALUES "
                "(now(), 'alert.fired_red', '*', '{\"event\": \"fired_red\"}', 'failed'), "
                "(now(), 'alert.fired_red', '*', '{\"event\": \"fired_red\"}', 'sent')")
    assert outbox.fan_out(con, {"alert.fired_red": ("duty", "leaders")}) == 2
    assert outbox.fan_out(con, {"alert.fired_red": ("duty", "leaders")}) == 0      # once only
    rows = con.execute("SELECT receiver, status FROM outbox ORDER BY message_id").fetchall()
    assert rows == [("*", "none"), ("*", "sent"), ("duty", "queued"), ("leaders", "queued")]


def test_robot_formats_mention_the_people_on_duty():
    body = {"text": "【红色预警】", "mentions": ["13800000001"], "alert": {"alert_id": 1}}
    assert render("json", body) == body
    assert render("wecom", body)["text"] == {"content": "【红色预警】", "mentioned_mobile_list": ["13800000001"]}
    assert render("dingtalk", body)["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    assert len(render("wecom", {"text": "长" * 9000})["text"]["content"]) == outbox.MAX_TEXT


def test_a_receiver_needs_a_known_format():
    with pytest.raises(ValueError, match="format"):
        Target("x", "http://127.0.0.1/", "smtp")
