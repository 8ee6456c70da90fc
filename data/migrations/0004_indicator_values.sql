-- Version 4: computed indicator values. indicator_latest holds the newest value of every
-- (indicator, unit); indicator_history the hourly snapshots (taken at the top of each hour);
-- indicator_runs one row per refresh, for freshness and performance.

CREATE TABLE indicator_latest (
    indicator_id    VARCHAR NOT NULL,
    unit_code       VARCHAR NOT NULL,
    level           VARCHAR NOT NULL,
    value           DOUBLE,
    numerator       DOUBLE,
    denominator     DOUBLE,
    baseline        DOUBLE,
    status          VARCHAR NOT NULL,
    as_of           TIMESTAMPTZ NOT NULL,      -- the instant the value describes
    computed_at     TIMESTAMPTZ NOT NULL,      -- when it was computed
    data_age_s      DOUBLE,                    -- age of the newest input row at "at"
    PRIMARY KEY (indicator_id, unit_code)
);

CREATE TABLE indicator_history (
    indicator_id    VARCHAR NOT NULL,
    unit_code       VARCHAR NOT NULL,
    level           VARCHAR NOT NULL,
    value           DOUBLE,
    numerator       DOUBLE,
    denominator     DOUBLE,
    baseline        DOUBLE,
    status          VARCHAR NOT NULL,
    as_of           TIMESTAMPTZ NOT NULL,
    computed_at     TIMESTAMPTZ NOT NULL,
    data_age_s      DOUBLE
);

CREATE TABLE indicator_runs (
    as_of           TIMESTAMPTZ NOT NULL,
    kind            VARCHAR NOT NULL,          -- live, snapshot, manual
    started_at      TIMESTAMPTZ NOT NULL,
    seconds         DOUBLE NOT NULL,
    indicators      INTEGER NOT NULL,
    "values"        BIGINT NOT NULL
);
