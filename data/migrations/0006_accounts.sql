-- Version 6: accounts, sessions and the audit log (issue 9). Display (screen) tokens live in
-- api_tokens with scopes = 'display'; ingest tokens keep scopes = 'ingest'.

CREATE TABLE users (
    username        VARCHAR PRIMARY KEY,
    display_name    VARCHAR,
    role            VARCHAR NOT NULL,               -- admin, leader, analyst, duty_officer
    password_hash   VARCHAR NOT NULL,               -- scrypt$n$r$p$salt$hash
    created_at      TIMESTAMPTZ NOT NULL,
    password_changed_at TIMESTAMPTZ NOT NULL,
    disabled_at     TIMESTAMPTZ,
    failed_logins   INTEGER NOT NULL DEFAULT 0,     -- consecutive failures since the last success
    locked_until    TIMESTAMPTZ,
    last_login_at   TIMESTAMPTZ
);

CREATE TABLE sessions (
    session_hash    VARCHAR PRIMARY KEY,            -- sha256 of the cookie value (the cookie is never stored)
    username        VARCHAR,                        -- NULL for a screen session opened with a display token
    token_id        VARCHAR,                        -- the display token of a screen session
    role            VARCHAR NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    ended_at        TIMESTAMPTZ,
    remote_addr     VARCHAR
);

CREATE SEQUENCE audit_log_seq START 1;

CREATE TABLE audit_log (
    audit_id        BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
    occurred_at     TIMESTAMPTZ NOT NULL,
    actor           VARCHAR NOT NULL,               -- username, 'token:<id>', 'anonymous' or 'system'
    action          VARCHAR NOT NULL,               -- login.success, export.events, pii.unmask, alert.ack …
    target          VARCHAR,
    detail          VARCHAR,                        -- JSON text
    remote_addr     VARCHAR
);
