WITH s AS (SELECT CASE WHEN GROUPING(u_city) = 0 THEN 'city' WHEN GROUPING(u_district) = 0 THEN 'district' WHEN GROUPING(u_street) = 0 THEN 'street' END AS level, CASE WHEN GROUPING(u_city) = 0 THEN u_city WHEN GROUPING(u_district) = 0 THEN u_district WHEN GROUPING(u_street) = 0 THEN u_street END AS unit_code, day_shift, 
       CAST(coalesce(count(*) FILTER (WHERE is_accepted IS NOT TRUE), 0) AS DOUBLE) AS c0,
       CAST(coalesce(count(*) FILTER (WHERE age_hours > 168), 0) AS DOUBLE) AS c1,
       CAST(avg(age_hours) AS DOUBLE) AS c2,
       CAST(max(age_hours) AS DOUBLE) AS c3,
       max(received_at) AS newest
FROM (SELECT *, epoch(($now - to_days(day_shift)) - received_at) / 3600 AS age_hours
            FROM (SELECT e.*, ch.role AS channel, c.domain AS category_domain,
    closed_at <= ($now - to_days(day_shift)) AS is_closed,
    resolved_at <= ($now - to_days(day_shift)) AS is_resolved,
    accepted_at <= ($now - to_days(day_shift)) AS is_accepted,
    dispatched_at <= ($now - to_days(day_shift)) AS is_dispatched,
    (status IN ('cancelled', 'merged') AND coalesce(closed_at, updated_at) <= ($now - to_days(day_shift))) AS is_void,
    ((resolved_at <= ($now - to_days(day_shift)) AND resolved_at > due_at) OR (coalesce(resolved_at > ($now - to_days(day_shift)), true) AND due_at < ($now - to_days(day_shift)))) AND NOT (status IN ('cancelled', 'merged') AND coalesce(closed_at, updated_at) <= ($now - to_days(day_shift))) AS is_overdue,
    CASE WHEN resolved_at <= ($now - to_days(day_shift)) THEN epoch(resolved_at - received_at) / 3600 END AS handling_hours,
    CASE WHEN accepted_at <= ($now - to_days(day_shift)) THEN epoch(accepted_at - received_at) / 60 END AS response_minutes,
    CASE WHEN dispatched_at <= ($now - to_days(day_shift)) THEN epoch(dispatched_at - received_at) / 3600 END AS dispatch_hours,
    CASE WHEN closed_at <= ($now - to_days(day_shift)) THEN epoch(closed_at - received_at) / 3600 END AS closing_hours,
    CASE WHEN closed_at <= ($now - to_days(day_shift)) THEN satisfaction END AS rating, 
    coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
    g.district_code AS u_district, g.street_code AS u_street, g.community_code AS u_community, g.code AS u_grid
            FROM (SELECT e.*, day_shift FROM (SELECT * FROM events WHERE received_at <= $now - INTERVAL 1 DAY AND coalesce(closed_at > $now - INTERVAL 7 DAY, true)) e, range(1, 8) AS shifts(day_shift) WHERE e.received_at <= ($now - to_days(day_shift)) AND coalesce(e.closed_at > ($now - to_days(day_shift)), true)) e LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
            LEFT JOIN event_categories c ON c.code = e.category_code
            LEFT JOIN channels ch ON ch.code = e.source) AS recent WHERE received_at <= ($now - to_days(day_shift)) AND coalesce(closed_at > ($now - to_days(day_shift)), true) AND NOT (status IN ('cancelled', 'merged') AND coalesce(closed_at, updated_at) <= ($now - to_days(day_shift)))) AS base
WHERE true
GROUP BY GROUPING SETS ((day_shift, u_city), (day_shift, u_district), (day_shift, u_street))),
                   u AS (UNPIVOT (SELECT * FROM s WHERE unit_code IS NOT NULL) ON c0, c1, c2, c3
                         INTO NAME column_name VALUE val)
              SELECT o.indicator_id, u.level, u.unit_code, u.day_shift,
                     max(u.val) FILTER (WHERE o.role = 'value') AS value,
                     max(u.val) FILTER (WHERE o.role = 'numerator') AS numerator,
                     max(u.val) FILTER (WHERE o.role = 'denominator') AS denominator,
                     max(epoch(u.newest)) AS newest_s, any_value(o.scale) AS scale
              FROM u JOIN _indicator_outputs o
                ON o.scan = 'open_cases.now.state.to_street.wide0' AND o.column_name = u.column_name AND o.split_value = ''
              GROUP BY ALL
