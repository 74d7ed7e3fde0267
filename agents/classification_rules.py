"""The classifier's rule tables, and the labelling guide they (and the labelled set) follow.

Labelling guide - category is *who or what is at fault*, type is *the mechanism*:

- logic: a bug in our code - null/undefined dereference, key/index/type errors, illegal
  state, unsupported operations, SQL we wrote wrong, runaway recursion (type
  resource_exhaustion). Go panics are high; everything else medium, layer core.
- data: the data we stored or consumed is bad - decode/parse failures of records, files and
  messages; constraint violations and optimistic-lock conflicts (type database); schema
  mismatches, reconciliation mismatches, corruption (critical, layer infrastructure).
- user: a caller sent a bad request at our edge - request validation, 4xx statuses, a client
  over its rate limit. Low, layer api.
- external: a dependency we call (another service, a third-party or cloud API) failed -
  outbound timeouts, unreachable hosts, upstream 5xx or garbage responses (integration),
  throttling by the dependency (resource_exhaustion). Medium, layer service.
- system: the platform - memory and disk (critical), file descriptors, pools and connection
  limits (high), datastore and broker availability, configuration and deployment (high),
  internal network to our own infrastructure (high), kernel and containers. Layer
  infrastructure.
- security: authentication (including TLS trust) and authorization failures, attacks, leaked
  secrets. Expired or missing end-user credentials at our edge are low; our own credentials
  or permissions failing against a dependency are high.
- performance: slow rather than broken - statement timeouts, slow queries, lag, GC pauses,
  CPU throttling, latency regressions, saturation short of failure. Medium.
- agent: an AI agent or ML model misbehaved - context length, unparsable or out-of-range
  output, iteration limits, guardrails, model artifacts, GPU memory.
- process: a workflow, job, saga or simulation failed as a process - step/SLA timeouts,
  compensation failures, retries exhausted, invalid transitions, bad workflow definitions.

The same exception can fall in different categories depending on context; `SIGNALS` compute
that context first (outbound call, our API edge, datastore driver, broker, cloud/platform,
agent, workflow, ...) and the `Stage.DERIVED` rules move a decided type's category with it:
a refused connection is external on an HTTP client, system/database in a database driver,
system/network to a broker or with nothing else known.

Rule ids are stable (`exc.*`, `code.*`, `msg.*`, `topic.*`, `derive.*`, `signal.*`,
`severity.*`, `layer.*`): evidence and `--explain` name them. Rules are written from how
these systems fail, not from the labelled examples; `tests/unit/test_classification.py`
measures them on the labelled set.
"""

from __future__ import annotations

from typing import Any, Final

from errorstream.agents.classification import OutcomeRule, Rule, Signal, SignalRule, Stage
from errorstream.schemas.enums import ErrorCategory, ErrorType, Layer, Severity

# Short names keep the tables readable: one rule, one line.
C = ErrorCategory
T = ErrorType
L = Layer
S = Severity
G = Signal


def _exc(
    rule_id: str,
    category: C | None,
    type_: T | None,
    confidence: float,
    *names: str,
    **more: Any,
) -> Rule:
    """An exception-class rule; `names` are qualified or simple names, any case."""
    return Rule(
        f"exc.{rule_id}", Stage.EXCEPTION, category, type_, confidence, exceptions=names, **more
    )


def _code(
    rule_id: str,
    category: C | None,
    type_: T | None,
    confidence: float,
    *codes: str,
    **more: Any,
) -> Rule:
    """An error-code rule; codes are compared after `normalise_code`."""
    return Rule(f"code.{rule_id}", Stage.CODE, category, type_, confidence, codes=codes, **more)


def _msg(
    rule_id: str,
    category: C | None,
    type_: T | None,
    confidence: float,
    pattern: str,
    **more: Any,
) -> Rule:
    """A message-phrase rule: a regex searched in the lower-cased message and causes."""
    return Rule(
        f"msg.{rule_id}", Stage.MESSAGE, category, type_, confidence, pattern=pattern, **more
    )


def _code_and_name(
    rule_id: str,
    category: C | None,
    type_: T | None,
    confidence: float,
    *codes: str,
    distinctive: bool = False,
    **more: Any,
) -> tuple[Rule, Rule]:
    """Cloud error codes arrive as `error_code` (botocore) or as the exception's class name
    (AWS SDKs for Java v2, JavaScript v3, .NET): one rule for each spelling.

    Both require a cloud SDK context (`Signal.PLATFORM`), since names such as `NotFound` or
    `Forbidden` mean other things elsewhere (werkzeug, gRPC); `distinctive` codes (nobody
    else says `ThrottlingException`) are trusted as `error_code` without it.
    """
    platform = (G.PLATFORM,)
    return (
        _code(
            rule_id,
            category,
            type_,
            confidence,
            *codes,
            requires=() if distinctive else platform,
            **more,
        ),
        _exc(f"{rule_id}.name", category, type_, confidence, *codes, requires=platform, **more),
    )


def _topic(rule_id: str, category: C, confidence: float, *topics: str, **more: Any) -> Rule:
    return Rule(
        f"topic.{rule_id}",
        Stage.CONTEXT,
        category,
        more.pop("type_", None),
        confidence,
        topics=topics,
        **more,
    )


def _derive(rule_id: str, category: C, confidence: float, when: tuple[T, ...], **more: Any) -> Rule:
    """A category implied by the decided type in a context (signals in `requires`)."""
    return Rule(
        f"derive.{rule_id}", Stage.DERIVED, category, None, confidence, when_type=when, **more
    )


# fmt: off
# =========================================================================== signals
_SQLSTATE_SIGNAL: Final = (
    "23505", "23503", "23502", "23514", "23P01", "40001", "40P01", "53300", "53100", "53200",
    "57014", "57P01", "57P03", "55P03", "42601", "42501", "42P01", "42703", "22P02", "22001",
    "25006", "08006", "08001", "08003", "08004", "28P01", "28000", "XX001",
)

SIGNALS: Final[tuple[SignalRule, ...]] = (
    # -- an outbound call: HTTP/gRPC clients, SDKs of third-party and cloud APIs
    SignalRule(
        "signal.outbound.client_exception",
        G.OUTBOUND,
        exception_prefixes=(
            "requests.", "httpx.", "aiohttp.client", "urllib3.", "urllib.error.", "http.client.",
            "feign.", "okhttp3.", "retrofit2.", "org.springframework.web.client.",
            "org.springframework.web.reactive.function.client.", "org.apache.http.",
            "org.apache.hc.", "java.net.http.", "reactor.netty.http.client.",
            "system.net.http.", "system.net.webexception", "polly.", "net::", "faraday::",
            "httparty::", "restclient::", "excon::", "guzzlehttp\\", "symfony\\component\\httpclient",
            "reqwest::", "hyper::", "url.error", "openai.", "anthropic.", "stripe.", "twilio.",
            "google.api_core.", "googleapiclient.", "com.google.api.gax.", "botocore.",
            "boto3.", "aiobotocore.", "com.amazonaws.", "software.amazon.awssdk.", "amazon.",
            "azure.", "com.azure.", "com.microsoft.azure.", "microsoft.azure.", "io.grpc.",
            "grpc.", "status.error", "cohere.", "litellm.", "authlib.integrations.",
            "requests_oauthlib.", "msal.", "google.auth.transport.",
        ),
        exceptions=(
            "axioserror", "fetcherror", "clientresponseerror", "clientconnectorerror",
            "serverdisconnectederror", "servertimeouterror", "clientoserror", "remotedisconnected",
            "maxretryerror", "newconnectionerror", "connecttimeouterror", "readtimeouterror",
            "resourceaccessexception", "httpclienterrorexception", "httpservererrorexception",
            "webclientresponseexception", "webclientrequestexception", "restclientexception",
            "httprequestexception", "httptimeoutexception", "httpconnecttimeoutexception",
            "httphostconnectexception", "nohttpresponseexception", "feignexception",
            "retryableexception", "rpcexception", "statusruntimeexception",
            "brokencircuitexception", "timeoutrejectedexception", "apiconnectionerror",
            "apitimeouterror", "prematurecloseexception",
        ),
        exception_pattern=r"^(stripe|twilio|sendgrid|slack|github|shopify|paypal|braintree)\w*error$",
    ),
    SignalRule(
        "signal.outbound.request_phrase",
        G.OUTBOUND,
        pattern=(
            r"\b(?:get|post|put|patch|delete|head|options) \"?https?://"
            r"|\bi/o error on (?:get|post|put|patch|delete|head) request for\b"
            r"|\brequest failed with status code\b"
            r"|\bhttps?connectionpool\(|\bmax retries exceeded with url\b"
            r"|\bfor url: https?://|\b(?:from|calling|requesting|fetching) https?://"
            r"|\bexecuting (?:get|post|put|patch|delete) https?://"
            r"|\brpc error: code ="
            r"|\bdecode response from\b|\bresponse from (?:upstream|partner|provider|https?://)"
            r"|\bunable to resolve host\b"
            r"|\bresponse status code does not indicate success\b"
            r"|\bupstream (?:service|api|dependency|partner|provider)\b"
            r"|\bdependency \S+ (?:failed|returned|unavailable|timed out)"
            r"|\bthird[- ]party\b|\bhttpclient\b|\btoken exchange\b|\bwebhook delivery\b"
        ),
        trace_pattern=(
            r"\b(?:requests\.(?:api|sessions|adapters)|httpx\._client|aiohttp\.client"
            r"|urllib3\.connectionpool|okhttp3\.|feign\.|resttemplate|webclient|axios|node-fetch"
            r"|undici)\b"
        ),
        context_keys=(
            "http.url", "url", "upstream", "upstream_url", "target_url", "peer.service",
            "dependency", "http.request.url", "server.address",
        ),
        tags=("outbound", "http_client", "dependency", "upstream", "third_party"),
    ),
    # -- our own API edge: web frameworks, request validation, access-log request lines
    SignalRule(
        "signal.server_edge.framework",
        G.SERVER_EDGE,
        exception_prefixes=(
            "werkzeug.exceptions.", "starlette.exceptions.", "fastapi.", "django.http.",
            "rest_framework.exceptions.", "org.springframework.web.bind.",
            "org.springframework.web.servlet.", "org.springframework.web.server.",
            "org.springframework.web.httprequestmethod", "org.springframework.web.httpmediatype",
            "org.springframework.http.converter.", "org.springframework.security.",
            "javax.ws.rs.", "jakarta.ws.rs.", "javax.validation.", "jakarta.validation.",
            "io.micronaut.http.", "microsoft.aspnetcore.", "microsoft.identitymodel.tokens.",
            "actioncontroller::", "actiondispatch::", "illuminate\\validation",
            "illuminate\\auth", "symfony\\component\\httpkernel\\exception", "tornado.web.",
            "aiohttp.web_exceptions.", "sanic.exceptions.", "falcon.", "pyramid.httpexceptions.",
            "io.jsonwebtoken.", "com.auth0.jwt.", "jwt.exceptions.", "jose.", "graphql.",
        ),
        exceptions=(
            "requestvalidationerror", "httpexception", "graphqlerror", "payloadtoolargeerror",
            "unauthorizederror", "jsonwebtokenerror", "tokenexpirederror", "notbeforeerror",
            "badhttprequestexception", "methodargumentnotvalidexception",
            "disallowedhost", "suspiciousoperation", "csrferror", "zoderror",
            "userinputerror",
        ),
    ),
    SignalRule(
        "signal.server_edge.request_line",
        G.SERVER_EDGE,
        pattern=(
            r"^\"?(?:get|post|put|patch|delete|head|options) /\S*"
            r"|\bhttp/[12](?:\.[01])?\"? [1-5]\d\d\b"
            r"|\b(?:request body|query param(?:eter)?|path param(?:eter)?|request header)\b"
            r"|\bfor argument \[\d+\] in\b|\bbearer token\b|\bcsrf\b|\ballowed_hosts\b"
            r"|\bhttp_host header\b|\bwebhook signature\b|\bincoming webhook\b|\bsignature header\b|\b(?:client|caller|api key|user) \S+ (?:exceeded|sent)\b"
        ),
        layers=(L.API,),
        context_keys=(
            "http.route", "route", "request_path", "http.method", "http.target", "client_ip",
            "user_agent", "http.status_code", "endpoint",
        ),
        tags=("http_server", "api", "endpoint", "request"),
    ),
    SignalRule(
        "signal.server_edge.service_name",
        G.SERVER_EDGE,
        service_pattern=r"(?:^|[-_.])(?:api|gateway|bff|web|frontend|edge|graphql|rest)(?:$|[-_.])",
    ),
    # -- datastore drivers and ORMs
    SignalRule(
        "signal.datastore.driver",
        G.DATASTORE,
        exception_prefixes=(
            "psycopg", "asyncpg.", "pg8000.", "sqlalchemy.", "sqlite3.", "mysql.", "mysqldb.",
            "pymysql.", "aiomysql.", "cx_oracle.", "oracledb.", "pyodbc.", "redis.", "aioredis.",
            "pymongo.", "motor.", "bson.", "cassandra.", "elasticsearch.", "opensearchpy.",
            "django.db.", "peewee.", "tortoise.", "java.sql.", "javax.persistence.",
            "jakarta.persistence.", "org.hibernate.", "org.springframework.dao.",
            "org.springframework.jdbc.", "org.springframework.orm.", "org.postgresql.",
            "com.mysql.", "org.mariadb.", "com.microsoft.sqlserver.", "oracle.jdbc.",
            "com.zaxxer.hikari.", "io.lettuce.", "redis.clients.jedis.",
            "org.springframework.data.", "com.mongodb.", "org.mongodb.", "com.datastax.",
            "org.elasticsearch.", "co.elastic.", "microsoft.data.sqlclient.",
            "system.data.sqlclient.", "npgsql.", "mysql.data.", "mysqlconnector.",
            "microsoft.entityframeworkcore.", "stackexchange.redis.", "mongodb.driver.",
            "pgconn.", "pq.", "pgx.", "mongo.", "gorm.", "sqlx::", "diesel::", "tokio_postgres::",
            "activerecord::", "pg::", "mysql2::", "sequel::", "redis::", "mongo::",
            "doctrine\\dbal", "illuminate\\database", "predis\\", "prisma", "sequelize", "mongo",
            "redis", "typeorm", "knex", "software.amazon.awssdk.services.dynamodb.",
            "com.amazonaws.services.dynamodbv2.", "dynamodb",
        ),
        exceptions=(
            "pdoexception", "queryfailederror", "replyerror", "sqlexception", "integrityerror",
            "operationalerror", "programmingerror", "interfaceerror", "databaseerror",
            "conditionalcheckfailedexception", "provisionedthroughputexceededexception",
        ),
    ),
    SignalRule(
        "signal.datastore.phrase",
        G.DATASTORE,
        pattern=(
            r"\[ioredis\]|\bredis\b|\bmongo(?:db)?\b|\bpostgres(?:ql)?\b|\bmysql\b|\bmariadb\b"
            r"|\bsql server\b|\bsqlstate\b|\bsqlite\b|\bcassandra\b|\bdynamodb\b|\bora-\d{5}\b"
            r"|\bhikaripool\b|\bqueuepool\b|\bdatabase\b|\belasticsearch\b|\bopensearch\b"
            r"|\bclickhouse\b|\bcockroach(?:db)?\b|\bmemcache[d]?\b|\bjdbc\b|\bspanner\b"
            r"|\bcosmos(?:db)?\b|\bfirestore\b|\bsql\b"
        ),
        trace_pattern=(
            r"\b(?:psycopg2?|asyncpg|sqlalchemy|pymongo|redis|jdbc|hibernate|hikari|npgsql"
            r"|sqlclient|activerecord|sequelize|prisma|typeorm|mongoose|ioredis|lettuce|jedis)\b"
        ),
        codes=_SQLSTATE_SIGNAL,
        context_keys=("db.system", "db.statement", "db.name", "db.operation", "sql", "query"),
        tags=("database", "db", "datastore", "cache", "sql"),
    ),
    # -- message brokers we run (managed cloud brokers count as platform APIs)
    SignalRule(
        "signal.broker.client",
        G.BROKER,
        exception_prefixes=(
            "org.apache.kafka.", "kafka.", "confluent_kafka.", "aiokafka.", "faust.", "kafkajs",
            "sarama.", "pika.", "aio_pika.", "kombu.", "amqp.", "amqpstorm.", "com.rabbitmq.",
            "org.springframework.amqp.", "org.springframework.kafka.", "nats.", "io.nats.",
            "org.apache.pulsar.", "pulsar.", "confluent.kafka.", "rabbitmq.client.", "lapin::",
            "rdkafka::", "org.apache.activemq.", "javax.jms.", "jakarta.jms.", "zmq.",
        ),
        exceptions=("kafkaexception", "kafkaerror", "kafkatimeouterror", "nobrokersavailable"),
        pattern=(
            r"\bkafka\b|\bbrokers?\b|\brabbitmq\b|\bzookeeper\b|\bpulsar\b|\bactivemq\b"
            r"|\blibrdkafka\b|\bkafkaerror\b|\bconsumer group\b|\bnats\b|\bamqp://"
        ),
        tags=("kafka", "broker", "queue", "messaging"),
    ),
    # -- cloud provider and cluster control-plane APIs (and their secrets stores)
    SignalRule(
        "signal.platform.sdk",
        G.PLATFORM,
        exception_prefixes=(
            "botocore.", "boto3.", "aiobotocore.", "s3transfer.", "com.amazonaws.",
            "software.amazon.awssdk.", "amazon.", "google.api_core.", "google.auth.",
            "google.cloud.", "googleapiclient.", "com.google.api.gax.", "com.google.cloud.",
            "azure.", "com.azure.", "com.microsoft.azure.", "microsoft.azure.",
            "kubernetes.client.", "io.kubernetes.", "io.fabric8.kubernetes.", "hvac.",
        ),
    ),
    SignalRule(
        "signal.platform.phrase",
        G.PLATFORM,
        pattern=(
            r"\bamazonaws\.com\b|\bgoogleapis\.com\b|\bservice: amazon\b|\bservice: \w+, status code"
            r"|\bwhen calling the \w+ operation\b|\biam\b|\bkubernetes\b|\bserviceaccount\b"
            r"|\bkubelet\b|\bpods?\b|\bnamespace\b|\bpersistentvolume(?:claim)?\b"
            r"|\bstorageclass\b|\bvault\b|\bkey vault\b|\bstorage account\b|\barn:aws:"
            r"|\bs3://|\bgs://|\bsecret manager\b|\bsecretsmanager\b|\bcontainer registry\b"
            r"|\bblob\b|\bservice ?bus\b|\bcloud ?watch\b|\bgcp\b|\baws\b|\bazure\b"
            r"|\b(?:eu|us|ap|sa|ca|me|af)-(?:west|east|north|south|central|northeast|southeast)-\d\b"
        ),
        codes=(
            "OOMKilled", "CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff",
            "CreateContainerConfigError", "CreateContainerError", "FailedScheduling", "Evicted",
            "Unhealthy", "BackOff", "FailedMount", "FailedAttachVolume", "ProvisioningFailed",
            "FailedCreatePodSandBox", "NodeNotReady",
        ),
        tags=("aws", "gcp", "azure", "kubernetes", "k8s", "cloud", "vault"),
    ),
    # -- AI agents and ML models
    SignalRule(
        "signal.agent.context",
        G.AGENT,
        topics=("agent.error", "model.failure", "agent.feedback"),
        exception_prefixes=(
            "openai.", "anthropic.", "langchain", "langgraph.", "llama_index.", "crewai.",
            "autogen.", "transformers.", "torch.", "tensorflow.", "keras.", "onnxruntime.",
            "xgboost.", "sklearn.", "mlflow.", "vllm.", "tritonclient.", "sentence_transformers.",
            "guardrails.", "semantic_kernel.", "microsoft.semantickernel.", "dev.langchain4j.",
            "ai.djl.", "cohere.", "google.generativeai.", "vertexai.", "litellm.", "instructor.",
        ),
        pattern=(
            r"\bllm\b|\bprompt\b|\bcontext (?:length|window)\b|\bguardrail|\bembeddings?\b"
            r"|\binference\b|\bagent\b|\bcuda\b|\bgpu\b|\bhallucinat|\btool call"
            r"|\bmodel (?:artifact|weights|checkpoint|version|output|server|serving|endpoint)\b"
            r"|\bfeature store\b|\btokens?\b.{0,30}\b(?:limit|maximum|exceed)"
        ),
        service_pattern=r"(?:agent|llm|assistant|inference|embedding|model-serv|scoring|copilot)",
        context_keys=("agent_id", "model_name", "model_version", "prompt_id", "llm.model", "gen_ai.system"),
        tags=("agent", "llm", "ml", "model"),
    ),
    # -- workflows, jobs and tasks
    SignalRule(
        "signal.workflow.context",
        G.WORKFLOW,
        topics=("workflow.error", "task.failed"),
        exception_prefixes=(
            "temporalio.", "io.temporal.", "airflow.", "celery.", "billiard.", "prefect.",
            "dagster.", "luigi.", "rq.", "dramatiq.", "huey.", "sidekiq::", "resque::",
            "org.quartz.", "org.springframework.batch.", "hangfire.", "activejob::",
        ),
        pattern=(
            r"\bworkflow\b|\bsaga\b|\bdag(?:_id)?\b|\bcompensation\b|\bdead set\b"
            r"|\b(?:cron|batch|scheduled|background) job\b|\bjob \S+ (?:failed|exhausted|missed)"
            r"|\bpipeline run\b|\bstep '"
        ),
        context_keys=("workflow_id", "run_id", "dag_id", "job_id", "task_id", "saga_id", "step"),
        tags=("workflow", "job", "task", "saga", "batch"),
    ),
    SignalRule(
        "signal.simulation.context",
        G.SIMULATION,
        topics=("simulation.error",),
        pattern=r"\bsimulation\b|\bscenario\b|\bsolver\b",
        tags=("simulation",),
    ),
    SignalRule("signal.performance.topic", G.PERFORMANCE, topics=("performance.degradation",), tags=("performance", "slo", "latency")),
    SignalRule("signal.anomaly.topic", G.ANOMALY, topics=("system.anomaly",), tags=("anomaly", "host", "kernel")),
    # -- consuming, importing or transforming stored data (as opposed to serving a request)
    SignalRule(
        "signal.data_pipeline.context",
        G.DATA_PIPELINE,
        exception_prefixes=(
            "fastavro.", "avro.", "org.apache.avro.", "pyarrow.", "pandas.", "org.apache.parquet.",
            "org.apache.spark.", "pyspark.", "csv.", "org.apache.kafka.common.errors.serialization",
        ),
        pattern=(
            r"\b(?:import|ingest(?:ion)?|etl|csv|parquet|avro|backfill|record at offset|offset \d+"
            r"|rows? \d+|dlq|dead[- ]letter|reconcil\w*|batch file|feed file)\b"
        ),
        service_pattern=(
            r"(?:import|ingest|etl|consumer|loader|pipeline|projector|sync|reconcil|batch"
            r"|export|indexer|crawler|warehouse|replicat)"
        ),
        context_keys=("offset", "partition", "file", "row", "record_id", "batch_id"),
        tags=("etl", "pipeline", "import", "consumer"),
    ),
    SignalRule(
        "signal.environ.config",
        G.ENVIRON,
        pattern=(
            r"\benviron(?:ment)? variable\b|\benv var|\bos\.environ\b|\bsettings\b"
            r"|\bconfig(?:uration)? (?:file|key|value|option)\b|\.(?:ya?ml|toml|ini|conf|properties)\b"
        ),
        trace_pattern=r"\bos\.environ\b|\bgetenv\b|\bsettings\.py\b",
    ),
    SignalRule(
        "signal.tls.handshake",
        G.TLS,
        exception_pattern=r"ssl|x509|certificate|pkix|handshake|certpath",
        pattern=(
            r"\bcertificate\b|\bx509\b|\bpkix\b|\bssl\b|\btls\b|\bhandshake\b|\bself[- ]signed\b"
        ),
    ),
)


# =========================================================================== exception classes
# Confidence guide: 0.95+ the class alone says it all; 0.85-0.93 specific class, context may
# refine the category (category_confidence lower); 0.5-0.7 a family whose message or code
# usually says more; 0.3-0.45 a wrapper (RuntimeException, OSError) that says little.
_PROGRAMMING_ERRORS: Final = (
    # Python
    "KeyError", "AttributeError", "TypeError", "IndexError", "ZeroDivisionError", "NameError",
    "UnboundLocalError", "AssertionError", "NotImplementedError", "LookupError",
    "OverflowError", "FloatingPointError", "ArithmeticError", "StopIteration",
    # JavaScript
    "ReferenceError",
    # Java / Kotlin / Scala
    "java.lang.NullPointerException", "NullPointerException", "KotlinNullPointerException",
    "UninitializedPropertyAccessException", "ClassCastException", "ArrayIndexOutOfBoundsException",
    "IndexOutOfBoundsException", "StringIndexOutOfBoundsException", "ArithmeticException",
    "ConcurrentModificationException", "UnsupportedOperationException",
    "NoSuchElementException", "ArrayStoreException", "NegativeArraySizeException",
    "scala.MatchError", "MatchError",
    # .NET
    "NullReferenceException", "ArgumentNullException", "ArgumentOutOfRangeException",
    "InvalidCastException", "IndexOutOfRangeException", "KeyNotFoundException",
    "DivideByZeroException", "NotImplementedException", "NotSupportedException",
    "ObjectDisposedException", "RuntimeBinderException",
    # Ruby / PHP
    "NoMethodError", "FrozenError", "ArgumentCountError", "DivisionByZeroError",
    "UncaughtThrowError",
)

EXCEPTION_RULES: Final[tuple[Rule, ...]] = (
    # ---------------------------------------------------------------- programming errors
    _exc("programming_error", C.LOGIC, T.EXCEPTION, 0.86, *_PROGRAMMING_ERRORS),
    _exc("illegal_state", C.LOGIC, T.EXCEPTION, 0.8, "IllegalStateException", "InvalidOperationException", "IllegalMonitorStateException"),
    _exc("runtime_error", C.LOGIC, T.EXCEPTION, 0.45, "RuntimeError"),
    _exc("environ_key", C.SYSTEM, T.CONFIGURATION, 0.93, "KeyError", raw_pattern=r"^\s*['\"]?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+['\"]?\s*$", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("environ_lookup", C.SYSTEM, T.CONFIGURATION, 0.93, "KeyError", trace_pattern=r"\bos\.environ\b|\bgetenv\b|\benviron\[", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("illegal_argument", C.LOGIC, T.EXCEPTION, 0.55, "IllegalArgumentException", "ArgumentException", "ArgumentError", "InvalidArgumentException", "ValueError", category_confidence=0.48),
    _exc("lazy_init", C.LOGIC, T.EXCEPTION, 0.92, "LazyInitializationException", "DetachedInstanceError", "sqlalchemy.orm.exc.DetachedInstanceError", "TransientObjectException", "NonUniqueResultException", "NonUniqueObjectException"),
    _exc("stack_overflow", C.LOGIC, T.RESOURCE_EXHAUSTION, 0.95, "RecursionError", "StackOverflowError", "StackOverflowException", "InsufficientExecutionStackException", "SystemStackError", severity=S.MEDIUM, layer=L.CORE),
    _exc("go_runtime", C.LOGIC, T.EXCEPTION, 0.9, "runtime.Error", "runtime.boundsError", "runtime.plainError", "runtime.TypeAssertionError", severity=S.HIGH, layer=L.CORE),
    _exc("php_error", C.LOGIC, T.EXCEPTION, 0.5, "ErrorException"),
    _exc("js_syntax", C.LOGIC, T.EXCEPTION, 0.55, "SyntaxError"),
    _exc("wrapper", None, T.EXCEPTION, 0.3, "RuntimeException", "Exception", "ExecutionException", "CompletionException", "UndeclaredThrowableException", "InvocationTargetException", "AggregateException", "Error", "StandardError", "BaseException", "UncheckedExecutionException", "errors.errorString", "fmt.wrapError", "errors.joinError", category_confidence=0.3),
    # ---------------------------------------------------------------- memory and processes
    _exc("out_of_memory", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "MemoryError", "java.lang.OutOfMemoryError", "OutOfMemoryError", "OutOfMemoryException", "NoMemoryError", "InsufficientMemoryException", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _exc("cuda_oom", C.AGENT, T.RESOURCE_EXHAUSTION, 0.97, "torch.cuda.OutOfMemoryError", "torch.OutOfMemoryError", "CudaOutOfMemoryError", "ResourceExhaustedError", "tensorflow.python.framework.errors_impl.ResourceExhaustedError", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("thread_pool_rejected", C.PERFORMANCE, T.RESOURCE_EXHAUSTION, 0.9, "RejectedExecutionException", "TaskRejectedException", "BulkheadFullException", "RejectedExecutionError", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("subprocess_failed", C.SYSTEM, T.EXCEPTION, 0.6, "subprocess.CalledProcessError", "CalledProcessError", "ChildProcessError"),
    _exc("subprocess_timeout", C.SYSTEM, T.TIMEOUT, 0.85, "subprocess.TimeoutExpired", "TimeoutExpired"),
    # ---------------------------------------------------------------- configuration and deployment
    _exc("missing_module", C.SYSTEM, T.CONFIGURATION, 0.92, "ModuleNotFoundError", "ImportError", "NoClassDefFoundError", "ClassNotFoundException", "NoSuchMethodError", "NoSuchFieldError", "AbstractMethodError", "IncompatibleClassChangeError", "UnsatisfiedLinkError", "LinkageError", "FileLoadException", "TypeLoadException", "MissingMethodException", "DllNotFoundException", "LoadError", "zeitwerk::nameerror", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("improperly_configured", C.SYSTEM, T.CONFIGURATION, 0.95, "django.core.exceptions.ImproperlyConfigured", "ImproperlyConfigured", "ConfigurationError", "ConfigError", "ConfigurationException", "ConfigurationErrorsException", "OptionsValidationException", "MissingResourceException", "ConfigDataLocationNotFoundException", "BindValidationException", "InvalidConfigurationPropertyValueException", "MissingEnvironmentVariableError", "configparser.Error", "NoSectionError", "NoOptionError", "MissingSectionHeaderError", "ActiveRecord::PendingMigrationError", "PendingMigrationError", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("config_file_syntax", C.SYSTEM, T.CONFIGURATION, 0.88, "yaml.YAMLError", "yaml.scanner.ScannerError", "yaml.parser.ParserError", "yaml.composer.ComposerError", "yaml.constructor.ConstructorError", "tomllib.TOMLDecodeError", "toml.TomlDecodeError", "TOMLDecodeError", "configparser.ParsingError", "YAMLException", "org.yaml.snakeyaml.scanner.ScannerException", "Psych::SyntaxError", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("spring_context", C.SYSTEM, T.CONFIGURATION, 0.92, "BeanCreationException", "BeanDefinitionStoreException", "UnsatisfiedDependencyException", "NoSuchBeanDefinitionException", "NoUniqueBeanDefinitionException", "BeanInstantiationException", "BeanCurrentlyInCreationException", "ApplicationContextException", "PortInUseException", "ApplicationContextInitializationException", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("malformed_url", C.SYSTEM, T.CONFIGURATION, 0.8, "MalformedURLException", "UriFormatException", "InvalidURL", "MissingSchema", "InvalidSchema", "requests.exceptions.MissingSchema", "requests.exceptions.InvalidSchema", "requests.exceptions.InvalidURL", "httpx.UnsupportedProtocol", "UnsupportedProtocol", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("port_in_use", C.SYSTEM, T.CONFIGURATION, 0.88, "java.net.BindException", "AddressInUseException", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    # ---------------------------------------------------------------- files and OS
    _exc("file_not_found", C.SYSTEM, T.CONFIGURATION, 0.72, "FileNotFoundError", "java.io.FileNotFoundException", "FileNotFoundException", "NoSuchFileException", "DirectoryNotFoundException", "IsADirectoryError", "NotADirectoryError", "Errno::ENOENT", category_confidence=0.7, severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("file_permission", C.SYSTEM, T.AUTHORIZATION, 0.9, "PermissionError", "UnauthorizedAccessException", "java.nio.file.AccessDeniedException", "Errno::EACCES", "Errno::EPERM", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("os_error", C.SYSTEM, T.EXCEPTION, 0.4, "OSError", "IOError", "java.io.IOException", "IOException", "System.IO.IOException", "UncheckedIOException", "SystemCallError"),
    # ---------------------------------------------------------------- network (category from context)
    _exc("connection_refused", C.SYSTEM, T.NETWORK, 0.85, "ConnectionRefusedError", "ConnectionResetError", "ConnectionAbortedError", "BrokenPipeError", "ConnectionError", "java.net.ConnectException", "ConnectException", "java.net.SocketException", "SocketException", "NoRouteToHostException", "PortUnreachableException", "EOFException", "ClosedChannelException", "Errno::ECONNREFUSED", "Errno::ECONNRESET", "Errno::EPIPE", "Errno::EHOSTUNREACH", "net.OpError", "ConnectionClosedException", "ConnectionResetException", category_confidence=0.5, severity=S.HIGH),
    _exc("dns", C.SYSTEM, T.NETWORK, 0.9, "socket.gaierror", "gaierror", "java.net.UnknownHostException", "UnknownHostException", "net.DNSError", "SocketError", "NameResolutionError", "urllib3.exceptions.NameResolutionError", category_confidence=0.5),
    _exc("timeout", C.SYSTEM, T.TIMEOUT, 0.85, "TimeoutError", "socket.timeout", "asyncio.TimeoutError", "asyncio.exceptions.TimeoutError", "concurrent.futures.TimeoutError", "concurrent.futures._base.TimeoutError", "java.util.concurrent.TimeoutException", "TimeoutException", "System.TimeoutException", "Timeout::Error", "Timeout", "TimeoutRejectedException", "WaitTimeoutError", category_confidence=0.45),
    _exc("socket_timeout", C.EXTERNAL, T.TIMEOUT, 0.9, "java.net.SocketTimeoutException", "SocketTimeoutException", "InterruptedIOException", "io.netty.handler.timeout.ReadTimeoutException", "ReadTimeoutException", "WriteTimeoutException", category_confidence=0.6),
    _exc("task_canceled", C.SYSTEM, T.TIMEOUT, 0.7, "System.Threading.Tasks.TaskCanceledException", "TaskCanceledException", "OperationCanceledException", category_confidence=0.4),
    _exc("tls", C.SECURITY, T.AUTHENTICATION, 0.92, "ssl.SSLError", "ssl.SSLCertVerificationError", "SSLCertVerificationError", "SSLError", "SSLHandshakeException", "SSLPeerUnverifiedException", "CertificateExpiredException", "CertificateNotYetValidException", "CertPathValidatorException", "CertPathBuilderException", "CertificateException", "SunCertPathBuilderException", "System.Security.Authentication.AuthenticationException", "OpenSSL::SSL::SSLError", "requests.exceptions.SSLError", "aiohttp.client_exceptions.ClientConnectorCertificateError", "ClientConnectorCertificateError", "ClientConnectorSSLError", "CertificateVerifyError", "x509.UnknownAuthorityError", "x509.CertificateInvalidError", "x509.HostnameError", "tls.CertificateVerificationError", severity=S.HIGH, layer=L.SERVICE),
    # ---------------------------------------------------------------- HTTP clients (outbound)
    _exc("http_connect_timeout", C.EXTERNAL, T.TIMEOUT, 0.93, "requests.exceptions.ConnectTimeout", "requests.exceptions.ReadTimeout", "requests.exceptions.Timeout", "httpx.ConnectTimeout", "httpx.ReadTimeout", "httpx.WriteTimeout", "httpx.PoolTimeout", "httpx.TimeoutException", "aiohttp.client_exceptions.ServerTimeoutError", "ServerTimeoutError", "aiohttp.ServerTimeoutError", "urllib3.exceptions.ReadTimeoutError", "urllib3.exceptions.ConnectTimeoutError", "ReadTimeout", "ConnectTimeout", "ConnectTimeoutError", "ReadTimeoutError", "HttpTimeoutException", "HttpConnectTimeoutException", "org.apache.http.conn.ConnectTimeoutException", "ConnectTimeoutException", "Net::ReadTimeout", "Net::OpenTimeout", "Net::WriteTimeout", "Faraday::TimeoutError", "HTTPClient::TimeoutError", "RestClient::RequestTimeout", "RestClient::Exceptions::ReadTimeout", "RestClient::Exceptions::OpenTimeout", "botocore.exceptions.ConnectTimeoutError", "botocore.exceptions.ReadTimeoutError", "ApiCallTimeoutException", "ApiCallAttemptTimeoutException", "openai.APITimeoutError", "anthropic.APITimeoutError", "APITimeoutError", "azure.core.exceptions.ServiceRequestTimeoutError", "azure.core.exceptions.ServiceResponseTimeoutError", "google.api_core.exceptions.DeadlineExceeded", "google.api_core.exceptions.GatewayTimeout", "google.api_core.exceptions.RetryError", "Polly.Timeout.TimeoutRejectedException", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("http_connection", C.EXTERNAL, T.NETWORK, 0.9, "requests.exceptions.ConnectionError", "httpx.ConnectError", "httpx.RemoteProtocolError", "httpx.NetworkError", "httpx.ReadError", "httpx.WriteError", "aiohttp.client_exceptions.ClientConnectorError", "aiohttp.client_exceptions.ServerDisconnectedError", "aiohttp.client_exceptions.ClientOSError", "aiohttp.ClientConnectorError", "aiohttp.ServerDisconnectedError", "ClientConnectorError", "ServerDisconnectedError", "ClientOSError", "ClientConnectionError", "urllib3.exceptions.ProtocolError", "urllib3.exceptions.NewConnectionError", "urllib3.exceptions.MaxRetryError", "NewConnectionError", "MaxRetryError", "http.client.RemoteDisconnected", "RemoteDisconnected", "http.client.IncompleteRead", "IncompleteRead", "ChunkedEncodingError", "requests.exceptions.ChunkedEncodingError", "HttpHostConnectException", "NoHttpResponseException", "org.apache.http.NoHttpResponseException", "WebClientRequestException", "PrematureCloseException", "Faraday::ConnectionFailed", "Excon::Error::Socket", "HTTParty::Error", "GuzzleHttp\\Exception\\ConnectException", "botocore.exceptions.EndpointConnectionError", "EndpointConnectionError", "botocore.exceptions.ConnectionClosedError", "openai.APIConnectionError", "anthropic.APIConnectionError", "APIConnectionError", "azure.core.exceptions.ServiceRequestError", "azure.core.exceptions.ServiceResponseError", "ServiceRequestError", "ServiceResponseError", "azure.servicebus.exceptions.ServiceBusConnectionError", "ServiceBusConnectionError", "google.auth.exceptions.TransportError", "FetchError", "StripeConnectionError", "stripe.error.APIConnectionError", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("http_client_generic", C.EXTERNAL, T.INTEGRATION, 0.6, "requests.exceptions.HTTPError", "requests.exceptions.RequestException", "httpx.HTTPStatusError", "httpx.HTTPError", "aiohttp.client_exceptions.ClientResponseError", "ClientResponseError", "HTTPError", "urllib.error.HTTPError", "RestClientException", "HttpClientErrorException", "HttpServerErrorException", "UnknownHttpStatusCodeException", "WebClientResponseException", "FeignException", "retrofit2.HttpException", "ClientProtocolException", "HttpRequestException", "Faraday::ClientError", "Faraday::ServerError", "Faraday::Error", "GuzzleHttp\\Exception\\RequestException", "GuzzleHttp\\Exception\\ClientException", "GuzzleHttp\\Exception\\ServerException", "AxiosError", "HTTPStatusError", "openai.APIStatusError", "openai.InternalServerError", "anthropic.InternalServerError", "anthropic.APIStatusError", "StripeAPIError", "StripeInvalidRequestError", category_confidence=0.7, severity=S.MEDIUM, layer=L.SERVICE),
    _exc("http_client_wrapper", C.EXTERNAL, T.NETWORK, 0.55, "ResourceAccessException", "feign.RetryableException", "RetryableException", "WebException", "System.Net.WebException", category_confidence=0.85, layer=L.SERVICE),
    _exc("upstream_server_error", C.EXTERNAL, T.INTEGRATION, 0.9, "HttpServerErrorException$ServiceUnavailable", "HttpServerErrorException$BadGateway", "HttpServerErrorException$InternalServerError", "FeignException$ServiceUnavailable", "FeignException$BadGateway", "FeignException$InternalServerError", "google.api_core.exceptions.ServiceUnavailable", "google.api_core.exceptions.InternalServerError", "google.api_core.exceptions.BadGateway", "google.api_core.exceptions.Unknown", "Faraday::ServerError", severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _exc("upstream_gateway_timeout", C.EXTERNAL, T.TIMEOUT, 0.92, "HttpServerErrorException$GatewayTimeout", "FeignException$GatewayTimeout", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("upstream_throttled", C.EXTERNAL, T.RESOURCE_EXHAUSTION, 0.93, "HttpClientErrorException$TooManyRequests", "FeignException$TooManyRequests", "google.api_core.exceptions.TooManyRequests", "google.api_core.exceptions.ResourceExhausted", "openai.RateLimitError", "anthropic.RateLimitError", "RateLimitError", "StripeRateLimitError", "stripe.error.RateLimitError", "stripe.RateLimitError", "Faraday::TooManyRequestsError", "ThrottlingException", "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "ServiceBusQuotaExceededError", "RateLimitExceeded", "RateLimitExceededException", "Octokit::TooManyRequests", severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _exc("upstream_unauthenticated", C.SECURITY, T.AUTHENTICATION, 0.92, "HttpClientErrorException$Unauthorized", "FeignException$Unauthorized", "openai.AuthenticationError", "anthropic.AuthenticationError", "StripeAuthenticationError", "stripe.error.AuthenticationError", "stripe.AuthenticationError", "Faraday::UnauthorizedError", "Octokit::Unauthorized", severity=S.HIGH, layer=L.SERVICE),
    _exc("upstream_forbidden", C.SECURITY, T.AUTHORIZATION, 0.92, "HttpClientErrorException$Forbidden", "FeignException$Forbidden", "openai.PermissionDeniedError", "anthropic.PermissionDeniedError", "StripePermissionError", "stripe.error.PermissionError", "Faraday::ForbiddenError", "Octokit::Forbidden", severity=S.HIGH, layer=L.SERVICE),
    _exc("upstream_not_found", C.EXTERNAL, T.INTEGRATION, 0.88, "HttpClientErrorException$NotFound", "FeignException$NotFound", "Faraday::ResourceNotFound", "Octokit::NotFound", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("upstream_bad_request", C.EXTERNAL, T.INTEGRATION, 0.7, "HttpClientErrorException$BadRequest", "HttpClientErrorException$UnprocessableEntity", "HttpClientErrorException$Conflict", "FeignException$BadRequest", "openai.BadRequestError", "openai.UnprocessableEntityError", "openai.ConflictError", "anthropic.BadRequestError", "Faraday::BadRequestError", "Faraday::UnprocessableEntityError", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("smtp_connection", C.EXTERNAL, T.NETWORK, 0.9, "smtplib.SMTPServerDisconnected", "SMTPServerDisconnected", "smtplib.SMTPConnectError", "SMTPConnectError", "MailConnectException", "org.eclipse.angus.mail.util.MailConnectException", "com.sun.mail.util.MailConnectException", "Net::SMTPServerBusy", "ftplib.error_temp", severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _exc("smtp_rejected", C.EXTERNAL, T.INTEGRATION, 0.85, "smtplib.SMTPDataError", "SMTPDataError", "smtplib.SMTPSenderRefused", "SMTPSenderRefused", "smtplib.SMTPResponseException", "SMTPResponseException", "MessagingException", "javax.mail.MessagingException", "jakarta.mail.MessagingException", "Net::SMTPFatalError", "ftplib.error_perm", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("smtp_auth", C.SECURITY, T.AUTHENTICATION, 0.93, "smtplib.SMTPAuthenticationError", "SMTPAuthenticationError", "AuthenticationFailedException", "javax.mail.AuthenticationFailedException", "Net::SMTPAuthenticationError", severity=S.HIGH, layer=L.SERVICE),
    _exc("smtp_recipient", C.USER, T.VALIDATION, 0.85, "smtplib.SMTPRecipientsRefused", "SMTPRecipientsRefused", "SendFailedException", "javax.mail.internet.AddressException", "AddressException", severity=S.LOW, layer=L.SERVICE),
    _exc("circuit_open", C.EXTERNAL, T.INTEGRATION, 0.9, "BrokenCircuitException", "Polly.CircuitBreaker.BrokenCircuitException", "CallNotPermittedException", "CircuitBreakerOpenException", "CircuitBreakerError", "pybreaker.CircuitBreakerError", "HystrixRuntimeException", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("grpc_wrapper", C.EXTERNAL, None, 0.5, "io.grpc.StatusRuntimeException", "io.grpc.StatusException", "StatusRuntimeException", "Grpc.Core.RpcException", "RpcException", "grpc.RpcError", "grpc._channel._InactiveRpcError", "_InactiveRpcError", "grpc.aio.AioRpcError", "AioRpcError", "status.Error"),
)

DATASTORE_EXCEPTION_RULES: Final[tuple[Rule, ...]] = (
    # ---------------------------------------------------------------- integrity and conflicts
    _exc("db_integrity", C.DATA, T.DATABASE, 0.92, "IntegrityError", "UniqueViolation", "ForeignKeyViolation", "NotNullViolation", "CheckViolation", "ExclusionViolation", "RestrictViolation", "UniqueViolationError", "ForeignKeyViolationError", "NotNullViolationError", "CheckViolationError", "SQLIntegrityConstraintViolationException", "MySQLIntegrityConstraintViolationException", "DataIntegrityViolationException", "DuplicateKeyException", "org.hibernate.exception.ConstraintViolationException", "DuplicateKeyError", "pymongo.errors.DuplicateKeyError", "MongoBulkWriteError", "BulkWriteError", "ActiveRecord::RecordNotUnique", "ActiveRecord::InvalidForeignKey", "ActiveRecord::NotNullViolation", "PG::UniqueViolation", "PG::ForeignKeyViolation", "PG::NotNullViolation", "PG::CheckViolation", "SequelizeUniqueConstraintError", "SequelizeForeignKeyConstraintError", "Doctrine\\DBAL\\Exception\\UniqueConstraintViolationException", "UniqueConstraintViolationException", "ForeignKeyConstraintViolationException", "NotNullConstraintViolationException", "DbUpdateException", "ConditionalCheckFailedException", "TransactionCanceledException", "ItemCollectionSizeLimitExceededException", "E11000", severity=S.MEDIUM, layer=L.CORE),
    _exc("db_optimistic_lock", C.DATA, T.DATABASE, 0.92, "StaleObjectStateException", "StaleStateException", "OptimisticLockException", "OptimisticLockingFailureException", "ObjectOptimisticLockingFailureException", "HibernateOptimisticLockingFailureException", "StaleDataError", "sqlalchemy.orm.exc.StaleDataError", "ActiveRecord::StaleObjectError", "DbUpdateConcurrencyException", "VersionError", "ResourceModifiedError", "azure.core.exceptions.ResourceModifiedError", "CosmosAccessConditionFailedError", "ConcurrencyException", severity=S.MEDIUM, layer=L.CORE),
    _exc("db_data", C.DATA, T.DATABASE, 0.85, "DataError", "SQLDataException", "MysqlDataTruncation", "DataTruncation", "InvalidTextRepresentation", "StringDataRightTruncation", "NumericValueOutOfRange", "InvalidDatetimeFormat", "DatetimeFieldOverflow", "InvalidTextRepresentationError", "org.hibernate.exception.DataException", "DataException", "SequelizeValidationError", severity=S.MEDIUM, layer=L.CORE, requires=(G.DATASTORE,)),
    _exc("db_corruption", C.DATA, T.DATABASE, 0.95, "DataCorrupted", "IndexCorrupted", "psycopg.errors.DataCorrupted", "psycopg2.errors.DataCorrupted", "DatabaseCorruptError", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    # ---------------------------------------------------------------- SQL we wrote wrong
    _exc("db_missing_table", C.SYSTEM, T.CONFIGURATION, 0.92, "psycopg.errors.UndefinedTable", "psycopg2.errors.UndefinedTable", "UndefinedTable", "UndefinedTableError", "PG::UndefinedTable", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("db_syntax", C.LOGIC, T.DATABASE, 0.9, "psycopg.errors.SyntaxError", "psycopg2.errors.SyntaxError", "UndefinedColumn", "UndefinedFunction", "UndefinedObject", "AmbiguousColumn", "DatatypeMismatch", "UndefinedColumnError", "PostgresSyntaxError", "SQLSyntaxErrorException", "MySQLSyntaxErrorException", "BadSqlGrammarException", "InvalidDataAccessResourceUsageException", "SQLGrammarException", "org.hibernate.exception.SQLGrammarException", "QuerySyntaxException", "ProgrammingError", "PG::SyntaxError", "PG::UndefinedColumn", "InFailedSqlTransaction", "PG::InFailedSqlTransaction", "PendingRollbackError", "sqlalchemy.exc.PendingRollbackError", "SQLFeatureNotSupportedException", "NotSupportedError", "PrismaClientValidationError", severity=S.MEDIUM, layer=L.CORE),
    _exc("orm_misuse", C.LOGIC, T.EXCEPTION, 0.78, "sqlalchemy.exc.InvalidRequestError", "sqlalchemy.exc.ArgumentError", "sqlalchemy.orm.exc.UnmappedInstanceError", "sqlalchemy.orm.exc.ObjectDeletedError", "InvalidDataAccessApiUsageException", "EmptyResultDataAccessException", "IncorrectResultSizeDataAccessException", "NoResultFound", "MultipleResultsFound", "sqlalchemy.exc.NoResultFound", "sqlalchemy.exc.MultipleResultsFound", "NoResultException", "EntityNotFoundError", "MultipleObjectsReturned", "sqlx::Error::RowNotFound", "RowNotFound", "sql.ErrNoRows", "redis.exceptions.DataError", "ActiveRecord::RecordNotSaved", "ActiveRecord::ReadOnlyRecord", "UnexpectedRollbackException", "IllegalTransactionStateException", "NoTransactionException", "TransactionRequiredException"),
    # ---------------------------------------------------------------- availability and connections
    _exc("db_operational", C.SYSTEM, T.DATABASE, 0.72, "OperationalError", "InterfaceError", "psycopg.OperationalError", "psycopg2.OperationalError", "psycopg.InterfaceError", "psycopg2.InterfaceError", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("db_unavailable", C.SYSTEM, T.DATABASE, 0.88, "AdminShutdown", "CannotConnectNow", "CrashShutdown", "IdleSessionTimeout", "ConnectionDoesNotExistError", "ConnectionFailureError", "PostgresConnectionError", "SQLNonTransientConnectionException", "SQLRecoverableException", "CommunicationsException", "MySQLNonTransientConnectionException", "CannotGetJdbcConnectionException", "DataAccessResourceFailureException", "CannotCreateTransactionException", "JDBCConnectionException", "redis.exceptions.ConnectionError", "redis.ConnectionError", "RedisConnectionException", "RedisConnectionFailureException", "Redis::CannotConnectError", "Redis::ConnectionError", "JedisConnectionException", "RedisCommandExecutionException", "pymongo.errors.ServerSelectionTimeoutError", "ServerSelectionTimeoutError", "pymongo.errors.AutoReconnect", "AutoReconnect", "pymongo.errors.ConnectionFailure", "ConnectionFailure", "MongoNetworkError", "MongoServerSelectionError", "MongooseServerSelectionError", "MongoTopologyClosedError", "MongoSocketException", "MongoSocketOpenException", "MongoTimeoutException", "com.mongodb.MongoSocketOpenException", "MongoNotPrimaryException", "MongoConnectionException", "NoHostAvailable", "cassandra.cluster.NoHostAvailable", "cassandra.Unavailable", "UnavailableException", "NoNodeAvailableException", "elasticsearch.exceptions.ConnectionError", "elastic_transport.ConnectionError", "ActiveRecord::ConnectionNotEstablished", "PG::ConnectionBad", "PG::UnableToSend", "Mysql2::Error::ConnectionError", "SequelizeConnectionError", "SequelizeConnectionRefusedError", "SequelizeHostNotFoundError", "SequelizeHostNotReachableError", "SequelizeConnectionTimedOutError", "PrismaClientInitializationError", "Predis\\Connection\\ConnectionException", "NpgsqlException", "sqlx::Error::Io", "MongoServerClosedError", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("db_read_only", C.SYSTEM, T.DATABASE, 0.93, "redis.exceptions.ReadOnlyError", "ReadOnlyError", "ReadOnlySqlTransaction", "psycopg.errors.ReadOnlySqlTransaction", "ClusterDownError", "redis.exceptions.ClusterDownError", "MasterDownError", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("db_transient", C.SYSTEM, T.DATABASE, 0.9, "DeadlockDetected", "SerializationFailure", "DeadlockDetectedError", "SerializationError", "TransactionRollbackError", "SQLTransactionRollbackException", "MySQLTransactionRollbackException", "DeadlockLoserDataAccessException", "PessimisticLockingFailureException", "ConcurrencyFailureException", "ActiveRecord::Deadlocked", "ActiveRecord::SerializationFailure", "PG::TRDeadlockDetected", "PG::TRSerializationFailure", "redis.exceptions.BusyLoadingError", "BusyLoadingError", "pymongo.errors.NotPrimaryError", "NotPrimaryError", "NotMasterError", "MongoNotPrimaryException", "TransientTransactionError", "TransactionConflictException", "google.api_core.exceptions.Aborted", "TransientDataAccessResourceException", "TryAgainError", "redis.exceptions.TryAgainError", "CursorNotFound", "pymongo.errors.CursorNotFound", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _exc("db_pool_exhausted", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.93, "sqlalchemy.exc.TimeoutError", "SQLTransientConnectionException", "sqlx::Error::PoolTimedOut", "PoolTimedOut", "ActiveRecord::ConnectionTimeoutError", "SequelizeConnectionAcquireTimeoutError", "PoolTimeoutError", "PoolExhaustedError", "psycopg2.pool.PoolError", "psycopg_pool.PoolTimeout", "PoolTimeout", "TooManyConnections", "psycopg.errors.TooManyConnections", "psycopg2.errors.TooManyConnections", "TooManyConnectionsError", "redis.exceptions.MaxConnectionsError", "MaxConnectionsError", "JedisExhaustedPoolException", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("db_out_of_space", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "DiskFull", "psycopg.errors.DiskFull", "psycopg2.errors.DiskFull", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _exc("db_out_of_memory", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "OutOfMemory", "psycopg.errors.OutOfMemory", "psycopg2.errors.OutOfMemory", "redis.exceptions.OutOfMemoryError", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("db_timeout", C.SYSTEM, T.TIMEOUT, 0.9, "redis.exceptions.TimeoutError", "redis.TimeoutError", "RedisTimeoutException", "Redis::TimeoutError", "RedisCommandTimeoutException", "QueryTimeoutException", "pymongo.errors.NetworkTimeout", "NetworkTimeout", "MongoNetworkTimeoutError", "MongoSocketReadTimeoutException", "cassandra.ReadTimeout", "cassandra.WriteTimeout", "cassandra.OperationTimedOut", "OperationTimedOut", "ReadTimeoutException", "WriteTimeoutException", "elasticsearch.exceptions.ConnectionTimeout", "ConnectionTimeout", "SequelizeTimeoutError", category_confidence=0.7, severity=S.MEDIUM, layer=L.INFRASTRUCTURE, requires=(G.DATASTORE,)),
    _exc("db_statement_timeout", C.PERFORMANCE, T.TIMEOUT, 0.92, "CannotAcquireLockException", "LockAcquisitionException", "org.hibernate.exception.LockAcquisitionException", "PessimisticLockException", "LockTimeoutException", "LockNotAvailable", "ActiveRecord::LockWaitTimeout", "QueryCanceled", "QueryCanceledError", "psycopg.errors.QueryCanceled", "psycopg2.errors.QueryCanceled", "psycopg2.extensions.QueryCanceledError", "SQLTimeoutException", "MySQLTimeoutException", "ActiveRecord::QueryCanceled", "ActiveRecord::StatementTimeout", "PG::QueryCanceled", "pymongo.errors.ExecutionTimeout", "ExecutionTimeout", "MongoExecutionTimeoutException", "LockNotAvailableError", "org.springframework.dao.QueryTimeoutException", "org.hibernate.QueryTimeoutException", "jakarta.persistence.QueryTimeoutException", "javax.persistence.QueryTimeoutException", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    # ---------------------------------------------------------------- datastore security
    _exc("db_auth", C.SECURITY, T.AUTHENTICATION, 0.93, "InvalidPassword", "InvalidAuthorizationSpecification", "InvalidPasswordError", "InvalidAuthorizationSpecificationError", "SQLInvalidAuthorizationSpecException", "redis.exceptions.AuthenticationError", "redis.exceptions.AuthenticationWrongNumberOfArgsError", "ActiveRecord::DatabaseConnectionError", "SequelizeAccessDeniedError", "MongoSecurityException", "cassandra.AuthenticationFailed", "AuthenticationFailed", "org.elasticsearch.ElasticsearchSecurityException", "elasticsearch.exceptions.AuthenticationException", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("db_privilege", C.SECURITY, T.AUTHORIZATION, 0.93, "InsufficientPrivilege", "InsufficientPrivilegeError", "psycopg.errors.InsufficientPrivilege", "psycopg2.errors.InsufficientPrivilege", "PG::InsufficientPrivilege", "PermissionDeniedDataAccessException", "elasticsearch.exceptions.AuthorizationException", "cassandra.Unauthorized", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    # ---------------------------------------------------------------- family wrappers (code or message decides)
    _exc("db_generic", C.SYSTEM, T.DATABASE, 0.45, "DatabaseError", "SQLException", "java.sql.SQLException", "PSQLException", "org.postgresql.util.PSQLException", "PostgresException", "Npgsql.PostgresException", "SqlException", "Microsoft.Data.SqlClient.SqlException", "System.Data.SqlClient.SqlException", "PDOException", "QueryException", "Illuminate\\Database\\QueryException", "Doctrine\\DBAL\\Exception", "ActiveRecord::StatementInvalid", "Mysql2::Error", "PG::Error", "MySQLdb.Error", "pymysql.err.Error", "OracleDatabaseException", "cx_Oracle.DatabaseError", "oracledb.DatabaseError", "PrismaClientKnownRequestError", "PrismaClientUnknownRequestError", "SequelizeDatabaseError", "QueryFailedError", "MongoServerError", "MongoError", "pymongo.errors.OperationFailure", "OperationFailure", "pymongo.errors.WriteError", "WriteError", "MongoCommandException", "MongoWriteException", "redis.exceptions.ResponseError", "ResponseError", "ReplyError", "RedisServerException", "Redis::CommandError", "TransportError", "elasticsearch.exceptions.TransportError", "ElasticsearchStatusException", "ElasticsearchException", "sqlx::Error::Database", "PersistenceException", "TransactionSystemException", "UncategorizedSQLException", "GenericJDBCException", "DataAccessException", "sqlite3.DatabaseError", "pgconn.PgError", "pq.Error", "mysql.MySQLError", severity=S.HIGH, layer=L.INFRASTRUCTURE, category_confidence=0.45),
    _exc("sqlite_locked", C.SYSTEM, T.DATABASE, 0.6, "sqlite3.OperationalError", severity=S.MEDIUM),
    _exc("document_invalid", C.DATA, T.VALIDATION, 0.85, "bson.errors.InvalidDocument", "bson.errors.InvalidBSON", "InvalidDocument", "InvalidBSON", "CastError", "BSONError", "BsonSerializationException", severity=S.MEDIUM, layer=L.CORE, category_confidence=0.6),
)

PLATFORM_EXCEPTION_RULES: Final[tuple[Rule, ...]] = (
    # ---------------------------------------------------------------- brokers
    _exc("broker_unreachable", C.SYSTEM, T.NETWORK, 0.92, "NoBrokersAvailable", "kafka.errors.NoBrokersAvailable", "KafkaJSConnectionError", "KafkaJSBrokerNotFound", "KafkaJSConnectionClosedError", "org.apache.kafka.common.errors.NetworkException", "org.apache.kafka.common.errors.DisconnectException", "LeaderNotAvailableException", "NotLeaderOrFollowerException", "NotLeaderForPartitionException", "NotEnoughReplicasException", "NotEnoughReplicasAfterAppendException", "BrokerNotAvailableException", "NotCoordinatorException", "CoordinatorNotAvailableException", "pika.exceptions.AMQPConnectionError", "AMQPConnectionError", "pika.exceptions.StreamLostError", "StreamLostError", "pika.exceptions.ConnectionClosedByBroker", "ConnectionClosedByBroker", "pika.exceptions.IncompatibleProtocolError", "AmqpConnectException", "ShutdownSignalException", "AlreadyClosedException", "com.rabbitmq.client.ShutdownSignalException", "aio_pika.exceptions.AMQPConnectionError", "kombu.exceptions.OperationalError", "nats.errors.NoServersError", "NoServersError", "nats.errors.ConnectionClosedError", "PulsarClientException$ConnectException", "BrokerUnavailableException", "KafkaConnectionError", "aiokafka.errors.KafkaConnectionError", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("broker_timeout", C.SYSTEM, T.TIMEOUT, 0.92, "org.apache.kafka.common.errors.TimeoutException", "KafkaTimeoutError", "kafka.errors.KafkaTimeoutError", "aiokafka.errors.KafkaTimeoutError", "KafkaJSRequestTimeoutError", "RequestTimedOutError", "nats.errors.TimeoutError", "PulsarClientException$TimeoutException", "ChannelWrongStateError", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _exc("broker_serialization", C.DATA, T.VALIDATION, 0.9, "org.apache.kafka.common.errors.SerializationException", "SerializationException", "RecordDeserializationException", "org.apache.kafka.common.errors.RecordDeserializationException", "ValueDeserializationError", "KeyDeserializationError", "ValueSerializationError", "KeyDeserializationException", "SchemaRegistryException", "SerializerError", "confluent_kafka.error.ValueDeserializationError", "confluent_kafka.error.KeyDeserializationError", "MessageSizeExceededError", "RecordTooLargeException", "RecordBatchTooLargeException", "MessageSizeTooLargeError", "InvalidRecordException", "CorruptRecordException", severity=S.MEDIUM, layer=L.CORE),
    _exc("broker_authz", C.SECURITY, T.AUTHORIZATION, 0.93, "TopicAuthorizationException", "GroupAuthorizationException", "ClusterAuthorizationException", "TransactionalIdAuthorizationException", "TopicAuthorizationFailedError", "GroupAuthorizationFailedError", "pika.exceptions.ProbableAccessDeniedError", "ProbableAccessDeniedError", "AccessRefusedException", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("broker_authn", C.SECURITY, T.AUTHENTICATION, 0.93, "SaslAuthenticationException", "org.apache.kafka.common.errors.AuthenticationException", "SslAuthenticationException", "KafkaJSSASLAuthenticationError", "pika.exceptions.ProbableAuthenticationError", "ProbableAuthenticationError", "AuthenticationFailureException", "com.rabbitmq.client.AuthenticationFailureException", "nats.errors.AuthorizationError", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("broker_config", C.SYSTEM, T.CONFIGURATION, 0.9, "UnknownTopicOrPartitionException", "InvalidTopicException", "UnknownTopicOrPartitionError", "InvalidReplicationFactorException", "PolicyViolationException", "InvalidConfigurationException", "UnknownMemberIdException", "pika.exceptions.ChannelClosedByBroker", "KafkaJSTopicMetadataNotLoaded", severity=S.HIGH, layer=L.INFRASTRUCTURE, category_confidence=0.9),
    _exc("broker_slow_consumer", C.PERFORMANCE, T.TIMEOUT, 0.88, "CommitFailedException", "CommitFailedError", "kafka.errors.CommitFailedError", "RebalanceInProgressException", "RebalanceInProgressError", "MaxPollIntervalExceeded", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _exc("broker_backpressure", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.9, "BufferExhaustedException", "BufferError", "QueueFullException", "KafkaJSLockTimeout", "ThrottlingQuotaExceededException", "QuotaViolationException", "org.apache.kafka.common.errors.QuotaViolationException", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("broker_generic", C.SYSTEM, None, 0.5, "KafkaException", "confluent_kafka.KafkaException", "confluent_kafka.KafkaError", "KafkaError", "kafka.errors.KafkaError", "KafkaJSError", "KafkaJSNumberOfRetriesExceeded", "KafkaJSProtocolError", "KafkaJSNonRetriableError", "ProduceException", "ConsumeException", "KafkaStorageException", "org.apache.kafka.common.KafkaException", "pika.exceptions.AMQPError", "AMQPError"),
    # ---------------------------------------------------------------- cloud SDK families (the code decides)
    _exc("aws_client_error", C.EXTERNAL, T.INTEGRATION, 0.4, "botocore.exceptions.ClientError", "ClientError", "AmazonServiceException", "AmazonS3Exception", "com.amazonaws.services.s3.model.AmazonS3Exception", "AwsServiceException", "S3Exception", "software.amazon.awssdk.awscore.exception.AwsServiceException", "AmazonServiceException", "AmazonClientException", "SdkClientException", "software.amazon.awssdk.core.exception.SdkClientException", "SdkException", "AmazonDynamoDBException", "DynamoDbException", "Amazon.Runtime.AmazonServiceException", "S3ServiceException", category_confidence=0.4),
    _exc("azure_family", C.EXTERNAL, T.INTEGRATION, 0.4, "azure.core.exceptions.HttpResponseError", "HttpResponseError", "Azure.RequestFailedException", "RequestFailedException", "com.azure.core.exception.HttpResponseException", "CosmosHttpResponseError", "azure.cosmos.exceptions.CosmosHttpResponseError", "StorageException", "com.microsoft.azure.storage.StorageException", "ServiceBusError", "azure.servicebus.exceptions.ServiceBusError", category_confidence=0.4),
    _exc("gcp_family", C.EXTERNAL, T.INTEGRATION, 0.4, "google.api_core.exceptions.GoogleAPICallError", "GoogleAPICallError", "google.api_core.exceptions.ClientError", "google.api_core.exceptions.ServerError", "googleapiclient.errors.HttpError", "com.google.api.gax.rpc.ApiException", "ApiException", "com.google.cloud.BaseServiceException", category_confidence=0.4),
    _exc("cloud_credentials_missing", C.SYSTEM, T.CONFIGURATION, 0.95, "botocore.exceptions.NoCredentialsError", "NoCredentialsError", "botocore.exceptions.PartialCredentialsError", "PartialCredentialsError", "botocore.exceptions.NoRegionError", "NoRegionError", "botocore.exceptions.ProfileNotFound", "ProfileNotFound", "botocore.exceptions.CredentialRetrievalError", "CredentialRetrievalError", "botocore.exceptions.InvalidConfigError", "google.auth.exceptions.DefaultCredentialsError", "DefaultCredentialsError", "azure.identity.CredentialUnavailableError", "CredentialUnavailableError", "Azure.Identity.CredentialUnavailableException", "CredentialUnavailableException", "Aws::Errors::MissingCredentialsError", "MissingCredentialsError", "CredentialsProviderError", "EnvironmentVariableNotSetError", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("oauth_refresh", C.SECURITY, T.AUTHENTICATION, 0.93, "google.auth.exceptions.RefreshError", "RefreshError", "oauthlib.oauth2.rfc6749.errors.InvalidGrantError", "InvalidGrantError", "MsalServiceError", "OAuthError", "authlib.integrations.base_client.errors.OAuthError", severity=S.HIGH, layer=L.SERVICE),
    _exc("cloud_auth", C.SECURITY, T.AUTHENTICATION, 0.92, "azure.core.exceptions.ClientAuthenticationError", "ClientAuthenticationError", "Azure.Identity.AuthenticationFailedException", "AuthenticationFailedException", "azure.servicebus.exceptions.ServiceBusAuthenticationError", "ServiceBusAuthenticationError", "botocore.exceptions.TokenRetrievalError", "TokenRetrievalError", "botocore.exceptions.SSOTokenLoadError", "SSOTokenLoadError", "botocore.exceptions.UnauthorizedSSOTokenError", "google.api_core.exceptions.Unauthenticated", "google.api_core.exceptions.Unauthorized", "ExpiredTokenException", "InvalidClientTokenIdException", "UnrecognizedClientException", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("cloud_authz", C.SECURITY, T.AUTHORIZATION, 0.92, "google.api_core.exceptions.Forbidden", "google.api_core.exceptions.PermissionDenied", "azure.servicebus.exceptions.ServiceBusAuthorizationError", "ServiceBusAuthorizationError", "hvac.exceptions.Forbidden", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("cloud_access_denied", C.SECURITY, T.AUTHORIZATION, 0.92, "AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "AuthorizationErrorException", severity=S.HIGH, layer=L.INFRASTRUCTURE, requires=(G.PLATFORM,)),
    _exc("cloud_not_found", C.SYSTEM, T.CONFIGURATION, 0.82, "google.api_core.exceptions.NotFound", "azure.core.exceptions.ResourceNotFoundError", "ResourceNotFoundError", "NoSuchBucket", "QueueDoesNotExist", "ResourceNotFoundException", "hvac.exceptions.InvalidPath", "SecretNotFoundException", "ParameterNotFound", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _exc("cloud_param_validation", C.LOGIC, T.EXCEPTION, 0.85, "botocore.exceptions.ParamValidationError", "ParamValidationError", "botocore.exceptions.ValidationError"),
    _exc("cloud_waiter", C.EXTERNAL, T.TIMEOUT, 0.75, "botocore.exceptions.WaiterError", "WaiterError", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("cloud_lock_lost", C.SYSTEM, T.TIMEOUT, 0.8, "azure.servicebus.exceptions.MessageLockLostError", "MessageLockLostError", "SessionLockLostError", "MessageLockLostException", "ReceiptHandleIsInvalid", severity=S.MEDIUM, layer=L.SERVICE),
    # ---------------------------------------------------------------- Kubernetes and Vault clients
    _exc("k8s_api", C.SYSTEM, None, 0.45, "kubernetes.client.exceptions.ApiException", "kubernetes.client.rest.ApiException", "io.kubernetes.client.openapi.ApiException", "KubernetesClientException", "io.fabric8.kubernetes.client.KubernetesClientException", "hvac.exceptions.VaultError", "VaultError"),
)

APPLICATION_EXCEPTION_RULES: Final[tuple[Rule, ...]] = (
    # ---------------------------------------------------------------- AI agents and models
    _exc("llm_output_parse", C.AGENT, T.VALIDATION, 0.95, "OutputParserException", "langchain_core.exceptions.OutputParserException", "langchain.schema.OutputParserException", "OutputFixingParserError", "ContentFilterFinishReasonError", "openai.ContentFilterFinishReasonError", "InstructorRetryException", "guardrails.errors.ValidationError", "ToolInputValidationError", "InvalidToolCall", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("llm_length", C.AGENT, T.RESOURCE_EXHAUSTION, 0.95, "LengthFinishReasonError", "openai.LengthFinishReasonError", "ContextWindowExceededError", "litellm.ContextWindowExceededError", "GraphRecursionError", "langgraph.errors.GraphRecursionError", "MaxIterationsError", "TokenLimitExceededError", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("llm_tool", C.AGENT, T.EXCEPTION, 0.6, "ToolException", "langchain_core.tools.ToolException", "ToolExecutionError", "AgentExecutorError", "AgentError", severity=S.MEDIUM, layer=L.SERVICE, category_confidence=0.62),
    _exc("model_not_found", C.AGENT, T.CONFIGURATION, 0.8, "openai.NotFoundError", "anthropic.NotFoundError", "ModelNotFoundError", severity=S.HIGH, layer=L.SERVICE),
    # ---------------------------------------------------------------- workflows, jobs, tasks
    _exc("task_time_limit", C.PROCESS, T.TIMEOUT, 0.93, "billiard.exceptions.TimeLimitExceeded", "TimeLimitExceeded", "celery.exceptions.TimeLimitExceeded", "SoftTimeLimitExceeded", "celery.exceptions.SoftTimeLimitExceeded", "AirflowTaskTimeout", "airflow.exceptions.AirflowTaskTimeout", "JobTimeoutException", "rq.timeouts.JobTimeoutException", "temporalio.exceptions.TimeoutError", "io.temporal.failure.TimeoutFailure", "TimeoutFailure", "Sidekiq::JobTimeout", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("workflow_activity", C.PROCESS, T.EXCEPTION, 0.75, "temporalio.exceptions.ActivityError", "ActivityError", "temporalio.exceptions.ApplicationError", "temporalio.exceptions.ChildWorkflowError", "io.temporal.failure.ActivityFailure", "ActivityFailure", "WorkflowFailedError", "WorkflowException", "AirflowException", "airflow.exceptions.AirflowException", "celery.exceptions.MaxRetriesExceededError", "MaxRetriesExceededError", "WorkerLostError", "billiard.exceptions.WorkerLostError", "JobExecutionException", "org.quartz.JobExecutionException", "prefect.exceptions.PrefectException", "dagster.DagsterExecutionStepExecutionError", severity=S.MEDIUM, layer=L.SERVICE),
    _exc("workflow_transition", C.PROCESS, T.VALIDATION, 0.8, "InvalidTransitionError", "InvalidStateTransitionError", "IllegalStateTransitionException", "TransitionNotAllowed", "MachineError", "transitions.core.MachineError", severity=S.MEDIUM, layer=L.SERVICE, requires=(G.WORKFLOW,)),
    _exc("workflow_definition", C.PROCESS, T.CONFIGURATION, 0.88, "AirflowDagCycleException", "DuplicateTaskIdFound", "AirflowDagDuplicatedIdException", "DagNotFound", "WorkflowDefinitionError", "io.temporal.client.WorkflowNotFoundException", severity=S.HIGH, layer=L.SERVICE),
    # ---------------------------------------------------------------- request validation at our edge
    _exc("request_validation", C.USER, T.VALIDATION, 0.93, "RequestValidationError", "fastapi.exceptions.RequestValidationError", "MethodArgumentNotValidException", "org.springframework.validation.BindException", "MissingServletRequestParameterException", "MethodArgumentTypeMismatchException", "HttpMessageNotReadableException", "HttpMediaTypeNotSupportedException", "HttpMediaTypeNotAcceptableException", "HttpRequestMethodNotSupportedException", "NoHandlerFoundException", "NoResourceFoundException", "ServletRequestBindingException", "MissingRequestHeaderException", "MissingPathVariableException", "MissingServletRequestPartException", "MaxUploadSizeExceededException", "WebExchangeBindException", "ServerWebInputException", "UnsupportedMediaTypeStatusException", "javax.validation.ConstraintViolationException", "jakarta.validation.ConstraintViolationException", "javax.validation.ValidationException", "jakarta.validation.ValidationException", "ActionController::ParameterMissing", "ActionController::UnpermittedParameters", "ActionController::RoutingError", "ActionController::UnknownFormat", "ActionController::BadRequest", "ActionDispatch::Http::Parameters::ParseError", "ActionController::UnknownHttpMethod", "ActiveRecord::RecordInvalid", "ActiveModel::ValidationError", "ActiveRecord::RecordNotFound", "AbstractController::ActionNotFound", "Illuminate\\Validation\\ValidationException", "Illuminate\\Database\\Eloquent\\ModelNotFoundException", "Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException", "Symfony\\Component\\HttpKernel\\Exception\\MethodNotAllowedHttpException", "Symfony\\Component\\HttpKernel\\Exception\\BadRequestHttpException", "Symfony\\Component\\HttpKernel\\Exception\\UnprocessableEntityHttpException", "NotFoundHttpException", "MethodNotAllowedHttpException", "BadRequestHttpException", "UnprocessableEntityHttpException", "werkzeug.exceptions.NotFound", "werkzeug.exceptions.BadRequest", "werkzeug.exceptions.MethodNotAllowed", "werkzeug.exceptions.RequestEntityTooLarge", "werkzeug.exceptions.UnsupportedMediaType", "werkzeug.exceptions.UnprocessableEntity", "werkzeug.exceptions.Conflict", "werkzeug.exceptions.Gone", "django.http.Http404", "Http404", "django.http.request.RawPostDataException", "rest_framework.exceptions.ValidationError", "rest_framework.exceptions.ParseError", "rest_framework.exceptions.NotFound", "rest_framework.exceptions.MethodNotAllowed", "rest_framework.exceptions.UnsupportedMediaType", "django.core.exceptions.RequestDataTooBig", "RequestDataTooBig", "PayloadTooLargeError", "BadHttpRequestException", "Microsoft.AspNetCore.Http.BadHttpRequestException", "GraphQLError", "UserInputError", "ZodError", "ArgumentValidationError", "joi.ValidationError", "yup.ValidationError", "class-validator.ValidationError", "Ecto.InvalidChangesetError", "Ecto.NoResultsError", "Phoenix.Router.NoRouteError", "UnprocessableEntity", "StripeCardError", "stripe.error.CardError", "stripe.CardError", severity=S.LOW, layer=L.API, forbids=(G.OUTBOUND,)),
    _exc("validation_generic", None, T.VALIDATION, 0.85, "ValidationError", "ValidationException", "pydantic.ValidationError", "pydantic_core._pydantic_core.ValidationError", "pydantic_core.ValidationError", "pydantic.error_wrappers.ValidationError", "marshmallow.exceptions.ValidationError", "jsonschema.exceptions.ValidationError", "django.core.exceptions.ValidationError", "FluentValidation.ValidationException", "System.ComponentModel.DataAnnotations.ValidationException", "Ajv.ValidationError", "InvalidInputException", "InvalidParameterException", "InvalidRequestException", "BadRequestException", "IllegalInputException", "ConstraintViolationException", "InvalidArgument"),
    _exc("parse_error", C.DATA, T.VALIDATION, 0.88, "json.JSONDecodeError", "json.decoder.JSONDecodeError", "JSONDecodeError", "simplejson.errors.JSONDecodeError", "orjson.JSONDecodeError", "ujson.JSONDecodeError", "UnicodeDecodeError", "UnicodeEncodeError", "UnicodeError", "NumberFormatException", "java.lang.NumberFormatException", "DateTimeParseException", "java.time.format.DateTimeParseException", "ParseException", "java.text.ParseException", "FormatException", "System.FormatException", "System.Text.Json.JsonException", "JsonException", "Newtonsoft.Json.JsonReaderException", "Newtonsoft.Json.JsonSerializationException", "JsonReaderException", "JsonSerializationException", "JsonParseException", "com.fasterxml.jackson.core.JsonParseException", "JsonMappingException", "MismatchedInputException", "InvalidFormatException", "UnrecognizedPropertyException", "InvalidDefinitionException", "JSON::ParserError", "Psych::Exception", "json.SyntaxError", "json.UnmarshalTypeError", "strconv.NumError", "csv.Error", "_csv.Error", "decimal.InvalidOperation", "decimal.ConversionSyntax", "InvalidOperation", "binascii.Error", "struct.error", "xml.etree.ElementTree.ParseError", "lxml.etree.XMLSyntaxError", "XMLSyntaxError", "SAXParseException", "XmlException", "System.Xml.XmlException", "fastavro._read_common.SchemaResolutionError", "SchemaResolutionError", "AvroTypeException", "org.apache.avro.AvroTypeException", "AvroRuntimeException", "InvalidAvroBinaryEncoding", "pyarrow.lib.ArrowInvalid", "ArrowInvalid", "pandas.errors.ParserError", "dateutil.parser.ParserError", "pandas.errors.EmptyDataError", "EmptyDataError", "InvalidProtocolBufferException", "google.protobuf.message.DecodeError", "serde_json::Error", category_confidence=0.62, severity=S.MEDIUM, layer=L.CORE),
    # ---------------------------------------------------------------- end-user security at our edge
    _exc("edge_credentials", C.SECURITY, T.AUTHENTICATION, 0.95, "BadCredentialsException", "UsernameNotFoundException", "AuthenticationCredentialsNotFoundException", "InsufficientAuthenticationException", "CredentialsExpiredException", "AccountExpiredException", "DisabledException", "LockedException", "org.springframework.security.authentication.BadCredentialsException", "TokenExpiredError", "NotBeforeError", "ExpiredJwtException", "io.jsonwebtoken.ExpiredJwtException", "jwt.exceptions.ExpiredSignatureError", "jwt.ExpiredSignatureError", "ExpiredSignatureError", "jose.exceptions.ExpiredSignatureError", "TokenExpiredException", "com.auth0.jwt.exceptions.TokenExpiredException", "SecurityTokenExpiredException", "Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException", "SecurityTokenNotYetValidException", "InvalidCsrfTokenException", "MissingCsrfTokenException", "CsrfError", "ActionController::InvalidAuthenticityToken", "TokenMismatchException", "Illuminate\\Session\\TokenMismatchException", "AntiforgeryValidationException", "Microsoft.AspNetCore.Antiforgery.AntiforgeryValidationException", "Illuminate\\Auth\\AuthenticationException", "werkzeug.exceptions.Unauthorized", "rest_framework.exceptions.NotAuthenticated", "rest_framework.exceptions.AuthenticationFailed", "NotAuthenticated", "UnauthorizedError", "InvalidBearerTokenException", "OAuth2AuthenticationException", "SessionExpiredError", severity=S.LOW, layer=L.API),
    _exc("webhook_signature", C.SECURITY, T.AUTHENTICATION, 0.95, "stripe.error.SignatureVerificationError", "stripe.SignatureVerificationError", "SignatureVerificationError", "WebhookVerificationError", "svix.webhooks.WebhookVerificationError", severity=S.MEDIUM, layer=L.API),
    _exc("edge_token_invalid", C.SECURITY, T.AUTHENTICATION, 0.93, "JsonWebTokenError", "JWTError", "jwt.exceptions.InvalidTokenError", "jwt.InvalidTokenError", "InvalidTokenError", "jwt.exceptions.InvalidSignatureError", "InvalidSignatureError", "jwt.exceptions.DecodeError", "SignatureException", "io.jsonwebtoken.SignatureException", "io.jsonwebtoken.security.SignatureException", "MalformedJwtException", "io.jsonwebtoken.MalformedJwtException", "UnsupportedJwtException", "JwtException", "JWTVerificationException", "SignatureVerificationException", "com.auth0.jwt.exceptions.SignatureVerificationException", "SecurityTokenInvalidSignatureException", "SecurityTokenSignatureKeyNotFoundException", "SecurityTokenMalformedException", "SecurityTokenValidationException", "SecurityTokenInvalidAudienceException", "SecurityTokenInvalidIssuerException", "jose.exceptions.JWTError", "JWTClaimsError", severity=S.MEDIUM, layer=L.API),
    _exc("edge_forbidden", C.SECURITY, T.AUTHORIZATION, 0.9, "org.springframework.security.access.AccessDeniedException", "AuthorizationDeniedException", "django.core.exceptions.PermissionDenied", "rest_framework.exceptions.PermissionDenied", "werkzeug.exceptions.Forbidden", "Illuminate\\Auth\\Access\\AuthorizationException", "Symfony\\Component\\HttpKernel\\Exception\\AccessDeniedHttpException", "AccessDeniedHttpException", "Pundit::NotAuthorizedError", "CanCan::AccessDenied", "ForbiddenError", "ForbiddenException", "Microsoft.AspNetCore.Authorization.AuthorizationFailureException", layer=L.API),
    _exc("edge_suspicious", C.SECURITY, T.VALIDATION, 0.92, "django.core.exceptions.DisallowedHost", "DisallowedHost", "django.core.exceptions.SuspiciousOperation", "SuspiciousOperation", "SuspiciousFileOperation", "DisallowedRedirect", "RequestRejectedException", "org.springframework.security.web.firewall.RequestRejectedException", "HttpRequestValidationException", "ActionDispatch::HostAuthorization", severity=S.LOW, layer=L.API),
    _exc("edge_rate_limited", C.USER, T.RESOURCE_EXHAUSTION, 0.88, "TooManyRequestsHttpException", "ThrottleRequestsException", "Illuminate\\Http\\Exceptions\\ThrottleRequestsException", "rest_framework.exceptions.Throttled", "Throttled", "RateLimitExceededError", "RequestNotPermitted", "Rack::Attack::Throttle", "werkzeug.exceptions.TooManyRequests", severity=S.LOW, layer=L.API),
    # ---------------------------------------------------------------- simulations and numerics
    _exc("numeric_divergence", C.PROCESS, T.EXCEPTION, 0.7, "FloatingPointError", "ConvergenceWarning", "LinAlgError", "numpy.linalg.LinAlgError", "SolverError", "ConvergenceError", severity=S.MEDIUM, layer=L.CORE, requires=(G.SIMULATION,)),
)


# =========================================================================== error codes
_OUT = (G.OUTBOUND,)
_IN = (G.OUTBOUND, G.DATASTORE, G.BROKER, G.PLATFORM)  # forbidden for our own edge's statuses

HTTP_CODE_RULES: Final[tuple[Rule, ...]] = (
    # -- a dependency answered with an error status (OUTBOUND)
    _code("http.upstream_4xx", C.EXTERNAL, T.INTEGRATION, 0.82, "400", "404", "405", "406", "409", "410", "412", "413", "415", "422", requires=_OUT, severity=S.MEDIUM, layer=L.SERVICE, retryable=False),
    _code("http.upstream_401", C.SECURITY, T.AUTHENTICATION, 0.85, "401", requires=_OUT, severity=S.HIGH, layer=L.SERVICE, retryable=False),
    _code("http.upstream_403", C.SECURITY, T.AUTHORIZATION, 0.85, "403", requires=_OUT, severity=S.HIGH, retryable=False),
    _code("http.upstream_407", C.SYSTEM, T.CONFIGURATION, 0.85, "407", requires=_OUT, severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("http.upstream_timeout", C.EXTERNAL, T.TIMEOUT, 0.87, "408", "504", "524", requires=_OUT, severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _code("http.upstream_429", C.EXTERNAL, T.RESOURCE_EXHAUSTION, 0.88, "429", requires=_OUT, severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _code("http.upstream_5xx", C.EXTERNAL, T.INTEGRATION, 0.86, "500", "502", "503", "507", "520", "521", "522", "523", "525", "526", "529", "530", requires=_OUT, severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _code("http.upstream_501", C.EXTERNAL, T.INTEGRATION, 0.86, "501", "505", requires=_OUT, severity=S.MEDIUM, layer=L.SERVICE, retryable=False),
    # -- our own edge answered with an error status (no dependency involved)
    _code("http.client_error", C.USER, T.VALIDATION, 0.8, "400", "404", "405", "406", "409", "410", "411", "412", "413", "414", "415", "416", "422", "431", "451", forbids=_IN, severity=S.LOW, layer=L.API, retryable=False),
    _code("http.unauthenticated", C.SECURITY, T.AUTHENTICATION, 0.8, "401", forbids=_IN, retryable=False),
    _code("http.forbidden", C.SECURITY, T.AUTHORIZATION, 0.8, "403", forbids=(G.OUTBOUND,), retryable=False),
    _code("http.client_timeout", C.USER, T.TIMEOUT, 0.7, "408", forbids=_IN, severity=S.LOW, layer=L.API),
    _code("http.rate_limited", C.USER, T.RESOURCE_EXHAUSTION, 0.85, "429", forbids=_IN, severity=S.LOW, layer=L.API, retryable=True),
    _code("http.server_error", C.SYSTEM, T.EXCEPTION, 0.7, "500", forbids=_IN, severity=S.MEDIUM, layer=L.API),
    _code("http.not_implemented", C.LOGIC, T.EXCEPTION, 0.7, "501", forbids=_IN, severity=S.MEDIUM, layer=L.API),
    _code("http.gateway", C.SYSTEM, T.NETWORK, 0.65, "502", forbids=_IN, severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("http.unavailable", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.6, "503", forbids=_IN, severity=S.HIGH, layer=L.API),
    _code("http.gateway_timeout", C.SYSTEM, T.TIMEOUT, 0.65, "504", forbids=_IN, severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _code("http.insufficient_storage", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.8, "507", forbids=_IN, severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    # -- cloud SDK responses: throttling and server errors (the SDK call is outbound)
    _code("http.cloud_5xx", C.EXTERNAL, T.INTEGRATION, 0.8, "500", "502", "503", requires=(G.PLATFORM,), severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _code("http.cloud_429", C.EXTERNAL, T.RESOURCE_EXHAUSTION, 0.86, "429", requires=(G.PLATFORM,), severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _code("http.cloud_401", C.SECURITY, T.AUTHENTICATION, 0.84, "401", requires=(G.PLATFORM,), severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("http.cloud_404", C.SYSTEM, T.CONFIGURATION, 0.7, "404", requires=(G.PLATFORM,), forbids=_OUT, severity=S.HIGH, layer=L.INFRASTRUCTURE),
)

SQL_CODE_RULES: Final[tuple[Rule, ...]] = (
    # -- PostgreSQL / ANSI SQLSTATE, exact codes first
    _code("sqlstate.integrity", C.DATA, T.DATABASE, 0.93, "23505", "23503", "23502", "23514", "23P01", "23001", "23000", severity=S.MEDIUM, layer=L.CORE, retryable=False),
    _code("sqlstate.bad_value", C.DATA, T.DATABASE, 0.9, "22P02", "22001", "22003", "22007", "22008", "22012", "22023", "22004", "22P05", "22021", "22026", severity=S.MEDIUM, layer=L.CORE, retryable=False),
    _code("sqlstate.serialization", C.SYSTEM, T.DATABASE, 0.93, "40001", "40P01", "40002", "40003", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _code("sqlstate.lock_timeout", C.PERFORMANCE, T.TIMEOUT, 0.88, "55P03", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _code("sqlstate.query_canceled", C.PERFORMANCE, T.TIMEOUT, 0.93, "57014", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _code("sqlstate.too_many_connections", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "53300", severity=S.HIGH, layer=L.INFRASTRUCTURE, retryable=True),
    _code("sqlstate.out_of_memory", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "53200", "53400", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("sqlstate.out_of_space", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "53100", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _code("sqlstate.shutdown", C.SYSTEM, T.DATABASE, 0.93, "57P01", "57P02", "57P03", "57P04", "57P05", "08006", "08001", "08003", "08004", "08000", "08007", "08P01", severity=S.HIGH, layer=L.INFRASTRUCTURE, retryable=True),
    _code("sqlstate.read_only", C.SYSTEM, T.DATABASE, 0.93, "25006", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("sqlstate.failed_transaction", C.LOGIC, T.DATABASE, 0.88, "25P02", "25001", "25P01", "0A000", severity=S.MEDIUM, layer=L.CORE),
    _code("sqlstate.privilege", C.SECURITY, T.AUTHORIZATION, 0.95, "42501", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("sqlstate.auth", C.SECURITY, T.AUTHENTICATION, 0.95, "28P01", "28000", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("sqlstate.undefined_table", C.SYSTEM, T.CONFIGURATION, 0.92, "42P01", "3F000", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("sqlstate.syntax", C.LOGIC, T.DATABASE, 0.92, "42601", "42703", "42883", "42702", "42804", "42P02", "42P10", "42803", "42830", "42P18", "42846", severity=S.MEDIUM, layer=L.CORE),
    _code("sqlstate.config", C.SYSTEM, T.CONFIGURATION, 0.88, "3D000", "42704", "55000", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("sqlstate.corruption", C.DATA, T.DATABASE, 0.96, "XX001", "XX002", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    # -- SQLSTATE classes, for the codes above does not list
    Rule("code.sqlstate_class.integrity", Stage.CODE, C.DATA, T.DATABASE, 0.85, code_pattern=r"23[0-9a-z]{3}", severity=S.MEDIUM, layer=L.CORE),
    Rule("code.sqlstate_class.data", Stage.CODE, C.DATA, T.DATABASE, 0.82, code_pattern=r"22[0-9a-z]{3}", severity=S.MEDIUM, layer=L.CORE),
    Rule("code.sqlstate_class.rollback", Stage.CODE, C.SYSTEM, T.DATABASE, 0.85, code_pattern=r"40[0-9a-z]{3}", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    Rule("code.sqlstate_class.connection", Stage.CODE, C.SYSTEM, T.DATABASE, 0.85, code_pattern=r"08[0-9a-z]{3}", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    Rule("code.sqlstate_class.resources", Stage.CODE, C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.85, code_pattern=r"53[0-9a-z]{3}", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    Rule("code.sqlstate_class.operator", Stage.CODE, C.SYSTEM, T.DATABASE, 0.82, code_pattern=r"57[0-9a-z]{3}", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    Rule("code.sqlstate_class.syntax_or_access", Stage.CODE, C.LOGIC, T.DATABASE, 0.8, code_pattern=r"42[0-9a-z]{3}", severity=S.MEDIUM, layer=L.CORE),
    Rule("code.sqlstate_class.auth", Stage.CODE, C.SECURITY, T.AUTHENTICATION, 0.85, code_pattern=r"28[0-9a-z]{3}", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    Rule("code.sqlstate_class.internal", Stage.CODE, C.SYSTEM, T.DATABASE, 0.8, code_pattern=r"xx[0-9a-z]{3}", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    # -- MySQL / MariaDB server and client error numbers (numbers are only codes next to a driver)
    _code("mysql.integrity", C.DATA, T.DATABASE, 0.93, "1062", "1451", "1452", "1048", "1216", "1217", "1557", "1586", "1169", requires=(G.DATASTORE,), severity=S.MEDIUM, layer=L.CORE, retryable=False),
    _code("mysql.bad_value", C.DATA, T.DATABASE, 0.9, "1406", "1366", "1264", "1292", "1265", "1411", "1364", requires=(G.DATASTORE,), severity=S.MEDIUM, layer=L.CORE, retryable=False),
    _code("mysql.lock_wait", C.PERFORMANCE, T.TIMEOUT, 0.9, "1205", requires=(G.DATASTORE,), severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _code("mysql.deadlock", C.SYSTEM, T.DATABASE, 0.9, "1213", "1206", requires=(G.DATASTORE,), severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _code("mysql.too_many_connections", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "1040", "1203", "1226", "1135", requires=(G.DATASTORE,), severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("mysql.out_of_space", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "1114", "1021", "1037", "1041", requires=(G.DATASTORE,), severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _code("mysql.auth", C.SECURITY, T.AUTHENTICATION, 0.95, "1045", "1698", "2049", "1251", requires=(G.DATASTORE,), severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("mysql.privilege", C.SECURITY, T.AUTHORIZATION, 0.95, "1044", "1142", "1143", "1227", "1370", "1410", requires=(G.DATASTORE,), severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("mysql.missing_table", C.SYSTEM, T.CONFIGURATION, 0.92, "1146", "42S02", requires=(G.DATASTORE,), severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("mysql.syntax", C.LOGIC, T.DATABASE, 0.92, "1064", "1054", "1052", "1091", "1149", "1305", "1136", "1110", requires=(G.DATASTORE,), severity=S.MEDIUM, layer=L.CORE),
    _code("mysql.unavailable", C.SYSTEM, T.DATABASE, 0.93, "2002", "2003", "2005", "2006", "2013", "2055", "1053", "1290", "1836", "1927", "2026", requires=(G.DATASTORE,), severity=S.HIGH, layer=L.INFRASTRUCTURE, retryable=True),
    _code("mysql.timeout", C.PERFORMANCE, T.TIMEOUT, 0.9, "3024", "1317", "1969", requires=(G.DATASTORE,), severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _code("mysql.unknown_database", C.SYSTEM, T.CONFIGURATION, 0.9, "1049", "1046", requires=(G.DATASTORE,), severity=S.HIGH, layer=L.INFRASTRUCTURE),
    # -- SQL Server error numbers (1205 is the deadlock victim, as MySQL's 1205 is a lock wait)
    _code("mssql.integrity", C.DATA, T.DATABASE, 0.93, "2627", "2601", "547", "515", severity=S.MEDIUM, layer=L.CORE, requires=(G.DATASTORE,), retryable=False),
    _code("mssql.bad_value", C.DATA, T.DATABASE, 0.9, "8152", "2628", "245", "8114", "8115", "241", "242", "248", severity=S.MEDIUM, layer=L.CORE, requires=(G.DATASTORE,)),
    _code("mssql.deadlock", C.SYSTEM, T.DATABASE, 0.93, "1205", "3960", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, requires=(G.DATASTORE,), retryable=True, exception_pattern=r"sqlclient|sqlserver|mssql"),
    _code("mssql.lock_timeout", C.PERFORMANCE, T.TIMEOUT, 0.93, "1222", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, requires=(G.DATASTORE,), retryable=True, exception_pattern=r"sqlclient|sqlserver|mssql"),
    _code("mssql.timeout", C.PERFORMANCE, T.TIMEOUT, 0.93, "-2", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, requires=(G.DATASTORE,), retryable=True),
    _code("mssql.network", C.SYSTEM, T.DATABASE, 0.93, "53", "40", "-1", "10060", "10061", "10054", "10053", "11001", "233", "258", "4060", "40613", "40197", "40501", "49918", "49919", "49920", severity=S.HIGH, layer=L.INFRASTRUCTURE, requires=(G.DATASTORE,), retryable=True),
    _code("mssql.login", C.SECURITY, T.AUTHENTICATION, 0.95, "18456", "18452", "18486", "18487", "18488", severity=S.HIGH, layer=L.INFRASTRUCTURE, requires=(G.DATASTORE,)),
    _code("mssql.permission", C.SECURITY, T.AUTHORIZATION, 0.95, "229", "230", "262", "300", "916", severity=S.HIGH, layer=L.INFRASTRUCTURE, requires=(G.DATASTORE,)),
    _code("mssql.missing_table", C.SYSTEM, T.CONFIGURATION, 0.92, "208", severity=S.HIGH, layer=L.INFRASTRUCTURE, requires=(G.DATASTORE,), exception_pattern=r"sqlclient|sqlserver|mssql"),
    _code("mssql.syntax", C.LOGIC, T.DATABASE, 0.92, "102", "207", "156", "2812", "4104", "1038", severity=S.MEDIUM, layer=L.CORE, requires=(G.DATASTORE,)),
    _code("mssql.out_of_space", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "9002", "1105", "701", "802", "1101", severity=S.CRITICAL, layer=L.INFRASTRUCTURE, requires=(G.DATASTORE,)),
    # -- Oracle
    _code("oracle.integrity", C.DATA, T.DATABASE, 0.93, "ORA-00001", "ORA-02291", "ORA-02292", "ORA-01400", "ORA-02290", severity=S.MEDIUM, layer=L.CORE),
    _code("oracle.bad_value", C.DATA, T.DATABASE, 0.9, "ORA-12899", "ORA-01722", "ORA-01858", "ORA-01861", "ORA-01438", "ORA-01841", severity=S.MEDIUM, layer=L.CORE),
    _code("oracle.deadlock", C.SYSTEM, T.DATABASE, 0.93, "ORA-00060", "ORA-08177", "ORA-00054", "ORA-01555", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _code("oracle.auth", C.SECURITY, T.AUTHENTICATION, 0.95, "ORA-01017", "ORA-28000", "ORA-28001", "ORA-01005", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("oracle.privilege", C.SECURITY, T.AUTHORIZATION, 0.95, "ORA-01031", "ORA-01045", "ORA-00990", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("oracle.missing_table", C.SYSTEM, T.CONFIGURATION, 0.92, "ORA-00942", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("oracle.syntax", C.LOGIC, T.DATABASE, 0.92, "ORA-00904", "ORA-00933", "ORA-00936", "ORA-00907", "ORA-00911", "ORA-06550", "ORA-00918", severity=S.MEDIUM, layer=L.CORE),
    _code("oracle.unavailable", C.SYSTEM, T.DATABASE, 0.93, "ORA-12541", "ORA-12514", "ORA-12170", "ORA-03113", "ORA-03114", "ORA-12537", "ORA-12543", "ORA-12528", "ORA-01033", "ORA-01034", "ORA-01089", "ORA-12505", "ORA-03135", severity=S.HIGH, layer=L.INFRASTRUCTURE, retryable=True),
    _code("oracle.exhausted", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "ORA-00018", "ORA-00020", "ORA-12519", "ORA-12520", "ORA-12516", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("oracle.out_of_space", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "ORA-01653", "ORA-01654", "ORA-01688", "ORA-01652", "ORA-04031", "ORA-04030", "ORA-01536", "ORA-00257", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _code("oracle.timeout", C.PERFORMANCE, T.TIMEOUT, 0.9, "ORA-01013", "ORA-00040", "ORA-02049", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    # -- MongoDB server codes (numbers only next to a Mongo driver)
    Rule("code.mongo.duplicate", Stage.CODE, C.DATA, T.DATABASE, 0.95, codes=("11000", "11001", "12582", "DuplicateKey"), exception_prefixes=("mongo", "pymongo", "com.mongodb", "mongodb"), severity=S.MEDIUM, layer=L.CORE),
    Rule("code.mongo.auth", Stage.CODE, C.SECURITY, T.AUTHENTICATION, 0.95, codes=("18", "AuthenticationFailed"), exception_prefixes=("mongo", "pymongo", "com.mongodb", "mongodb"), severity=S.HIGH, layer=L.INFRASTRUCTURE),
    Rule("code.mongo.unauthorized", Stage.CODE, C.SECURITY, T.AUTHORIZATION, 0.95, codes=("13", "Unauthorized"), exception_prefixes=("mongo", "pymongo", "com.mongodb", "mongodb"), severity=S.HIGH, layer=L.INFRASTRUCTURE),
    Rule("code.mongo.timeout", Stage.CODE, C.PERFORMANCE, T.TIMEOUT, 0.93, codes=("50", "262", "MaxTimeMSExpired", "ExceededTimeLimit"), exception_prefixes=("mongo", "pymongo", "com.mongodb", "mongodb"), severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    Rule("code.mongo.not_primary", Stage.CODE, C.SYSTEM, T.DATABASE, 0.93, codes=("10107", "13435", "13436", "189", "11602", "91", "11600", "NotWritablePrimary", "NotPrimaryNoSecondaryOk", "PrimarySteppedDown", "InterruptedDueToReplStateChange", "ShutdownInProgress", "WriteConcernFailed", "64"), exception_prefixes=("mongo", "pymongo", "com.mongodb", "mongodb"), severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    Rule("code.mongo.conflict", Stage.CODE, C.SYSTEM, T.DATABASE, 0.9, codes=("112", "251", "WriteConflict", "NoSuchTransaction"), exception_prefixes=("mongo", "pymongo", "com.mongodb", "mongodb"), severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    Rule("code.mongo.validation", Stage.CODE, C.DATA, T.VALIDATION, 0.9, codes=("121", "DocumentValidationFailure", "2", "BadValue", "17280", "10334"), exception_prefixes=("mongo", "pymongo", "com.mongodb", "mongodb"), severity=S.MEDIUM, layer=L.CORE),
    Rule("code.mongo.exhausted", Stage.CODE, C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.93, codes=("292", "QueryExceededMemoryLimitNoDiskUseAllowed", "16819", "14031"), exception_prefixes=("mongo", "pymongo", "com.mongodb", "mongodb"), severity=S.HIGH, layer=L.INFRASTRUCTURE),
    # -- Prisma
    _code("prisma.integrity", C.DATA, T.DATABASE, 0.93, "P2002", "P2003", "P2011", "P2000", "P2014", "P2004", "P2005", "P2006", "P2007", "P2012", "P2019", "P2020", severity=S.MEDIUM, layer=L.CORE),
    _code("prisma.not_found", C.DATA, T.DATABASE, 0.8, "P2025", "P2001", "P2015", "P2018", severity=S.MEDIUM, layer=L.CORE),
    _code("prisma.unavailable", C.SYSTEM, T.DATABASE, 0.93, "P1001", "P1002", "P1017", "P1011", severity=S.HIGH, layer=L.INFRASTRUCTURE, retryable=True),
    _code("prisma.pool", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "P2024", "P2037", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("prisma.timeout", C.PERFORMANCE, T.TIMEOUT, 0.9, "P1008", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _code("prisma.conflict", C.SYSTEM, T.DATABASE, 0.92, "P2034", "P2028", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _code("prisma.auth", C.SECURITY, T.AUTHENTICATION, 0.95, "P1000", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("prisma.config", C.SYSTEM, T.CONFIGURATION, 0.92, "P1003", "P1012", "P1013", "P3009", "P3018", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("prisma.missing_table", C.SYSTEM, T.CONFIGURATION, 0.92, "P2021", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("prisma.schema", C.LOGIC, T.DATABASE, 0.92, "P2022", "P2009", "P2010", "P2016", "P2017", severity=S.MEDIUM, layer=L.CORE),
)

SYSTEM_CODE_RULES: Final[tuple[Rule, ...]] = (
    # -- POSIX errno names (Node puts them in `code`; Python prints "[Errno N]"); the category
    #    of a network errno comes from context (see the derived rules)
    _code("errno.connection", C.SYSTEM, T.NETWORK, 0.85, "ECONNREFUSED", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "ENOTCONN", "ENETRESET", "ERR_NETWORK", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET", "ECONNCLOSED", "EPROTO", category_confidence=0.5, severity=S.HIGH),
    _code("errno.dns", C.SYSTEM, T.NETWORK, 0.9, "ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_NODATA", "EAI_FAIL", "EAI_SERVICE", category_confidence=0.5, severity=S.HIGH),
    _code("errno.timeout", C.SYSTEM, T.TIMEOUT, 0.85, "ETIMEDOUT", "ESOCKETTIMEDOUT", "ETIME", "ERR_SOCKET_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ECONNABORTED", category_confidence=0.45, severity=S.MEDIUM),
    _code("errno.file_descriptors", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "EMFILE", "ENFILE", "ENOBUFS", "EAGAIN", "EWOULDBLOCK", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("errno.disk_full", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.97, "ENOSPC", "EDQUOT", "EFBIG", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _code("errno.memory", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, "ENOMEM", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _code("errno.permission", C.SYSTEM, T.AUTHORIZATION, 0.88, "EACCES", "EPERM", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("errno.missing_file", C.SYSTEM, T.CONFIGURATION, 0.72, "ENOENT", "ENOTDIR", "EISDIR", category_confidence=0.7, severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("errno.address_in_use", C.SYSTEM, T.CONFIGURATION, 0.9, "EADDRINUSE", "EADDRNOTAVAIL", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("errno.read_only_fs", C.SYSTEM, T.EXCEPTION, 0.85, "EROFS", "EIO", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    # -- Node.js and library codes
    _code("node.module_missing", C.SYSTEM, T.CONFIGURATION, 0.95, "MODULE_NOT_FOUND", "ERR_MODULE_NOT_FOUND", "ERR_REQUIRE_ESM", "ERR_UNKNOWN_FILE_EXTENSION", "ERR_PACKAGE_PATH_NOT_EXPORTED", "ERR_DLOPEN_FAILED", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("node.programming", C.LOGIC, T.EXCEPTION, 0.88, "ERR_INVALID_ARG_TYPE", "ERR_INVALID_ARG_VALUE", "ERR_HTTP_HEADERS_SENT", "ERR_OUT_OF_RANGE", "ERR_INVALID_RETURN_VALUE", "ERR_STREAM_WRITE_AFTER_END", "ERR_UNHANDLED_REJECTION", "ERR_ASSERTION", severity=S.MEDIUM, layer=L.CORE),
    _code("tls.certificate", C.SECURITY, T.AUTHENTICATION, 0.95, "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT", "CERT_NOT_YET_VALID", "CERT_UNTRUSTED", "CERT_REVOKED", "CERTIFICATE_VERIFY_FAILED", "ERR_SSL_WRONG_VERSION_NUMBER", "EPROTO_TLS", "HOSTNAME_MISMATCH", severity=S.HIGH, layer=L.SERVICE),
    _code("axios.bad_response", C.EXTERNAL, T.INTEGRATION, 0.8, "ERR_BAD_RESPONSE", "ERR_BAD_REQUEST", "ERR_FR_TOO_MANY_REDIRECTS", "ERR_BAD_OPTION_VALUE", severity=S.MEDIUM, layer=L.SERVICE),
    # -- gRPC status codes (a status seen by a client: the dependency's answer)
    _code("grpc.unavailable", C.EXTERNAL, T.NETWORK, 0.85, "14", category_confidence=0.7, severity=S.MEDIUM, layer=L.SERVICE, retryable=True, exception_pattern=r"grpc|rpc|status"),
    _code("grpc.unavailable_text", C.EXTERNAL, T.NETWORK, 0.85, "UNAVAILABLE", category_confidence=0.7, severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _code("grpc.deadline", C.EXTERNAL, T.TIMEOUT, 0.9, "DEADLINE_EXCEEDED", category_confidence=0.6, severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _code("grpc.unauthenticated", C.SECURITY, T.AUTHENTICATION, 0.92, "UNAUTHENTICATED", severity=S.HIGH, layer=L.SERVICE),
    _code("grpc.permission_denied", C.SECURITY, T.AUTHORIZATION, 0.92, "PERMISSION_DENIED", severity=S.HIGH, layer=L.SERVICE),
    _code("grpc.resource_exhausted", C.EXTERNAL, T.RESOURCE_EXHAUSTION, 0.85, "RESOURCE_EXHAUSTED", category_confidence=0.6, severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _code("grpc.invalid_argument", C.EXTERNAL, T.INTEGRATION, 0.6, "INVALID_ARGUMENT", "OUT_OF_RANGE", category_confidence=0.5, severity=S.MEDIUM, layer=L.SERVICE),
    _code("grpc.failed_precondition", C.LOGIC, T.EXCEPTION, 0.5, "FAILED_PRECONDITION", severity=S.MEDIUM),
    _code("grpc.aborted", C.SYSTEM, T.DATABASE, 0.6, "ABORTED", severity=S.MEDIUM, retryable=True),
    _code("grpc.internal", C.EXTERNAL, T.INTEGRATION, 0.7, "INTERNAL", "UNIMPLEMENTED", "UNKNOWN", "DATA_LOSS", category_confidence=0.6, severity=S.MEDIUM, layer=L.SERVICE),
    _code("grpc.not_found", C.EXTERNAL, T.INTEGRATION, 0.5, "NOT_FOUND", "ALREADY_EXISTS", category_confidence=0.45),
    # -- librdkafka (confluent-kafka clients in every language)
    _code("kafka.transport", C.SYSTEM, T.NETWORK, 0.93, "_TRANSPORT", "_ALL_BROKERS_DOWN", "_RESOLVE", "_DESTROY", "NETWORK_EXCEPTION", "LEADER_NOT_AVAILABLE", "NOT_LEADER_FOR_PARTITION", "NOT_LEADER_OR_FOLLOWER", "NOT_ENOUGH_REPLICAS", "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "BROKER_NOT_AVAILABLE", "NOT_COORDINATOR", "COORDINATOR_NOT_AVAILABLE", severity=S.HIGH, layer=L.INFRASTRUCTURE, retryable=True),
    _code("kafka.timeout", C.SYSTEM, T.TIMEOUT, 0.93, "_MSG_TIMED_OUT", "_TIMED_OUT", "REQUEST_TIMED_OUT", "_TIMED_OUT_QUEUE", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _code("kafka.queue_full", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.93, "_QUEUE_FULL", "THROTTLING_QUOTA_EXCEEDED", "POLICY_VIOLATION_QUOTA", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("kafka.serialization", C.DATA, T.VALIDATION, 0.92, "_VALUE_SERIALIZATION", "_KEY_SERIALIZATION", "_VALUE_DESERIALIZATION", "_KEY_DESERIALIZATION", "MSG_SIZE_TOO_LARGE", "INVALID_RECORD", "CORRUPT_MESSAGE", "_BAD_MSG", "RECORD_LIST_TOO_LARGE", severity=S.MEDIUM, layer=L.CORE),
    _code("kafka.authz", C.SECURITY, T.AUTHORIZATION, 0.95, "TOPIC_AUTHORIZATION_FAILED", "GROUP_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("kafka.authn", C.SECURITY, T.AUTHENTICATION, 0.95, "_AUTHENTICATION", "SASL_AUTHENTICATION_FAILED", "_SSL", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("kafka.config", C.SYSTEM, T.CONFIGURATION, 0.92, "UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC", "_UNKNOWN_PARTITION", "INVALID_TOPIC_EXCEPTION", "_INVALID_ARG", "INVALID_CONFIG", "TOPIC_ALREADY_EXISTS", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("kafka.slow_consumer", C.PERFORMANCE, T.TIMEOUT, 0.9, "_MAX_POLL_EXCEEDED", "REBALANCE_IN_PROGRESS", "ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    # -- Kubernetes event and container-status reasons
    _code("k8s.oom_killed", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.97, "OOMKilled", "OOMKilling", "SystemOOM", "OOMKill", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _code("k8s.crash_loop", C.SYSTEM, T.EXCEPTION, 0.93, "CrashLoopBackOff", "BackOff", "ContainerCannotRun", "StartError", "RunContainerError", severity=S.HIGH, layer=L.INFRASTRUCTURE, requires=(G.PLATFORM,)),
    _code("k8s.image", C.SYSTEM, T.CONFIGURATION, 0.95, "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "ImageInspectError", "RegistryUnavailable", "CreateContainerConfigError", "CreateContainerError", "FailedMount", "FailedAttachVolume", "ProvisioningFailed", "FailedCreate", "InvalidDiskCapacity", "FailedPostStartHook", "FailedPreStopHook", "FailedValidation", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("k8s.scheduling", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.88, "FailedScheduling", "Evicted", "Preempting", "NodeHasDiskPressure", "NodeHasInsufficientMemory", "NodeHasInsufficientPID", "EvictionThresholdMet", "FreeDiskSpaceFailed", "OutOfcpu", "OutOfmemory", "OutOfpods", "InsufficientResources", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("k8s.probe", C.SYSTEM, T.EXCEPTION, 0.5, "Unhealthy", "ProbeWarning", category_confidence=0.9, severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _code("k8s.node", C.SYSTEM, T.EXCEPTION, 0.9, "NodeNotReady", "NodeNotSchedulable", "KubeletNotReady", "ContainerRuntimeUnhealthy", "Rebooted", "SystemOOMEncountered", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("k8s.sandbox", C.SYSTEM, T.NETWORK, 0.88, "FailedCreatePodSandBox", "NetworkNotReady", "FailedKillPod", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _code("k8s.job", C.PROCESS, T.EXCEPTION, 0.85, "BackoffLimitExceeded", "JobFailed", severity=S.MEDIUM, layer=L.SERVICE),
    _code("k8s.job_deadline", C.PROCESS, T.TIMEOUT, 0.85, "DeadlineExceeded", severity=S.MEDIUM, layer=L.SERVICE, requires=(G.PLATFORM,), forbids=(G.OUTBOUND,)),
)

CLOUD_CODE_RULES: Final[tuple[Rule, ...]] = (
    # -- AWS
    *_code_and_name("aws.throttled", C.EXTERNAL, T.RESOURCE_EXHAUSTION, 0.93, "ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException", "RequestThrottled", "RequestThrottledException", "SlowDown", "PriorRequestNotComplete", "BandwidthLimitExceeded", "EC2ThrottledException", "TransactionInProgressException", "KMSThrottlingException", "LimitExceededException", "ServiceQuotaExceededException", "RequestLimitExceededException", "TooManyRequests", "ServerBusy", "OperationThrottled", distinctive=True, severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    *_code_and_name("aws.capacity", C.EXTERNAL, T.RESOURCE_EXHAUSTION, 0.9, "InsufficientInstanceCapacity", "InstanceLimitExceeded", "VcpuLimitExceeded", "InsufficientCapacityException", "CodeStorageExceededException", "ENILimitReachedException", "SubnetIPAddressLimitReachedException", "InsufficientCapacity", "QuotaExceeded", distinctive=True, severity=S.MEDIUM, layer=L.SERVICE),
    *_code_and_name("aws.authn", C.SECURITY, T.AUTHENTICATION, 0.95, "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken", "AuthFailure", "IncompleteSignature", "MissingAuthenticationToken", "InvalidSignatureException", "InvalidIdentityToken", "IDPCommunicationError", "TokenRefreshRequired", "AuthenticationFailed", "InvalidAuthenticationInfo", "NoAuthenticationInformation", "InvalidAuthenticationToken", "ExpiredAuthenticationToken", distinctive=True, severity=S.HIGH, layer=L.INFRASTRUCTURE),
    *_code_and_name("aws.authz", C.SECURITY, T.AUTHORIZATION, 0.95, "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "AllAccessDisabled", "AuthorizationPermissionMismatch", "AuthorizationFailure", "AuthorizationSourceIPMismatch", "AuthorizationProtocolMismatch", "AuthorizationResourceTypeMismatch", "AuthorizationServiceMismatch", "InsufficientAccountPermissions", "KeyBasedAuthenticationNotPermitted", "Forbidden", "AuthorizationFailed", "LinkedAuthorizationFailed", "InvalidAuthorizationSpecification", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    *_code_and_name("aws.not_found", C.SYSTEM, T.CONFIGURATION, 0.9, "NoSuchBucket", "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "NonExistentQueue", "NoSuchEntity", "ResourceNotFoundException", "ParameterNotFound", "NotFoundException", "ContainerNotFound", "QueueNotFound", "ShareNotFound", "ResourceGroupNotFound", "ResourceNotFound", "SubscriptionNotFound", "TableNotFound", "KeyVaultNotFound", "SecretNotFound", "VaultNotFound", "InvalidSubscriptionId", "NoSuchHostedZone", "RepositoryNotFoundException", "FunctionNotFound", "StreamNotFound", "TopicNotFound", "NotFound", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    *_code_and_name("aws.missing_object", C.DATA, T.VALIDATION, 0.8, "NoSuchKey", "BlobNotFound", "NoSuchUpload", "NoSuchVersion", severity=S.MEDIUM, layer=L.CORE),
    *_code_and_name("aws.conditional", C.DATA, T.DATABASE, 0.95, "ConditionalCheckFailedException", "TransactionCanceledException", "ConditionNotMet", "LeaseIdMismatchWithBlobOperation", "PreconditionFailed", "TargetConditionNotMet", "ItemCollectionSizeLimitExceededException", distinctive=True, severity=S.MEDIUM, layer=L.CORE),
    *_code_and_name("aws.tx_conflict", C.SYSTEM, T.DATABASE, 0.9, "TransactionConflictException", "TransactionConflict", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    *_code_and_name("aws.unavailable", C.EXTERNAL, T.INTEGRATION, 0.9, "ServiceUnavailable", "ServiceUnavailableException", "InternalError", "InternalFailure", "InternalServerError", "InternalServiceError", "InternalServiceException", "InternalServerException", "ServiceException", "ServiceFailure", "BadGateway", "OperationTimedOutException", severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    *_code_and_name("aws.timeout", C.EXTERNAL, T.TIMEOUT, 0.9, "RequestTimeout", "RequestTimeoutException", "OperationTimedOut", "GatewayTimeout", "ClientTimeout", severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    *_code_and_name("aws.clock", C.SYSTEM, T.CONFIGURATION, 0.92, "RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException.Clock", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    *_code_and_name("aws.bad_request", C.LOGIC, T.VALIDATION, 0.8, "ValidationException", "InvalidParameterValue", "InvalidParameterException", "InvalidParameterCombination", "MissingParameter", "MalformedQueryString", "InvalidQueryParameter", "InvalidInput", "InvalidRequest", "SerializationException", "InvalidHeaderValue", "OutOfRangeInput", "InvalidResourceName", severity=S.MEDIUM, layer=L.CORE),
    *_code_and_name("aws.payload", C.DATA, T.VALIDATION, 0.88, "EntityTooLarge", "RequestEntityTooLarge", "KeyTooLongError", "RequestBodyTooLarge", "MessageTooLarge", "InvalidMessageContents", severity=S.MEDIUM, layer=L.CORE),
    *_code_and_name("aws.disabled", C.SYSTEM, T.CONFIGURATION, 0.88, "AccountIsDisabled", "OptInRequired", "SubscriptionRequiredException", "InvalidClientTokenId.Disabled", "KMSInvalidStateException", "DisabledException", "KMS.DisabledException", severity=S.HIGH, layer=L.INFRASTRUCTURE),
)


# =========================================================================== message phrases
# Word-bounded phrases. Specific phrases (0.88-0.97) decide outright; generic mechanism
# phrases ("timed out", "connection refused") decide the type and leave the category to
# context (no category, or a weak one).
RESOURCE_MESSAGE_RULES: Final[tuple[Rule, ...]] = (
    _msg("gpu_memory", C.AGENT, T.RESOURCE_EXHAUSTION, 0.96, r"\bcuda out of memory\b|\bcuda error: out of memory\b|\bout of memory on (?:device|gpu)\b|\bgpu (?:memory|oom)\b|\bcublas_status_alloc_failed\b|\bhip out of memory\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("tcp_memory", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.96, r"\btcp: out of memory\b|\btcp_mem\b|\bsocket buffer\b.{0,20}\b(?:exhausted|full)\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("memory", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.93, r"\bout of memory\b|\boutofmemory|\boom[- ]?kill(?:ed|er)?\b|\bcannot allocate memory\b|\bjava heap space\b|\bgc overhead limit exceeded\b|\bheap out of memory\b|\ballowed memory size of \d+ bytes exhausted\b|\bmemory limit (?:exceeded|reached)\b|\binsufficient (?:system )?memory\b|\bmemory cgroup out of memory\b|\bkilled process \d+\b|\bmetaspace\b|\bunable to (?:create|allocate) (?:new )?native thread\b|\bfailed to allocate memory\b|\bmemory allocation failed\b|\bexit code 137\b|\bmemory exhausted\b", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _msg("memory_pressure", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.86, r"\bmemory (?:usage|utili[sz]ation|pressure)\b.{0,60}\b(?:[89]\d|100)(?:\.\d+)?%|\bmemory (?:usage|utili[sz]ation)\b.{0,40}\b(?:rising|growing|leak)|\bmemory leak\b|\bnear(?:ing)? (?:its |the )?memory limit\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("disk_full", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.96, r"\bno space left on device\b|\bnot enough space on the disk\b|\bdisk (?:is )?full\b|\bdisk quota exceeded\b|\binsufficient disk space\b|\bfile ?system (?:is )?full\b|\bout of disk space\b|\bflood[- ]stage disk watermark\b|\bthere is not enough space\b|\btransaction log for database .{0,40} is full\b|\bcould not (?:extend|write to) file\b.{0,80}\bno space\b|\bdisk (?:usage|utili[sz]ation)\b.{0,40}\b(?:9[5-9]|100)(?:\.\d+)?%|\binodes? (?:usage|utili[sz]ation)\b.{0,40}\b(?:9[5-9]|100)(?:\.\d+)?%|\bout of inodes\b|\bno free inodes\b", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _msg("file_descriptors", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, r"\btoo many open files\b|\bfile table overflow\b|\bfile descriptors? (?:limit|exhausted)\b|\bulimit\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("threads", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.9, r"\bcan't start new thread\b|\bpthread_create failed\b|\bresource temporarily unavailable\b|\bfork: retry\b|\btoo many processes\b|\bpid limit\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("thread_pool", C.PERFORMANCE, T.RESOURCE_EXHAUSTION, 0.9, r"\bthread ?pool\b.{0,60}\b(?:exhausted|full|saturated|starved)\b|\b\d+/\d+ threads (?:busy|active|in use)\b|\bexecutor (?:is )?(?:saturated|full|shut ?down)\b|\brejected from java\.util\.concurrent\b|\bworker pool (?:is )?(?:exhausted|full)\b|\bbulkhead\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("conntrack", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, r"\bnf_conntrack: table full\b|\bconntrack table full\b|\bdropping packet\b|\bneighbou?r table overflow\b|\bephemeral ports? (?:exhausted|exhaustion)\b|\bcannot assign requested address\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("pool_exhausted", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, r"\bqueuepool limit of size \d+ overflow \d+ reached\b|\bconnection is not available, request timed out after\b|\btimeout period elapsed prior to obtaining a connection from the pool\b|\ball pooled connections were in use\b|\bcould not obtain a connection from the pool\b|\bpool timed out while waiting for an open connection\b|\bconnection pool timeout\b|\bconnection pool (?:is )?(?:exhausted|full)\b|\bpool (?:is )?exhausted\b|\bunable to acquire (?:a )?(?:jdbc )?connection\b|\btimed out fetching a new connection from the connection pool\b|\bremaining connection slots are reserved\b|\btoo many (?:clients|connections)\b|\bmax(?:imum)?[_ ]connections\b|\btimeout acquiring (?:a )?connection\b|\bpool (?:limit|size) (?:reached|exceeded)\b|\bwaiting for (?:an )?(?:idle|available) connection\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("es_rejected", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, r"\bes_rejected_execution_exception\b|\brejected execution of\b|\bcircuit_breaking_exception\b|\bdata too large, data for \[", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("index_read_only", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.95, r"\bcluster_block_exception\b|\bread[-_]only[-_]allow[-_]delete\b|\bindex read-only\b|\bflood[- ]stage\b", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _msg("datastore_memory", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.93, r"\boom command not allowed when used memory\b|\bmaxmemory\b|\bexceeded memory limit for \$group\b|\bquery exceeded memory limit\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("cpu_throttling", C.PERFORMANCE, T.RESOURCE_EXHAUSTION, 0.9, r"\bcpu (?:throttl\w*|usage|utili[sz]ation|saturat\w*|load|pressure)\b|\bload average\b|\bcpu cfs throttl", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _msg("io_wait", C.PERFORMANCE, T.RESOURCE_EXHAUSTION, 0.9, r"\bi/o wait\b|\biowait\b|\bdisk (?:read |write )?(?:latency|i/?o|queue)\b.{0,30}\b(?:high|wait|saturat\w*|exceed\w*|baseline|\d+(?:\.\d+)?(?:%|ms))|\biops (?:limit|throttl\w*|exhausted)\b|\bburst balance\b", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _msg("gc_pause", C.PERFORMANCE, T.RESOURCE_EXHAUSTION, 0.9, r"\bgc pause\b|\bstop[- ]the[- ]world\b|\bfull gc\b|\bgc (?:took|time|overhead) (?!limit)|\bgarbage collection (?:pause|took|time)\b|\blong gc\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("thread_starvation", C.PERFORMANCE, T.RESOURCE_EXHAUSTION, 0.9, r"\bthread starvation\b|\bclock leap detected\b|\bthread pool starvation\b|\bblocked threads?\b.{0,30}\bexceed", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("consumer_lag", C.PERFORMANCE, T.RESOURCE_EXHAUSTION, 0.9, r"\b(?:consumer|consumer group|partition) lag\b|\blag (?:on|of|for) (?:topic|partition|consumer)|\blag\b.{0,40}\b(?:messages|records|events)\b|\bbacklog (?:of|is) \d+|\bqueue (?:depth|size|length|backlog) (?:of \S+ )?(?:is |at )?\d+", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _msg("replication_lag", C.PERFORMANCE, T.DATABASE, 0.92, r"\breplication lag\b|\breplica(?:tion)? (?:is )?(?:lagging|behind)\b|\breplica lag\b|\bseconds behind (?:master|source|primary)\b|\bwal (?:sender|receiver) .{0,40}\blag", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _msg("saturation", C.PERFORMANCE, T.RESOURCE_EXHAUSTION, 0.86, r"\butili[sz]ation (?:is |at |of )?\d+(?:\.\d+)?%|\bsaturat(?:ed|ion)\b|\bat \d+(?:\.\d+)?% of (?:capacity|limit)\b|\bnearing capacity\b", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _msg("load_shedding", C.PERFORMANCE, T.RESOURCE_EXHAUSTION, 0.92, r"\bshedding load\b|\bload[- ]shed\w*\b|\bqueue (?:depth|size|length) \d+ exceeds\b|\brequest queue (?:is )?full\b|\bserver (?:is )?overloaded\b|\btoo busy\b|\bbackpressure\b", severity=S.HIGH, layer=L.API),
    _msg("rate_limit", None, T.RESOURCE_EXHAUSTION, 0.86, r"\brate[- ]limit(?:ed|ing)?\b|\brate exceeded\b|\btoo many requests\b|\bthrottl(?:ed|ing)\b|\brequest limit exceeded\b|\bquota (?:exceeded|exhausted)\b|\bexceeded (?:your |the )?(?:current )?quota\b|\bslow down\b|\brequest rate is large\b|\bexceeded \d+ requests per\b|\brequests? per (?:second|minute|hour) (?:limit|exceeded)\b|\busage limit\b", retryable=True),
    _msg("disk_pressure", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.88, r"\blow on resource: (?:ephemeral-storage|memory|disk)\b|\bdisk ?pressure\b|\bephemeral[- ]storage\b.{0,40}\bexceed", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("insufficient_nodes", C.SYSTEM, T.RESOURCE_EXHAUSTION, 0.9, r"\binsufficient (?:cpu|memory|pods|nvidia\.com/gpu|ephemeral-storage)\b|\bnodes are available: \d+ insufficient\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("scheduling_constraint", C.SYSTEM, T.CONFIGURATION, 0.91, r"\bdidn't match (?:pod's )?node (?:selector|affinity)\b|\buntolerated taint\b|\bvolume node affinity conflict\b|\bunbound immediate persistentvolumeclaims\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("recursion", C.LOGIC, T.RESOURCE_EXHAUSTION, 0.95, r"\bmaximum recursion depth exceeded\b|\bmaximum call stack size exceeded\b|\bstack level too deep\b|\bstack overflow\b|\bgoroutine stack exceeds\b|\binfinite (?:loop|recursion)\b", severity=S.MEDIUM, layer=L.CORE),
)

TIMEOUT_MESSAGE_RULES: Final[tuple[Rule, ...]] = (
    _msg("statement_timeout", C.PERFORMANCE, T.TIMEOUT, 0.93, r"\bcanceling statement due to (?:statement|lock|user request|idle[- ]in[- ]transaction)\b|\bstatement timeout\b|\bquery (?:execution )?(?:was )?(?:interrupted|cancel+ed)\b|\bquery (?:timed out|timeout)\b|\bmaximum statement execution time exceeded\b|\bexecution timeout expired\b|\bmax_execution_time\b|\boperation exceeded time limit\b|\bmaximum execution time of \d+ seconds? exceeded\b|\block timeout\b|\bexceeded time limit\b|\bmaxtimems\b", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _msg("lock_wait", C.PERFORMANCE, T.TIMEOUT, 0.94, r"\block wait timeout exceeded\b|\block request time out period exceeded\b|\bcould not obtain lock\b|\block not available\b", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _msg("slow_query", C.PERFORMANCE, T.DATABASE, 0.93, r"\bslow (?:query|log|statement)\b|\bduration: \d+(?:\.\d+)? ms\s+statement:|\bquery took \d+|\blong[- ]running (?:query|transaction)\b|\bsequential scan\b|\bfull table scan\b", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _msg("proxy_upstream_timeout", C.SYSTEM, T.TIMEOUT, 0.93, r"\bupstream timed out\b|\bupstream request timeout\b|\bproxy timeout\b|\bbackend (?:read|connect) timeout\b", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _msg("function_timeout", C.SYSTEM, T.TIMEOUT, 0.93, r"\btask timed out after [\d.]+ seconds\b|\bfunction (?:execution )?(?:timed out|took longer than)\b|\binvocation timed out\b|\bduration exceeded the function timeout\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("event_loop", C.PERFORMANCE, T.TIMEOUT, 0.93, r"\bevent loop (?:blocked|lag|delay|stalled)\b|\bblocked the event loop\b|\bexecuting .{0,40} took [\d.]+ seconds\b|\bslow callback\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("latency", C.PERFORMANCE, T.TIMEOUT, 0.88, r"\bp(?:50|75|90|95|99|999) latency\b|\blatency\b.{0,60}\b(?:exceed\w*|above|over|baseline|degraded|regress\w*|slo)\b|\bresponse times? (?:of|for|is)?\b.{0,60}\b(?:degraded|baseline|exceed\w*|slow)|\bslow (?:requests?|responses?|endpoints?|dependency)\b|\b\d+(?:\.\d+)?x (?:the )?(?:\d+-day )?baseline\b|\bvs\.? baseline\b|\bslo (?:burn|breach|violation)\b|\berror budget\b|\btook \d+(?:\.\d+)?\s*(?:ms|s|sec|seconds)\b.{0,30}\b(?:slo|sla|threshold|budget|limit|target)\b", severity=S.MEDIUM),
    _msg("sla_missed", C.PROCESS, T.TIMEOUT, 0.92, r"\bmissed (?:its |the )?sla\b|\bsla (?:miss(?:ed)?|breach(?:ed)?|violat\w+)\b|\bstill running at\b|\bexceeded (?:its |the )?(?:maximum )?(?:run ?time|duration)\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("task_time_limit", C.PROCESS, T.TIMEOUT, 0.92, r"\b(?:hard|soft) time limit\b|\btime limit \(?\d+s?\)? exceeded\b|\bactivity (?:task )?timed out\b|\bstart-?to-?close\b|\bschedule-?to-?(?:close|start)\b|\bheartbeat timeout\b|\bwall[- ]?clock (?:budget|limit|time)\b|\bexceeded (?:its )?(?:time|wall[- ]?clock) budget\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("approval_expired", C.PROCESS, T.TIMEOUT, 0.92, r"\bapproval .{0,60}\b(?:expired|timed out|lapsed)\b|\bexpired after \d+\s*(?:s|m|h|d|min|minutes|hours|days)\b.{0,30}\bwithout (?:a )?(?:decision|response|approval)\b|\bno decision (?:was )?(?:made|received) within\b", severity=S.LOW, layer=L.SERVICE),
    _msg("stuck_run", None, T.TIMEOUT, 0.88, r"\b(?:stuck|has been|remained) in (?:state |status )?\S+ for \d+\s*(?:s|m|h|d|min|minutes|hours|days)\b|\bexceed(?:ing|ed|s) (?:its |the )?(?:\w+ )?(?:deadline|max(?:imum)? (?:duration|wait|age))\b|\bnot completed within\b|\bstill (?:pending|running|waiting) after\b"),
    _msg("broker_timeout", C.SYSTEM, T.TIMEOUT, 0.92, r"\bnot present in metadata after \d+ ?ms\b|\bfailed to update metadata after\b|\bexpiring \d+ record\(?s?\)? for\b|\bmessage timed out\b|\blocal: message timed out\b|\bdelivery timeout\b", severity=S.MEDIUM, layer=L.INFRASTRUCTURE),
    _msg("connect_timeout", None, T.TIMEOUT, 0.92, r"\b(?:connection|operation|connect|resolving) timed out after \d+|\bconnect(?:ion)? timeout\b|\bcurl error 28\b|\bconnect timed out\b", retryable=True),
    _msg("timeout", None, T.TIMEOUT, 0.8, r"\btimed? ?out\b|\btimeout\b|\bdeadline (?:exceeded|expired)\b|\btook too long\b|\bexceeded (?:the )?(?:time|timeout)\b|\bno response (?:within|after)\b|\bawaiting (?:response )?headers\b|\bexpired before\b.{0,30}\b(?:complet|respon)", retryable=True),
)

DATASTORE_MESSAGE_RULES: Final[tuple[Rule, ...]] = (
    _msg("integrity", C.DATA, T.DATABASE, 0.92, r"\bduplicate key\b|\bunique constraint\b|\bduplicate entry\b|\bunique violation\b|\bviolates (?:unique|foreign key|not-null|check|exclusion) constraint\b|\bintegrity constraint violation\b|\bforeign key constraint\b|\bcannot (?:add or update|delete or update) a (?:child|parent) row\b|\bcannot insert (?:the value )?null\b|\bcolumn '?\w+'? cannot be null\b|\bviolation of (?:primary|unique) key constraint\b|\bconditional request failed\b|\be11000\b|\bnull value in column\b|\bunique constraint failed\b|\bconstraint (?:failed|violation)\b", severity=S.MEDIUM, layer=L.CORE, retryable=False),
    _msg("bad_value", C.DATA, T.DATABASE, 0.9, r"\bvalue too long for type\b|\bdata too long for column\b|\bstring or binary data would be truncated\b|\bnumeric (?:value|field) (?:out of range|overflow)\b|\bout of range value for column\b|\binvalid input syntax for (?:type )?\w+|\bincorrect \w+ value: .{0,40} for column\b|\bconversion failed when converting\b|\barithmetic overflow error\b|\binvalid input value for enum\b|\bdate/time field value out of range\b", severity=S.MEDIUM, layer=L.CORE, retryable=False),
    _msg("optimistic_lock", C.DATA, T.DATABASE, 0.92, r"\brow was updated or deleted by another transaction\b|\boptimistic lock\w*\b|\bstale (?:object|state|data|element)\b|\bversion conflict\b|\bversion_conflict_engine_exception\b|\bconcurrent (?:update|modification) (?:detected|conflict)\b|\bwas (?:modified|updated) by another (?:user|transaction|process)\b|\betag (?:mismatch|conflict)\b|\bcondition(?:al)? (?:check )?(?:not met|failed)\b", severity=S.MEDIUM, layer=L.CORE, retryable=False),
    _msg("deadlock", C.SYSTEM, T.DATABASE, 0.93, r"\bdeadlock (?:detected|found)\b|\bdeadlocked on lock\b|\bdeadlock victim\b|\bcould not serialize access\b|\bserialization failure\b|\btransaction (?:was |has been )?aborted\b|\bretry the transaction\b|\bwrite ?conflict\b|\btransaction conflict\b|\bdeadlock\b", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _msg("missing_table", C.SYSTEM, T.CONFIGURATION, 0.93, r"\b(?:relation|table|view) \"?[\w.]+\"? does not exist\b|\bno such table\b|\binvalid object name\b|\btable '[\w.]+' doesn't exist\b|\bbase table or view not found\b|\bundefined table\b|\bpending migrations?\b|\bmigrations? (?:have not been|not) (?:run|applied)\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("sql_syntax", C.LOGIC, T.DATABASE, 0.92, r"\bsyntax error at or near\b|\bsyntax error at end of input\b|\byou have an error in your sql syntax\b|\bincorrect syntax near\b|\b(?:column|function|operator|type) \"?[\w.]+\"? does not exist\b|\bunknown column\b|\bno such (?:column|function)\b|\binvalid column name\b|\bwrongtype operation against a key\b|\bcurrent transaction is aborted, commands ignored\b|\bcolumn reference \"?\w+\"? is ambiguous\b|\bambiguous column name\b|\bnoscript no matching script\b|\bunknown command\b|\bmust appear in the group by clause\b|\bthere is no unique or exclusion constraint matching\b|\bcannot be cast automatically\b|\bprepared statement \"?\w+\"? (?:does not exist|already exists)\b", severity=S.MEDIUM, layer=L.CORE),
    _msg("db_privilege", C.SECURITY, T.AUTHORIZATION, 0.94, r"\bpermission denied for (?:table|relation|schema|database|sequence|function|view)\b|\bcommand denied to user\b|\bmust be owner of\b|\binsufficient privileges?\b|\b\w+ permission was denied on the object\b|\baccess denied for user .{0,60} to database\b|\bnot authorized on \w+ to execute command\b|\bnoperm\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("db_auth", C.SECURITY, T.AUTHENTICATION, 0.94, r"\bpassword authentication failed for user\b|\baccess denied for user\b|\blogin failed for user\b|\bnoauth authentication required\b|\bwrongpass\b|\binvalid username-password pair\b|\bno pg_hba\.conf entry\b|\bsasl authentication failed\b|\bauthentication failed\.?,? full error\b|\bscram authentication failed\b|\bora-01017\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("db_unavailable", C.SYSTEM, T.DATABASE, 0.92, r"\bthe database system is (?:in recovery mode|starting up|shutting down|not yet accepting connections|not accepting connections)\b|\bterminating connection due to administrator command\b|\bserver closed the connection unexpectedly\b|\bcould not connect to (?:the )?(?:database )?server\b|\bconnection to server at .{0,80} failed\b|\blost connection to mysql server\b|\bmysql server has gone away\b|\bcan't connect to (?:local )?mysql server\b|\bcommunications link failure\b|\bnetwork-related or instance-specific error occurred while establishing a connection to sql server\b|\bno connection to the server\b|\bcould not connect to any servers\b|\bno reachable servers\b|\bserver selection timeout\b|\bserverselectiontimeout|\bcannot execute \w+ in a read-only transaction\b|\bread[- ]only replica\b|\bread[- ]only mode\b|\bclusterdown\b|\bcluster is down\b|\bno (?:primary|master) (?:available|found)\b|\bconnection to (?:the )?database (?:was )?(?:lost|closed|refused|failed)\b|\bdatabase (?:is )?(?:unavailable|unreachable|down)\b", severity=S.HIGH, layer=L.INFRASTRUCTURE, retryable=True),
    _msg("db_transient", C.SYSTEM, T.DATABASE, 0.92, r"\bredis is loading the dataset\b|\bnot primary\b|\bnot master\b|\bnode is recovering\b|\bprimary stepped down\b|\bleader (?:changed|election)\b|\bfailover in progress\b|\bcursor (?:id \d+ )?not found\b|\breplica set (?:has )?no primary\b|\bresharding in progress\b|\btryagain\b|\bmoved \d+ \d", severity=S.MEDIUM, layer=L.INFRASTRUCTURE, retryable=True),
    _msg("db_corruption", C.DATA, T.DATABASE, 0.95, r"\binvalid page in block\b|\bcould not read block\b|\bcontains unexpected zero page\b|\bdatabase disk image is malformed\b|\bindex \"?\w+\"? contains corrupted\b|\bdata corruption\b|\bcorrupt(?:ed)? (?:index|table|page|database|btree)\b|\bmissing chunk number\b|\bunexpected data beyond eof\b", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
)

NETWORK_MESSAGE_RULES: Final[tuple[Rule, ...]] = (
    _msg("tls", C.SECURITY, T.AUTHENTICATION, 0.94, r"\bcertificate verify failed\b|\bcertificate_verify_failed\b|\bx509:|\bpkix path (?:building|validation) failed\b|\bunable to find valid certification path\b|\bself[- ]signed certificate\b|\bcertificate (?:has )?expired\b|\bcertificate\b.{0,60}\bexpired\b|\bcertificate is not (?:yet )?valid\b|\bunable to verify the first certificate\b|\bunable to get local issuer certificate\b|\bhostname .{0,60} (?:doesn't|does not) match\b|\bssl handshake (?:failed|failure|error)\b|\bhandshake failure\b|\btlsv1 alert\b|\bremote certificate is invalid\b|\bsslv3 alert\b|\bcertificate signed by unknown authority\b|\bcertificate (?:is )?(?:revoked|untrusted)\b|\bssl: wrong version number\b|\btls: (?:failed|bad certificate|handshake)\b|\bcert(?:ificate)? chain\b|\berr_cert_\w+|\berr_ssl_\w+|\bssl_error_\w+", severity=S.HIGH, layer=L.SERVICE, retryable=False),
    _msg("backend_down", C.SYSTEM, T.NETWORK, 0.93, r"\bhas no server available\b|\bno (?:healthy|available|live) (?:upstreams?|backends?|servers?|endpoints?)\b|\bno servers? available\b|\ball (?:upstreams?|backends?|servers?) (?:are )?(?:down|unhealthy|unavailable)\b|\bno endpoints available for service\b", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _msg("region_down", C.SYSTEM, T.NETWORK, 0.95, r"\b(?:region|data ?cent(?:er|re)|availability zone|\baz\b) \S+ (?:is )?(?:unreachable|down|unavailable|offline|lost)\b|\bregional (?:failover|outage)\b|\b(?:total|complete|full) (?:network )?outage\b|\bnetwork partition\b", severity=S.EMERGENCY, layer=L.INFRASTRUCTURE),
    _msg("proxy_upstream", C.SYSTEM, T.NETWORK, 0.92, r"\bwhile connecting to upstream\b|\bupstream connect error\b|\bupstream prematurely closed\b|\bno live upstreams\b|\bconnect\(\) failed\b.{0,60}\bupstream\b|\bupstream reset\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("broker_unreachable", C.SYSTEM, T.NETWORK, 0.93, r"\bclient has run out of available brokers\b|\ball brokers? (?:are )?down\b|\bno brokers available\b|\bbroker (?:not available|may not be available|is down|transport failure)\b|\bbroker \S+ (?:is )?(?:offline|down|unreachable)\b|\bunder-?replicated partitions?\b|\bconnection to node -?\d+ .{0,60} could not be established\b|\bleader not available\b|\bnot enough replicas\b|\bconnection_forced\b|\bamqp connection (?:closed|lost|refused)\b", severity=S.HIGH, layer=L.INFRASTRUCTURE, retryable=True),
    _msg("dns", None, T.NETWORK, 0.9, r"\bno such host\b|\bname or service not known\b|\btemporary failure in name resolution\b|\bnodename nor servname provided\b|\bcould not resolve (?:host|hostname|proxy)\b|\bunable to resolve host\b|\bgetaddrinfo\b|\bunknown host\b|\bdns (?:resolution|lookup|quer(?:y|ies))\b.{0,40}\b(?:fail\w*|errors?|timed out|timeouts?)\b|\bno address associated with hostname\b|\bname resolution\b|\bfailed to resolve\b|\bno such host is known\b|\bnxdomain\b|\bservfail\b", retryable=True),
    _msg("connection_refused", None, T.NETWORK, 0.86, r"\bconnection refused\b|\bconnect(?:ion)? reset\b|\breset by peer\b|\bbroken pipe\b|\bconnection aborted\b|\bremote end closed connection\b|\bserver disconnected\b|\bconnection closed (?:by peer|unexpectedly|by remote host)\b|\bunexpected eof\b|\bsocket hang up\b|\bnetwork is unreachable\b|\bno route to host\b|\bhost (?:is )?unreachable\b|\bconnection (?:was )?(?:forcibly )?closed\b|\bfailed to establish a new connection\b|\bcannot connect to host\b|\bcould not connect to\b|\bunable to connect to\b|\bconnect call failed\b|\bconnection error\b|\bconnectex\b|\bfailed to connect to\b|\bconnection (?:timed out|failure|failed)\b|\bpeer closed connection\b|\bpremature close\b|\bfetch failed\b|\bfailed to fetch\b|\bnetwork error\b|\berr_network\b|\beconnrefused\b|\beconnreset\b|\bi/o error on (?:get|post|put|patch|delete)\b", retryable=True),
    _msg("fetch_failed", C.EXTERNAL, T.NETWORK, 0.92, r"\bfetch failed\b|\bfailed to fetch\b|\bnetworkerror when attempting to fetch\b|\brequest to https?://\S+ failed, reason:", severity=S.MEDIUM, layer=L.SERVICE, retryable=True),
    _msg("upstream_garbage", C.EXTERNAL, T.INTEGRATION, 0.9, r"\binvalid character '<' looking for beginning of value\b|\bunexpected token '?<'? in json\b|\bunexpected token '?<'?,? \"?<!doctype\b|\b<!doctype html\b|\b<html\b|\berror while extracting response\b|\bcould not extract response\b|\bunexpected content[- ]type\b|\bcontent[- ]type:? text/html\b|\bunexpected response (?:from|format|body)\b|\bno suitable httpmessageconverter\b|\bresponse (?:was )?not (?:valid )?json\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("upstream_status", C.EXTERNAL, T.INTEGRATION, 0.85, r"\bbad gateway\b|\bupstream (?:error|returned|responded|overloaded|failure|unavailable)\b|\b(?:partner|provider|vendor|third[- ]party) (?:api )?(?:returned|responded|error|failure|unavailable)\b|\bservice (?:is )?(?:currently )?unavailable\b|\bcircuit ?breaker (?:is )?open\b|\bcircuit (?:is )?open\b|\bbreaker (?:tripped|open)\b", severity=S.MEDIUM, layer=L.SERVICE, category_confidence=0.7, retryable=True),
)

SECURITY_MESSAGE_RULES: Final[tuple[Rule, ...]] = (
    _msg("leaked_secret", C.SECURITY, T.AUTHENTICATION, 0.95, r"\b(?:leaked|exposed|committed|hard-?coded|published) (?:an? )?(?:aws |api |access |secret |private )?(?:key|secret|token|credential|password)s?\b|\b(?:access key|secret|token|credential|password)s? .{0,60}\bcommitted to\b|\bsecret (?:scanner|scanning|detected|found) \b|\bdetected (?:an? )?(?:aws |gcp |azure )?(?:access key|secret|api key|private key|token)\b|\bcredentials? (?:were |have been )?(?:compromised|leaked|exposed)\b", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _msg("attack", C.SECURITY, T.VALIDATION, 0.93, r"\bsql injection\b|\bxss\b|\bcross[- ]site scripting\b|\bpath traversal\b|\bdirectory traversal\b|\bwaf (?:blocked|block|rule)\b|\bmalicious (?:request|payload|input)\b|\b(?:injection|exploit|attack) attempt\b|\bcommand injection\b|\bssrf\b|\bxxe\b|\bprompt injection\b|\bjailbreak\b|\brequest smuggling\b|\bbot attack\b|\bddos\b", severity=S.HIGH, layer=L.API),
    _msg("suspicious_host", C.SECURITY, T.VALIDATION, 0.93, r"\binvalid http_host header\b|\ballowed_hosts\b|\bdisallowed ?host\b|\bsuspicious (?:operation|file operation|request)\b|\bunsafe redirect\b|\bpotentially dangerous request\b", severity=S.LOW, layer=L.API),
    _msg("brute_force", C.SECURITY, T.AUTHENTICATION, 0.93, r"\b(?:multiple|repeated|\d+) failed (?:password|login|sign-?in|authentication|ssh|auth) attempts\b|\bfailed password for (?:invalid user )?\w+ from\b|\bbrute[- ]?force\b|\bcredential[- ]stuffing\b|\baccount (?:has been |was )?locked\b|\btoo many (?:failed )?(?:login|sign-?in|authentication) attempts\b|\bpassword spray", severity=S.HIGH),
    _msg("csrf", C.SECURITY, T.AUTHENTICATION, 0.93, r"\bcsrf\b|\bxsrf\b|\bantiforgery\b|\bauthenticity token\b", severity=S.LOW, layer=L.API),
    _msg("expired_credential", C.SECURITY, T.AUTHENTICATION, 0.88, r"\bjwt expired\b|\b(?:token|session|jwt|credentials?|password|signature) (?:is |has )?expired\b|\bexpired (?:token|jwt|session|credentials?|signature)\b|\blifetime validation failed\b|\btoken (?:is )?not (?:yet )?valid\b|\bexp(?:iration)? claim\b"),
    _msg("missing_credential", C.SECURITY, T.AUTHENTICATION, 0.88, r"\bmissing (?:bearer |access |auth(?:entication|orization)? |api |session )?(?:token|header|credentials?|api key)\b|\bno (?:auth(?:entication|orization)? )?(?:token|credentials?) (?:provided|supplied|found)\b|\bjwt must be provided\b|\bauthorization header (?:is )?(?:missing|required)\b|\bauthentication (?:is )?required\b|\bnot authenticated\b|\bunauthenticated\b|\blogin required\b"),
    _msg("invalid_credential", C.SECURITY, T.AUTHENTICATION, 0.87, r"\binvalid (?:api[ _-]?key|token|credentials?|signature|client|grant|password|username or password|bearer token|access token|refresh token|jwt|auth(?:entication)? token|otp|mfa code)\b|\bbad credentials\b|\bauthentication (?:failed|error|failure)\b|\blogin failed\b|\bincorrect (?:username|password|email or password)\b|\binvalid_client\b|\binvalid_grant\b|\bunauthori[sz]ed\b|\bsignature (?:verification )?(?:failed|mismatch|does not match)\b|\bjwt malformed\b|\bmalformed (?:token|jwt)\b|\btoken (?:verification|validation) failed\b|\bapi key (?:is )?(?:invalid|revoked|not valid)\b|\bwrong password\b|\bnot a valid (?:token|key)\b"),
    _msg("file_permission", C.SYSTEM, T.AUTHORIZATION, 0.9, r"\[errno 13\]|\bpermission denied: '/|\baccess to the path .{0,120} is denied\b|\beacces\b|\boperation not permitted\b|\bread-only file ?system\b|\bpermission denied \(os error 13\)|\bopen /\S+: permission denied\b|\bcould not open file .{0,80} permission denied\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("rbac", C.SECURITY, T.AUTHORIZATION, 0.93, r"\bis forbidden: user \"?system:serviceaccount\b|\bcannot (?:list|get|create|delete|watch|update|patch) resource\b|\bdoes not have [\w.]+ permission\b|\bis not authori[sz]ed to perform\b|\bnot authori[sz]ed to perform (?:this )?(?:operation|action)\b|\bno identity-based policy allows\b|\bdoes not have (?:secrets|keys|certificates) \w+ permission\b|\biam permission\b|\bmissing (?:the )?(?:required )?(?:iam )?permission\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("scope_denied", C.SECURITY, T.AUTHORIZATION, 0.9, r"\boutside (?:its|the|their|of) (?:permission |allowed |authori[sz]ed )?scope\b|\bprivilege escalation\b|\bwithout (?:membership|permission|authori[sz]ation)\b|\b(?:attempted|tried) to access\b.{0,80}\b(?:without|not (?:a member|allowed|permitted))\b|\bcross[- ]tenant\b|\bcaller does not have permission\b|\blacks? (?:the )?permission\b", severity=S.HIGH),
    _msg("access_denied", C.SECURITY, T.AUTHORIZATION, 0.82, r"\binsufficient (?:scope|permissions?)\b|\brequired scope\b|\black(?:s|ing)? (?:the )?(?:required )?scope\b|\bnot permitted to\b|\bis not allowed to\b|\baccess (?:to \S+ )?(?:was |is )?denied\b|\bpermission denied\b|\bforbidden\b|\bnot authori[sz]ed\b|\bunauthori[sz]ed access\b|\baccess_refused\b"),
)

CONFIGURATION_MESSAGE_RULES: Final[tuple[Rule, ...]] = (
    _msg("model_artifact", C.AGENT, T.CONFIGURATION, 0.93, r"\b(?:failed to|could not|unable to|cannot) load (?:the )?(?:model|checkpoint|weights|tokenizer|adapter|artifact)\b|\bmodel (?:artifact|file|checkpoint|weights) (?:not found|missing)\b|\bmodel ['\"]?[\w./:-]+['\"]? (?:not found|does not exist)\b|\bthe model [`'\"]?[\w./:-]+[`'\"]? does not exist\b|\bsize mismatch for\b|\berror\(s\) in loading state_dict\b|\bunknown model\b", severity=S.HIGH, layer=L.SERVICE),
    _msg("workflow_definition", C.PROCESS, T.CONFIGURATION, 0.92, r"\bworkflow definition\b.{0,80}\b(?:invalid|unknown|missing|references|undefined|cycle)\b|\b(?:dag|workflow|pipeline) .{0,60}\bhas a cycle\b|\breferences (?:an )?unknown (?:step|task|activity|state)\b|\bbroken dag\b|\bdag (?:import|parse) error\b|\bcycle detected in (?:dag|workflow)\b|\bunknown (?:step|activity|task) type\b|\bstep .{0,40} not defined\b", severity=S.HIGH, layer=L.SERVICE),
    _msg("env_missing", C.SYSTEM, T.CONFIGURATION, 0.94, r"\benviron(?:ment)? variable\b.{0,60}\b(?:not set|missing|required|undefined|empty|is not defined)\b|\b(?:missing|required|undefined) (?:environment|env) var(?:iable)?s?\b|\benv(?:ironment)? var(?:iable)? \S+ (?:is )?(?:not set|missing|required)\b|\bcould not resolve placeholder\b|\bimproperly configured\b|\binvalid configuration\b|\bconfiguration (?:error|is invalid|missing|not found|property)\b|\bmisconfigur\w+\b|\bmissing (?:required )?(?:config(?:uration)?|setting) (?:key|value|option|entry)?\b|\bno (?:config(?:uration)?|settings?) (?:file )?found\b|\bfailed to (?:load|parse|read) (?:the )?(?:config(?:uration)?|settings)\b|\bconfig(?:uration)? file\b.{0,60}\b(?:not found|missing|invalid|does not exist)\b|\bunknown directive\b|\binvalid (?:value|parameter) (?:for|in) (?:config|setting|directive)\b|\bvalidation errors? for \w*(?:settings|config(?:uration)?)\b|\bunknown (?:config(?:uration)?|setting|option) (?:key|name)?\b|\b(?:unknown|unrecognized|invalid) (?:property|key|field|option) .{0,80} in [\w./-]{1,200}\.(?:ya?ml|properties|toml|json|ini|conf|cfg)\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("feature_flag", C.SYSTEM, T.CONFIGURATION, 0.93, r"\bfeature[- ]flags?\b|\bfeature toggle\b|\bfalling back to (?:the )?default (?:value|config\w*|setting)\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("config_path", C.SYSTEM, T.CONFIGURATION, 0.93, r"\bno such file or directory\b.{0,40}[\w/.-]{1,200}\.(?:ya?ml|json|toml|ini|conf|cfg|properties|env|pem|crt|key|xml)\b|(?<![\w/.-])[\w/.-]{1,200}\.(?:ya?ml|toml|ini|conf|cfg|properties|env)\b.{0,20}\b(?:not found|missing|does not exist)\b|\bin \"[\w/.-]{1,200}\.ya?ml\", line \d+", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("credentials_missing", C.SYSTEM, T.CONFIGURATION, 0.93, r"\bunable to locate credentials\b|\bunable to load (?:aws )?credentials\b|\bcould not (?:load|find|locate) (?:default )?credentials\b|\bno (?:valid )?credentials (?:found|provided|available)\b|\bdefaultazurecredential failed\b|\bcredential (?:provider )?chain\b|\bgoogle_application_credentials\b|\bapplication default credentials\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("k8s_missing_object", C.SYSTEM, T.CONFIGURATION, 0.92, r"\b(?:secret|configmap|serviceaccount|storageclass|persistentvolumeclaim|ingressclass)(?:\.[\w.]+)? \"[\w.-]+\" not found\b|\bcouldn't find key \S+ in (?:secret|configmap)\b|\bfailed to pull image\b|\bimage ?pull ?back ?off\b|\bmanifest (?:unknown|for .{0,80} not found)\b|\bpull access denied\b|\binvalid image name\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("missing_dependency", C.SYSTEM, T.CONFIGURATION, 0.93, r"\bno module named\b|\bcannot find module\b|\bmodule not found\b|\bcannot import name\b|\bclass ?not ?found\b|\bcould not (?:load|find) (?:file or )?assembly\b|\bno such (?:module|package)\b|\blibrary not loaded\b|\bcannot open shared object file\b|\bundefined symbol\b|\bnosuchmethoderror\b|\bcould not initialize class\b|\berror creating bean with name\b|\bunsatisfied dependency\b|\bno qualifying bean\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("image_platform", C.SYSTEM, T.CONFIGURATION, 0.93, r"\bexec format error\b|\bno matching manifest for\b|\bplatform \(\S+\) does not match the detected host platform\b|\bexec: \S+: (?:not found|no such file)\b|\bexecutable file not found in \$path\b|\bentrypoint\b.{0,40}\b(?:not found|permission denied)\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("address_in_use", C.SYSTEM, T.CONFIGURATION, 0.92, r"\baddress already in use\b|\bport \d+ (?:is )?already in use\b|\bfailed to bind\b|\beaddrinuse\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("clock_skew", C.SYSTEM, T.CONFIGURATION, 0.9, r"\bclock skew\b|\brequest time too skewed\b|\bsignature expired: \d+ is now earlier than\b|\btime (?:is )?out of sync\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("unknown_topic", C.SYSTEM, T.CONFIGURATION, 0.9, r"\bunknown topic or partition\b|\btopic .{0,40} (?:does not exist|not found)\b|\bno queue '[\w.-]+' in vhost\b|\bprecondition_failed - inequivalent arg\b|\bqueue .{0,40} (?:does not exist|not found)\b|\bbucket .{0,40} (?:does not exist|not found)\b|\bthe specified (?:bucket|container|queue|table|resource group|key vault) does not exist\b|\bindex_not_found_exception\b|\bno such index\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
)

APPLICATION_MESSAGE_RULES: Final[tuple[Rule, ...]] = (
    # -- logic: bugs, in any language's words
    _msg("go_panic", C.LOGIC, T.EXCEPTION, 0.94, r"\bruntime error: (?:invalid memory address|nil pointer|index out of range|slice bounds out of range|integer divide by zero|makeslice)|\bassignment to entry in nil map\b|\bconcurrent map (?:writes|read and map write|iteration and map write)\b|\binterface conversion: .{0,80} is .{0,80} not\b|\bsend on closed channel\b|\bclose of (?:closed|nil) channel\b|\ball goroutines are asleep\b|\bnegative waitgroup counter\b", severity=S.HIGH, layer=L.CORE),
    _msg("rust_panic", C.LOGIC, T.EXCEPTION, 0.95, r"\bthread '.{0,80}' panicked at\b|\bpanicked at '", severity=S.HIGH, layer=L.CORE),
    _msg("recovered_panic", C.LOGIC, T.EXCEPTION, 0.96, r"\bhttp: panic serving\b|\brecovered from panic\b|\bpanic recovered\b", severity=S.MEDIUM, layer=L.CORE),
    _msg("null_reference", C.LOGIC, T.EXCEPTION, 0.92, r"\bcannot read propert(?:y|ies) of (?:undefined|null)\b|\bundefined is not (?:an object|a function)\b|\bis not a function\b|\bis not defined\b|\bis not iterable\b|\bnull pointer\b|\bnonetype' object (?:has no attribute|is not (?:subscriptable|iterable|callable))\b|\bobject reference not set to an instance of an object\b|\bundefined method\b.{0,40}\bfor nil\b|\bcall to a member function \w+\(\) on null\b|\bbecause \"\w+\" is null\b|\bcannot invoke \".{0,120}\" because\b|\battempt to (?:read|write|invoke|index|call)\b.{0,40}\bnull\b|\bunwrap\(\)` on an? `(?:none|err)` value\b|\bcalled `option::unwrap\(\)`|\bnil pointer dereference\b", severity=S.MEDIUM, layer=L.CORE),
    _msg("index_key", C.LOGIC, T.EXCEPTION, 0.9, r"\blist index out of range\b|\bindex (?:\d+ )?out of (?:range|bounds)\b|\bindex was outside the bounds of the array\b|\bkey not found\b|\bundefined (?:array key|index|offset|variable|property)\b|\btrying to access array offset on\b|\bwas not present in the dictionary\b|\bsequence contains no (?:matching )?elements?\b|\bcollection was modified\b|\bdictionary changed size during iteration\b|\bunsupported operand type\b|\bcannot be cast to\b|\bis not (?:json )?serializable\b|\bdivision by zero\b|\bdivide by zero\b|\bassertion(?:error)? failed\b|\bunreachable code\b|\bnot implemented\b|\bunsupported operation\b|\billegal state\b|\bnot bound to a session\b|\blazy(?:ily)? (?:load|initiali[sz]e)\b.{0,80}\b(?:failed|cannot|could not)\b", severity=S.MEDIUM, layer=L.CORE),
    _msg("headers_sent", C.LOGIC, T.EXCEPTION, 0.9, r"\bcannot set headers after they are sent\b|\bheaders already sent\b|\bresponse (?:has )?already (?:been )?(?:committed|started)\b", severity=S.MEDIUM, layer=L.CORE),
    # -- data: records, files and messages that do not parse or do not agree
    _msg("corrupt", C.DATA, T.VALIDATION, 0.92, r"\bchecksum (?:mismatch|failure|error|failed)\b|\bcrc (?:mismatch|error)\b|\b(?:segment|file|block|archive|page) (?:may be |is )?corrupt(?:ed)?\b|\bcorrupt(?:ed)? (?:segment|file|archive|log|block|page)\b|\btruncated (?:file|segment)\b|\bbad magic number\b", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _msg("data_loss", C.DATA, T.VALIDATION, 0.92, r"\bdata loss\b|\blost (?:events|records|messages|writes)\b|\b\d+ (?:events|records|messages) missing\b|\bmissing in sequence\b|\bsequence gap\b|\bgap in (?:the )?(?:sequence|offsets|event stream)\b|\bcorrupt(?:ed)? (?:record|data|message|event)s?\b", severity=S.CRITICAL, layer=L.CORE),
    _msg("reconciliation", C.DATA, T.VALIDATION, 0.92, r"\breconciliation (?:mismatch|failed|error|break)\b|\b(?:totals?|balances?|counts?) (?:do not|don't) (?:match|reconcile)\b|\bmismatch: .{0,80} != |\bout of balance\b|\bledger (?:imbalance|mismatch)\b", severity=S.HIGH, layer=L.CORE),
    _msg("duplicate_event", C.DATA, T.VALIDATION, 0.92, r"\bduplicate (?:\w+ )?(?:event|message|record|delivery|webhook|notification)s? (?:detected|received|ignored|skipped|dropped)\b|\balready processed; skipping\b|\bidempotency key .{0,40} already (?:used|processed)\b.{0,40}\bskip", severity=S.LOW, layer=L.CORE),
    _msg("bad_record", C.DATA, T.VALIDATION, 0.9, r"\brows? with invalid\b|\b(?:import|upload|file|batch|feed) .{0,60}\brejected\b|\brecord at offset\b|\bsent to [\w.-]*dlq\b|\bmoved to (?:the )?dead[- ]letter\b|\bpoison (?:pill|message)\b|\bbad record\b|\bmalformed (?:record|row|line|message|event|csv|file)\b|\bschema (?:mismatch(?:es)?|violations?|validation failed|incompatib\w+)\b|\bnull value for required field\b|\bmissing required field\b.{0,40}\b(?:record|row|event|message)\b|\bunexpected end of (?:file|input|stream)\b|\bdeseriali[sz](?:e|ing|ation) (?:error|failed|failure)\b|\berror deserializ\w+\b|\bfailed to deserialize\b|\bunknown magic byte\b|\bcould not (?:decode|parse) (?:record|message|event|row|line|payload)\b", severity=S.MEDIUM, layer=L.CORE),
    _msg("parse", None, T.VALIDATION, 0.82, r"\bexpecting value: line \d+ column \d+\b|\bexpecting (?:property name|',' delimiter)\b|\bunexpected token\b|\bunexpected end of json input\b|\bis not valid json\b|\bjson parse error\b|\bfor input string\b|\binput string was not in a correct format\b|\bcan't decode byte\b|\binvalid (?:start|continuation) byte\b|\bcodec can't (?:en|de)code\b|\binvalid literal for int\(\)|\bcould not convert string to float\b|\bdoes not match format\b|\bunparseable date\b|\bcannot deserialize value of type\b|\bcould not be converted to\b|\bcannot parse\b|\bfailed to parse\b|\bunable to parse\b|\bparse error\b|\bconversionsyntax\b|\bmalformed\b|\binvalid (?:json|xml|yaml|utf-8|base64|uuid|date|datetime|timestamp|number|integer|decimal|format|encoding)\b"),
    # -- user: invalid requests at our edge
    _msg("message_validation", C.DATA, T.VALIDATION, 0.9, r"\bvalidation errors? for \w*(?:event|message|record|row|item|entity|document)\b", severity=S.MEDIUM, layer=L.CORE),
    _msg("request_validation", C.USER, T.VALIDATION, 0.88, r"\bvalidation errors? for \w*(?:request|body|payload|params|query|input|form|dto|command|create\w*|update\w*)\b|\bthe given data was invalid\b|\bvalidation failed for (?:argument|object|field)\b|\brequest (?:body|parameter|payload) (?:is )?(?:invalid|missing|malformed)\b|\bcannot query field\b|\bunknown (?:argument|field) \"?\w+\"? on (?:type|field)\b|\bvariable \"\$\w+\" (?:got invalid|of required type)\b|\bmust be a valid (?:email|url|uuid|date|number|phone)\b|\bunsupported (?:file|media|content) type\b|\bpayload too large\b|\brequest entity too large\b|\bmethod not allowed\b|\bthe requested url was not found\b|\broute not found\b|\bno route matches\b|\bis (?:expired|invalid) or not applicable\b|\bcard (?:was )?declined\b|\binsufficient funds\b", severity=S.LOW, layer=L.API),
    _msg("validation", None, T.VALIDATION, 0.8, r"\bvalidation (?:failed|error|errors)\b|\binvalid (?:input|value|argument|parameter|request|email|id|identifier|phone|postcode|zip|country|currency|quantity|amount)\b|\bmust be (?:a|an|greater|less|at least|at most|one of|valid|positive|non-negative|>=|<=|between)\b|\bis required\b|\brequired field\b|\bmissing (?:required )?(?:field|parameter|argument|property)\b|\bdoes not match (?:the )?(?:format|pattern)\b|\bnot a valid\b|\bout of (?:allowed )?range\b|\bis too (?:short|long|large|small)\b|\bcan't be blank\b|\bshould be (?:greater|less|a valid)\b|\binput should be\b|\bis not allowed\b|\bconstraint violation\b|\bexpected .{0,60}(?: but|,) (?:got|received|found)\b"),
    # -- AI agents and models
    _msg("context_length", C.AGENT, T.RESOURCE_EXHAUSTION, 0.96, r"\bmaximum context length\b|\bcontext (?:length|window) (?:exceeded|is \d+)\b|\bcontext_length_exceeded\b|\btoo many tokens\b|\btoken limit\b|\bprompt is too long\b|\bmax(?:imum)?[_ ]tokens\b|\bexceeds? the (?:model's )?(?:context|token)\b|\binput is too long for (?:the )?model\b|\bresulted in \d+ tokens\b|\btoken budget\b|\bexceeded (?:its |the )?(?:token|cost|spend) (?:budget|limit)\b|\bfinish_reason[=: ]+'?length\b|\b(?:response|output|completion) (?:was )?truncated\b|\bmax_output_tokens\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("agent_limit", C.AGENT, T.RESOURCE_EXHAUSTION, 0.95, r"\bagent stopped due to (?:iteration|time) limit\b|\biteration limit\b|\bmax(?:imum)? (?:iterations|steps|turns|tool calls) (?:reached|exceeded)\b|\brecursion limit of \d+ reached\b|\bexceeded (?:the )?(?:max(?:imum)? )?(?:number of )?(?:iterations|steps|turns)\b|\bbudget of \d+ (?:tokens|steps|tool calls)\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("llm_output", C.AGENT, T.VALIDATION, 0.94, r"\bcould not parse (?:llm|model|agent) output\b|\boutput pars(?:ing|er) (?:failed|error)\b|\bfailed to parse (?:the )?(?:llm |model |agent )?(?:output|response|completion)\b|\b(?:llm|model|agent) (?:output|response) (?:could not be parsed|is not valid|failed validation|was invalid|malformed)\b|\boutput parser\b|\bguardrail\w*\b|\bcontent (?:policy|filter|management policy)\b|\bcontent_filter\b|\bmoderation (?:flagged|blocked|failed)\b|\bhallucinat\w*\b|\binvalid (?:tool|function) (?:call|arguments)\b|\btool call\b.{0,80}\b(?:invalid|schema|malformed)\b|\bschema-invalid\b|\bunknown tool\b|\btool .{0,40} (?:not found|does not exist)\b|\bmalformed (?:function|tool) call\b|\bresponse contained pii\b|\brefus(?:ed|al) to answer\b|\bfailed to produce (?:valid )?(?:json|structured output)\b|\b(?:llm|model) returned (?:an )?empty (?:completion|response|output)\b|\bempty (?:completion|llm response)\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("model_output", C.AGENT, T.VALIDATION, 0.93, r"\b(?:model|predictor|classifier|scorer|scoring)\b.{0,80}\b(?:returned|produced|emitted|output)\b.{0,60}\b(?:outside|out of range|nan|inf|invalid|negative)\b|\bnan (?:in|detected in) (?:model )?(?:output|predictions?|logits|loss)\b|\b(?:data|concept|prediction|model|feature) drift\b|\bprediction (?:skew|out of range)\b|\bexpected input shape\b|\binput shape mismatch\b|\bfeature (?:mismatch|missing)\b.{0,40}\bmodel\b|\binput features? '?[\w.-]+'? (?:is )?(?:missing|not found|unexpected|null)\b|\bmissing (?:input )?features?\b|\b(?:input )?schema mismatch for model\b|\bexpected \d+ features\b|\bfeatures?, got \d+\b|\bmodel (?:accuracy|auc|precision|recall) (?:dropped|degraded|below)\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("agent_loop", C.AGENT, T.EXCEPTION, 0.93, r"\b(?:agent|tool|planning|action) loop detected\b|\bsame (?:action|tool call) .{0,80}\brepeated \d+ times\b|\bagent (?:is )?stuck\b", severity=S.MEDIUM, layer=L.SERVICE),
    _msg("model_runtime", C.AGENT, T.EXCEPTION, 0.88, r"\bcuda error\b|\bdevice-side assert\b|\bexpected all tensors to be on the same device\b|\bcudnn_status\w*\b|\bnccl (?:error|timeout)\b|\binference (?:server|engine) (?:crashed|error|failed)\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    # -- process: workflows, sagas, jobs and simulations
    _msg("compensation", C.PROCESS, T.EXCEPTION, 0.93, r"\bcompensation (?:failed|error)\b|\bcompensating (?:transaction|action|step) failed\b|\bsaga .{0,60} (?:failed|stuck|aborted)\b|\brollback of step\b.{0,40}\bfailed\b", severity=S.HIGH, layer=L.SERVICE),
    _msg("retries_exhausted", C.PROCESS, T.EXCEPTION, 0.75, r"\bexhausted \d+ retries\b|\bmoved to the dead set\b|\bexceeded max(?:imum)? (?:attempts|retries)\b|\bmax(?:imum)? (?:attempts|retries) (?:reached|exceeded)\b|\bretries exhausted\b|\bgave up after \d+ (?:attempts|retries)\b|\bmoving run \S+ to dead-letter\b|\bmarked (?:as )?failed after \d+ attempts\b", category_confidence=0.72, severity=S.MEDIUM, layer=L.SERVICE, requires=(G.WORKFLOW,)),
    _msg("task_failed", C.PROCESS, T.EXCEPTION, 0.7, r"\btask failed with exception\b|\bupstream_failed\b|\bdag run .{0,40} failed\b|\bjob .{0,60} failed\b|\bworkflow .{0,80} failed\b|\bstep '?[\w-]+'? failed\b|\bactivity .{0,40} failed\b|\bpipeline run .{0,40} failed\b|\bworker lost\b", category_confidence=0.68, severity=S.MEDIUM, layer=L.SERVICE, requires=(G.WORKFLOW,)),
    _msg("invalid_transition", C.PROCESS, T.VALIDATION, 0.93, r"\binvalid (?:state )?transition\b|\bcannot (?:move|transition) from \w+ to \w+\b|\billegal (?:state )?transition\b|\btransition .{0,40} not allowed\b", severity=S.MEDIUM, layer=L.SERVICE, requires=(G.WORKFLOW,)),
    _msg("simulation_numerics", C.PROCESS, T.EXCEPTION, 0.9, r"\bdiverged\b|\bnan (?:detected|encountered|values?)\b|\bnumerical(?:ly)? (?:instability|unstable)\b|\b(?:did not|failed to) converge\b|\bsingular matrix\b|\bstep size (?:too small|underflow)\b|\bstiff(?:ness)? detected\b", severity=S.MEDIUM, layer=L.CORE, requires=(G.SIMULATION,)),
    _msg("scenario_input", C.USER, T.VALIDATION, 0.9, r"\bscenario (?:config(?:uration)? )?'?[\w.-]+'? (?:is )?invalid\b|\binvalid scenario\b|\bparameter '?\w+'? must be\b", severity=S.LOW, layer=L.SERVICE, requires=(G.SIMULATION,)),
    # -- system: hosts, kernels and containers
    _msg("kernel_panic", C.SYSTEM, T.EXCEPTION, 0.95, r"\bkernel panic\b|\bkernel bug at\b|\bmachine check (?:exception|event)\b|\bmce: \[hardware error\]|\bhardware error\b|\bsoft lockup\b|\bhard lockup\b|\bhung task\b|\brcu_sched (?:self-)?detected stall\b", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _msg("filesystem", C.SYSTEM, T.EXCEPTION, 0.95, r"\bext[234]-fs error\b|\bxfs .{0,60}(?:corruption|error|shutdown)\b|\bbtrfs .{0,40}error\b|\bi/o error, dev\b|\bbuffer i/o error\b|\bblk_update_request: i/o error\b|\bremounting filesystem read-only\b|\bfilesystem (?:error|corruption)\b|\bbad sector\b|\bsmart (?:failure|error)\b|\bdisk failure\b", severity=S.CRITICAL, layer=L.INFRASTRUCTURE),
    _msg("process_killed", C.SYSTEM, T.EXCEPTION, 0.9, r"\bmain process exited, code=(?:killed|dumped)\b|\bstatus=\d+/(?:kill|segv|abrt)\b|\bkilled by signal\b|\bsegmentation fault\b|\bsigsegv\b|\bcore dumped\b|\bsigabrt\b|\bfatal signal\b|\bexited with (?:exit )?code (?:13[4-9]|1)\b|\bterminated unexpectedly\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("container_restart", C.SYSTEM, T.EXCEPTION, 0.93, r"\bback-off restarting failed container\b|\bcrashloopbackoff\b|\bcontainer .{0,60} (?:crashed|exited|terminated)\b|\brestart count \d+\b|\bnode .{0,40} not ready\b|\bnotready\b", category_confidence=0.9, severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("probe_failed", C.SYSTEM, None, 0.9, r"\b(?:liveness|readiness|startup|health) probe failed\b", layer=L.INFRASTRUCTURE),
    _msg("health_check", C.SYSTEM, None, 0.8, r"\bhealth ?checks? (?:failed|failing)\b|\bunhealthy\b|\bfailing health checks\b", severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _msg("edge_server_error", C.SYSTEM, T.EXCEPTION, 0.75, r"\binternal server error\b|\bunhandled (?:exception|error|rejection)\b|\buncaught (?:exception|error)\b", severity=S.MEDIUM),
)


# =========================================================================== context: adapter topics
CONTEXT_RULES: Final[tuple[Rule, ...]] = (
    _topic("agent", C.AGENT, 0.62, "agent.error", "agent.feedback"),
    _topic("model", C.AGENT, 0.66, "model.failure"),
    _topic("workflow", C.PROCESS, 0.66, "workflow.error", "task.failed"),
    _topic("simulation", C.PROCESS, 0.66, "simulation.error"),
    _topic("performance", C.PERFORMANCE, 0.72, "performance.degradation", type_=T.RESOURCE_EXHAUSTION, category_confidence=0.72, severity=S.MEDIUM),
    _topic("anomaly", C.SYSTEM, 0.6, "system.anomaly", layer=L.INFRASTRUCTURE),
    _topic("service", C.SYSTEM, 0.35, "service.failed"),
)

# Stage.CONTEXT rules that decide only a default type for a context, weakly.
CONTEXT_TYPE_RULES: Final[tuple[Rule, ...]] = (
    Rule("topic.performance.type", Stage.CONTEXT, None, T.RESOURCE_EXHAUSTION, 0.4, topics=("performance.degradation",)),
    Rule("topic.workflow.type", Stage.CONTEXT, None, T.EXCEPTION, 0.4, topics=("workflow.error", "task.failed", "simulation.error")),
    Rule("topic.agent.type", Stage.CONTEXT, None, T.EXCEPTION, 0.35, topics=("agent.error", "model.failure")),
)


# =========================================================================== derived categories
_NET = (T.NETWORK,)
_TIMEOUT = (T.TIMEOUT,)
_VALID = (T.VALIDATION,)

DERIVED_RULES: Final[tuple[Rule, ...]] = (
    # -- a network failure: whose network?
    _derive("network.outbound", C.EXTERNAL, 0.75, _NET, requires=(G.OUTBOUND,), forbids=(G.DATASTORE, G.BROKER)),
    Rule("derive.network.datastore", Stage.DERIVED, C.SYSTEM, T.DATABASE, 0.91, when_type=_NET, requires=(G.DATASTORE,), forbids=(G.OUTBOUND,), severity=S.HIGH, layer=L.INFRASTRUCTURE, retryable=True),
    _derive("network.broker", C.SYSTEM, 0.78, _NET, requires=(G.BROKER,), forbids=(G.PLATFORM,), severity=S.HIGH, layer=L.INFRASTRUCTURE),
    _derive("network.platform", C.EXTERNAL, 0.76, _NET, requires=(G.PLATFORM, G.OUTBOUND)),
    _derive("network.internal", C.SYSTEM, 0.52, _NET, forbids=(G.OUTBOUND,)),
    # -- a timeout: who was slow?
    _derive("timeout.outbound", C.EXTERNAL, 0.74, _TIMEOUT, requires=(G.OUTBOUND,), forbids=(G.DATASTORE, G.BROKER)),
    _derive("timeout.datastore", C.SYSTEM, 0.76, _TIMEOUT, requires=(G.DATASTORE,), forbids=(G.OUTBOUND,)),
    _derive("timeout.broker", C.SYSTEM, 0.76, _TIMEOUT, requires=(G.BROKER,), forbids=(G.OUTBOUND,)),
    _derive("timeout.performance", C.PERFORMANCE, 0.75, _TIMEOUT, requires=(G.PERFORMANCE,)),
    _derive("timeout.workflow", C.PROCESS, 0.7, _TIMEOUT, requires=(G.WORKFLOW,), forbids=(G.OUTBOUND,)),
    _derive("timeout.simulation", C.PROCESS, 0.7, _TIMEOUT, requires=(G.SIMULATION,), forbids=(G.OUTBOUND,)),
    _derive("timeout.agent", C.AGENT, 0.68, _TIMEOUT, requires=(G.AGENT,), forbids=(G.OUTBOUND,)),
    _derive("timeout.internal", C.SYSTEM, 0.5, _TIMEOUT),
    # -- invalid input: whose input?
    _derive("validation.agent", C.AGENT, 0.72, _VALID, requires=(G.AGENT,), forbids=(G.OUTBOUND, G.SERVER_EDGE)),
    _derive("validation.workflow", C.PROCESS, 0.7, _VALID, requires=(G.WORKFLOW,), forbids=(G.SERVER_EDGE,)),
    _derive("validation.pipeline", C.DATA, 0.76, _VALID, requires=(G.DATA_PIPELINE,), forbids=(G.SERVER_EDGE,)),
    _derive("validation.outbound", C.EXTERNAL, 0.66, _VALID, requires=(G.OUTBOUND,), forbids=(G.SERVER_EDGE, G.DATA_PIPELINE)),
    _derive("validation.edge", C.USER, 0.78, _VALID, requires=(G.SERVER_EDGE,), forbids=(G.DATA_PIPELINE, G.OUTBOUND)),
    _derive("validation.default", C.USER, 0.5, _VALID, forbids=(G.DATA_PIPELINE,)),
    _derive("validation.default_data", C.DATA, 0.5, _VALID, requires=(G.DATA_PIPELINE,)),
    # -- too much of something: whose limit?
    _derive("exhaustion.outbound", C.EXTERNAL, 0.72, (T.RESOURCE_EXHAUSTION,), requires=(G.OUTBOUND,), forbids=(G.SERVER_EDGE,)),
    _derive("exhaustion.platform", C.EXTERNAL, 0.7, (T.RESOURCE_EXHAUSTION,), requires=(G.PLATFORM,), forbids=(G.SERVER_EDGE, G.ANOMALY)),
    _derive("exhaustion.edge", C.USER, 0.62, (T.RESOURCE_EXHAUSTION,), requires=(G.SERVER_EDGE,), forbids=(G.OUTBOUND, G.PERFORMANCE)),
    _derive("exhaustion.performance", C.PERFORMANCE, 0.72, (T.RESOURCE_EXHAUSTION,), requires=(G.PERFORMANCE,)),
    _derive("exhaustion.default", C.EXTERNAL, 0.45, (T.RESOURCE_EXHAUSTION,)),
    # -- the rest follow their type
    _derive("security", C.SECURITY, 0.6, (T.AUTHENTICATION, T.AUTHORIZATION)),
    _derive("database", C.SYSTEM, 0.5, (T.DATABASE,)),
    _derive("configuration.agent", C.AGENT, 0.7, (T.CONFIGURATION,), requires=(G.AGENT,), forbids=(G.OUTBOUND,)),
    _derive("configuration.workflow", C.PROCESS, 0.7, (T.CONFIGURATION,), requires=(G.WORKFLOW,)),
    _derive("configuration", C.SYSTEM, 0.5, (T.CONFIGURATION,)),
    _derive("integration", C.EXTERNAL, 0.6, (T.INTEGRATION,)),
    _derive("exception.workflow", C.PROCESS, 0.6, (T.EXCEPTION,), requires=(G.WORKFLOW,)),
    _derive("exception.simulation", C.PROCESS, 0.6, (T.EXCEPTION,), requires=(G.SIMULATION,)),
    _derive("exception.agent", C.AGENT, 0.55, (T.EXCEPTION,), requires=(G.AGENT,)),
)



RULES: Final[tuple[Rule, ...]] = (
    *EXCEPTION_RULES,
    *DATASTORE_EXCEPTION_RULES,
    *PLATFORM_EXCEPTION_RULES,
    *APPLICATION_EXCEPTION_RULES,
    *HTTP_CODE_RULES,
    *SQL_CODE_RULES,
    *SYSTEM_CODE_RULES,
    *CLOUD_CODE_RULES,
    *RESOURCE_MESSAGE_RULES,
    *TIMEOUT_MESSAGE_RULES,
    *DATASTORE_MESSAGE_RULES,
    *NETWORK_MESSAGE_RULES,
    *SECURITY_MESSAGE_RULES,
    *CONFIGURATION_MESSAGE_RULES,
    *APPLICATION_MESSAGE_RULES,
    *CONTEXT_RULES,
    *CONTEXT_TYPE_RULES,
    *DERIVED_RULES,
)
"""Every classification rule; `Rulebook` orders them by stage, keeping this order within one."""


# =========================================================================== severity
# Base rows: the first matching row sets the computed severity, unless the rule that decided
# the type (or category) carries its own severity hint. `raise_only` rows can only raise it.
_EDGE_ROUTINE_AUTH = (
    r"expired|missing|required|not provided|no token|csrf|xsrf|antiforgery|authenticity"
    r"|bad credentials|incorrect (?:username|password)|invalid (?:username|password|credentials)"
    r"|not authenticated|unauthenticated|login required"
)

SEVERITIES: Final[tuple[OutcomeRule, ...]] = (
    # -- phrases that raise severity, whatever decided it
    OutcomeRule("severity.phrase.region_outage", S.EMERGENCY, raise_only=True, pattern=r"\bregional failover\b|\b(?:region|data ?cent(?:er|re)) \S+ (?:is )?(?:unreachable|down)\b|\ball \d+ services\b|\b(?:total|complete|full) outage\b"),
    OutcomeRule("severity.phrase.data_loss", S.CRITICAL, raise_only=True, pattern=r"\bdata loss\b|\blost (?:data|writes|messages|records)\b|\bcorrupt(?:ed|ion)?\b|\bchecksum mismatch\b|\binvalid page in block\b"),
    OutcomeRule("severity.phrase.breach", S.CRITICAL, raise_only=True, pattern=r"\b(?:security )?breach\b|\bcompromised\b|\bleaked\b|\bexfiltrat\w+\b|\bransomware\b|\bcommitted to (?:a )?(?:public )?repo"),
    OutcomeRule("severity.phrase.all_down", S.CRITICAL, raise_only=True, pattern=r"\ball (?:\d+ )?(?:nodes?|node\(s\)|replicas|brokers|hosts?|host\(s\)|instances|backends|servers|pods) (?:are |were )?(?:down|failing|unavailable|unreachable)\b|\ball (?:\d+ )?(?:nodes?|node\(s\)|hosts?|host\(s\)|replicas|brokers|servers) tried\b.{0,40}\bfailed\b|\bno (?:hosts?|nodes?) (?:was |were )?available\b|\bno (?:healthy|available) (?:upstream|backend|server)s?\b|\bhas no server available\b|\bkernel panic\b"),
    OutcomeRule("severity.phrase.manual", S.HIGH, raise_only=True, pattern=r"\bmanual intervention\b|\bhuman intervention\b|\bdata (?:inconsisten\w+|mismatch)\b|\bpayments? (?:failing|lost)\b|\bsplit[- ]brain\b"),
    # -- security
    OutcomeRule("severity.security.suspicious_host", S.LOW, categories=(C.SECURITY,), types=(T.VALIDATION,), pattern=r"http_host|allowed_hosts|disallowed ?host|suspicious"),
    OutcomeRule("severity.security.validation", S.HIGH, categories=(C.SECURITY,), types=(T.VALIDATION,)),
    OutcomeRule("severity.security.edge_routine", S.LOW, categories=(C.SECURITY,), types=(T.AUTHENTICATION,), requires=(G.SERVER_EDGE,), forbids=(G.PLATFORM, G.DATASTORE, G.OUTBOUND, G.TLS), pattern=_EDGE_ROUTINE_AUTH),
    OutcomeRule("severity.security.edge_token", S.MEDIUM, categories=(C.SECURITY,), types=(T.AUTHENTICATION,), requires=(G.SERVER_EDGE,), forbids=(G.PLATFORM, G.DATASTORE, G.OUTBOUND, G.TLS)),
    OutcomeRule("severity.security.edge_denied", S.LOW, categories=(C.SECURITY,), types=(T.AUTHORIZATION,), layers=(L.API,)),
    OutcomeRule("severity.security", S.HIGH, categories=(C.SECURITY,)),
    # -- system
    OutcomeRule("severity.system.memory_disk", S.CRITICAL, categories=(C.SYSTEM,), types=(T.RESOURCE_EXHAUSTION,), pattern=r"\bmemory\b|\boom\b|\bheap\b|\bdisk\b|\bspace\b|\bstorage\b"),
    OutcomeRule("severity.system.exhaustion", S.HIGH, categories=(C.SYSTEM,), types=(T.RESOURCE_EXHAUSTION,)),
    OutcomeRule("severity.system.timeout", S.MEDIUM, categories=(C.SYSTEM,), types=(T.TIMEOUT,)),
    OutcomeRule("severity.system.edge_exception", S.MEDIUM, categories=(C.SYSTEM,), types=(T.EXCEPTION,), requires=(G.SERVER_EDGE,)),
    # An exception nothing recognised, above infrastructure, is not known to be severe.
    OutcomeRule("severity.system.unrecognised", S.MEDIUM, categories=(C.SYSTEM,), types=(T.EXCEPTION,), layers=(L.API, L.SERVICE, L.CORE)),
    OutcomeRule("severity.system", S.HIGH, categories=(C.SYSTEM,)),
    # -- the rest, by category
    OutcomeRule("severity.agent.configuration", S.HIGH, categories=(C.AGENT,), types=(T.CONFIGURATION,)),
    OutcomeRule("severity.agent.gpu", S.HIGH, categories=(C.AGENT,), pattern=r"\bcuda\b|\bgpu\b"),
    OutcomeRule("severity.process.configuration", S.HIGH, categories=(C.PROCESS,), types=(T.CONFIGURATION,)),
    OutcomeRule("severity.configuration", S.HIGH, types=(T.CONFIGURATION,)),
    OutcomeRule("severity.user", S.LOW, categories=(C.USER,)),
    OutcomeRule("severity.data.corruption", S.CRITICAL, categories=(C.DATA,), pattern=r"\bcorrupt"),
    OutcomeRule("severity.default", S.MEDIUM),
)


# =========================================================================== layer
# First matching row, when neither the reporter nor the deciding rule named a layer.
_BACKING = (G.DATASTORE, G.BROKER, G.PLATFORM, G.ANOMALY)

LAYERS: Final[tuple[OutcomeRule, ...]] = (
    OutcomeRule("layer.logic", layer=L.CORE, categories=(C.LOGIC,)),
    OutcomeRule("layer.data.storage", layer=L.INFRASTRUCTURE, categories=(C.DATA,), pattern=r"\bcorrupt|\bchecksum\b|\bsegment\b|\bblock \d+|\bdisk\b"),
    OutcomeRule("layer.data", layer=L.CORE, categories=(C.DATA,)),
    OutcomeRule("layer.user.contexts", layer=L.SERVICE, categories=(C.USER,), requires=(G.SIMULATION,)),
    OutcomeRule("layer.user.workflow", layer=L.SERVICE, categories=(C.USER,), requires=(G.WORKFLOW,)),
    OutcomeRule("layer.user", layer=L.API, categories=(C.USER,)),
    OutcomeRule("layer.external", layer=L.SERVICE, categories=(C.EXTERNAL,)),
    OutcomeRule("layer.agent.gpu", layer=L.INFRASTRUCTURE, categories=(C.AGENT,), pattern=r"\bcuda\b|\bgpu\b"),
    OutcomeRule("layer.agent", layer=L.SERVICE, categories=(C.AGENT,)),
    OutcomeRule("layer.process.numerics", layer=L.CORE, categories=(C.PROCESS,), types=(T.EXCEPTION,), requires=(G.SIMULATION,)),
    OutcomeRule("layer.process", layer=L.SERVICE, categories=(C.PROCESS,)),
    OutcomeRule("layer.security.validation", layer=L.API, categories=(C.SECURITY,), types=(T.VALIDATION,)),
    OutcomeRule("layer.security.agent", layer=L.SERVICE, categories=(C.SECURITY,), requires=(G.AGENT,)),
    OutcomeRule("layer.security.tls", layer=L.SERVICE, categories=(C.SECURITY,), requires=(G.TLS,)),
    OutcomeRule("layer.security.backing", layer=L.INFRASTRUCTURE, categories=(C.SECURITY,), requires=(G.DATASTORE,)),
    OutcomeRule("layer.security.broker", layer=L.INFRASTRUCTURE, categories=(C.SECURITY,), requires=(G.BROKER,)),
    OutcomeRule("layer.security.platform", layer=L.INFRASTRUCTURE, categories=(C.SECURITY,), requires=(G.PLATFORM,)),
    OutcomeRule("layer.security.anomaly", layer=L.INFRASTRUCTURE, categories=(C.SECURITY,), requires=(G.ANOMALY,)),
    OutcomeRule("layer.security.outbound", layer=L.SERVICE, categories=(C.SECURITY,), requires=(G.OUTBOUND,)),
    OutcomeRule("layer.security", layer=L.API, categories=(C.SECURITY,)),
    OutcomeRule("layer.performance.edge", layer=L.API, categories=(C.PERFORMANCE,), pattern=r"\b(?:get|post|put|patch|delete) /|\brequests?\b|\bendpoint\b|\brequest queue\b"),
    OutcomeRule("layer.performance.backing", layer=L.INFRASTRUCTURE, categories=(C.PERFORMANCE,), types=(T.DATABASE,)),
    OutcomeRule("layer.performance.host", layer=L.INFRASTRUCTURE, categories=(C.PERFORMANCE,), pattern=r"\bcpu\b|\bdisk\b|\bi/o\b|\biowait\b|\blag\b|\bpool\b|\bnode\b|\bpod\b|\bcontainer\b|\bstatement\b|\bquery\b|\bconsumer\b|\bpartitions?\b|\brebalanc\w*\b|\breplica\w*\b"),
    OutcomeRule("layer.performance", layer=L.SERVICE, categories=(C.PERFORMANCE,)),
    OutcomeRule("layer.system.edge", layer=L.API, categories=(C.SYSTEM,), types=(T.EXCEPTION,), requires=(G.SERVER_EDGE,), forbids=_BACKING),
    OutcomeRule("layer.system", layer=L.INFRASTRUCTURE, categories=(C.SYSTEM,)),
    OutcomeRule("layer.default", layer=L.SERVICE),
)
# fmt: on
