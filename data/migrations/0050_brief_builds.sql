-- Version 50: the briefs of ended periods built once and kept (reporting/prebuilt.py, issue 22).
-- One row per period, area and part: 'document' (the brief with its charts, what the /summary page
-- draws) or a rendered file 'pdf.zh', 'pdf.en'. `data_stamp` is the data version the part was built
-- from: the writes of the brief's families that reached back before the period's end
-- (data/versions.py). A part whose stamp is no longer current (late data) is built again; a
-- current one is served as it is, so a reader never waits for a heavy build the server did ahead.

CREATE TABLE brief_builds (
    period      VARCHAR NOT NULL,           -- 2026-11-19, 2026-W47, 2026-11, 2026-Q4, 2026
    area_code   VARCHAR NOT NULL,           -- the admin unit (the city's own code for the city)
    part        VARCHAR NOT NULL,           -- document | pdf.zh | pdf.en
    data_stamp  VARCHAR NOT NULL,           -- versions of the brief's families before the period's end
    built_at    TIMESTAMPTZ NOT NULL,
    build_s     DOUBLE NOT NULL,            -- seconds the build took
    content     BLOB NOT NULL               -- zlib-compressed
);
