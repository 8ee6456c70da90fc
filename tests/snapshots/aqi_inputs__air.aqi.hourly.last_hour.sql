WITH station_hours AS (SELECT sensor_id, u_city, u_district, metric, (epoch_us($now) - epoch_us(ts)) // 3600000000 AS slot, avg(value) AS v, max(ts) AS newest
           FROM (SELECT r.*, s.kind, 
    coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
    g.district_code AS u_district, g.street_code AS u_street, g.community_code AS u_community, g.code AS u_grid
            FROM readings_all r JOIN sensors s USING (sensor_id)
            LEFT JOIN admin_units g ON g.code = s.grid_code AND g.level = 'grid') AS base
           WHERE ts > $now - INTERVAL 24 HOUR AND ts <= $now AND (kind = 'air_national' AND quality = 'ok' AND value >= 0) AND metric IN ('so2', 'no2', 'pm10', 'co', 'o3', 'pm25')
           GROUP BY ALL),
         stations AS (
           SELECT sensor_id, u_city, u_district, metric,
                  avg(v) FILTER (WHERE slot = 0) AS v1h,
                  CASE WHEN count(*) FILTER (WHERE slot < 8) >= 6
                       THEN avg(v) FILTER (WHERE slot < 8) END AS v8h,
                  CASE WHEN count(*) >= 20 THEN avg(v) END AS v24h,
                  max(newest) AS newest
           FROM station_hours GROUP BY ALL)
       SELECT CASE WHEN GROUPING(u_city) = 0 THEN 'city' WHEN GROUPING(u_district) = 0 THEN 'district' END AS level, CASE WHEN GROUPING(u_city) = 0 THEN u_city WHEN GROUPING(u_district) = 0 THEN u_district END AS unit_code, metric,
              avg(v1h) AS v1h, avg(v8h) AS v8h, avg(v24h) AS v24h, max(newest) AS newest
       FROM stations
       GROUP BY GROUPING SETS ((metric, u_city), (metric, u_district))
