-- Offsets of every projector, written in the same transaction as its rows (exactly-once).
CREATE TABLE projection_offsets (
    projection  text        NOT NULL,
    topic       text        NOT NULL,
    partition   integer     NOT NULL,
    next_offset bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, topic, partition)
);

-- One row per reported error (requirement 000 §5.2), keyed by the ErrorDetected event id.
-- error.detected fills what the service reported (redacted); error.classified adds the
-- classification and group. Every column comes from event data, so a rebuild is identical.
CREATE TABLE errors (
    id                  uuid PRIMARY KEY,
    source_service_id   varchar(255) NOT NULL,
    source_component_id varchar(255),
    workflow_id         varchar(255),
    task_id             varchar(255),
    agent_id            varchar(255),
    user_id             varchar(255),
    layer               varchar(20),
    environment         varchar(100),
    host                varchar(255),
    service_version     varchar(100),
    category            varchar(50),
    type                varchar(50),
    subtype             varchar(100),
    severity            varchar(20),
    reported_severity   varchar(20),
    computed_severity   varchar(20),
    confidence          numeric(4, 3),
    message             text NOT NULL,
    description         text,
    error_code          varchar(100),
    exception_type      varchar(500),
    stack_trace         text,
    frames              jsonb NOT NULL DEFAULT '[]',
    context             jsonb NOT NULL DEFAULT '{}',
    tags                text[] NOT NULL DEFAULT '{}',
    report_count        integer NOT NULL DEFAULT 1,
    group_id            varchar(64),
    grouping_method     varchar(20),
    template            text,
    is_recurring        boolean NOT NULL DEFAULT false,
    regression          boolean NOT NULL DEFAULT false,
    late                boolean NOT NULL DEFAULT false,
    pattern_id          varchar(255),
    correlation_id      varchar(255),
    occurred_at         timestamptz NOT NULL,
    detected_at         timestamptz,
    classified_at       timestamptz,
    CONSTRAINT valid_category CHECK (category IN ('system', 'logic', 'data', 'external', 'agent', 'user', 'process', 'security', 'performance')),
    CONSTRAINT valid_type CHECK (type IN ('exception', 'timeout', 'validation', 'authentication', 'authorization', 'resource_exhaustion', 'network', 'database', 'integration', 'configuration')),
    CONSTRAINT valid_severity CHECK (severity IN ('low', 'medium', 'high', 'critical', 'emergency')),
    CONSTRAINT valid_layer CHECK (layer IN ('api', 'service', 'core', 'infrastructure')),
    CONSTRAINT valid_confidence CHECK (confidence BETWEEN 0 AND 1)
);

CREATE INDEX idx_errors_timestamp ON errors (occurred_at);
CREATE INDEX idx_errors_source_service ON errors (source_service_id, occurred_at);
CREATE INDEX idx_errors_category_severity ON errors (category, severity);
CREATE INDEX idx_errors_group ON errors (group_id, occurred_at);
CREATE INDEX idx_errors_pattern ON errors (pattern_id);
CREATE INDEX idx_errors_recurring ON errors (is_recurring) WHERE is_recurring = TRUE;
