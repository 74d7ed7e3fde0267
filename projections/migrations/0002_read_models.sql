-- The read models of every event type (requirement 000 §5.2, adapted to the events).
--
-- Rules every table here keeps:
-- * every column comes from event data (no now() defaults), so a rebuild from the topics is
--   identical to the live table, row for row (`errorstream checksum` compares them);
-- * rows are keyed by the entity's id from the events and merged order-independently by the
--   projectors (see projections/merge.py), so nothing depends on which topic is read first;
-- * no foreign keys between tables fed by different topics: a child's event can be projected
--   before its parent's (an alert resolved before raised, a correction approved before its
--   plan is read), so rows that the other events have not filled in yet keep NULLs instead;
-- * JSONB for open-ended data, text[] for lists that are filtered on, numeric(4,3) for 0..1
--   scores (as errors.confidence).

-- -- error groups: the issue list --------------------------------------------------------------
CREATE TABLE error_groups (
    group_id          varchar(64) PRIMARY KEY,
    service           varchar(255) NOT NULL,
    layer             varchar(20)  NOT NULL,
    title             text         NOT NULL,   -- the latest error's template, else its message
    message           text         NOT NULL,   -- the latest error's message
    exception_type    varchar(500),
    template          text,
    grouping_method   varchar(20)  NOT NULL,
    category          varchar(50)  NOT NULL,   -- classification of the latest error
    type              varchar(50)  NOT NULL,
    subtype           varchar(100),
    severity          varchar(20)  NOT NULL,
    max_severity      varchar(20)  NOT NULL,   -- the highest severity any error had
    status            varchar(20)  NOT NULL,   -- group status at the latest error
    occurrences       bigint       NOT NULL,
    first_seen        timestamptz  NOT NULL,
    last_seen         timestamptz  NOT NULL,
    regressions       integer      NOT NULL DEFAULT 0,
    last_regressed_at timestamptz,
    is_recurring      boolean      NOT NULL DEFAULT false,
    first_error_id    uuid         NOT NULL,
    first_error_at    timestamptz  NOT NULL,
    last_error_id     uuid         NOT NULL,
    last_error_at     timestamptz  NOT NULL,
    CONSTRAINT valid_group_category CHECK (category IN ('system', 'logic', 'data', 'external', 'agent', 'user', 'process', 'security', 'performance')),
    CONSTRAINT valid_group_type CHECK (type IN ('exception', 'timeout', 'validation', 'authentication', 'authorization', 'resource_exhaustion', 'network', 'database', 'integration', 'configuration')),
    CONSTRAINT valid_group_severity CHECK (severity IN ('low', 'medium', 'high', 'critical', 'emergency')),
    CONSTRAINT valid_group_max_severity CHECK (max_severity IN ('low', 'medium', 'high', 'critical', 'emergency')),
    CONSTRAINT valid_group_status CHECK (status IN ('new', 'ongoing', 'resolved', 'regressed')),
    CONSTRAINT valid_group_layer CHECK (layer IN ('api', 'service', 'core', 'infrastructure')),
    CONSTRAINT valid_group_occurrences CHECK (occurrences > 0)
);
CREATE INDEX idx_error_groups_last_seen ON error_groups (last_seen DESC, group_id);
CREATE INDEX idx_error_groups_service ON error_groups (service, last_seen DESC, group_id);
CREATE INDEX idx_error_groups_category_type ON error_groups (category, type);
CREATE INDEX idx_error_groups_status ON error_groups (status);
CREATE INDEX idx_error_groups_recurring ON error_groups (is_recurring) WHERE is_recurring;

-- One row per error that regressed its group (so a redelivery never counts twice).
CREATE TABLE error_group_regressions (
    group_id     varchar(64) NOT NULL,
    error_id     uuid        NOT NULL,
    regressed_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, error_id)
);

-- -- analysis ------------------------------------------------------------------------------------
CREATE TABLE error_analysis (
    id                     uuid PRIMARY KEY,          -- analysis id
    event_id               uuid         NOT NULL,
    error_id               uuid         NOT NULL,     -- no FK: errors may be projected later
    group_id               varchar(64),
    pattern_id             uuid,
    service                varchar(255) NOT NULL,
    analysis_method        varchar(50)  NOT NULL,
    primary_cause          text         NOT NULL,
    primary_cause_category varchar(20)  NOT NULL,
    root_cause             jsonb        NOT NULL DEFAULT '{}',
    contributing_factors   jsonb        NOT NULL DEFAULT '[]',
    impact_assessment      jsonb        NOT NULL DEFAULT '{}',
    overall_impact         varchar(20)  NOT NULL,
    historical_correlation jsonb        NOT NULL DEFAULT '{}',
    predictive_insights    jsonb        NOT NULL DEFAULT '[]',
    recommended_actions    jsonb        NOT NULL DEFAULT '[]',
    correction_required    boolean      NOT NULL DEFAULT false,
    confidence             numeric(4, 3) NOT NULL,
    analysis_duration_ms   bigint,
    created_at             timestamptz  NOT NULL,     -- the event's occurred_at
    CONSTRAINT valid_analysis_confidence CHECK (confidence BETWEEN 0 AND 1),
    CONSTRAINT valid_primary_cause_category CHECK (primary_cause_category IN ('technical', 'procedural', 'environmental', 'human', 'external', 'design')),
    CONSTRAINT valid_overall_impact CHECK (overall_impact IN ('minimal', 'low', 'moderate', 'high', 'severe', 'catastrophic'))
);
CREATE INDEX idx_error_analysis_error_id ON error_analysis (error_id);
CREATE INDEX idx_error_analysis_group_id ON error_analysis (group_id);
CREATE INDEX idx_error_analysis_created_at ON error_analysis (created_at);

-- -- patterns: one row per PatternDetected ------------------------------------------------------
CREATE TABLE error_patterns (
    pattern_id           uuid PRIMARY KEY,
    event_id             uuid         NOT NULL,
    pattern_type         varchar(30)  NOT NULL,
    service              varchar(255),
    layer                varchar(20),
    services             text[]       NOT NULL DEFAULT '{}',
    affected_layers      text[]       NOT NULL DEFAULT '{}',
    error_ids            uuid[]       NOT NULL DEFAULT '{}',   -- requirement's associated_errors
    group_ids            text[]       NOT NULL DEFAULT '{}',
    window_start         timestamptz  NOT NULL,
    window_end           timestamptz  NOT NULL,
    occurrence_count     integer      NOT NULL,               -- requirement's frequency
    frequency_per_minute double precision NOT NULL,
    confidence           numeric(4, 3) NOT NULL,
    risk_level           varchar(20)  NOT NULL,
    description          text         NOT NULL,
    recommendations      jsonb        NOT NULL DEFAULT '[]',
    detected_at          timestamptz  NOT NULL,
    CONSTRAINT valid_pattern_type CHECK (pattern_type IN ('recurring', 'cascade', 'burst', 'degradation', 'new_group_spike')),
    CONSTRAINT valid_pattern_layer CHECK (layer IN ('api', 'service', 'core', 'infrastructure')),
    CONSTRAINT valid_pattern_risk CHECK (risk_level IN ('low', 'medium', 'high', 'critical', 'emergency')),
    CONSTRAINT valid_pattern_confidence CHECK (confidence BETWEEN 0 AND 1),
    CONSTRAINT valid_pattern_frequency CHECK (occurrence_count > 0)
);
CREATE INDEX idx_error_patterns_service ON error_patterns (service, detected_at);
CREATE INDEX idx_error_patterns_type ON error_patterns (pattern_type, detected_at);
CREATE INDEX idx_error_patterns_detected_at ON error_patterns (detected_at);
CREATE INDEX idx_error_patterns_error_ids ON error_patterns USING gin (error_ids);
CREATE INDEX idx_error_patterns_group_ids ON error_patterns USING gin (group_ids);

-- -- alerts: one row per alert id (raised → firing, resolved → resolved) -------------------------
CREATE TABLE alerts (
    alert_id          uuid PRIMARY KEY,
    rule              varchar(100) NOT NULL,
    key               varchar(500) NOT NULL,
    service           varchar(255),
    layer             varchar(20),
    status            varchar(20)  NOT NULL,
    severity          varchar(20),               -- the highest any notification had
    summary           text,
    value             double precision,          -- at the latest notification
    peak_value        double precision,
    threshold         double precision,
    comparison        varchar(2),
    window_start      timestamptz,
    window_end        timestamptz,
    starts_at         timestamptz  NOT NULL,
    last_notified_at  timestamptz,
    notifications     integer      NOT NULL DEFAULT 0,   -- counted from alert_notifications
    resolved_at       timestamptz,
    duration_ms       bigint,
    resolved_value    double precision,
    resolve_reason    text,
    labels            jsonb        NOT NULL DEFAULT '{}',
    group_ids         text[]       NOT NULL DEFAULT '{}',
    sample_error_ids  text[]       NOT NULL DEFAULT '{}',
    pattern_id        uuid,
    raised_event_id   uuid,
    raised_event_at   timestamptz,
    resolved_event_id uuid,
    CONSTRAINT valid_alert_status CHECK (status IN ('firing', 'resolved')),
    CONSTRAINT valid_alert_severity CHECK (severity IN ('low', 'medium', 'high', 'critical', 'emergency')),
    CONSTRAINT valid_alert_layer CHECK (layer IN ('api', 'service', 'core', 'infrastructure')),
    CONSTRAINT valid_alert_comparison CHECK (comparison IN ('>', '>=', '<', '<=', '=', '!='))
);
CREATE INDEX idx_alerts_rule_key ON alerts (rule, key, starts_at);
CREATE INDEX idx_alerts_service ON alerts (service, starts_at);
CREATE INDEX idx_alerts_starts_at ON alerts (starts_at, alert_id);
CREATE INDEX idx_alerts_firing ON alerts (status) WHERE status = 'firing';

-- One row per AlertRaised (the first and every repeat notification).
CREATE TABLE alert_notifications (
    event_id    uuid PRIMARY KEY,
    alert_id    uuid             NOT NULL,
    notified_at timestamptz      NOT NULL,
    severity    varchar(20)      NOT NULL,
    value       double precision NOT NULL
);
CREATE INDEX idx_alert_notifications_alert_id ON alert_notifications (alert_id);

-- -- escalations: one row per EscalationRaised --------------------------------------------------
CREATE TABLE escalations (
    escalation_id uuid PRIMARY KEY,
    event_id      uuid         NOT NULL,
    policy_id     varchar(255) NOT NULL,
    level         integer      NOT NULL,
    channel       varchar(100) NOT NULL,
    recipients    text[]       NOT NULL DEFAULT '{}',
    reason        text         NOT NULL,
    severity      varchar(20)  NOT NULL,
    service       varchar(255),
    layer         varchar(20),
    key           varchar(500) NOT NULL,
    alert_id      uuid,
    pattern_id    uuid,
    error_ids     text[]       NOT NULL DEFAULT '{}',
    escalated_at  timestamptz  NOT NULL,
    CONSTRAINT valid_escalation_severity CHECK (severity IN ('low', 'medium', 'high', 'critical', 'emergency')),
    CONSTRAINT valid_escalation_layer CHECK (layer IN ('api', 'service', 'core', 'infrastructure'))
);
CREATE INDEX idx_escalations_service ON escalations (service, escalated_at);
CREATE INDEX idx_escalations_alert_id ON escalations (alert_id);
CREATE INDEX idx_escalations_escalated_at ON escalations (escalated_at);

-- -- corrections ----------------------------------------------------------------------------------
-- A plan row is made by whichever of planned/approved/rejected/started/completed is read
-- first; the columns the plan event carries stay NULL until it is read.
CREATE TABLE correction_plans (
    id                    uuid PRIMARY KEY,        -- plan id
    error_id              uuid,
    group_id              varchar(64),
    analysis_id           uuid,
    service               varchar(255),
    strategy              varchar(50),
    automation_level      varchar(20),
    actions               jsonb,
    execution_order       jsonb,
    prerequisites         jsonb,
    risk_assessment       jsonb,
    risk_score            numeric(4, 3),
    risk_level            varchar(20),
    rollback_plan         jsonb,
    authorization_level   varchar(50),
    approvers             text[],
    approval_required     boolean,
    estimated_duration_ms bigint,
    confidence            numeric(4, 3),
    created_at            timestamptz,             -- CorrectionPlanned's occurred_at
    planned_event_id      uuid,
    status                varchar(20)  NOT NULL,   -- from the plan's latest lifecycle event
    status_at             timestamptz  NOT NULL,
    status_event_id       uuid         NOT NULL,
    decision              varchar(20),             -- approved | rejected
    decided_by            varchar(255),
    decision_source       varchar(20),
    decision_reason       text,
    automation_rule_id    varchar(255),
    decided_at            timestamptz,
    decision_event_id     uuid,
    updated_at            timestamptz  NOT NULL,   -- the latest event time of any of them
    CONSTRAINT valid_plan_strategy CHECK (strategy IN ('immediate_fix', 'gradual_repair', 'rollback', 'workaround', 'escalation', 'preventive')),
    CONSTRAINT valid_plan_status CHECK (status IN ('planned', 'approved', 'rejected', 'in_progress', 'completed', 'failed', 'cancelled')),
    CONSTRAINT valid_plan_automation_level CHECK (automation_level IN ('fully_automated', 'agent_assisted', 'human_supervised', 'manual_only')),
    CONSTRAINT valid_plan_decision CHECK (decision IN ('approved', 'rejected')),
    CONSTRAINT valid_plan_confidence CHECK (confidence BETWEEN 0 AND 1),
    CONSTRAINT valid_plan_risk_score CHECK (risk_score BETWEEN 0 AND 1)
);
CREATE INDEX idx_correction_plans_error_id ON correction_plans (error_id);
CREATE INDEX idx_correction_plans_group_id ON correction_plans (group_id);
CREATE INDEX idx_correction_plans_status ON correction_plans (status);
CREATE INDEX idx_correction_plans_created_at ON correction_plans (created_at);

CREATE TABLE correction_executions (
    id                 uuid PRIMARY KEY,           -- execution id
    plan_id            uuid         NOT NULL,      -- no FK: the plan may be read later
    error_id           uuid,
    service            varchar(255),
    execution_status   varchar(20)  NOT NULL,
    actions            text[],                     -- action ids this execution runs
    assigned_agents    jsonb,
    executed_by        varchar(255),
    started_at         timestamptz,
    completed_at       timestamptz,
    results            jsonb,
    validation         jsonb,
    validation_passed  boolean,
    side_effects       jsonb,
    metrics            jsonb,
    duration_ms        bigint,
    errors_before      bigint,
    errors_after       bigint,
    lessons_learned    jsonb,
    rolled_back        boolean,
    started_event_id   uuid,
    started_event_at   timestamptz,
    completed_event_id uuid,
    CONSTRAINT valid_execution_status CHECK (execution_status IN ('planned', 'in_progress', 'completed', 'failed', 'cancelled', 'rolled_back'))
);
CREATE INDEX idx_correction_executions_plan_id ON correction_executions (plan_id);
CREATE INDEX idx_correction_executions_status ON correction_executions (execution_status);
CREATE INDEX idx_correction_executions_completed_at ON correction_executions (completed_at);

-- -- predictions -------------------------------------------------------------------------------
CREATE TABLE predictions (
    id                 uuid PRIMARY KEY,          -- prediction id
    event_id           uuid          NOT NULL,
    service            varchar(255)  NOT NULL,
    confidence         numeric(4, 3) NOT NULL,
    timeframe          varchar(100)  NOT NULL,
    preventive_actions jsonb         NOT NULL DEFAULT '[]',
    model_id           varchar(255)  NOT NULL,
    model_version      integer       NOT NULL,
    features_used      jsonb         NOT NULL DEFAULT '[]',
    predicted_count    integer       NOT NULL,
    max_probability    numeric(4, 3),
    predicted_at       timestamptz   NOT NULL,
    CONSTRAINT valid_prediction_confidence CHECK (confidence BETWEEN 0 AND 1)
);
CREATE INDEX idx_predictions_predicted_at ON predictions (predicted_at);
CREATE INDEX idx_predictions_model ON predictions (model_id, model_version);

-- One row per predicted error of a prediction.
CREATE TABLE predicted_errors (
    prediction_id     uuid          NOT NULL,
    position          integer       NOT NULL,
    event_id          uuid          NOT NULL,
    service           varchar(255)  NOT NULL,
    layer             varchar(20),
    category          varchar(50),
    type              varchar(50),
    group_id          varchar(64),
    probability       numeric(4, 3) NOT NULL,
    horizon_ms        bigint        NOT NULL,
    expected_severity varchar(20),
    description       text          NOT NULL DEFAULT '',
    predicted_at      timestamptz   NOT NULL,
    PRIMARY KEY (prediction_id, position),
    CONSTRAINT valid_predicted_probability CHECK (probability BETWEEN 0 AND 1)
);
CREATE INDEX idx_predicted_errors_service ON predicted_errors (service, predicted_at);

-- -- agents ------------------------------------------------------------------------------------
CREATE TABLE agent_assignments (
    id                  uuid PRIMARY KEY,          -- assignment id
    error_id            uuid         NOT NULL,
    group_id            varchar(64),
    agent_id            varchar(255) NOT NULL,
    service             varchar(255),
    role                varchar(50),               -- NULL until AgentAssigned is read
    capabilities        jsonb,
    assignment_reason   text,
    status              varchar(20)  NOT NULL,
    resolution          text,
    effectiveness       numeric(4, 3),
    time_to_resolve_ms  bigint,
    assigned_at         timestamptz,
    completed_at        timestamptz,
    assigned_event_id   uuid,
    completed_event_id  uuid,
    CONSTRAINT valid_assignment_role CHECK (role IN ('investigator', 'resolver', 'validator', 'escalator')),
    CONSTRAINT valid_assignment_status CHECK (status IN ('assigned', 'in_progress', 'completed', 'failed', 'cancelled')),
    CONSTRAINT valid_assignment_effectiveness CHECK (effectiveness BETWEEN 0 AND 1)
);
CREATE INDEX idx_agent_assignments_error_id ON agent_assignments (error_id);
CREATE INDEX idx_agent_assignments_agent_id ON agent_assignments (agent_id);
CREATE INDEX idx_agent_assignments_status ON agent_assignments (status);

-- -- learning ----------------------------------------------------------------------------------
CREATE TABLE learning_feedback (
    id                      uuid PRIMARY KEY,      -- feedback id
    event_id                uuid          NOT NULL,
    error_id                uuid,
    group_id                varchar(64),
    correction_execution_id uuid,
    service                 varchar(255)  NOT NULL,
    feedback_type           varchar(50)   NOT NULL,
    outcome                 varchar(20)   NOT NULL,
    effectiveness_score     numeric(4, 3),
    lessons_learned         jsonb         NOT NULL DEFAULT '[]',
    improvement_suggestions jsonb         NOT NULL DEFAULT '[]',
    feedback_source         varchar(50)   NOT NULL,
    source_id               varchar(255),
    corrected_category      varchar(50),
    corrected_type          varchar(50),
    corrected_severity      varchar(20),
    corrected_layer         varchar(20),
    created_at              timestamptz   NOT NULL,
    CONSTRAINT valid_feedback_type CHECK (feedback_type IN ('resolution_success', 'resolution_failure', 'prevention_success', 'false_positive', 'missed_detection')),
    CONSTRAINT valid_outcome CHECK (outcome IN ('success', 'partial_success', 'failure', 'unknown')),
    CONSTRAINT valid_effectiveness CHECK (effectiveness_score BETWEEN 0 AND 1),
    CONSTRAINT valid_feedback_source CHECK (feedback_source IN ('automated', 'agent', 'human', 'system'))
);
CREATE INDEX idx_learning_feedback_error_id ON learning_feedback (error_id);
CREATE INDEX idx_learning_feedback_group_id ON learning_feedback (group_id);
CREATE INDEX idx_learning_feedback_created_at ON learning_feedback (created_at);

-- One row per model version (several models may share a type, so (type, version) is not unique).
CREATE TABLE ml_models (
    model_id           varchar(255) NOT NULL,
    version            integer      NOT NULL,
    event_id           uuid         NOT NULL,
    model_type         varchar(50)  NOT NULL,
    description        text,
    features           jsonb        NOT NULL DEFAULT '[]',
    accuracy           numeric(5, 4),
    precision_score    numeric(5, 4),
    recall_score       numeric(5, 4),
    f1_score           numeric(5, 4),
    metrics            jsonb        NOT NULL DEFAULT '{}',
    training_data_size bigint       NOT NULL,
    improvements       jsonb        NOT NULL DEFAULT '[]',
    deployment_status  varchar(20)  NOT NULL,
    snapshot_sha256    varchar(64),
    snapshot_bytes     integer,
    seed               bigint       NOT NULL,
    created_at         timestamptz  NOT NULL,
    PRIMARY KEY (model_id, version),
    CONSTRAINT valid_model_type CHECK (model_type IN ('classification', 'regression', 'clustering', 'anomaly_detection', 'time_series', 'deep_learning')),
    CONSTRAINT valid_deployment_status CHECK (deployment_status IN ('trained', 'testing', 'deployed', 'deprecated'))
);
CREATE INDEX idx_ml_models_type_version ON ml_models (model_type, version);

CREATE TABLE knowledge_enrichments (
    event_id       uuid PRIMARY KEY,
    service        varchar(255)  NOT NULL,
    knowledge_type varchar(100)  NOT NULL,
    updates        jsonb         NOT NULL DEFAULT '[]',
    sources        jsonb         NOT NULL DEFAULT '[]',
    confidence     numeric(4, 3) NOT NULL,
    pattern_ids    text[]        NOT NULL DEFAULT '{}',
    enriched_at    timestamptz   NOT NULL
);
CREATE INDEX idx_knowledge_enrichments_enriched_at ON knowledge_enrichments (enriched_at);

-- -- configuration (compacted topics: the latest version of each id) ----------------------------
CREATE TABLE alert_thresholds (
    id                    varchar(255) PRIMARY KEY,   -- threshold id
    event_id              uuid          NOT NULL,
    scope                 varchar(100)  NOT NULL,
    metric                varchar(100)  NOT NULL,
    threshold_value       double precision NOT NULL,   -- requirement: DECIMAL(10,4)
    comparison_operator   varchar(10)   NOT NULL,
    severity              varchar(20)   NOT NULL,
    notification_channels jsonb         NOT NULL DEFAULT '[]',
    is_active             boolean       NOT NULL DEFAULT true,
    max_errors_per_minute integer,
    escalation_threshold  integer,
    severity_weights      jsonb         NOT NULL DEFAULT '{}',
    automatic_recovery    boolean,
    created_by            varchar(255),
    updated_at            timestamptz   NOT NULL,
    CONSTRAINT valid_comparison_operator CHECK (comparison_operator IN ('>', '>=', '<', '<=', '=', '!=')),
    CONSTRAINT valid_threshold_severity CHECK (severity IN ('low', 'medium', 'high', 'critical', 'emergency'))
);
CREATE INDEX idx_alert_thresholds_scope ON alert_thresholds (scope, metric);

CREATE TABLE automation_rules (
    id                      varchar(255) PRIMARY KEY, -- rule id
    event_id                uuid          NOT NULL,
    name                    varchar(255)  NOT NULL,
    description             text          NOT NULL DEFAULT '',
    conditions              jsonb         NOT NULL DEFAULT '{}',
    actions                 jsonb         NOT NULL DEFAULT '{}',
    automation_level        varchar(20)   NOT NULL,
    risk_threshold          numeric(4, 3) NOT NULL,
    approval_required       boolean       NOT NULL DEFAULT false,
    max_executions_per_hour integer       NOT NULL DEFAULT 10,
    is_active               boolean       NOT NULL DEFAULT true,
    created_by              varchar(255),
    updated_at              timestamptz   NOT NULL,
    CONSTRAINT valid_automation_level CHECK (automation_level IN ('fully_automated', 'agent_assisted', 'human_supervised', 'manual_only')),
    CONSTRAINT valid_risk_threshold CHECK (risk_threshold BETWEEN 0 AND 1)
);

CREATE TABLE escalation_policies (
    id                 varchar(255) PRIMARY KEY,      -- policy id
    event_id           uuid         NOT NULL,
    name               varchar(255) NOT NULL,
    scope              varchar(100) NOT NULL,
    min_severity       varchar(20)  NOT NULL,
    levels             jsonb        NOT NULL DEFAULT '[]',
    repeat_interval_ms bigint       NOT NULL,
    is_active          boolean      NOT NULL DEFAULT true,
    created_by         varchar(255),
    updated_at         timestamptz  NOT NULL,
    CONSTRAINT valid_policy_min_severity CHECK (min_severity IN ('low', 'medium', 'high', 'critical', 'emergency'))
);

-- -- operations --------------------------------------------------------------------------------
CREATE TABLE dead_letters (
    event_id           uuid PRIMARY KEY,            -- derived from stage + original position
    stage              varchar(255) NOT NULL,
    reason_code        varchar(100) NOT NULL,
    reason             text         NOT NULL,
    original_topic     varchar(255) NOT NULL,
    original_partition integer      NOT NULL,
    original_offset    bigint       NOT NULL,
    original_timestamp timestamptz,
    original_size      integer,
    original_key       bytea,                        -- raw bytes: not readable by analysts
    original_value     bytea,
    dead_lettered_at   timestamptz  NOT NULL
);
CREATE INDEX idx_dead_letters_original ON dead_letters (original_topic, original_partition, original_offset);
CREATE INDEX idx_dead_letters_stage ON dead_letters (stage, dead_lettered_at);
CREATE INDEX idx_dead_letters_reason ON dead_letters (reason_code);

-- Per service and window counts (WindowSummarized), for error-rate charts.
CREATE TABLE window_summaries (
    service                   varchar(255) NOT NULL,
    window_start              timestamptz  NOT NULL,
    window_ms                 bigint       NOT NULL,
    window_end                timestamptz  NOT NULL,
    event_id                  uuid         NOT NULL,
    error_count               bigint       NOT NULL,
    counts_by_layer           jsonb        NOT NULL DEFAULT '{}',
    first_seen_by_layer       jsonb        NOT NULL DEFAULT '{}',
    sample_error_ids_by_layer jsonb        NOT NULL DEFAULT '{}',
    new_groups                integer      NOT NULL DEFAULT 0,
    severity_score            double precision NOT NULL DEFAULT 0,
    summarized_at             timestamptz  NOT NULL,
    PRIMARY KEY (service, window_start, window_ms)
);
CREATE INDEX idx_window_summaries_window_start ON window_summaries (window_start);
