-- Version 5: alerts. alert_states holds the state machine of every (indicator, unit) that is not
-- normal; alerts one row per alert (from pending until it resolves or is closed) with its
-- handling; alert_history every transition with the value and threshold behind it, so the state
-- at any past instant is the last transition at or before it; alert_audit every handling action;
-- alert_notifications the webhook outbox.

CREATE SEQUENCE alert_ids START 1;
CREATE SEQUENCE alert_history_ids START 1;
CREATE SEQUENCE alert_audit_ids START 1;
CREATE SEQUENCE alert_notification_ids START 1;

CREATE TABLE alert_states (
    indicator_id    VARCHAR NOT NULL,
    unit_code       VARCHAR NOT NULL,
    level           VARCHAR NOT NULL,
    state           VARCHAR NOT NULL,          -- pending, firing, recovering, no_data, stale
    severity        VARCHAR,                   -- blue, yellow, orange, red (pending/firing/recovering)
    since           TIMESTAMPTZ NOT NULL,      -- entered this state
    alert_id        BIGINT,                    -- the open alert, if any
    value           DOUBLE,
    evaluated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (indicator_id, unit_code)
);

CREATE TABLE alerts (
    alert_id        BIGINT PRIMARY KEY DEFAULT nextval('alert_ids'),
    indicator_id    VARCHAR NOT NULL,
    unit_code       VARCHAR NOT NULL,
    level           VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,          -- threshold, outage
    state           VARCHAR NOT NULL,          -- pending, firing, recovering, resolved, closed
    severity        VARCHAR NOT NULL,          -- current severity
    peak_severity   VARCHAR NOT NULL,
    value           DOUBLE,
    threshold       DOUBLE,
    started_at      TIMESTAMPTZ NOT NULL,      -- entered pending
    fired_at        TIMESTAMPTZ,
    resolved_at     TIMESTAMPTZ,
    inhibited_by    BIGINT,                    -- the outage alert suppressing it
    acked_by        VARCHAR,
    acked_at        TIMESTAMPTZ,
    ack_comment     VARCHAR,
    handling_level  INTEGER,                   -- 1 district, 2 street, 3 community
    department      VARCHAR,
    silenced_until  TIMESTAMPTZ,
    silence_reason  VARCHAR,
    escalations     INTEGER NOT NULL DEFAULT 0,
    escalated_at    TIMESTAMPTZ,
    closed_by       VARCHAR,
    closed_at       TIMESTAMPTZ,
    close_note      VARCHAR
);

CREATE TABLE alert_history (
    history_id      BIGINT PRIMARY KEY DEFAULT nextval('alert_history_ids'),
    occurred_at     TIMESTAMPTZ NOT NULL,
    indicator_id    VARCHAR NOT NULL,
    unit_code       VARCHAR NOT NULL,
    alert_id        BIGINT,
    from_state      VARCHAR NOT NULL,
    to_state        VARCHAR NOT NULL,
    severity        VARCHAR,
    value           DOUBLE,
    threshold       DOUBLE,                    -- the bound crossed (or the clear bound passed)
    baseline        DOUBLE,
    reason          VARCHAR NOT NULL
);
CREATE INDEX alert_history_key ON alert_history (indicator_id, unit_code, occurred_at);

CREATE TABLE alert_audit (
    audit_id        BIGINT PRIMARY KEY DEFAULT nextval('alert_audit_ids'),
    occurred_at     TIMESTAMPTZ NOT NULL,
    actor           VARCHAR NOT NULL,
    action          VARCHAR NOT NULL,          -- ack, assign, silence, unsilence, escalate, close
    alert_id        BIGINT NOT NULL,
    details         VARCHAR NOT NULL           -- JSON
);

CREATE TABLE alert_notifications (
    notification_id BIGINT PRIMARY KEY DEFAULT nextval('alert_notification_ids'),
    created_at      TIMESTAMPTZ NOT NULL,
    alert_id        BIGINT NOT NULL,
    event           VARCHAR NOT NULL,          -- fired_red, escalated
    payload         VARCHAR NOT NULL,          -- JSON of the alert at the time
    status          VARCHAR NOT NULL DEFAULT 'queued',   -- queued, sent, failed, none (no webhook)
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      VARCHAR
);
