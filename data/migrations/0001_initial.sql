-- City Vitals schema, version 1: geography, events, sensors, ingestion bookkeeping.
-- Instants are TIMESTAMPTZ; "local day" is computed with the city's time zone setting.

CREATE TABLE admin_units (
    code            VARCHAR PRIMARY KEY,          -- GB/T 30428 style: 6 county + 3 street + 3 community + 3 grid
    level           VARCHAR NOT NULL CHECK (level IN ('city', 'district', 'street', 'community', 'grid')),
    level_no        TINYINT NOT NULL CHECK (level_no BETWEEN 0 AND 4),
    name_zh         VARCHAR NOT NULL,
    name_en         VARCHAR NOT NULL,
    parent_code     VARCHAR,
    city_code       VARCHAR,
    district_code   VARCHAR,
    street_code     VARCHAR,
    community_code  VARCHAR,
    area_km2        DOUBLE,
    population      INTEGER,
    households      INTEGER,
    centroid_lon    DOUBLE,
    centroid_lat    DOUBLE,
    geometry        BLOB                           -- WKB, WGS84 lon/lat
);

CREATE TABLE map_features (
    feature_id  VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,                  -- river, venue, industrial_park, ...
    name_zh     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL,
    geometry    BLOB NOT NULL
);

CREATE TABLE event_categories (
    code            VARCHAR PRIMARY KEY,
    name_zh         VARCHAR NOT NULL,
    name_en         VARCHAR NOT NULL,
    domain          VARCHAR NOT NULL,
    sla_hours       DOUBLE NOT NULL,
    default_level   TINYINT NOT NULL CHECK (default_level IN (1, 2, 3)),
    department      VARCHAR NOT NULL
);

-- Current state of each case; every version received is in event_history.
CREATE TABLE events (
    source          VARCHAR NOT NULL,              -- hotline_12345, grid_report, police_110, petition, enterprise, city_app
    event_id        VARCHAR NOT NULL,
    category_code   VARCHAR NOT NULL,
    grid_code       VARCHAR,
    lon             DOUBLE,
    lat             DOUBLE,
    received_at     TIMESTAMPTZ NOT NULL,
    accepted_at     TIMESTAMPTZ,
    dispatched_at   TIMESTAMPTZ,
    resolved_at     TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    due_at          TIMESTAMPTZ,
    status          VARCHAR NOT NULL CHECK (status IN ('received', 'accepted', 'dispatched', 'resolved', 'closed')),
    handling_level  TINYINT CHECK (handling_level IN (1, 2, 3)),
    department      VARCHAR,
    satisfaction    TINYINT CHECK (satisfaction BETWEEN 1 AND 5),
    is_repeat       BOOLEAN NOT NULL DEFAULT false,
    description     VARCHAR,
    caller_name     VARCHAR,                       -- personal data: masked for most roles
    caller_phone    VARCHAR,                       -- personal data: masked for most roles
    updated_at      TIMESTAMPTZ NOT NULL,
    batch_id        BIGINT,
    PRIMARY KEY (source, event_id)
);

CREATE TABLE event_history (
    source          VARCHAR NOT NULL,
    event_id        VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    handling_level  TINYINT,
    department      VARCHAR,
    satisfaction    TINYINT,
    batch_id        BIGINT
);

CREATE TABLE sensors (
    sensor_id       VARCHAR PRIMARY KEY,
    kind            VARCHAR NOT NULL,              -- air_national, air_micro, water_level, rainfall, traffic, noise, power, crowd
    name_zh         VARCHAR NOT NULL,
    name_en         VARCHAR NOT NULL,
    grid_code       VARCHAR,
    lon             DOUBLE,
    lat             DOUBLE,
    metrics         VARCHAR[] NOT NULL,
    interval_min    INTEGER NOT NULL,              -- expected reporting cadence
    installed_at    TIMESTAMPTZ,
    retired_at      TIMESTAMPTZ
);

-- Long form: one row per (sensor, metric, instant).
CREATE TABLE readings (
    sensor_id   VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    metric      VARCHAR NOT NULL,
    value       DOUBLE,
    quality     VARCHAR NOT NULL DEFAULT 'ok'      -- ok, suspect, invalid
);

CREATE SEQUENCE ingest_batch_ids START 1;

CREATE TABLE ingest_batches (
    batch_id        BIGINT PRIMARY KEY,
    kind            VARCHAR NOT NULL,              -- grids, events, sensors, readings, demo
    source_name     VARCHAR NOT NULL,
    content_hash    VARCHAR,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    rows_read       BIGINT NOT NULL DEFAULT 0,
    rows_accepted   BIGINT NOT NULL DEFAULT 0,
    rows_updated    BIGINT NOT NULL DEFAULT 0,
    rows_duplicate  BIGINT NOT NULL DEFAULT 0,
    rows_quarantined BIGINT NOT NULL DEFAULT 0,
    status          VARCHAR NOT NULL               -- running, committed, failed
);

CREATE TABLE quarantine (
    batch_id        BIGINT NOT NULL,
    source_row      BIGINT NOT NULL,
    raw             VARCHAR NOT NULL,
    reason_code     VARCHAR NOT NULL,
    reason_detail   VARCHAR,
    created_at      TIMESTAMPTZ NOT NULL
);
