-- Version 15: the mappings an administrator registered for the ingest API.
-- The API reads feeds only with a shipped mapping (data/ingest/mappings) or one of these: a name
-- from the network never names a server file, and an inline mapping is never taken from a request.
-- The YAML text is kept as registered (validated then, parsed again at each use).

CREATE TABLE registered_mappings (
    name            VARCHAR PRIMARY KEY,
    yaml_text       VARCHAR NOT NULL,
    registered_at   TIMESTAMPTZ NOT NULL,
    registered_by   VARCHAR NOT NULL
);
