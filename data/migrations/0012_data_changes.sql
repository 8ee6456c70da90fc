-- Version 12: one data version for every cache (issue "One house, one way"). Every writer appends
-- one row per family of data it changed, inside the transaction of its write, so a rolled-back
-- write leaves no row and a committed one is visible with its data. Rows are only ever appended
-- by writers (concurrent writers never update the same row, which DuckDB would refuse as a
-- conflict); data.versions.prune folds old rows into the newest of their group, keeping the sum.
-- A family's version is the sum of ``changes``; ``earliest_at`` is the earliest instant the
-- write may have altered (NULL: any instant), so a cache of a past day can ignore newer writes.

CREATE SEQUENCE data_change_seq START 1;

CREATE TABLE data_changes (
    change_id   BIGINT NOT NULL DEFAULT nextval('data_change_seq'),
    family      VARCHAR NOT NULL,             -- events, readings, geometry, indicators, alerts
    changes     BIGINT NOT NULL DEFAULT 1,    -- writes this row stands for (more than 1 after a prune)
    earliest_at TIMESTAMPTZ,                  -- the earliest instant the write may alter; NULL: any
    changed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A store upgraded from an older version starts every family at 1: its data exists, unversioned.
INSERT INTO data_changes (family)
SELECT unnest(['events', 'readings', 'geometry', 'indicators', 'alerts']);
