-- Which patterns each error belongs to: PatternDetected lists its member errors
-- (error_patterns.error_ids); this view turns that into one row per (error, pattern), so an
-- analyst can join errors to their patterns. (errors.pattern_id, from the requirement's schema,
-- cannot hold an error that belongs to several patterns; it stays empty.)
CREATE VIEW error_pattern_members AS
SELECT member.error_id,
       p.pattern_id,
       p.pattern_type,
       p.service,
       p.layer,
       p.window_start,
       p.window_end,
       p.confidence,
       p.risk_level,
       p.detected_at
FROM error_patterns p
CROSS JOIN LATERAL unnest(p.error_ids) AS member(error_id);

COMMENT ON VIEW error_pattern_members IS
    'one row per (error, pattern it is a member of), from error_patterns.error_ids';

GRANT SELECT ON error_pattern_members TO errorstream_analyst;
