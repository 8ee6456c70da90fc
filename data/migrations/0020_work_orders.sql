-- Version 20: work orders (工单, issue 21). A work order sends a matter (an alert, a case, a unit on
-- the map, a camera alarm, or one raised by hand) to one or more departments with a deadline to
-- report in (报到) and to finish; the departments sign for it, report progress and feed back, the
-- centre verifies and closes it or it is returned (退回) with a reason. Every step is a row of
-- work_order_history with its actor and instant (data/orders/machine.py declares the steps).

CREATE TABLE departments (
    code        VARCHAR PRIMARY KEY,      -- as the city's categories name it (event_categories.department)
    name_zh     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL
);

-- Departments the store's categories name already: a city loaded before this version gets them.
INSERT INTO departments SELECT DISTINCT department, department, department FROM event_categories
WHERE department IS NOT NULL AND department <> '';

-- A user of role 'department' acts for one department (NULL for the centre's roles).
ALTER TABLE users ADD COLUMN department VARCHAR;

CREATE SEQUENCE work_order_ids START 1;
CREATE SEQUENCE work_order_history_ids START 1;

CREATE TABLE work_orders (
    order_id        BIGINT PRIMARY KEY DEFAULT nextval('work_order_ids'),
    title           VARCHAR NOT NULL,
    source_kind     VARCHAR NOT NULL,     -- alert, case, unit, alarm, manual
    source_id       VARCHAR,              -- the alert id, 'source:event_id' of a case, the unit code, the alarm id
    unit_code       VARCHAR NOT NULL,     -- admin_units.code at any level
    handling_level  INTEGER NOT NULL,     -- 1 district, 2 street, 3 community
    priority        VARCHAR NOT NULL,     -- normal, urgent, critical
    instructions    VARCHAR,              -- the leader's instructions (批示)
    state           VARCHAR NOT NULL,     -- dispatched, reported, in_progress, feedback, verified, closed, returned
    created_by      VARCHAR NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    report_due_at   TIMESTAMPTZ NOT NULL, -- deadline to report in (报到)
    finish_due_at   TIMESTAMPTZ NOT NULL, -- deadline to feed back the result
    reported_at     TIMESTAMPTZ,
    started_at      TIMESTAMPTZ,
    feedback_at     TIMESTAMPTZ,
    feedback        VARCHAR,
    verified_at     TIMESTAMPTZ,
    verify_failures INTEGER NOT NULL DEFAULT 0,   -- feedbacks the centre sent back for more work
    closed_at       TIMESTAMPTZ,
    returned_at     TIMESTAMPTZ,
    return_reason   VARCHAR,
    reminders       INTEGER NOT NULL DEFAULT 0,   -- 催办, by hand or automatic
    supervised_at   TIMESTAMPTZ,                  -- 督办 by the centre
    escalations     INTEGER NOT NULL DEFAULT 0,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX work_orders_source ON work_orders (source_kind, source_id);

CREATE TABLE work_order_departments (
    order_id        BIGINT NOT NULL,
    department      VARCHAR NOT NULL,
    lead            BOOLEAN NOT NULL,             -- 主办 (the first named) or 协办
    PRIMARY KEY (order_id, department)
);

CREATE TABLE work_order_history (
    history_id      BIGINT PRIMARY KEY DEFAULT nextval('work_order_history_ids'),
    order_id        BIGINT NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL,
    actor           VARCHAR NOT NULL,             -- a username, or 'system' for reminders and escalations
    action          VARCHAR NOT NULL,             -- dispatch, report_in, start, feedback, verify, reject, close, return, remind, supervise, instruct, escalate, comment
    from_state      VARCHAR,
    to_state        VARCHAR NOT NULL,
    details         VARCHAR NOT NULL              -- JSON
);
CREATE INDEX work_order_history_order ON work_order_history (order_id, occurred_at);

-- The new family of data versions (data/versions.py) starts at 1, like every family did.
INSERT INTO data_changes (family) VALUES ('orders');
