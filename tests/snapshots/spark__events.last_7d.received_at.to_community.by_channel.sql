SELECT level, unit_code, split_value, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, CAST(unix_micros(newest) AS DOUBLE) / CAST(1000000 AS DOUBLE) AS newest_s FROM (SELECT CASE WHEN GROUPING(u_city) = 0 THEN 'city' WHEN GROUPING(u_district) = 0 THEN 'district' WHEN GROUPING(u_street) = 0 THEN 'street' WHEN GROUPING(u_community) = 0 THEN 'community' END AS level, CASE WHEN GROUPING(u_city) = 0 THEN u_city WHEN GROUPING(u_district) = 0 THEN u_district WHEN GROUPING(u_street) = 0 THEN u_street WHEN GROUPING(u_community) = 0 THEN u_community END AS unit_code, CAST(channel AS STRING) AS split_value, 
       CAST(coalesce(count(*), 0) AS DOUBLE) AS c0,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_closed)), 0) AS DOUBLE) AS c1,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void)), 0) AS DOUBLE) AS c2,
       CAST(coalesce(count(*) FILTER (WHERE (is_repeat)), 0) AS DOUBLE) AS c3,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (response_minutes <= 60)), 0) AS DOUBLE) AS c4,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_accepted OR received_at < :now - INTERVAL 60 MINUTE)), 0) AS DOUBLE) AS c5,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (response_minutes <= 30)), 0) AS DOUBLE) AS c6,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_accepted OR received_at < :now - INTERVAL 30 MINUTE)), 0) AS DOUBLE) AS c7,
       CAST(coalesce(count(DISTINCT grid_code), 0) AS DOUBLE) AS c8,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (response_minutes <= 15)), 0) AS DOUBLE) AS c9,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_accepted OR received_at < :now - INTERVAL 15 MINUTE)), 0) AS DOUBLE) AS c10,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (response_minutes <= 1440)), 0) AS DOUBLE) AS c11,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_accepted OR received_at < :now - INTERVAL 1440 MINUTE)), 0) AS DOUBLE) AS c12,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (response_minutes <= 5)), 0) AS DOUBLE) AS c13,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_accepted OR received_at < :now - INTERVAL 5 MINUTE)), 0) AS DOUBLE) AS c14,
       max(received_at) AS newest
FROM (SELECT e.*, ch.role AS channel, c.domain AS category_domain,
    closed_at <= :now AS is_closed,
    resolved_at <= :now AS is_resolved,
    accepted_at <= :now AS is_accepted,
    dispatched_at <= :now AS is_dispatched,
    (status IN ('cancelled', 'merged') AND coalesce(closed_at, updated_at) <= :now) AS is_void,
    ((resolved_at <= :now AND resolved_at > due_at) OR (coalesce(resolved_at > :now, true) AND due_at < :now)) AND NOT (status IN ('cancelled', 'merged') AND coalesce(closed_at, updated_at) <= :now) AS is_overdue,
    CASE WHEN resolved_at <= :now THEN (CAST(unix_micros(resolved_at) - unix_micros(received_at) AS DOUBLE) / CAST(1000000 AS DOUBLE)) / 3600 END AS handling_hours,
    CASE WHEN accepted_at <= :now THEN (CAST(unix_micros(accepted_at) - unix_micros(received_at) AS DOUBLE) / CAST(1000000 AS DOUBLE)) / 60 END AS response_minutes,
    CASE WHEN dispatched_at <= :now THEN (CAST(unix_micros(dispatched_at) - unix_micros(received_at) AS DOUBLE) / CAST(1000000 AS DOUBLE)) / 3600 END AS dispatch_hours,
    CASE WHEN closed_at <= :now THEN (CAST(unix_micros(closed_at) - unix_micros(received_at) AS DOUBLE) / CAST(1000000 AS DOUBLE)) / 3600 END AS closing_hours,
    CASE WHEN closed_at <= :now THEN satisfaction END AS rating, 
    coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
    g.district_code AS u_district, g.street_code AS u_street, g.community_code AS u_community, g.code AS u_grid
            FROM events e LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
            LEFT JOIN event_categories c ON c.code = e.category_code
            LEFT JOIN channels ch ON ch.code = e.source) AS base
WHERE received_at > :start AND received_at <= :end AND channel IN ('city_app', 'enterprise', 'grid', 'hotline', 'petition', 'police')
GROUP BY GROUPING SETS ((channel, u_city), (channel, u_district), (channel, u_street), (channel, u_community))) AS scan WHERE unit_code IS NOT NULL
