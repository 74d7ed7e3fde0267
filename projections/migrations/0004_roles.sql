-- Roles: a writer for projection workers and a read-only analyst.
--
-- Both are group roles (NOLOGIN); people and services log in as their own roles, members of
-- these (see README: "Connecting as an analyst"). Roles are cluster-wide while this migration
-- runs once per database, so creating them tolerates their existing already — even when a
-- migration of another database creates them at the same moment.
--
-- errorstream_writer:  reads and writes the read models and projection_offsets, and may create
--                      temporary tables (the projectors' COPY staging tables). No DDL.
-- errorstream_analyst: reads the read models and views — nothing else: not projection_offsets,
--                      not schema_migrations, not the raw bytes of dead letters; no writes,
--                      no DDL, no temporary tables.
-- A later migration that adds a read model grants it the same way (see the end of this file).
-- `errorstream replay` carries every grant of a table it swaps over to the rebuilt table.

DO $$
BEGIN
    CREATE ROLE errorstream_writer NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

DO $$
BEGIN
    CREATE ROLE errorstream_analyst NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- Nobody but the owner creates objects here; temporary tables only for the writer.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO errorstream_writer, errorstream_analyst;
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO errorstream_writer',
                   current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO errorstream_analyst', current_database());
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON
    projection_offsets,
    errors, error_groups, error_group_regressions, error_analysis, error_patterns,
    alerts, alert_notifications, escalations, correction_plans, correction_executions,
    predictions, predicted_errors, agent_assignments, learning_feedback, ml_models,
    knowledge_enrichments, alert_thresholds, automation_rules, escalation_policies,
    dead_letters, window_summaries
TO errorstream_writer;

GRANT SELECT ON
    errors, error_groups, error_group_regressions, error_analysis, error_patterns,
    alerts, alert_notifications, escalations, correction_plans, correction_executions,
    predictions, predicted_errors, agent_assignments, learning_feedback, ml_models,
    knowledge_enrichments, alert_thresholds, automation_rules, escalation_policies,
    window_summaries,
    pending_error_analysis, error_reports_summary, error_issues, top_groups_1h,
    top_groups_24h, mttr_by_service, correction_success_rate, alert_noise_by_rule
TO errorstream_analyst;

-- Dead letters without their original bytes (which are not redacted).
GRANT SELECT (event_id, stage, reason_code, reason, original_topic, original_partition,
              original_offset, original_timestamp, original_size, dead_lettered_at)
    ON dead_letters TO errorstream_analyst;

-- Functions are executable by PUBLIC by default; top_groups reads with the caller's rights.
REVOKE EXECUTE ON FUNCTION top_groups(interval, timestamptz, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION top_groups(interval, timestamptz, integer, text)
    TO errorstream_analyst, errorstream_writer;
