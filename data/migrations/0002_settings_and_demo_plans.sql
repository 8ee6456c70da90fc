-- Version 2: city settings (name, time zone, demo parameters) and the demo city's
-- planned life cycles, which the live simulator plays out as time passes.

CREATE TABLE settings (
    key     VARCHAR PRIMARY KEY,
    value   VARCHAR NOT NULL
);

CREATE TABLE demo_event_plans (
    source          VARCHAR NOT NULL,
    event_id        VARCHAR NOT NULL,
    accepted_at     TIMESTAMPTZ,
    dispatched_at   TIMESTAMPTZ,
    resolved_at     TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    satisfaction    TINYINT,
    PRIMARY KEY (source, event_id)
);
