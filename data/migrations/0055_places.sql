-- Version 55: places (地/物) and their kinds. A place is a point or a polygon (WKT, WGS84) with a
-- kind, a name and the grid its representative point lies in (a polygon's point inside it). A kind
-- carries its names, its map icon and near_m, the distance within which a case or a sensor counts
-- as near a place of the kind. The shipped kinds are data/place_kinds.yaml; a city loads its own.

CREATE TABLE place_kinds (
    code        VARCHAR PRIMARY KEY,            -- [a-z][a-z0-9_]*: safe in a catalog filter and an id
    name_zh     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL,
    icon        VARCHAR NOT NULL,               -- a file assets/place_icons/ICON.png
    near_m      INTEGER NOT NULL CHECK (near_m BETWEEN 10 AND 5000)
);

CREATE TABLE places (
    place_id    VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    name_en     VARCHAR,
    geometry_wkt VARCHAR NOT NULL,              -- WKT in WGS84 degrees: POINT, POLYGON or MULTIPOLYGON
    lon         DOUBLE NOT NULL,                -- the representative point (the point itself, or inside the polygon)
    lat         DOUBLE NOT NULL,
    reach_m     DOUBLE NOT NULL DEFAULT 0,      -- the farthest vertex from that point, in metres (0: a point)
    grid_code   VARCHAR,
    batch_id    BIGINT,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX places_kind ON places (kind);
