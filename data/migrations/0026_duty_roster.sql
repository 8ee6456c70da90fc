-- Version 26: the duty roster (值班表) and shift handovers (交接班). A shift is a span of time with
-- the people on duty (one or more leaders, officers); notifications @-mention their mobile numbers.
-- A handover is written at each shift change by the background job: the open items it hands on.

CREATE SEQUENCE duty_shift_ids START 1;
CREATE SEQUENCE handover_ids START 1;

CREATE TABLE duty_shifts (
    shift_id        BIGINT PRIMARY KEY DEFAULT nextval('duty_shift_ids'),
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ NOT NULL,
    label           VARCHAR NOT NULL DEFAULT '',
    updated_by      VARCHAR NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    CHECK (ends_at > starts_at)
);

CREATE TABLE duty_people (
    shift_id        BIGINT NOT NULL,
    name            VARCHAR NOT NULL,
    duty_role       VARCHAR NOT NULL CHECK (duty_role IN ('leader', 'officer')),
    mobile          VARCHAR NOT NULL,
    username        VARCHAR                    -- the person's account, when they have one
);

CREATE TABLE handovers (
    handover_id     BIGINT PRIMARY KEY DEFAULT nextval('handover_ids'),
    changed_at      TIMESTAMPTZ NOT NULL,      -- the shift change
    from_shift_id   BIGINT,
    to_shift_id     BIGINT NOT NULL,
    written_at      TIMESTAMPTZ NOT NULL,
    items           VARCHAR NOT NULL           -- JSON: {"alerts": [...], "orders": [...], ...}
);
