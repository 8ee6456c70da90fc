-- Version 30: daily partials of the indicators with period views (indicators/day_partials.py).
-- One row per ended local day, indicator and unit (city, district, street): the additive parts of
-- that day's value (a count or sum in `numerator`; a ratio's numerator and denominator), from
-- which a week, month, quarter or year and their comparisons are summed without rescanning cases.
-- `indicator_partial_days` records, per day and indicator, the data version the parts were
-- computed from (writes that reached back before the day's end, data/versions.py) and the
-- indicator's definition, so late data or an edited definition has the day computed again.

CREATE TABLE indicator_day_partials (
    day             DATE NOT NULL,
    indicator_id    VARCHAR NOT NULL,
    level           VARCHAR NOT NULL,
    unit_code       VARCHAR NOT NULL,
    numerator       DOUBLE,                    -- the count or sum; a ratio's numerator
    denominator     DOUBLE                     -- a ratio's denominator (NULL for counts and sums)
);

CREATE TABLE indicator_partial_days (
    day             DATE NOT NULL,
    indicator_id    VARCHAR NOT NULL,
    data_version    BIGINT NOT NULL,           -- events + readings + geometry writes before the day's end
    definition      VARCHAR NOT NULL,          -- a digest of the day indicator's definition
    computed_at     TIMESTAMPTZ NOT NULL
);
