-- Views over the read models, for analysts and the report/query commands.
--
-- Thresholds the requirements make configurable are custom settings with the requirements'
-- defaults, set per database, role or session, e.g.
--   ALTER DATABASE errorstream SET errorstream.analysis_min_occurrences = '5';
--   SET errorstream.alert_flap_window = '30 minutes';
-- Views are computed on read; `errorstream replay` recreates the ones that depend on a table
-- it swaps (with their grants), so they always read the live tables.

-- Groups that reached the analysis minimum (requirement 004: minOccurrences, default 3) and
-- have no analysis yet, oldest first — what the analysis worker polls.
CREATE VIEW pending_error_analysis AS
SELECT g.group_id,
       g.service,
       g.title,
       g.exception_type,
       g.category,
       g.type,
       g.severity,
       g.max_severity,
       g.status,
       g.occurrences,
       g.first_seen,
       g.last_seen,
       g.last_error_id
  FROM error_groups g
 WHERE g.occurrences >= coalesce(
           nullif(current_setting('errorstream.analysis_min_occurrences', true), '')::integer, 3)
   AND NOT EXISTS (SELECT 1 FROM error_analysis a WHERE a.group_id = g.group_id)
   AND NOT EXISTS (SELECT 1
                     FROM error_analysis a
                     JOIN errors e ON e.id = a.error_id
                    WHERE a.group_id IS NULL AND e.group_id = g.group_id)
 ORDER BY g.first_seen, g.group_id;

-- Aggregated statistics by service, error category and type (requirement 004).
CREATE VIEW error_reports_summary AS
SELECT e.source_service_id                                              AS service,
       e.category,
       e.type,
       count(*)                                                         AS errors,
       sum(e.report_count)                                              AS reports,
       count(DISTINCT e.group_id)                                       AS groups,
       count(*) FILTER (WHERE e.severity::text IN ('critical', 'emergency')) AS critical_errors,
       count(*) FILTER (WHERE e.is_recurring)                           AS recurring_errors,
       count(*) FILTER (WHERE e.regression)                             AS regressions,
       count(*) FILTER (WHERE e.late)                                   AS late_errors,
       round(avg(e.confidence), 3)                                      AS mean_confidence,
       min(e.occurred_at)                                               AS first_seen,
       max(e.occurred_at)                                               AS last_seen
  FROM errors e
 GROUP BY e.source_service_id, e.category, e.type;

-- The issue list with the status a reader expects now: a group quiet for longer than
-- errorstream.group_resolve_after (default 6 hours, the detection agent's) shows as resolved.
CREATE VIEW error_issues AS
SELECT g.*,
       CASE
           WHEN g.last_seen < now() - coalesce(
                    nullif(current_setting('errorstream.group_resolve_after', true), '')::interval,
                    interval '6 hours')
           THEN 'resolved'
           ELSE g.status
       END AS current_status
  FROM error_groups g;

-- The groups with the most errors in a window ending at `window_end` (default now), by reports.
CREATE FUNCTION top_groups(
    window_length interval,
    window_end    timestamptz DEFAULT now(),
    max_rows      integer     DEFAULT 20,
    only_service  text        DEFAULT NULL)
RETURNS TABLE (
    group_id       varchar,
    service        varchar,
    title          text,
    exception_type varchar,
    category       varchar,
    type           varchar,
    severity       varchar,
    status         varchar,
    errors         bigint,
    reports        bigint,
    first_in_window timestamptz,
    last_in_window  timestamptz,
    occurrences    bigint,
    first_seen     timestamptz)
LANGUAGE sql STABLE
AS $$
    SELECT g.group_id, g.service, g.title, g.exception_type, g.category, g.type, g.severity,
           g.status, w.errors, w.reports, w.first_at, w.last_at, g.occurrences, g.first_seen
      FROM (SELECT e.group_id, count(*) AS errors, sum(e.report_count)::bigint AS reports,
                   min(e.occurred_at) AS first_at, max(e.occurred_at) AS last_at
              FROM public.errors e
             WHERE e.occurred_at > $2 - $1 AND e.occurred_at <= $2
               AND e.group_id IS NOT NULL
               AND ($4 IS NULL OR e.source_service_id = $4)
             GROUP BY e.group_id) w
      JOIN public.error_groups g ON g.group_id = w.group_id
     ORDER BY w.reports DESC, w.errors DESC, g.group_id
     LIMIT $3
$$;

CREATE VIEW top_groups_1h AS SELECT * FROM top_groups(interval '1 hour');
CREATE VIEW top_groups_24h AS SELECT * FROM top_groups(interval '24 hours');

-- Mean time to resolve per service: alerts (raised → resolved), corrections (started →
-- completed successfully) and agent resolutions.
CREATE VIEW mttr_by_service AS
WITH alert_times AS (
    SELECT a.service,
           count(*) FILTER (WHERE a.status = 'firing')                              AS firing_alerts,
           count(*) FILTER (WHERE a.status = 'resolved')                            AS resolved_alerts,
           avg(a.duration_ms) FILTER (WHERE a.status = 'resolved')                  AS mean_ms,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY a.duration_ms)
               FILTER (WHERE a.status = 'resolved')                                 AS p50_ms,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY a.duration_ms)
               FILTER (WHERE a.status = 'resolved')                                 AS p90_ms,
           max(a.duration_ms) FILTER (WHERE a.status = 'resolved')                  AS max_ms
      FROM alerts a
     WHERE a.service IS NOT NULL
     GROUP BY a.service),
correction_times AS (
    SELECT x.service,
           count(*) AS completed_corrections,
           avg(extract(epoch FROM x.completed_at - x.started_at) * 1000) AS mean_ms
      FROM correction_executions x
     WHERE x.execution_status = 'completed' AND x.service IS NOT NULL
       AND x.started_at IS NOT NULL AND x.completed_at IS NOT NULL
     GROUP BY x.service),
agent_times AS (
    SELECT s.service, count(*) AS agent_resolutions, avg(s.time_to_resolve_ms) AS mean_ms
      FROM agent_assignments s
     WHERE s.status = 'completed' AND s.service IS NOT NULL
     GROUP BY s.service)
SELECT service,
       coalesce(a.firing_alerts, 0)                           AS firing_alerts,
       coalesce(a.resolved_alerts, 0)                         AS resolved_alerts,
       make_interval(secs => a.mean_ms / 1000)                AS mean_time_to_resolve_alert,
       make_interval(secs => a.p50_ms / 1000)                 AS p50_time_to_resolve_alert,
       make_interval(secs => a.p90_ms / 1000)                 AS p90_time_to_resolve_alert,
       make_interval(secs => a.max_ms / 1000)                 AS max_time_to_resolve_alert,
       coalesce(c.completed_corrections, 0)                   AS completed_corrections,
       make_interval(secs => c.mean_ms / 1000)                AS mean_time_to_correct,
       coalesce(g.agent_resolutions, 0)                       AS agent_resolutions,
       make_interval(secs => g.mean_ms / 1000)                AS mean_agent_time_to_resolve
  FROM alert_times a
  FULL JOIN correction_times c USING (service)
  FULL JOIN agent_times g USING (service);

-- Outcomes of finished corrections per action type: each action of the plan that an execution
-- ran counts with its own result's status, or the execution's status when it has no result.
CREATE VIEW correction_success_rate AS
WITH outcomes AS (
    SELECT act ->> 'type'                                          AS action_type,
           coalesce(res.status, x.execution_status)                AS outcome,
           res.duration_ms
      FROM correction_executions x
      JOIN correction_plans p ON p.id = x.plan_id
     CROSS JOIN LATERAL jsonb_array_elements(coalesce(p.actions, '[]')) AS act
      LEFT JOIN LATERAL (
           SELECT r ->> 'status' AS status, (r ->> 'duration_ms')::bigint AS duration_ms
             FROM jsonb_array_elements(coalesce(x.results, '[]')) AS r
            WHERE r ->> 'action_id' = act ->> 'action_id'
            LIMIT 1) res ON true
     WHERE x.execution_status::text NOT IN ('planned', 'in_progress')
       AND (coalesce(cardinality(x.actions), 0) = 0 OR act ->> 'action_id' = ANY (x.actions)))
SELECT action_type,
       count(*)                                                   AS executions,
       count(*) FILTER (WHERE outcome = 'completed')              AS succeeded,
       count(*) FILTER (WHERE outcome IN ('failed', 'rolled_back')) AS failed,
       count(*) FILTER (WHERE outcome = 'cancelled')              AS cancelled,
       round(count(*) FILTER (WHERE outcome = 'completed')::numeric / count(*), 3) AS success_rate,
       make_interval(secs => avg(duration_ms) / 1000)             AS mean_duration
  FROM outcomes
 GROUP BY action_type;

-- How noisy each alert rule is: alerts, notifications, alerts per 1,000 errors reported, mean
-- time firing, and flapping (an alert of the same rule and key starting within
-- errorstream.alert_flap_window, default 15 minutes, of the previous one resolving).
CREATE VIEW alert_noise_by_rule AS
WITH ordered AS (
    SELECT a.*,
           lag(a.resolved_at) OVER (PARTITION BY a.rule, a.key ORDER BY a.starts_at, a.alert_id)
               AS previous_resolved_at
      FROM alerts a),
reported AS (SELECT coalesce(sum(report_count), 0) AS reports FROM errors)
SELECT o.rule,
       count(*)                                                   AS alerts,
       count(*) FILTER (WHERE o.status = 'firing')                AS firing,
       count(DISTINCT o.key)                                      AS keys,
       sum(o.notifications)                                       AS notifications,
       round(count(*) * 1000.0 / nullif((SELECT reports FROM reported), 0), 3)
                                                                  AS alerts_per_1000_errors,
       make_interval(secs => avg(o.duration_ms) / 1000)           AS mean_duration,
       count(*) FILTER (
           WHERE o.previous_resolved_at IS NOT NULL
             AND o.starts_at - o.previous_resolved_at < coalesce(
                     nullif(current_setting('errorstream.alert_flap_window', true), '')::interval,
                     interval '15 minutes'))                      AS flapping
  FROM ordered o
 GROUP BY o.rule;
