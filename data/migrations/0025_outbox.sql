-- Version 25: one notification outbox for every producer (alerts, morning briefs, order reminders).
-- A message is one body for one receiver, written in the producer's own transaction, so it exists
-- exactly when the event behind it committed. The sender moves it queued → sending → sent, or
-- failed (retried at next_attempt_at) or refused (a 4xx, never retried). The receiver named '*' is
-- a legacy row from alert_notifications, fanned out to every receiver of its topic when the alert
-- sender starts. alert_notifications is folded in here and dropped: one outbox.

CREATE SEQUENCE outbox_ids START 1;

CREATE TABLE outbox (
    message_id      BIGINT PRIMARY KEY DEFAULT nextval('outbox_ids'),
    created_at      TIMESTAMPTZ NOT NULL,
    topic           VARCHAR NOT NULL,          -- alert.fired_red, alert.escalated, brief.morning, order.reminder …
    receiver        VARCHAR NOT NULL,          -- a configured receiver's name
    body            VARCHAR NOT NULL,          -- JSON: {"text": …, "mentions": [mobile …], …}
    dedupe_key      VARCHAR,                   -- at most one message per (topic, receiver, dedupe_key)
    status          VARCHAR NOT NULL DEFAULT 'queued',  -- queued, sending, sent, failed, refused, none
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,               -- a failed message waits until then; NULL: at once
    last_attempt_at TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    http_status     INTEGER,                   -- the receiver's last answer
    last_error      VARCHAR
);
CREATE INDEX outbox_due ON outbox (receiver, status);

INSERT INTO outbox (created_at, topic, receiver, body, dedupe_key, status, attempts, last_error)
SELECT created_at, 'alert.' || event, '*',
       json_object('event', event, 'alert', json(payload))::VARCHAR,
       'alert-' || alert_id || '-' || event || '-' || notification_id,
       status, attempts, last_error
FROM alert_notifications ORDER BY notification_id;

DROP TABLE alert_notifications;
DROP SEQUENCE alert_notification_ids;
