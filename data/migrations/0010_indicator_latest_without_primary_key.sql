-- Version 10: `indicator_latest` without its primary-key index.
-- Storing a full refresh at the `zhenjiang` scale (1.1 M values: DELETE all, INSERT, COMMIT) took
-- 11.8 s with the ART index on (indicator_id, unit_code), 6.8 s of it in the COMMIT; without it
-- 0.4 s. Reads of the latest values filter by indicator and level, which the index did not serve
-- (100 reads: 0.22 s either way). Writers keep (indicator_id, unit_code) unique themselves: a full
-- refresh replaces every row with the engine's values (one per indicator and unit by construction)
-- and a live tick inserts only rows the table does not hold (an anti-join); `cli.py check` verifies
-- it (indicators.latest_duplicate_key).
-- DuckDB cannot drop a constraint in place: the table is rebuilt and swapped in this migration's
-- transaction, same columns, same order.

CREATE TABLE indicator_latest_unkeyed (
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
    data_age_s      DOUBLE                     -- age of the newest input row at "at"
);

INSERT INTO indicator_latest_unkeyed SELECT * FROM indicator_latest ORDER BY indicator_id, unit_code;
DROP TABLE indicator_latest;
ALTER TABLE indicator_latest_unkeyed RENAME TO indicator_latest;
