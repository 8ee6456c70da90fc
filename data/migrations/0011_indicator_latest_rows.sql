-- Version 11: `indicator_latest` becomes a view over the values and their instants, kept apart.
-- A minute tick on `zhenjiang` recomputes 591,166 values and about 11,000 of them change; with the
-- instant and the data age on every row, the tick updated the other 580,000 rows too (0.04-0.10 s)
-- and committed them (0.10-0.15 s, the larger part of storing a tick). Each value's row now keeps
-- the time of its newest input (newest_s, epoch seconds) and the instant is kept once per
-- indicator, so a tick writes only the rows that changed and one instant per indicator. The view
-- gives the columns the table had, in the same order: data_age_s = the instant - newest_s.

CREATE TABLE indicator_latest_rows (
    indicator_id    VARCHAR NOT NULL,
    unit_code       VARCHAR NOT NULL,
    level           VARCHAR NOT NULL,
    value           DOUBLE,
    numerator       DOUBLE,
    denominator     DOUBLE,
    baseline        DOUBLE,
    status          VARCHAR NOT NULL,
    newest_s        DOUBLE                     -- epoch seconds of the newest input row (NULL: none)
);

CREATE TABLE indicator_instants (
    indicator_id    VARCHAR NOT NULL,
    as_of           TIMESTAMPTZ NOT NULL,      -- the instant the indicator's latest values describe
    computed_at     TIMESTAMPTZ NOT NULL       -- when they were computed
);

INSERT INTO indicator_latest_rows
SELECT indicator_id, unit_code, level, value, numerator, denominator, baseline, status, epoch(as_of) - data_age_s
FROM indicator_latest ORDER BY indicator_id, unit_code;

INSERT INTO indicator_instants
SELECT indicator_id, max(as_of), max(computed_at) FROM indicator_latest GROUP BY indicator_id ORDER BY indicator_id;

DROP TABLE indicator_latest;

CREATE VIEW indicator_latest AS
SELECT r.indicator_id, r.unit_code, r.level, r.value, r.numerator, r.denominator, r.baseline, r.status,
       i.as_of, i.computed_at, epoch(i.as_of) - r.newest_s AS data_age_s
FROM indicator_latest_rows r JOIN indicator_instants i ON i.indicator_id = r.indicator_id;
