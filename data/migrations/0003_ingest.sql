-- Version 3: ingestion. API tokens (stored as SHA-256 hashes), flags on accepted rows, and the
-- mapping, summary and error of each batch.

CREATE TABLE api_tokens (
    token_id    VARCHAR PRIMARY KEY,               -- public prefix shown in listings
    name        VARCHAR NOT NULL,
    token_hash  VARCHAR NOT NULL UNIQUE,           -- sha256 of the whole secret token
    scopes      VARCHAR NOT NULL DEFAULT 'ingest',
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);

-- Accepted rows that carry a warning (a grid code that disagrees with the coordinates, a suspect value).
CREATE TABLE ingest_flags (
    batch_id    BIGINT NOT NULL,
    source_row  BIGINT NOT NULL,
    record_key  VARCHAR NOT NULL,
    flag_code   VARCHAR NOT NULL,
    detail      VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL
);

ALTER TABLE ingest_batches ADD COLUMN mapping_name VARCHAR;
ALTER TABLE ingest_batches ADD COLUMN summary VARCHAR;      -- the JSON summary printed by the CLI
ALTER TABLE ingest_batches ADD COLUMN error VARCHAR;        -- why a failed batch was rolled back
