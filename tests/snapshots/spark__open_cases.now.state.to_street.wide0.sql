SELECT level, unit_code, c0, c1, c2, c3, CAST(unix_micros(newest) AS DOUBLE) / CAST(1000000 AS DOUBLE) AS newest_s FROM (SELECT CASE WHEN GROUPING(u_city) = 0 THEN 'city' WHEN GROUPING(u_district) = 0 THEN 'district' WHEN GROUPING(u_street) = 0 THEN 'street' END AS level, CASE WHEN GROUPING(u_city) = 0 THEN u_city WHEN GROUPING(u_district) = 0 THEN u_district WHEN GROUPING(u_street) = 0 THEN u_street END AS unit_code, 
       CAST(coalesce(count(*) FILTER (WHERE is_accepted IS NOT TRUE), 0) AS DOUBLE) AS c0,
       CAST(coalesce(count(*) FILTER (WHERE age_hours > 168), 0) AS DOUBLE) AS c1,
       CAST(avg(age_hours) AS DOUBLE) AS c2,
       CAST(max(age_hours) AS DOUBLE) AS c3,
       max(received_at) AS newest
FROM (SELECT *, (CAST(unix_micros(:now) - unix_micros(received_at) AS DOUBLE) / CAST(1000000 AS DOUBLE)) / 3600 AS age_hours
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
            LEFT JOIN channels ch ON ch.code = e.source) AS recent WHERE received_at <= :now AND coalesce(closed_at > :now, true) AND NOT (status IN ('cancelled', 'merged') AND coalesce(closed_at, updated_at) <= :now)) AS base
WHERE true
GROUP BY GROUPING SETS ((u_city), (u_district), (u_street))) AS scan WHERE unit_code IS NOT NULL
