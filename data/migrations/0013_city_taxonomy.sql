-- Version 13: the city's own taxonomy (issue "A real city, end to end"). Each city names its
-- channels (the source codes its feeds carry) and gives each a channel role the indicator catalog
-- knows (hotline, grid, police, ...): the catalog filters on roles, never on one city's codes.
-- Categories may form a tree of any depth (parent_code) and may name the product's canonical
-- category they correspond to (canonical_code), for comparisons across cities.

CREATE TABLE channels (
    code        VARCHAR PRIMARY KEY,      -- events.source as the city's feeds carry it
    role        VARCHAR NOT NULL,         -- a channel role of the catalog (indicators/catalog/_lists.yaml)
    name_zh     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL
);

ALTER TABLE event_categories ADD COLUMN parent_code VARCHAR;
ALTER TABLE event_categories ADD COLUMN canonical_code VARCHAR;

-- A store made before city profiles holds the demo city's six channels: they get their roles, so
-- its indicators keep their values. Other sources stay without a role until the city's profile
-- names one (python cli.py city init PROFILE).
INSERT INTO channels
SELECT source, role, name_zh, name_en
FROM (VALUES ('hotline_12345', 'hotline', '12345热线', '12345 hotline'),
             ('grid_report', 'grid', '网格上报', 'grid reports'),
             ('police_110', 'police', '110警情', '110 police calls'),
             ('city_app', 'city_app', '市民城管通', 'city management app'),
             ('petition', 'petition', '信访', 'petitions'),
             ('enterprise', 'enterprise', '企业诉求', 'enterprise requests')) AS demo(source, role, name_zh, name_en)
WHERE source IN (SELECT DISTINCT source FROM events);
