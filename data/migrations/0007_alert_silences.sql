-- Version 7: silences by matcher (issue 5). A silence covers every alert of an indicator, or of
-- every indicator starting with a prefix (`air.` a domain, `air.pm25.` a subject: written with a
-- trailing `*`), within a unit and everything beneath it (NULL: the whole city), from starts_at
-- until ends_at. The evaluator copies an active silence onto the alerts it covers, new ones
-- included (alerts.silence_id); expiring or removing it early ends it on those alerts too.

CREATE SEQUENCE alert_silence_ids START 1;

CREATE TABLE alert_silences (
    silence_id      BIGINT PRIMARY KEY DEFAULT nextval('alert_silence_ids'),
    indicator_match VARCHAR NOT NULL,          -- an indicator id, or a prefix ending in '*'
    unit_code       VARCHAR,                   -- the subtree's root; NULL for the whole city
    reason          VARCHAR NOT NULL,
    created_by      VARCHAR NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ NOT NULL,      -- the expiry (moved to the instant it is expired early)
    ended_by        VARCHAR,                   -- who expired or removed it early
    removed         BOOLEAN NOT NULL DEFAULT false   -- removed silences are kept for the record, not listed
);

ALTER TABLE alerts ADD COLUMN silence_id BIGINT;   -- the matcher silence behind silenced_until, if any
