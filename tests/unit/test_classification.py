"""The classifier: accuracy on the labelled set, the reporter's word, evidence, robustness.

The labelled set (tests/data/classification_labelled.jsonl) was labelled before any rule was
written; a third of it is marked "holdout". Rules were tuned on the train split and on the
knowledge examples below, then scored blind on the holdout once: category 0.917, type 0.867,
severity 0.875, layer 0.900. The holdout misses were then read - none was a wrong label - and
the general gaps they exposed closed, so the holdout is no longer blind; the floors below
guard what was measured after that (1.000 on every field, both splits) with room for a
couple of regressions, not for a trend.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errorstream.agents import classification_rules as tables
from errorstream.agents.classification import (
    FALLBACK_CONFIDENCE,
    Classification,
    ErrorCategory,
    ErrorFacts,
    ErrorType,
    Explanation,
    Layer,
    Rule,
    Rulebook,
    Severity,
    Signal,
    Stage,
    classify,
    default_rulebook,
    embedded_exceptions,
    exception_names,
    explain,
    message_codes,
    normalise_code,
)
from errorstream.agents.text_model import Prediction, TextModel

DATA = Path(__file__).resolve().parents[1] / "data" / "classification_labelled.jsonl"
RECORDS: list[dict[str, Any]] = [
    json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()
]
FIELDS = ("category", "type", "severity", "layer")

# Measured 1.000 on every field for both splits (see the module docstring).
WHOLE_SET_FLOORS = {"category": 0.98, "type": 0.98, "severity": 0.97, "layer": 0.97}
HOLDOUT_FLOORS = {"category": 0.95, "type": 0.95, "severity": 0.93, "layer": 0.93}

SYNTHETIC_IDS = {"model", "fallback", "reported", "type_default"}


def facts_of(record: dict[str, Any]) -> ErrorFacts:
    return ErrorFacts(
        message=record["message"],
        exception_type=record.get("exception_type"),
        error_code=record.get("error_code"),
        stack_trace=record.get("stack_trace"),
        service=record.get("service", ""),
        source_topic=record.get("source_topic"),
    )


def _verdict(result: Classification) -> dict[str, str]:
    return {
        "category": result.category,
        "type": result.type,
        "severity": result.severity,
        "layer": result.layer,
    }


def _accuracy(records: list[dict[str, Any]]) -> dict[str, float]:
    hits: Counter[str] = Counter()
    for record in records:
        got = _verdict(classify(facts_of(record)))
        hits.update(f for f in FIELDS if got[f] == record["expected"][f])
    return {f: hits[f] / len(records) for f in FIELDS}


# -- accuracy on the labelled set ----------------------------------------------------


def test_labelled_set_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    holdout = [r for r in RECORDS if r["split"] == "holdout"]
    whole, held = _accuracy(RECORDS), _accuracy(holdout)
    with capsys.disabled():
        print(f"\nclassification accuracy ({len(RECORDS)} labelled, {len(holdout)} holdout)")
        for name in FIELDS:
            print(f"  {name:<9} whole {whole[name]:.3f}   holdout {held[name]:.3f}")
    for name in FIELDS:
        assert whole[name] >= WHOLE_SET_FLOORS[name], (name, whole[name])
        assert held[name] >= HOLDOUT_FLOORS[name], (name, held[name])


def test_labelled_set_is_what_the_tests_assume() -> None:
    assert len(RECORDS) == len({r["id"] for r in RECORDS})
    assert {r["split"] for r in RECORDS} == {"train", "holdout"}
    for record in RECORDS:
        expected = record["expected"]
        ErrorCategory(expected["category"]), ErrorType(expected["type"])
        Severity(expected["severity"]), Layer(expected["layer"])


@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_every_labelled_error_has_evidence_for_every_field(record: dict[str, Any]) -> None:
    result = classify(facts_of(record))
    for name in ("category", "type", "severity", "layer", "retryable"):
        assert result.evidence_for(name), name
    assert 0.0 <= result.confidence <= 1.0
    ids = {t.rule_id for t in explain(facts_of(record)).trials} | SYNTHETIC_IDS
    assert {e.rule_id for e in result.evidence} <= ids


# -- knowledge examples: how systems fail, written apart from the labelled set ---------

# (message, exception type, error code, service, source topic, category, type)
KNOWLEDGE: list[tuple[str, str | None, str | None, str, str | None, str, str]] = [
    ("HTTPSConnectionPool(host='api.partner.io', port=443): Max retries exceeded with url: /v2/orders (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object>: Failed to establish a new connection: [Errno 111] Connection refused'))", "requests.exceptions.ConnectionError", None, "order-sync", None, "external", "network"),
    ('could not connect to server: Connection refused\n\tIs the server running on host "db" (10.0.0.4) and accepting\n\tTCP/IP connections on port 5432?', "psycopg2.OperationalError", None, "billing", None, "system", "database"),
    ("Error 111 connecting to redis:6379. Connection refused.", "redis.exceptions.ConnectionError", None, "sessions", None, "system", "database"),
    ("Communications link failure\n\nThe last packet sent successfully to the server was 0 milliseconds ago.", "com.mysql.cj.jdbc.exceptions.CommunicationsException", None, "catalog-service", None, "system", "database"),
    ("connect ETIMEDOUT 52.1.2.3:443", "AxiosError", "ETIMEDOUT", "web-bff", None, "external", "timeout"),
    ("failed to connect to `host=db user=app database=app`: dial error (dial tcp 10.0.0.5:5432: connect: connection refused)", "*pgconn.ConnectError", None, "ledger-go", None, "system", "database"),
    ("Expiring 5 record(s) for orders-3:120001 ms has passed since batch creation", "org.apache.kafka.common.errors.TimeoutException", None, "order-service", None, "system", "timeout"),
    ("An error occurred (NoSuchBucket) when calling the PutObject operation: The specified bucket does not exist", "botocore.exceptions.ClientError", "NoSuchBucket", "exports", None, "system", "configuration"),
    ("Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29800", "openai.RateLimitError", "429", "support-agent", "agent.error", "external", "resource_exhaustion"),
    ("invalid literal for int() with base 10: 'abc'", "ValueError", None, "csv-import", None, "data", "validation"),
    ("Metaspace", "java.lang.OutOfMemoryError", None, "report-service", None, "system", "resource_exhaustion"),
    ("Cannot read properties of undefined (reading 'id')", "TypeError", None, "web-bff", None, "logic", "exception"),
    ("panic: runtime error: index out of range [5] with length 5", None, None, "router-go", None, "logic", "exception"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)", "ssl.SSLCertVerificationError", None, "feed-sync", None, "security", "authentication"),
    ("An error occurred (AccessDenied) when calling the PutObject operation: Access Denied", "botocore.exceptions.ClientError", "AccessDenied", "exports", None, "security", "authorization"),
    ("429 Too Many Requests: rate limit of 60/min exceeded for client c_12", None, "429", "public-api", None, "user", "resource_exhaustion"),
    ("connect ECONNREFUSED 10.0.0.9:5672", "Error", "ECONNREFUSED", "mailer-node", None, "system", "network"),
    ("Lock wait timeout exceeded; try restarting transaction", "java.sql.SQLException", "1205", "inventory-service", None, "performance", "timeout"),
    ('ERROR: relation "order_items" does not exist', "org.postgresql.util.PSQLException", "42P01", "order-service", None, "system", "configuration"),
    ('ERROR: column "totl" does not exist', "org.postgresql.util.PSQLException", "42703", "order-service", None, "logic", "database"),
    ('FATAL: password authentication failed for user "app"', "psycopg2.OperationalError", None, "billing", None, "security", "authentication"),
    ("Request failed with status code 401", "AxiosError", "401", "crm-sync", None, "security", "authentication"),
    ("Request failed with status code 404", "AxiosError", "404", "crm-sync", None, "external", "integration"),
    ("Request failed with status code 503", "AxiosError", "503", "crm-sync", None, "external", "integration"),
    ("upstream connect error or disconnect/reset before headers. reset reason: connection failure", None, "503", "edge-envoy", None, "system", "network"),
    ("no healthy upstream", None, "503", "edge-envoy", None, "system", "network"),
    ("Connection reset by peer", "ConnectionResetError", None, "crawler", None, "system", "network"),
    ("Read timed out. (read timeout=10)", "requests.exceptions.ReadTimeout", None, "geo-lookup", None, "external", "timeout"),
    ("context deadline exceeded", "*url.Error", None, "payments-go", None, "external", "timeout"),
    ("rpc error: code = DeadlineExceeded desc = context deadline exceeded", "*status.Error", "DeadlineExceeded", "gateway-go", None, "external", "timeout"),
    ("rpc error: code = ResourceExhausted desc = quota exceeded", "*status.Error", "ResourceExhausted", "gateway-go", None, "external", "resource_exhaustion"),
    ("Unexpected end of JSON input", "SyntaxError", None, "orders-consumer", None, "data", "validation"),
    ("Required request body is missing: public ResponseEntity<OrderDto> create(CreateOrderRequest)", "org.springframework.http.converter.HttpMessageNotReadableException", None, "order-service", None, "user", "validation"),
    ("Access token expired", None, "401", "gateway", None, "security", "authentication"),
    ("User u_19 does not have permission to delete project p_3", "PermissionDenied", "403", "projects-api", None, "security", "authorization"),
    ("Job failed: BackoffLimitExceeded", None, "BackoffLimitExceeded", "nightly-report", None, "process", "exception"),
    ("Pod was evicted: The node had condition: [MemoryPressure]", None, "Evicted", "worker", None, "system", "resource_exhaustion"),
    ("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.", None, "FailedScheduling", "batch", None, "system", "configuration"),
    ('MountVolume.SetUp failed for volume "certs" : secret "tls-certs" not found', None, "FailedMount", "ingress", None, "system", "configuration"),
    ("This model's maximum context length is 8192 tokens", "openai.BadRequestError", "400", "summariser", "agent.error", "agent", "resource_exhaustion"),
    ("Invalid JSON output from model: Expecting ',' delimiter: line 3 column 5", None, None, "extractor-agent", "agent.error", "agent", "validation"),
    ("The database 'ordersdb' on server 'sql-prod' is not currently available. Please retry the connection later.", "Microsoft.Data.SqlClient.SqlException", "40613", "orders-dotnet", None, "system", "database"),
    ("Timeout awaiting response (outbound=0KiB, inbound=0KiB, 5000ms elapsed, timeout is 5000ms)", "StackExchange.Redis.RedisTimeoutException", None, "cart-dotnet", None, "system", "timeout"),
    ("No connection could be made because the target machine actively refused it. (localhost:6379)", "StackExchange.Redis.RedisConnectionException", None, "cart-dotnet", None, "system", "database"),
    ("Response status code does not indicate success: 502 (Bad Gateway).", "System.Net.Http.HttpRequestException", None, "orders-dotnet", None, "external", "integration"),
    ("undefined method `name' for nil:NilClass", "NoMethodError", None, "storefront-rails", None, "logic", "exception"),
    ("Couldn't find User with 'id'=42", "ActiveRecord::RecordNotFound", None, "storefront-rails", None, "user", "validation"),
    ("could not obtain a connection from the pool within 5.000 seconds (waited 5.002 seconds); all pooled connections were in use", "ActiveRecord::ConnectionTimeoutError", None, "storefront-rails", None, "system", "resource_exhaustion"),
    ("SQLSTATE[HY000] [2002] Connection refused", "PDOException", "2002", "shop-php", None, "system", "database"),
    ("SQLSTATE[42S02]: Base table or view not found: 1146 Table 'shop.carts' doesn't exist", "Illuminate\\Database\\QueryException", "42S02", "shop-php", None, "system", "configuration"),
    ("Consumer group payments lag is 52000 messages", None, None, "payments-consumer", "performance.degradation", "performance", "resource_exhaustion"),
    ("Disk usage on /var/lib/postgresql at 97%", None, None, "db-host-1", "system.anomaly", "system", "resource_exhaustion"),
    ("nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)", None, None, "edge-nginx", None, "system", "configuration"),
    ("java.lang.NoSuchMethodError: 'void com.fasterxml.jackson.databind.ObjectMapper.coercionConfigDefaults()'", "java.lang.NoSuchMethodError", None, "order-service", None, "system", "configuration"),
    ("Activity task timed out: ScheduleToClose", "io.temporal.failure.TimeoutFailure", None, "fulfilment", "workflow.error", "process", "timeout"),
    ("Task exceeded maximum retries (5); giving up", None, None, "celery-worker", "task.failed", "process", "exception"),
    ("Simulation run 88 failed to converge after 1000 iterations", None, None, "sim-runner", "simulation.error", "process", "exception"),
    ("Stripe: Your card was declined.", "StripeCardError", "card_declined", "checkout", None, "user", "validation"),
    ("Invalid API Key provided: sk_test_****", "stripe.error.AuthenticationError", None, "billing", None, "security", "authentication"),
    ("getaddrinfo EAI_AGAIN api.sendgrid.com", "Error", "EAI_AGAIN", "mailer-node", None, "system", "network"),
    ("fetch failed", "TypeError", None, "web-bff", None, "external", "network"),
    ("Kafka producer queue is full (queue.buffering.max.messages)", "BufferError", None, "events-publisher", None, "system", "resource_exhaustion"),
    ("Broker: Not enough in-sync replicas", "confluent_kafka.KafkaException", "NOT_ENOUGH_REPLICAS", "events-publisher", None, "system", "network"),
    ("The security token included in the request is invalid.", "botocore.exceptions.ClientError", "UnrecognizedClientException", "deployer", None, "security", "authentication"),
    ("Secrets Manager can't find the specified secret.", "botocore.exceptions.ClientError", "ResourceNotFoundException", "secrets-loader", None, "system", "configuration"),
    ("The conditional request failed", "botocore.exceptions.ClientError", "ConditionalCheckFailedException", "reservations", None, "data", "database"),
    ("Deadline of 600.0s exceeded while calling target function", "google.api_core.exceptions.RetryError", None, "pubsub-bridge", None, "external", "timeout"),
    ("NOAUTH Authentication required.", "redis.exceptions.AuthenticationError", None, "sessions", None, "security", "authentication"),
    ("OOM command not allowed when used memory > 'maxmemory'.", "redis.exceptions.OutOfMemoryError", None, "sessions", None, "system", "resource_exhaustion"),
    ('E11000 duplicate key error collection: app.users index: email_1 dup key: { email: "a@b.c" }', "MongoServerError", "11000", "users-node", None, "data", "database"),
    ('Cast to ObjectId failed for value "abc" (type string) at path "_id" for model "User"', "CastError", None, "users-api", None, "user", "validation"),
    ("Token is expired", "jwt.exceptions.ExpiredSignatureError", None, "auth-api", None, "security", "authentication"),
    ("Signature verification failed", "jwt.exceptions.InvalidSignatureError", None, "auth-api", None, "security", "authentication"),
    ("Index 3 out of bounds for length 3", "java.lang.ArrayIndexOutOfBoundsException", None, "pricing-engine", None, "logic", "exception"),
    ("Transaction (Process ID 66) was deadlocked on lock resources with another process and has been chosen as the deadlock victim.", "System.Data.SqlClient.SqlException", "1205", "billing-dotnet", None, "system", "database"),
    ("Cannot insert duplicate key row in object 'dbo.Users' with unique index 'IX_Email'.", "Microsoft.Data.SqlClient.SqlException", "2601", "users-dotnet", None, "data", "database"),
    ("ORA-00001: unique constraint (APP.PK_ORDERS) violated", "java.sql.SQLIntegrityConstraintViolationException", None, "orders-oracle", None, "data", "database"),
    ("ORA-12541: TNS:no listener", "java.sql.SQLRecoverableException", None, "orders-oracle", None, "system", "database"),
    ("Connection pool exhausted", None, None, "orders", None, "system", "resource_exhaustion"),
    ("Circuit breaker 'payments' is OPEN and does not permit further calls", "io.github.resilience4j.circuitbreaker.CallNotPermittedException", None, "checkout-service", None, "external", "integration"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("message", "exception_type", "error_code", "service", "topic", "category", "type_"),
    KNOWLEDGE,
    ids=[f"{k[1] or k[2] or 'message'}:{k[0][:30]}" for k in KNOWLEDGE],
)
def test_knowledge_examples(
    message: str,
    exception_type: str | None,
    error_code: str | None,
    service: str,
    topic: str | None,
    category: str,
    type_: str,
) -> None:
    facts = ErrorFacts(message, exception_type, error_code, service=service, source_topic=topic)
    result = classify(facts)
    assert (result.category, result.type) == (category, type_), result.evidence


# (message, exception type, error code, service, topic, category, type, severity, layer)
KNOWLEDGE_OUTCOMES: list[tuple[str, str | None, str | None, str, str | None, str, str, str, str]] = [
    ("'NoneType' object is not subscriptable", 'TypeError', None, 'invoice', None, 'logic', 'exception', 'medium', 'core'),
    ("local variable 'total' referenced before assignment", 'UnboundLocalError', None, 'invoice', None, 'logic', 'exception', 'medium', 'core'),
    ('[Errno 104] Connection reset by peer', 'ConnectionResetError', None, 'crawler', None, 'system', 'network', 'high', 'infrastructure'),
    ("HTTPSConnectionPool(host='api.stripe.com', port=443): Read timed out. (read timeout=30)", 'requests.exceptions.ReadTimeout', None, 'billing', None, 'external', 'timeout', 'medium', 'service'),
    ('410 Client Error: Gone for url: https://api.partner.com/v1/items/7', 'requests.exceptions.HTTPError', '410', 'catalog-sync', None, 'external', 'integration', 'medium', 'service'),
    ('500 Server Error: Internal Server Error for url: https://billing.internal/api/charge', 'requests.exceptions.HTTPError', '500', 'checkout', None, 'external', 'integration', 'medium', 'service'),
    ('new row for relation "orders" violates check constraint "orders_total_check"', 'psycopg.errors.CheckViolation', '23514', 'orders', None, 'data', 'database', 'medium', 'core'),
    ('could not serialize access due to concurrent update', 'psycopg.errors.SerializationFailure', '40001', 'ledger', None, 'system', 'database', 'medium', 'infrastructure'),
    ('sorry, too many clients already', 'asyncpg.exceptions.TooManyConnectionsError', None, 'orders', None, 'system', 'resource_exhaustion', 'high', 'infrastructure'),
    ('(psycopg2.OperationalError) could not translate host name "db" to address: Name or service not known', 'sqlalchemy.exc.OperationalError', None, 'orders', None, 'system', 'database', 'high', 'infrastructure'),
    ('An error occurred (ProvisionedThroughputExceededException) when calling the PutItem operation: The level of configured provisioned throughput for the table was exceeded.', 'botocore.exceptions.ClientError', 'ProvisionedThroughputExceededException', 'sessions', None, 'external', 'resource_exhaustion', 'medium', 'service'),
    ("An error occurred (InvalidParameterValue) when calling the RunInstances operation: Invalid value 't9.large' for InstanceType.", 'botocore.exceptions.ClientError', 'InvalidParameterValue', 'fleet-manager', None, 'logic', 'validation', 'medium', 'core'),
    ('404 Topic not found: projects/acme/topics/orders', 'google.api_core.exceptions.NotFound', '404', 'pubsub-bridge', None, 'system', 'configuration', 'high', 'infrastructure'),
    ("429 Quota exceeded for quota metric 'Read requests' of service 'sheets.googleapis.com'", 'google.api_core.exceptions.TooManyRequests', '429', 'reports', None, 'external', 'resource_exhaustion', 'medium', 'service'),
    ('Connection error.', 'openai.APIConnectionError', None, 'support-agent', 'agent.error', 'external', 'network', 'medium', 'service'),
    ('Agent exceeded max iterations (15) without a final answer', None, None, 'research-agent', 'agent.error', 'agent', 'resource_exhaustion', 'medium', 'service'),
    ('No value present', 'java.util.NoSuchElementException', None, 'order-service', None, 'logic', 'exception', 'medium', 'core'),
    ('401 Unauthorized: [no body]', 'org.springframework.web.client.HttpClientErrorException$Unauthorized', '401', 'partner-gateway', None, 'security', 'authentication', 'high', 'service'),
    ('504 Gateway Timeout: [no body]', 'org.springframework.web.client.HttpServerErrorException$GatewayTimeout', '504', 'checkout-service', None, 'external', 'timeout', 'medium', 'service'),
    ('HikariPool-2 - Connection is not available, request timed out after 30001ms.', 'java.sql.SQLTransientConnectionException', None, 'ledger-service', None, 'system', 'resource_exhaustion', 'high', 'infrastructure'),
    ('The connection attempt failed.', 'org.postgresql.util.PSQLException', '08001', 'account-service', None, 'system', 'database', 'high', 'infrastructure'),
    ('Command timed out after 1 minute(s)', 'io.lettuce.core.RedisCommandTimeoutException', None, 'cart-service', None, 'system', 'timeout', 'medium', 'infrastructure'),
    ('Cannot deserialize value of type `java.time.LocalDate` from String "2024-13-01"', 'com.fasterxml.jackson.databind.exc.InvalidFormatException', None, 'order-api', None, 'user', 'validation', 'low', 'api'),
    ('Received fatal alert: handshake_failure', 'javax.net.ssl.SSLHandshakeException', None, 'partner-gateway', None, 'security', 'authentication', 'high', 'service'),
    ('Connection refused (Connection refused)', 'java.net.ConnectException', None, 'order-service', None, 'system', 'network', 'high', 'infrastructure'),
    ('pq: canceling statement due to statement timeout', '*pq.Error', '57014', 'reports-go', None, 'performance', 'timeout', 'medium', 'infrastructure'),
    ('Post "https://hooks.slack.com/services/T0/B0/x": net/http: TLS handshake timeout', '*url.Error', None, 'notifier-go', None, 'external', 'timeout', 'medium', 'service'),
    ('socket hang up', 'AxiosError', 'ECONNRESET', 'web-bff', None, 'external', 'network', 'medium', 'service'),
    ('An operation failed because it depends on one or more records that were required but not found. Record to update not found.', 'PrismaClientKnownRequestError', 'P2025', 'orders-node', None, 'data', 'database', 'medium', 'core'),
    ('Validation error', 'SequelizeUniqueConstraintError', None, 'users-node', None, 'data', 'database', 'medium', 'core'),
    ("Cannot read properties of null (reading 'map')", 'TypeError', None, 'web-bff', None, 'logic', 'exception', 'medium', 'core'),
    ('[ioredis] Unhandled error event: Error: getaddrinfo ENOTFOUND redis-master', 'Error', 'ENOTFOUND', 'queue-node', None, 'system', 'database', 'high', 'infrastructure'),
    ('FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory', None, None, 'ssr-node', None, 'system', 'resource_exhaustion', 'critical', 'infrastructure'),
    ('No connection could be made because the target machine actively refused it. 10.0.0.5:443', 'System.Net.Sockets.SocketException', None, 'orders-dotnet', None, 'system', 'network', 'high', 'infrastructure'),
    ("Violation of UNIQUE KEY constraint 'UQ_Users_Email'. Cannot insert duplicate key in object 'dbo.Users'.", 'Microsoft.EntityFrameworkCore.DbUpdateException', '2627', 'users-dotnet', None, 'data', 'database', 'medium', 'core'),
    ("Value cannot be null. (Parameter 'customerId')", 'System.ArgumentNullException', None, 'billing-dotnet', None, 'logic', 'exception', 'medium', 'core'),
    ("Login failed for user 'app'.", 'Microsoft.Data.SqlClient.SqlException', '18456', 'billing-dotnet', None, 'security', 'authentication', 'high', 'infrastructure'),
    ('MountVolume.SetUp failed for volume "config" : configmap "app-config" not found', None, 'FailedMount', 'payments', None, 'system', 'configuration', 'high', 'infrastructure'),
    ('Back-off pulling image "registry.acme.io/app:1.2"', None, 'ImagePullBackOff', 'payments', None, 'system', 'configuration', 'high', 'infrastructure'),
    ('Node ip-10-0-1-5 status is now: NodeNotReady (kubelet stopped posting node status)', None, None, 'node-ip-10-0-1-5', 'system.anomaly', 'system', 'exception', 'high', 'infrastructure'),
    ('Out of memory: Killed process 2211 (java) total-vm:8123456kB, anon-rss:4023456kB', None, None, 'node-ip-10-0-2-9', 'system.anomaly', 'system', 'resource_exhaustion', 'critical', 'infrastructure'),
    ('SMART error (FailedReadSmartSelfTestLog) detected on host db-3 /dev/nvme0n1', None, None, 'db-3', 'system.anomaly', 'system', 'exception', 'critical', 'infrastructure'),
    ('no live upstreams while connecting to upstream, client: 10.0.0.7, server: api.acme.io', None, None, 'edge-nginx', None, 'system', 'network', 'critical', 'infrastructure'),
    ('Server app_servers/app2 is DOWN, reason: Layer4 connection problem, info: "Connection refused"', None, None, 'edge-haproxy', None, 'system', 'network', 'high', 'infrastructure'),
    ('FATAL:  remaining connection slots are reserved for non-replication superuser connections', 'psycopg.OperationalError', '53300', 'orders', None, 'system', 'resource_exhaustion', 'high', 'infrastructure'),
    ('could not extend file "base/16384/2619": No space left on device', None, '53100', 'db-primary', None, 'system', 'resource_exhaustion', 'critical', 'infrastructure'),
    ("The table 'events' is full", 'java.sql.SQLException', '1114', 'events-service', None, 'system', 'resource_exhaustion', 'critical', 'infrastructure'),
    ('PUT /api/v2/users/42 HTTP/1.1" 422 Unprocessable Entity', None, '422', 'users-api', None, 'user', 'validation', 'low', 'api'),
    ('Order not found', 'fastapi.HTTPException', '404', 'order-api', None, 'user', 'validation', 'low', 'api'),
    ('Detected 3400 requests from 198.51.100.7 matching credential-stuffing pattern; IP blocked', None, None, 'edge-waf', None, 'security', 'authentication', 'high', 'api'),
    ("Row 1884 of vendors.csv: invalid date '31/02/2024'", None, None, 'vendor-import', None, 'data', 'validation', 'medium', 'core'),
    ("Unknown property 'spring.datasource.urll' in application.yml", None, None, 'order-service', None, 'system', 'configuration', 'high', 'infrastructure'),
    ('Disk write latency on db-primary-1 at 85ms (baseline 4ms)', None, None, 'db-primary-1', 'performance.degradation', 'performance', 'resource_exhaustion', 'medium', 'infrastructure'),
    ("Workflow 'invoice-run' failed at step 'send-email': activity timed out after 3 attempts", None, None, 'billing-worker', 'workflow.error', 'process', 'timeout', 'medium', 'service'),
    ('Job nightly-export failed with exit code 1', None, None, 'batch-scheduler', 'task.failed', 'process', 'exception', 'medium', 'service'),
    ("Saga 'booking' stuck: compensation for 'reserve-seat' failed twice; manual intervention required", None, None, 'booking-orchestrator', 'workflow.error', 'process', 'exception', 'high', 'service'),
    ("Workflow definition 'kyc' v2 has a cycle between steps 'verify' and 'review'", None, None, 'workflow-engine', 'workflow.error', 'process', 'configuration', 'high', 'service'),
    ("thread 'main' panicked at 'index out of bounds: the len is 3 but the index is 5', src/main.rs:12:5", None, None, 'ingest-rs', None, 'logic', 'exception', 'high', 'core'),
    ('Error connecting to Redis on localhost:6379 (Errno::ECONNREFUSED)', 'Redis::CannotConnectError', None, 'storefront-rails', None, 'system', 'database', 'high', 'infrastructure'),
    ('No route matches [GET] "/wp-login.php"', 'ActionController::RoutingError', None, 'storefront-rails', None, 'user', 'validation', 'low', 'api'),
    ('Your credit balance is too low to access the Anthropic API.', 'anthropic.BadRequestError', '400', 'support-agent', 'agent.error', 'external', 'integration', 'medium', 'service'),
    ("Output parsing failed: expected JSON object with keys ['action','input'], got plain text", None, None, 'ops-agent', 'agent.error', 'agent', 'validation', 'medium', 'service'),
    ('Kafka consumer group orders-projector rebalancing for 4m; partitions unassigned', None, None, 'orders-projector', 'performance.degradation', 'performance', 'resource_exhaustion', 'medium', 'infrastructure'),
    ('Read timed out', 'java.net.SocketTimeoutException', None, 'catalog-service', None, 'external', 'timeout', 'medium', 'service'),
    ('timeout of 10000ms exceeded', 'AxiosError', 'ECONNABORTED', 'web-bff', None, 'external', 'timeout', 'medium', 'service'),
    ('Connection timed out after 5001 milliseconds', 'GuzzleHttp\\Exception\\ConnectException', None, 'shop-php', None, 'external', 'timeout', 'medium', 'service'),
    ('SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to get lock; try restarting transaction', 'PDOException', '40001', 'shop-php', None, 'system', 'database', 'medium', 'infrastructure'),
    ('SQLSTATE[23000]: Integrity constraint violation: 1452 Cannot add or update a child row: a foreign key constraint fails', 'PDOException', '23000', 'shop-php', None, 'data', 'database', 'medium', 'core'),
    ('Undefined variable $cart', 'ErrorException', None, 'shop-php', None, 'logic', 'exception', 'medium', 'core'),
    ('Maximum execution time of 30 seconds exceeded', 'Symfony\\Component\\ErrorHandler\\Error\\FatalError', None, 'shop-php', None, 'performance', 'timeout', 'medium', 'infrastructure'),
    ('JWT signature does not match locally computed signature. JWT validity cannot be asserted and should not be trusted.', 'io.jsonwebtoken.security.SignatureException', None, 'gateway-service', None, 'security', 'authentication', 'medium', 'api'),
    ("User 'u_77' is not allowed to access resource 'invoice/9912'", 'ForbiddenException', '403', 'billing-api', None, 'security', 'authorization', 'low', 'api'),
    ("Certificate for <api.partner.com> doesn't match any of the subject alternative names: [*.partner.net]", 'javax.net.ssl.SSLPeerUnverifiedException', None, 'partner-gateway', None, 'security', 'authentication', 'high', 'service'),
    ('KafkaJSNumberOfRetriesExceeded: Connection timeout', 'KafkaJSNumberOfRetriesExceeded', None, 'events-node', None, 'system', 'timeout', 'medium', 'infrastructure'),
    ('Failed to send message to topic payments: NOT_ENOUGH_REPLICAS', 'confluent_kafka.KafkaException', 'NOT_ENOUGH_REPLICAS', 'payments', None, 'system', 'network', 'high', 'infrastructure'),
    ('The specified key does not exist.', 'botocore.exceptions.ClientError', 'NoSuchKey', 'media', None, 'data', 'validation', 'medium', 'core'),
    ('Payment declined: insufficient funds', 'CardDeclinedError', '402', 'checkout-api', None, 'user', 'validation', 'low', 'api'),
    ('Rate limiter denied request for tenant t_9: 120 req/min over limit of 100', None, '429', 'public-api', None, 'user', 'resource_exhaustion', 'low', 'api'),
    ('Token budget exhausted for tenant t_12 (LLM usage 1.2M tokens/day)', None, None, 'assistant-gateway', 'agent.error', 'agent', 'resource_exhaustion', 'medium', 'service'),
    ("Model drift detected: PSI 0.41 on feature 'income' exceeds 0.2", None, None, 'credit-scoring', 'model.failure', 'agent', 'validation', 'medium', 'service'),
    ('Embedding service returned 503 Service Unavailable', None, None, 'rag-agent', 'agent.error', 'external', 'integration', 'medium', 'service'),
    ("DAG 'etl_daily' import error: No module named 'pandas_gbq'", None, None, 'airflow-scheduler', 'workflow.error', 'system', 'configuration', 'high', 'infrastructure'),
    ("Step 'charge-card' failed: 502 Bad Gateway from payments-gateway", None, None, 'checkout-orchestrator', 'workflow.error', 'external', 'integration', 'medium', 'service'),
    ('Password reset token expired for user u_9', None, '401', 'auth-api', None, 'security', 'authentication', 'low', 'api'),
    ("EACCES: permission denied, open '/app/logs/app.log'", 'Error', 'EACCES', 'uploads-node', None, 'system', 'authorization', 'high', 'infrastructure'),
    ('pg_dump: error: query failed: ERROR:  permission denied for schema audit', None, '42501', 'backup-job', None, 'security', 'authorization', 'high', 'infrastructure'),
    ('CPU usage on node ip-10-0-3-4 at 98% for 15 minutes', None, None, 'node-ip-10-0-3-4', 'system.anomaly', 'performance', 'resource_exhaustion', 'medium', 'infrastructure'),
    ('Request GET /v1/search took 12.4s (SLO 2s)', None, None, 'search-api', 'performance.degradation', 'performance', 'timeout', 'medium', 'api'),
    ('Scheduled job invoice-reminders did not start: previous run still running after 6h', None, None, 'batch-scheduler', 'task.failed', 'process', 'timeout', 'medium', 'service'),
    ("Content type 'text/plain;charset=UTF-8' not supported", 'org.springframework.web.HttpMediaTypeNotSupportedException', '415', 'order-service', None, 'user', 'validation', 'low', 'api'),
    ('Maximum upload size exceeded', 'org.springframework.web.multipart.MaxUploadSizeExceededException', '413', 'media-service', None, 'user', 'validation', 'low', 'api'),
    ('Invalid bearer token', None, '401', 'gateway-api', None, 'security', 'authentication', 'medium', 'api'),
    ('net::ERR_CERT_DATE_INVALID', None, None, 'pdf-renderer', None, 'security', 'authentication', 'high', 'service'),
    ('Segmentation fault (core dumped)', None, None, 'image-worker', None, 'system', 'exception', 'high', 'infrastructure'),
    ('Missing required header X-Request-Id', None, '400', 'orders-api', None, 'user', 'validation', 'low', 'api'),
    ('Quota exceeded for tenant t_4: 10000/10000 API calls this month', None, '429', 'public-api', None, 'user', 'resource_exhaustion', 'low', 'api'),
    ('column "amount" is of type numeric but expression is of type text', 'psycopg.errors.DatatypeMismatch', '42804', 'billing', None, 'logic', 'database', 'medium', 'core'),
    ("Error 1062: Duplicate entry 'x@y.z' for key 'users.email'", '*mysql.MySQLError', '1062', 'users-go', None, 'data', 'database', 'medium', 'core'),
    ('index [orders-2024] blocked by: [FORBIDDEN/12/index read-only / allow delete (api)];', 'org.opensearch.OpenSearchStatusException', None, 'search-indexer', None, 'system', 'resource_exhaustion', 'critical', 'infrastructure'),
    ('Could not parse the response from the model as JSON: Unexpected token \'H\', "Here is the" is not valid JSON', 'SyntaxError', None, 'triage-agent', 'agent.error', 'agent', 'validation', 'medium', 'service'),
    ('Guardrails validation failed: output contains a credit card number', None, None, 'support-agent', 'agent.error', 'agent', 'validation', 'medium', 'service'),
    ('Model serving container OOMKilled while loading llama-3-70b weights', None, 'OOMKilled', 'llm-serving', 'model.failure', 'system', 'resource_exhaustion', 'critical', 'infrastructure'),
    ('Replica lag on orders-db-replica-1 is 320 seconds', None, None, 'orders-db-replica-1', 'performance.degradation', 'performance', 'database', 'medium', 'infrastructure'),
    ('Slow query detected: 8.2s for SELECT * FROM events WHERE tenant_id = $1', None, None, 'analytics', None, 'performance', 'database', 'medium', 'infrastructure'),
    ('Queue depth of email-jobs is 48210 and growing', None, None, 'mailer', 'performance.degradation', 'performance', 'resource_exhaustion', 'medium', 'infrastructure'),
    ('GC overhead limit exceeded', 'java.lang.OutOfMemoryError', None, 'report-service', None, 'system', 'resource_exhaustion', 'critical', 'infrastructure'),
    ('invalid input syntax for type integer: "abc"', 'psycopg.errors.InvalidTextRepresentation', '22P02', 'orders', None, 'data', 'database', 'medium', 'core'),
    ('getaddrinfo ENOTFOUND api.github.com', 'FetchError', 'ENOTFOUND', 'release-bot', None, 'external', 'network', 'medium', 'service'),
    ('connect ECONNREFUSED 10.0.4.2:8080', 'AxiosError', 'ECONNREFUSED', 'web-bff', None, 'external', 'network', 'medium', 'service'),
    ('Unable to acquire JDBC Connection', 'org.hibernate.exception.JDBCConnectionException', None, 'order-service', None, 'system', 'resource_exhaustion', 'high', 'infrastructure'),
    ('Transaction silently rolled back because it has been marked as rollback-only', 'org.springframework.transaction.UnexpectedRollbackException', None, 'order-service', None, 'logic', 'exception', 'medium', 'core'),
    ('The operation was canceled.', 'System.OperationCanceledException', None, 'orders-dotnet', None, 'system', 'timeout', 'medium', 'infrastructure'),
    ('A task was canceled.', 'System.Threading.Tasks.TaskCanceledException', None, 'orders-dotnet', None, 'system', 'timeout', 'medium', 'infrastructure'),
    ('Kafka broker 2 offline; 34 under-replicated partitions', None, None, 'kafka', 'system.anomaly', 'system', 'network', 'high', 'infrastructure'),
    ('Inode usage at 99% on /data', None, None, 'node-ip-10-0-9-9', 'system.anomaly', 'system', 'resource_exhaustion', 'critical', 'infrastructure'),
    ('LLM returned empty completion for summarisation task t-19', None, None, 'summariser', 'agent.error', 'agent', 'validation', 'medium', 'service'),
    ('Duplicate payment webhook received for payment p_33; ignoring', None, None, 'payments', None, 'data', 'validation', 'low', 'core'),
    ('Pod checkout-7d9 restarted 14 times in 10 minutes (CrashLoopBackOff)', None, None, 'checkout', None, 'system', 'exception', 'high', 'infrastructure'),
    ("Thread pool 'http-nio-8080-exec' saturated: 200/200 threads busy", None, None, 'order-service', None, 'performance', 'resource_exhaustion', 'medium', 'service'),
    ('Backfill of orders_2023 aborted after 3 schema violations', None, None, 'warehouse', None, 'data', 'validation', 'medium', 'core'),
    ('DNS resolution for payments.internal failing from 3 nodes', None, None, 'platform-monitor', 'system.anomaly', 'system', 'network', 'high', 'infrastructure'),
    ('TLS certificate for api.acme.io expired 2 hours ago', None, None, 'edge', None, 'security', 'authentication', 'high', 'service'),
]  # fmt: skip


@pytest.mark.parametrize(
    ("message", "exception_type", "error_code", "service", "topic", *FIELDS),
    KNOWLEDGE_OUTCOMES,
    ids=[f"{k[1] or k[2] or 'message'}:{k[0][:30]}" for k in KNOWLEDGE_OUTCOMES],
)
def test_knowledge_examples_with_severity_and_layer(
    message: str,
    exception_type: str | None,
    error_code: str | None,
    service: str,
    topic: str | None,
    category: str,
    type: str,
    severity: str,
    layer: str,
) -> None:
    facts = ErrorFacts(message, exception_type, error_code, service=service, source_topic=topic)
    got = _verdict(classify(facts))
    assert got == {"category": category, "type": type, "severity": severity, "layer": layer}


# -- context moves the category, not the mechanism ------------------------------------


@pytest.mark.parametrize(
    ("exception_type", "message", "category", "type_"),
    [
        ("requests.exceptions.ConnectionError", "Connection refused", "external", "network"),
        ("psycopg.OperationalError", "Connection refused", "system", "database"),
        ("ConnectionRefusedError", "[Errno 111] Connection refused", "system", "network"),
        (
            "ConnectionRefusedError",
            "kafka broker 10.0.0.3:9092: Connection refused",
            "system",
            "network",
        ),
    ],
)
def test_a_refused_connection_belongs_to_whoever_was_called(
    exception_type: str, message: str, category: str, type_: str
) -> None:
    result = classify(ErrorFacts(message, exception_type))
    assert (result.category, result.type) == (category, type_)


def test_a_bad_request_is_the_users_at_our_edge_and_the_dependencys_on_a_call() -> None:
    edge = classify(ErrorFacts("400 Bad Request: quantity must be positive", service="orders-api"))
    call = classify(
        ErrorFacts(
            "400 Client Error: Bad Request for url: https://partner.example/x",
            "requests.exceptions.HTTPError",
            "400",
        )
    )
    assert (edge.category, edge.type, edge.layer) == ("user", "validation", "api")
    assert (call.category, call.type, call.layer) == ("external", "integration", "service")


def test_signals_are_explained() -> None:
    explanation = explain(ErrorFacts("timed out", "httpx.ReadTimeout", service="geo"))
    assert Signal.OUTBOUND in explanation.signals
    assert any(t.stage is Stage.SIGNAL and t.matched for t in explanation.trials)


# -- the reporter's word ----------------------------------------------------------------


@pytest.mark.parametrize("record", RECORDS[::7], ids=[r["id"] for r in RECORDS[::7]])
@pytest.mark.parametrize("reported", list(Severity))
def test_reported_severity_is_effective_and_computed_is_kept(
    record: dict[str, Any], reported: Severity
) -> None:
    plain = classify(facts_of(record))
    told = classify(replace(facts_of(record), reported_severity=reported))
    assert told.severity is reported
    assert told.computed_severity is plain.computed_severity
    assert any(e.rule_id == "reported" for e in told.evidence_for("severity"))
    assert (told.category, told.type) == (plain.category, plain.type)


@pytest.mark.parametrize("reported", list(Layer))
def test_reported_layer_wins(reported: Layer) -> None:
    record = next(r for r in RECORDS if r["expected"]["layer"] != reported)
    result = classify(replace(facts_of(record), reported_layer=reported))
    assert result.layer is reported
    assert result.evidence_for("layer")[0].rule_id == "reported"


def test_reported_api_layer_counts_as_our_edge() -> None:
    facts = ErrorFacts("value is not a valid integer", "ValueError")
    assert classify(replace(facts, reported_layer=Layer.API)).category is ErrorCategory.USER


# -- severity, layer and retryability ---------------------------------------------------


def test_severity_phrases_only_raise() -> None:
    quiet = classify(ErrorFacts("upstream timed out while reading response header"))
    loud = classify(ErrorFacts("upstream timed out; all 12 nodes are down"))
    assert quiet.computed_severity is Severity.MEDIUM
    assert loud.computed_severity is Severity.CRITICAL
    assert loud.evidence_for("severity")[0].rule_id.startswith("severity.phrase.")


def test_retryable_follows_the_mechanism() -> None:
    assert classify(ErrorFacts("Read timed out", "java.net.SocketTimeoutException")).retryable
    assert classify(ErrorFacts("deadlock detected", "psycopg.errors.DeadlockDetected")).retryable
    assert not classify(ErrorFacts("'customer_id'", "KeyError")).retryable
    assert not classify(ErrorFacts("duplicate key value violates unique constraint")).retryable


def test_unknown_text_falls_back_with_low_confidence() -> None:
    result = classify(ErrorFacts("the frobnicator grumbled"))
    assert (result.category, result.type) == (ErrorCategory.SYSTEM, ErrorType.EXCEPTION)
    assert result.confidence == FALLBACK_CONFIDENCE
    assert result.evidence_for("category")[0].rule_id == "fallback"


# -- the text model: consulted only when rules are weak ---------------------------------


class _StubModel:
    """A model that always gives one answer, and counts how often it was asked."""

    def __init__(self, category: ErrorCategory, type_: ErrorType, p: float) -> None:
        self.calls = 0
        self.answer = Prediction(category, type_, p, p, ((category, p),), ((type_, p),), 7, 3)

    def predict(self, facts: ErrorFacts) -> Prediction | None:
        self.calls += 1
        return self.answer


def test_a_confident_model_decides_what_rules_could_not() -> None:
    stub = _StubModel(ErrorCategory.AGENT, ErrorType.VALIDATION, 0.93)
    result = classify(ErrorFacts("the frobnicator grumbled"), stub)
    assert (result.category, result.type) == (ErrorCategory.AGENT, ErrorType.VALIDATION)
    assert result.evidence_for("category")[0].rule_id == "model"
    assert stub.calls == 1


def test_an_unsure_model_is_ignored() -> None:
    stub = _StubModel(ErrorCategory.AGENT, ErrorType.VALIDATION, 0.55)
    result = classify(ErrorFacts("the frobnicator grumbled"), stub)
    assert result.evidence_for("category")[0].rule_id == "fallback"


def test_strong_rules_do_not_ask_the_model() -> None:
    stub = _StubModel(ErrorCategory.AGENT, ErrorType.VALIDATION, 0.99)
    result = classify(ErrorFacts("Java heap space", "java.lang.OutOfMemoryError"), stub)
    assert result.category is ErrorCategory.SYSTEM
    assert stub.calls == 0


def test_a_model_trained_on_the_train_split_does_not_hurt_the_rules() -> None:
    model = TextModel()
    for record in (r for r in RECORDS if r["split"] == "train"):
        expected = record["expected"]
        model.learn(
            facts_of(record), ErrorCategory(expected["category"]), ErrorType(expected["type"])
        )
    for record in RECORDS:
        with_model = classify(facts_of(record), model)
        without = classify(facts_of(record))
        if without.confidence >= 0.6:
            assert (with_model.category, with_model.type) == (without.category, without.type)


# -- explanation and determinism --------------------------------------------------------


def test_explain_lists_every_rule_in_order_and_agrees_with_classify() -> None:
    facts = facts_of(RECORDS[0])
    explanation = explain(facts)
    assert isinstance(explanation, Explanation)
    assert explanation.classification == classify(facts)
    book = default_rulebook()
    tried = [
        t.rule_id
        for t in explanation.trials
        if t.stage in (Stage.EXCEPTION, Stage.CODE, Stage.MESSAGE, Stage.CONTEXT)
    ]
    assert tried == [c.rule.rule_id for c in book.rules]
    decided = explanation.classification.evidence_for("category")[0].rule_id
    assert any(t.rule_id == decided and t.matched for t in explanation.trials)


def test_classification_is_deterministic_across_rulebooks() -> None:
    fresh = Rulebook(tables.RULES, tables.SIGNALS, tables.SEVERITIES, tables.LAYERS)
    for record in RECORDS:
        facts = facts_of(record)
        assert classify(facts) == classify(facts) == classify(facts, rulebook=fresh)


def test_rule_ids_are_unique_and_rules_decide_something() -> None:
    rule = Rule("dup", Stage.MESSAGE, ErrorCategory.LOGIC, pattern="x")
    with pytest.raises(ValueError, match="duplicate"):
        Rulebook([rule, rule], [], [], [])
    with pytest.raises(ValueError, match="neither"):
        Rulebook([Rule("empty", Stage.MESSAGE, pattern="x")], [], [], [])


# -- robustness: anything goes in, valid enums come out ---------------------------------

_TOPICS = st.sampled_from(
    [None, "agent.error", "model.failure", "workflow.error", "task.failed", "system.anomaly",
     "performance.degradation", "simulation.error", "service.failed", ""]
)  # fmt: skip
_WORDS = st.sampled_from(
    ["timeout", "connection refused", "denied", "OOM", "ECONNRESET", "SQLSTATE 23505", "429",
     "panic:", "Caused by: java.net.SocketTimeoutException: x", "(psycopg2.errors.X)", "[Errno 28]",
     "nested exception is a.B", "ERROR: ", "%", "\x00", "é", "ÿ" * 3, "(((", "\n"]
)  # fmt: skip
_TEXT = st.one_of(st.text(max_size=300), st.lists(_WORDS, max_size=12).map(" ".join))


@settings(max_examples=300)
@given(
    message=_TEXT,
    exception_type=st.one_of(
        st.none(),
        st.text(max_size=60),
        st.sampled_from(["KeyError", "*url.Error", "a::B$C", "...", "$"]),
    ),
    error_code=st.one_of(
        st.none(), st.text(max_size=20), st.sampled_from(["-2", "404", "40P01", "_MSG_TIMED_OUT"])
    ),
    frames=st.lists(st.text(max_size=40), max_size=5).map(tuple),
    stack_trace=st.one_of(st.none(), _TEXT),
    service=st.text(max_size=30),
    reported_layer=st.one_of(st.none(), st.sampled_from(list(Layer))),
    reported_severity=st.one_of(st.none(), st.sampled_from(list(Severity))),
    tags=st.lists(st.text(max_size=10), max_size=3).map(tuple),
    context_keys=st.lists(st.text(max_size=10), max_size=3).map(tuple),
    source_topic=st.one_of(_TOPICS, st.text(max_size=20)),
)
def test_arbitrary_facts_never_raise_and_give_valid_values(**fields: Any) -> None:
    facts = ErrorFacts(**fields)
    result = classify(facts)
    assert isinstance(result.category, ErrorCategory) and isinstance(result.type, ErrorType)
    assert isinstance(result.severity, Severity) and isinstance(result.layer, Layer)
    assert 0.0 <= result.confidence <= 1.0
    for name in ("category", "type", "severity", "layer", "retryable"):
        assert result.evidence_for(name)
    if facts.reported_severity is not None:
        assert result.severity is facts.reported_severity
    if facts.reported_layer is not None:
        assert result.layer is facts.reported_layer
    assert classify(facts) == result


# -- the input normalisers ----------------------------------------------------------------


def test_codes_have_one_spelling_and_signed_numbers_keep_their_sign() -> None:
    assert (
        normalise_code("DEADLINE_EXCEEDED")
        == normalise_code("DeadlineExceeded")
        == "deadlineexceeded"
    )
    assert normalise_code("-2") == "-2" != normalise_code("2")


def test_exception_names_cover_qualified_simple_and_nested_spellings() -> None:
    assert exception_names("org.x.HttpServerErrorException$ServiceUnavailable") == (
        "org.x.httpservererrorexception$serviceunavailable",
        "httpservererrorexception$serviceunavailable",
        "httpservererrorexception",
        "serviceunavailable",
    )
    assert exception_names("*pgconn.PgError")[-1] == "pgerror"
    assert "pooltimedout" in exception_names("sqlx::Error::PoolTimedOut")
    assert exception_names("   ") == ()


def test_codes_and_wrapped_exceptions_are_read_from_messages() -> None:
    assert "57014" in message_codes("ERROR: canceling statement (SQLSTATE 57014)")
    assert "ECONNREFUSED" in message_codes("[Errno 111] Connection refused")
    assert "ETIMEDOUT" in message_codes("upstream timed out (110: Connection timed out)")
    assert "2013" in message_codes("(2013, 'Lost connection to MySQL server during query')")
    assert embedded_exceptions("(psycopg2.errors.UniqueViolation) duplicate key") == [
        "psycopg2.errors.UniqueViolation"
    ]
    assert embedded_exceptions("failed after 5 retries: SMTPServerDisconnected('closed')") == [
        "SMTPServerDisconnected"
    ]


# -- the speed-ups must not change a verdict ---------------------------------------------

_TEXTS = [facts_of(r) for r in RECORDS] + [ErrorFacts(k[0], k[1], k[2]) for k in KNOWLEDGE]


def test_the_rule_index_never_skips_a_rule_that_matches() -> None:
    book = default_rulebook()
    for facts in _TEXTS:
        explanation = explain(facts)
        signals = frozenset(explanation.signals)
        subject = _subject(facts)
        candidates = set(book.candidates(subject))
        for order, compiled in enumerate(book.rules):
            if compiled.match(subject, signals) is not None:
                assert order in candidates, compiled.rule.rule_id


def _subject(facts: ErrorFacts) -> Any:
    from errorstream.agents.classification import _Subject

    return _Subject.of(facts)


_FRAGMENTS = sorted(
    {
        lit
        for c in default_rulebook().rules
        if c.pattern and c.pattern.literals
        for lit in c.pattern.literals
    }
)


@settings(max_examples=200)
@given(
    st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=8)), max_size=8).map(" ".join)
)
def test_literal_prefilters_agree_with_their_regexes(text: str) -> None:
    text = text.lower()
    subject = _subject(ErrorFacts(text))
    for compiled in default_rulebook().rules:
        phrase = compiled.pattern
        if phrase is None:
            continue
        fast = phrase.search(subject.text, subject.grams)
        slow = phrase.regex.search(subject.text)
        assert (fast is None) == (slow is None), compiled.rule.rule_id


def test_subtype_names_the_specific_failure() -> None:
    assert classify(ErrorFacts("write /tmp/x: no space left on device")).subtype == "disk_full"
    assert classify(ErrorFacts("x", "ThrottlingException")).subtype is not None
    assert classify(ErrorFacts("the frobnicator grumbled")).subtype is None
