WITH s AS (SELECT CASE WHEN GROUPING(u_city) = 0 THEN 'city' WHEN GROUPING(u_district) = 0 THEN 'district' WHEN GROUPING(u_street) = 0 THEN 'street' END AS level, CASE WHEN GROUPING(u_city) = 0 THEN u_city WHEN GROUPING(u_district) = 0 THEN u_district WHEN GROUPING(u_street) = 0 THEN u_street END AS unit_code, CAST(channel AS VARCHAR) AS split_value, day_shift, 
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_closed)), 0) AS DOUBLE) AS c0,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void)), 0) AS DOUBLE) AS c1,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (response_minutes <= 60) AND (dispatch_hours <= 24 OR handling_hours <= 24) AND (closing_hours <= 168)), 0) AS DOUBLE) AS c2,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_closed OR received_at < $now - INTERVAL 168 HOUR)), 0) AS DOUBLE) AS c3,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (response_minutes <= 60)), 0) AS DOUBLE) AS c4,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_accepted OR received_at < $now - INTERVAL 1 HOUR)), 0) AS DOUBLE) AS c5,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (dispatch_hours <= 24 OR handling_hours <= 24)), 0) AS DOUBLE) AS c6,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_dispatched OR is_resolved OR received_at < $now - INTERVAL 24 HOUR)), 0) AS DOUBLE) AS c7,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (closing_hours <= 168)), 0) AS DOUBLE) AS c8,
       CAST(coalesce(count(*) FILTER (WHERE (handling_level = 1) AND (NOT is_void) AND (is_closed)), 0) AS DOUBLE) AS c9,
       CAST(coalesce(count(*) FILTER (WHERE (handling_level = 1) AND (NOT is_void)), 0) AS DOUBLE) AS c10,
       CAST(coalesce(count(*) FILTER (WHERE (handling_level = 2) AND (NOT is_void) AND (is_closed)), 0) AS DOUBLE) AS c11,
       CAST(coalesce(count(*) FILTER (WHERE (handling_level = 2) AND (NOT is_void)), 0) AS DOUBLE) AS c12,
       CAST(coalesce(count(*) FILTER (WHERE (handling_level = 3) AND (NOT is_void) AND (is_closed)), 0) AS DOUBLE) AS c13,
       CAST(coalesce(count(*) FILTER (WHERE (handling_level = 3) AND (NOT is_void)), 0) AS DOUBLE) AS c14,
       CAST(coalesce(count(*) FILTER (WHERE (is_repeat)), 0) AS DOUBLE) AS c15,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (dispatch_hours <= 0.25)), 0) AS DOUBLE) AS c16,
       CAST(coalesce(count(*) FILTER (WHERE (NOT is_void) AND (is_dispatched OR received_at < $now - INTERVAL 15 MINUTE)), 0) AS DOUBLE) AS c17,
       max(received_at) AS newest
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
            FROM (SELECT *, floor((epoch($end) - epoch(received_at)) / 86400)::INTEGER AS day_shift FROM events WHERE received_at > $start - INTERVAL 8 DAY AND received_at <= $end - INTERVAL 1 DAY) e LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
            LEFT JOIN event_categories c ON c.code = e.category_code
            LEFT JOIN channels ch ON ch.code = e.source) AS base
WHERE day_shift BETWEEN 1 AND 7 AND received_at > $start - to_days(day_shift) AND received_at <= $end - to_days(day_shift) AND channel IN ('city_app', 'enterprise', 'grid', 'hotline', 'petition', 'police')
GROUP BY GROUPING SETS ((channel, day_shift, u_city), (channel, day_shift, u_district), (channel, day_shift, u_street))),
                   u AS (UNPIVOT (SELECT * FROM s WHERE unit_code IS NOT NULL) ON c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17
                         INTO NAME column_name VALUE val)
              SELECT o.indicator_id, u.level, u.unit_code, u.day_shift,
                     max(u.val) FILTER (WHERE o.role = 'value') AS value,
                     max(u.val) FILTER (WHERE o.role = 'numerator') AS numerator,
                     max(u.val) FILTER (WHERE o.role = 'denominator') AS denominator,
                     max(epoch(u.newest)) AS newest_s, any_value(o.scale) AS scale
              FROM u JOIN _indicator_outputs o
                ON o.scan = 'events.last_30d.received_at.to_street.by_channel' AND o.column_name = u.column_name AND o.split_value = coalesce(u.split_value, '')
              GROUP BY ALL
