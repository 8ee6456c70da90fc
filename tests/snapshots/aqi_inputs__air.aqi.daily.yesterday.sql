SELECT CASE WHEN GROUPING(u_city) = 0 THEN 'city' WHEN GROUPING(u_district) = 0 THEN 'district' END AS level, CASE WHEN GROUPING(u_city) = 0 THEN u_city WHEN GROUPING(u_district) = 0 THEN u_district END AS unit_code, metric, date_trunc('hour', ts) AS hour,
                  avg(value) AS v, max(ts) AS newest
           FROM (SELECT r.*, s.kind, 
    coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
    g.district_code AS u_district, g.street_code AS u_street, g.community_code AS u_community, g.code AS u_grid
            FROM readings r JOIN sensors s USING (sensor_id)
            LEFT JOIN admin_units g ON g.code = s.grid_code AND g.level = 'grid') AS base
           WHERE ts > $start AND ts <= $end AND (kind = 'air_national' AND quality = 'ok' AND value IS NOT NULL AND value < 900)
             AND metric IN ('so2', 'no2', 'pm10', 'co', 'o3', 'pm25')
           GROUP BY GROUPING SETS ((metric, hour, u_city), (metric, hour, u_district))
