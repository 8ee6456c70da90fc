-- Version 18: retention (issue 23). Rows older than the retention settings move to Parquet files under
-- <store name>.archive/kind=<table>/month=<YYYY-MM>/ beside the store; archive_parts lists every file
-- that holds rows (a file not listed is an unfinished move and is never read). readings_all and
-- indicator_history_all are what readers read: the store's rows, and the listed files once there are
-- some (data/retention.py rewrites the views in the transaction that lists a new file).

CREATE TABLE archive_parts (
    file        VARCHAR PRIMARY KEY,        -- relative to the store's folder
    kind        VARCHAR NOT NULL,           -- the table the rows came from
    month       VARCHAR NOT NULL,           -- YYYY-MM (UTC) of the rows' instants
    rows        BIGINT NOT NULL,
    bytes       BIGINT NOT NULL,
    moved_at    TIMESTAMPTZ NOT NULL
);

CREATE VIEW readings_all AS SELECT * FROM readings;
CREATE VIEW indicator_history_all AS SELECT * FROM indicator_history;
