-- The offline basemap: vector tiles (MVT, gzipped) built from the store's geometry or imported
-- from a city's own MBTiles extract, and the small label font cut from a local CJK font.
-- The server owns the database, so tiles live in it: no file path ever comes from a request.
CREATE TABLE basemap_tiles (
    z     TINYINT  NOT NULL,
    x     INTEGER  NOT NULL,
    y     INTEGER  NOT NULL,          -- XYZ scheme: row 0 is the northernmost
    tile  BLOB     NOT NULL,
    PRIMARY KEY (z, x, y)
);

CREATE TABLE basemap_assets (
    name  VARCHAR PRIMARY KEY,        -- 'font': the label font (OpenType, cut to the names in the store)
    data  BLOB NOT NULL
);
