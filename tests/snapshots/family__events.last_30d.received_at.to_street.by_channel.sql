SELECT CAST(channel AS VARCHAR) AS split_value, u_grid,
       CAST(count(*) FILTER (WHERE (NOT is_void) AND (is_closed)) AS DOUBLE) AS s0_c0,
       CAST(count(*) FILTER (WHERE (NOT is_void)) AS DOUBLE) AS s0_c1,
       CAST(count(*) FILTER (WHERE (NOT is_void) AND (response_minutes <= 60) AND (dispatch_hours <= 24 OR handling_hours <= 24) AND (closing_hours <= 168)) AS DOUBLE) AS s0_c2,
       CAST(count(*) FILTER (WHERE (NOT is_void) AND (is_closed OR received_at < $now - INTERVAL 168 HOUR)) AS DOUBLE) AS s0_c3,
       CAST(count(*) FILTER (WHERE (NOT is_void) AND (response_minutes <= 60)) AS DOUBLE) AS s0_c4,
       CAST(count(*) FILTER (WHERE (NOT is_void) AND (is_accepted OR received_at < $now - INTERVAL 1 HOUR)) AS DOUBLE) AS s0_c5,
       CAST(count(*) FILTER (WHERE (NOT is_void) AND (dispatch_hours <= 24 OR handling_hours <= 24)) AS DOUBLE) AS s0_c6,
       CAST(count(*) FILTER (WHERE (NOT is_void) AND (is_dispatched OR is_resolved OR received_at < $now - INTERVAL 24 HOUR)) AS DOUBLE) AS s0_c7,
       CAST(count(*) FILTER (WHERE (NOT is_void) AND (closing_hours <= 168)) AS DOUBLE) AS s0_c8,
       CAST(count(*) FILTER (WHERE (handling_level = 1) AND (NOT is_void) AND (is_closed)) AS DOUBLE) AS s0_c9,
       CAST(count(*) FILTER (WHERE (handling_level = 1) AND (NOT is_void)) AS DOUBLE) AS s0_c10,
       CAST(count(*) FILTER (WHERE (handling_level = 2) AND (NOT is_void) AND (is_closed)) AS DOUBLE) AS s0_c11,
       CAST(count(*) FILTER (WHERE (handling_level = 2) AND (NOT is_void)) AS DOUBLE) AS s0_c12,
       CAST(count(*) FILTER (WHERE (handling_level = 3) AND (NOT is_void) AND (is_closed)) AS DOUBLE) AS s0_c13,
       CAST(count(*) FILTER (WHERE (handling_level = 3) AND (NOT is_void)) AS DOUBLE) AS s0_c14,
       CAST(count(*) FILTER (WHERE (is_repeat)) AS DOUBLE) AS s0_c15,
       CAST(count(*) FILTER (WHERE (NOT is_void) AND (dispatch_hours <= 0.25)) AS DOUBLE) AS s0_c16,
       CAST(count(*) FILTER (WHERE (NOT is_void) AND (is_dispatched OR received_at < $now - INTERVAL 15 MINUTE)) AS DOUBLE) AS s0_c17,
       epoch(max(received_at)) AS newest_s
FROM (SELECT e.*, ch.role AS channel, c.domain AS category_domain,
    closed_at <= $now AS is_closed,
    resolved_at <= $now AS is_resolved,
    accepted_at <= $now AS is_accepted,
    dispatched_at <= $now AS is_dispatched,
    (status IN ('cancelled', 'merged') AND coalesce(closed_at, updated_at) <= $now) AS is_void,
    ((resolved_at <= $now AND resolved_at > due_at) OR (coalesce(resolved_at > $now, true) AND due_at < $now)) AND NOT (status IN ('cancelled', 'merged') AND coalesce(closed_at, updated_at) <= $now) AS is_overdue,
    CASE WHEN resolved_at <= $now THEN epoch(resolved_at - received_at) / 3600 END AS handling_hours,
    CASE WHEN accepted_at <= $now THEN epoch(accepted_at - received_at) / 60 END AS response_minutes,
    CASE WHEN dispatched_at <= $now THEN epoch(dispatched_at - received_at) / 3600 END AS dispatch_hours,
    CASE WHEN closed_at <= $now THEN epoch(closed_at - received_at) / 3600 END AS closing_hours,
    CASE WHEN closed_at <= $now THEN satisfaction END AS rating, 
    coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
    g.district_code AS u_district, g.street_code AS u_street, g.community_code AS u_community, g.code AS u_grid
            FROM events e LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
            LEFT JOIN event_categories c ON c.code = e.category_code
            LEFT JOIN channels ch ON ch.code = e.source) AS base
WHERE received_at > $start AND received_at <= $end AND channel IN ('city_app', 'enterprise', 'grid', 'hotline', 'petition', 'police')
GROUP BY channel, u_grid
