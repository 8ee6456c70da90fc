WITH s AS (SELECT CASE WHEN GROUPING(u_city) = 0 THEN 'city' WHEN GROUPING(u_district) = 0 THEN 'district' END AS level, CASE WHEN GROUPING(u_city) = 0 THEN u_city WHEN GROUPING(u_district) = 0 THEN u_district END AS unit_code, CAST(kind AS VARCHAR) AS split_value, day_shift, 
       CAST(coalesce(count(*), 0) AS DOUBLE) AS c0,
       CAST(coalesce(count(*) FILTER (WHERE (is_reporting)), 0) AS DOUBLE) AS c1,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_reporting)), 0) AS DOUBLE) AS c2,
       CAST(max(age_s / 60) AS DOUBLE) AS c3,
       CAST(avg(age_s / 60) AS DOUBLE) AS c4,
       CAST(max(age_s / (60.0 * interval_min)) AS DOUBLE) AS c5,
       max(last_ts) AS newest
FROM (SELECT s.*, last.last_ts, epoch(($now - to_days(day_shift)) - last.last_ts) AS age_s,
                   coalesce(last.last_ts > ($now - to_days(day_shift)) - to_minutes(greatest(2 * s.interval_min, 60)), false) AS is_reporting,
                   
    coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
    g.district_code AS u_district, g.street_code AS u_street, g.community_code AS u_community, g.code AS u_grid
            FROM (SELECT *, day_shift FROM sensors, range(1, 8) AS shifts(day_shift)) s
            LEFT JOIN (SELECT sensor_id, day_shift, max(ts) AS last_ts FROM (SELECT sensor_id, ts, floor((epoch($now) - epoch(ts)) / 86400)::INTEGER AS day_shift FROM readings_all WHERE ts <= $now - INTERVAL 1 DAY AND ts > $now - INTERVAL 8 DAY) GROUP BY sensor_id, day_shift) last USING (sensor_id, day_shift)
            LEFT JOIN admin_units g ON g.code = s.grid_code AND g.level = 'grid'
            WHERE coalesce(s.installed_at <= ($now - to_days(day_shift)), true) AND coalesce(s.retired_at > ($now - to_days(day_shift)), true)) AS base
WHERE true AND kind IN ('air_micro', 'air_national', 'crowd', 'noise', 'power', 'rainfall', 'traffic', 'water_level')
GROUP BY GROUPING SETS ((kind, day_shift, u_city), (kind, day_shift, u_district))),
                   u AS (UNPIVOT (SELECT * FROM s WHERE unit_code IS NOT NULL) ON c0, c1, c2, c3, c4, c5
                         INTO NAME column_name VALUE val)
              SELECT o.indicator_id, u.level, u.unit_code, u.day_shift,
                     max(u.val) FILTER (WHERE o.role = 'value') AS value,
                     max(u.val) FILTER (WHERE o.role = 'numerator') AS numerator,
                     max(u.val) FILTER (WHERE o.role = 'denominator') AS denominator,
                     max(epoch(u.newest)) AS newest_s, any_value(o.scale) AS scale
              FROM u JOIN _indicator_outputs o
                ON o.scan = 'sensors.now.state.to_district.by_kind' AND o.column_name = u.column_name AND o.split_value = coalesce(u.split_value, '')
              GROUP BY ALL
