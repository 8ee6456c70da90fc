SELECT CAST(metric AS VARCHAR) AS split_value, u_grid,
       CAST(sum(value) FILTER (WHERE (kind = 'air_national') AND (quality = 'ok') AND (value >= 0)) AS DOUBLE) AS s0_c0_sum,
       CAST(count(value) FILTER (WHERE (kind = 'air_national') AND (quality = 'ok') AND (value >= 0)) AS DOUBLE) AS s0_c0_n,
       epoch(max(ts)) AS newest_s
FROM (SELECT r.*, s.kind, 
    coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
    g.district_code AS u_district, g.street_code AS u_street, g.community_code AS u_community, g.code AS u_grid
            FROM readings_all r JOIN sensors s USING (sensor_id)
            LEFT JOIN admin_units g ON g.code = s.grid_code AND g.level = 'grid') AS base
WHERE ts > $start AND ts <= $end AND metric IN ('pm25')
GROUP BY metric, u_grid
