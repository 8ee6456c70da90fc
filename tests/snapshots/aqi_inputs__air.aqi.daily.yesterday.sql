WITH station_hours AS (SELECT sensor_id, u_city, u_district, metric, (epoch_us(ts) - epoch_us($start) - 1) // 3600000000 AS slot, avg(value) AS v, max(ts) AS newest
           FROM (SELECT r.*, s.kind, 
    coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
    g.district_code AS u_district, g.street_code AS u_street, g.community_code AS u_community, g.code AS u_grid
            FROM readings_all r JOIN sensors s USING (sensor_id)
            LEFT JOIN admin_units g ON g.code = s.grid_code AND g.level = 'grid') AS base
           WHERE ts > $start AND ts <= $end AND (kind = 'air_national' AND quality = 'ok' AND value >= 0) AND metric IN ('so2', 'no2', 'pm10', 'co', 'o3', 'pm25')
           GROUP BY ALL),
         station_days AS (
           SELECT sensor_id, u_city, u_district, metric || '_24h' AS key,
                  CASE WHEN count(*) >= 20 THEN avg(v) END AS v, max(newest) AS newest
           FROM station_hours WHERE metric IN ('so2', 'no2', 'pm10', 'co', 'pm25') GROUP BY ALL),
         window_ends AS (
           SELECT unnest(range(7, (epoch_us($end) - epoch_us($start)) // 3600000000)) AS last_slot),
         station_o3_8h AS (
           SELECT h.sensor_id, h.u_city, h.u_district, w.last_slot, avg(h.v) AS v, max(h.newest) AS newest
           FROM station_hours h JOIN window_ends w ON h.slot BETWEEN w.last_slot - 7 AND w.last_slot
           WHERE h.metric = 'o3'
           GROUP BY ALL HAVING count(*) >= 6),
         area_o3_8h AS (
           SELECT CASE WHEN GROUPING(u_city) = 0 THEN 'city' WHEN GROUPING(u_district) = 0 THEN 'district' END AS level, CASE WHEN GROUPING(u_city) = 0 THEN u_city WHEN GROUPING(u_district) = 0 THEN u_district END AS unit_code, last_slot, avg(v) AS v, max(newest) AS newest
           FROM station_o3_8h AS s GROUP BY GROUPING SETS ((last_slot, u_city), (last_slot, u_district))),
         station_o3_days AS (
           SELECT * FROM station_hours WHERE metric = 'o3'
           QUALIFY count(*) OVER (PARTITION BY sensor_id) >= 20),
         area_o3_1h AS (
           SELECT CASE WHEN GROUPING(u_city) = 0 THEN 'city' WHEN GROUPING(u_district) = 0 THEN 'district' END AS level, CASE WHEN GROUPING(u_city) = 0 THEN u_city WHEN GROUPING(u_district) = 0 THEN u_district END AS unit_code, slot, avg(v) AS v, max(newest) AS newest
           FROM station_o3_days AS s GROUP BY GROUPING SETS ((slot, u_city), (slot, u_district))),
         area_days AS (SELECT CASE WHEN GROUPING(u_city) = 0 THEN 'city' WHEN GROUPING(u_district) = 0 THEN 'district' END AS level, CASE WHEN GROUPING(u_city) = 0 THEN u_city WHEN GROUPING(u_district) = 0 THEN u_district END AS unit_code, key, avg(v) AS v, max(newest) AS newest
           FROM station_days GROUP BY GROUPING SETS ((key, u_city), (key, u_district)))
       SELECT level, unit_code, key, v, newest FROM area_days
       UNION ALL
       SELECT level, unit_code, 'o3_8h', CASE WHEN count(v) >= 14 OR max(v) > 160
                                               THEN max(v) END, max(newest)
       FROM area_o3_8h GROUP BY level, unit_code
       UNION ALL
       SELECT level, unit_code, 'o3_1h', max(v), max(newest) FROM area_o3_1h GROUP BY level, unit_code
