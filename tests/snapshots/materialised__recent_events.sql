SELECT e.*, ch.role AS channel, c.domain AS category_domain,
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
            FROM (SELECT * EXCLUDE (description, caller_name, caller_phone, department, batch_id) FROM events WHERE (received_at > $now - INTERVAL 2 DAY AND received_at <= $now) OR (accepted_at > $now - INTERVAL 2 DAY AND accepted_at <= $now) OR (dispatched_at > $now - INTERVAL 2 DAY AND dispatched_at <= $now) OR (resolved_at > $now - INTERVAL 2 DAY AND resolved_at <= $now) OR (closed_at > $now - INTERVAL 2 DAY AND closed_at <= $now) OR (due_at > $now - INTERVAL 2 DAY AND due_at <= $now) OR coalesce(closed_at > $now, true)) e LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
            LEFT JOIN event_categories c ON c.code = e.category_code
            LEFT JOIN channels ch ON ch.code = e.source
