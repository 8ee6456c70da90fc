SELECT *, epoch(($now - to_days(day_shift)) - received_at) / 3600 AS age_hours
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
            FROM (SELECT e.*, day_shift FROM (SELECT * EXCLUDE (description, caller_name, caller_phone, event_id, lon, lat, department, is_repeat, batch_id) FROM events WHERE received_at <= $now - INTERVAL 1 DAY AND coalesce(closed_at > $now - INTERVAL 7 DAY, true)) e, range(1, 8) AS shifts(day_shift) WHERE e.received_at <= ($now - to_days(day_shift)) AND coalesce(e.closed_at > ($now - to_days(day_shift)), true)) e LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
            LEFT JOIN event_categories c ON c.code = e.category_code
            LEFT JOIN channels ch ON ch.code = e.source) AS recent WHERE received_at <= ($now - to_days(day_shift)) AND coalesce(closed_at > ($now - to_days(day_shift)), true) AND NOT (status IN ('cancelled', 'merged') AND coalesce(closed_at, updated_at) <= ($now - to_days(day_shift)))
