-- Version 27: cameras and IoT alarm sources (GB/T 28181 device ids), alarm types as data, and the
-- alarms they raise. Every report a feed posts is kept in alarm_reports; reports of the same camera
-- and type close together in time (the type's dedupe_minutes) make one alarm with a count. An alarm
-- is pending (in the review queue), confirmed (a case made from it), dismissed (with a reason: a
-- false alarm) or quiet (raised in its type's quiet hours: kept, not reviewed, not notified).

CREATE SEQUENCE alarm_ids START 1;
CREATE SEQUENCE alarm_report_ids START 1;

CREATE TABLE cameras (
    camera_id       VARCHAR PRIMARY KEY,       -- 20 digits, GB/T 28181 rule A
    name            VARCHAR NOT NULL,
    place           VARCHAR NOT NULL,          -- the place name it watches
    lon             DOUBLE,
    lat             DOUBLE,
    grid_code       VARCHAR,                   -- the grid it stands in (from lon/lat, or given)
    online          BOOLEAN NOT NULL DEFAULT true,
    status_at       TIMESTAMPTZ,               -- when online last changed or a report last arrived
    registered_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE alarm_types (
    code            VARCHAR PRIMARY KEY,       -- what feeds send: smoke, road_occupied …
    name_zh         VARCHAR NOT NULL,
    name_en         VARCHAR NOT NULL,
    severity        VARCHAR NOT NULL CHECK (severity IN ('blue', 'yellow', 'orange', 'red')),
    domain          VARCHAR NOT NULL,          -- a catalog domain
    category_code   VARCHAR,                   -- the city's category a confirmed alarm's case gets
    dedupe_minutes  INTEGER NOT NULL CHECK (dedupe_minutes BETWEEN 0 AND 1440),
    quiet_hours     VARCHAR,                   -- local 'HH:MM-HH:MM' (may cross midnight), or NULL
    enabled         BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE alarms (
    alarm_id        BIGINT PRIMARY KEY DEFAULT nextval('alarm_ids'),
    camera_id       VARCHAR NOT NULL,
    type_code       VARCHAR NOT NULL,
    severity        VARCHAR NOT NULL,
    first_at        TIMESTAMPTZ NOT NULL,      -- the earliest report's occurrence
    last_at         TIMESTAMPTZ NOT NULL,      -- the latest report's occurrence
    received_at     TIMESTAMPTZ NOT NULL,      -- when the first report arrived
    reports         INTEGER NOT NULL DEFAULT 1,
    status          VARCHAR NOT NULL CHECK (status IN ('pending', 'confirmed', 'dismissed', 'quiet')),
    description     VARCHAR,
    confidence      DOUBLE,                    -- the highest confidence the feed gave (0..1)
    reviewed_by     VARCHAR,
    reviewed_at     TIMESTAMPTZ,
    review_note     VARCHAR,                   -- the dismissal reason, or the confirmation note
    case_source     VARCHAR,                   -- the case made on confirmation (events key)
    case_id         VARCHAR,
    order_id        BIGINT                     -- the work order made from it (orders)
);
CREATE INDEX alarms_key ON alarms (camera_id, type_code);

CREATE TABLE alarm_reports (
    report_id       BIGINT PRIMARY KEY DEFAULT nextval('alarm_report_ids'),
    received_at     TIMESTAMPTZ NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL,
    camera_id       VARCHAR NOT NULL,
    type_code       VARCHAR NOT NULL,
    external_id     VARCHAR,                   -- the feed's own id: a repeated one is answered, not counted
    confidence      DOUBLE,
    alarm_id        BIGINT NOT NULL,
    outcome         VARCHAR NOT NULL           -- new, merged, quiet
);
CREATE INDEX alarm_reports_external ON alarm_reports (camera_id, external_id);
