"""Metric helpers: what a stage counts, lag and quantile arithmetic, the endpoint, the catalogue."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from errorstream.agents.stage import Emit
from errorstream.config import load_settings
from errorstream.health import (
    Cached,
    Check,
    count_firing,
    internal_topic,
    partition_lags,
    verdict,
)
from errorstream.metrics import (
    DOCUMENTED,
    MetricsEndpoint,
    Probe,
    StageMetrics,
    candidate_ports,
    catalogue_topic,
    exposed_names,
    histogram_quantile,
    lag_of,
    markdown_table,
    observe_model,
    observe_projection_batch,
    parse_exposition,
    probe,
    register_endpoint,
    registered_endpoints,
    scrape,
)
from errorstream.schemas.enums import ModelType
from errorstream.schemas.models import ModelUpdated
from errorstream.workload import WorkloadSpec, generate

ROOT = Path(__file__).resolve().parents[2]


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# -- lag ---------------------------------------------------------------------------------------
@given(
    low=st.integers(0, 10**12),
    size=st.integers(0, 10**6),
    committed=st.one_of(st.none(), st.integers(-1001, 10**12 + 10**6)),
)
def test_lag_is_what_is_left_between_the_committed_offset_and_the_end(
    low: int, size: int, committed: int | None
) -> None:
    high = low + size
    lag = lag_of(low, high, committed)
    assert 0 <= lag <= size
    if committed is None or committed < 0:
        assert lag == size
    elif committed >= high:
        assert lag == 0
    elif committed >= low:
        assert lag == high - committed
    else:  # committed offset deleted by retention: everything retained is left
        assert lag == size


def test_partition_lags_cover_every_partition_with_watermarks() -> None:
    watermarks = {("a", 0): (0, 10), ("a", 1): (5, 5), ("b", 0): (100, 150)}
    assert partition_lags(watermarks, {("a", 0): 7, ("b", 0): 120, ("z", 9): 1}) == {
        ("a", 0): 3,
        ("a", 1): 0,
        ("b", 0): 30,
    }


# -- quantiles ---------------------------------------------------------------------------------
BOUNDS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0)


def cumulative(values: list[float]) -> list[tuple[float, float]]:
    return [(b, float(sum(v <= b for v in values))) for b in (*BOUNDS, float("inf"))]


@given(
    values=st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=200),
    q=st.floats(0.01, 1.0),
)
def test_histogram_quantile_lands_in_the_bucket_of_the_true_quantile(
    values: list[float], q: float
) -> None:
    estimate = histogram_quantile(q, cumulative(values))
    assert estimate is not None
    ranked = sorted(values)
    rank = max(1, -(-q * len(ranked) // 1))  # ceil(q * n), at least the first value
    true = ranked[int(rank) - 1]
    upper = next((b for b in BOUNDS if true <= b), BOUNDS[-1])
    lower = max((b for b in BOUNDS if b < upper), default=0.0)
    assert lower - 1e-9 <= estimate <= upper + 1e-9


def test_histogram_quantile_of_nothing_is_none() -> None:
    assert histogram_quantile(0.5, []) is None
    assert histogram_quantile(0.5, cumulative([])) is None


def test_parsed_samples_answer_like_promql() -> None:
    registry = CollectorRegistry()
    counter = Counter("demo_things_total", "things", ["kind"], registry=registry)
    histogram = Histogram("demo_seconds", "time", ["kind"], buckets=BOUNDS, registry=registry)
    counter.labels("a").inc(3)
    counter.labels("b").inc(4)
    for v in (0.02, 0.03, 0.3, 0.7, 2.0):
        histogram.labels("a").observe(v)
    histogram.labels("b").observe(0.009)
    samples = parse_exposition(generate_latest(registry).decode())
    assert samples.total("demo_things_total") == 7
    assert samples.total("demo_things_total", kind="b") == 4
    assert samples.total("demo_things_total", kind="zzz") == 0
    assert samples.total("demo_seconds_count") == 6
    assert {"demo_things", "demo_seconds"} <= samples.families
    both = cumulative([0.02, 0.03, 0.3, 0.7, 2.0, 0.009])
    assert samples.quantile(0.9, "demo_seconds") == pytest.approx(histogram_quantile(0.9, both))
    only_a = cumulative([0.02, 0.03, 0.3, 0.7, 2.0])
    assert samples.quantile(0.5, "demo_seconds", kind="a") == pytest.approx(
        histogram_quantile(0.5, only_a)
    )


# -- what a stage counts -----------------------------------------------------------------------
def test_a_stage_counts_messages_outputs_dead_letters_and_signal_latency() -> None:
    agent = f"test-{uuid.uuid4().hex[:6]}"
    metrics = StageMetrics(agent, topic_prefix="tenv.")
    events = list(generate(WorkloadSpec(seed=3, errors=3)))
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    cause = events[0].model_copy(update={"occurred_at": now - timedelta(seconds=7)})
    pattern = SimpleNamespace(event_type="PatternDetected")
    alert = SimpleNamespace(event_type="AlertRaised")
    emits: list[Any] = [
        Emit("error.classified", events[1]),
        SimpleNamespace(topic="pattern.detected", event=pattern),
        SimpleNamespace(topic="alert.raised", event=alert),
    ]
    for _ in range(3):
        metrics.consumed("tenv.error.detected")
    metrics.handled(cause, emits, started=0.0, now=now.timestamp())
    metrics.dead_lettered("truncated")

    assert value("errorstream_events_consumed_total", agent=agent, topic="error.detected") == 3
    for topic in ("error.classified", "pattern.detected", "alert.raised", "error.deadletter"):
        assert value("errorstream_events_produced_total", agent=agent, topic=topic) == 1
    assert value("errorstream_processing_seconds_count", agent=agent) == 1
    assert value("errorstream_deadlettered_total", stage=agent, reason="truncated") == 1
    for signal in ("PatternDetected", "AlertRaised"):
        labels = {"agent": agent, "event_type": signal}
        assert value("errorstream_detection_latency_seconds_count", **labels) == 1
        assert value("errorstream_detection_latency_seconds_sum", **labels) == pytest.approx(7.0)
        assert value("errorstream_detection_latency_seconds_bucket", le="5.0", **labels) == 0
        assert value("errorstream_detection_latency_seconds_bucket", le="10.0", **labels) == 1
    assert (
        value(
            "errorstream_detection_latency_seconds_count", agent=agent, event_type="ErrorClassified"
        )
        == 0
    )


@given(
    prefix=st.sampled_from(["", "t1.", "prod-"]),
    name=st.sampled_from(["error.detected", "feedback.recorded"]),
)
def test_topic_labels_are_catalogue_names(prefix: str, name: str) -> None:
    assert catalogue_topic(prefix + name, prefix) == name
    assert catalogue_topic(name, "other.") == name


def model(version: int, accuracy: float | None, model_id: str) -> ModelUpdated:
    return ModelUpdated(
        event_id=uuid.uuid4(),
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        source={"service": "errorstream"},
        model_id=model_id,
        model_type=ModelType.CLASSIFICATION,
        version=version,
        accuracy=accuracy,
        training_data_size=10,
        seed=1,
    )


def test_model_gauges_keep_the_newest_version() -> None:
    model_id = f"m-{uuid.uuid4().hex[:6]}"
    observe_model(model(3, 0.8, model_id))
    observe_model(model(2, 0.5, model_id))  # an older version arriving late changes nothing
    assert value("errorstream_model_version", model_id=model_id) == 3
    assert value("errorstream_model_accuracy", model_id=model_id) == pytest.approx(0.8)
    observe_model(model(4, None, model_id))
    assert value("errorstream_model_version", model_id=model_id) == 4
    assert value("errorstream_model_accuracy", model_id=model_id) == pytest.approx(0.8)


def test_a_projection_batch_counts_events_and_dead_letters_by_reason() -> None:
    name = f"p-{uuid.uuid4().hex[:6]}"
    observe_projection_batch(name, 40, ["not_avro", "not_avro", "unexpected_event"], 0.0)
    observe_projection_batch(name, 2, [], 0.0)
    assert value("errorstream_projection_events_total", projector=name) == 42
    assert value("errorstream_projection_batch_seconds_count", projector=name) == 2
    stage = f"projection:{name}"
    assert value("errorstream_deadlettered_total", stage=stage, reason="not_avro") == 2
    assert value("errorstream_deadlettered_total", stage=stage, reason="unexpected_event") == 1


# -- probes ------------------------------------------------------------------------------------
def test_a_verdict_passes_only_when_every_check_does() -> None:
    assert verdict([]).ok
    good, bad = Check("broker", True, "1 broker"), Check("database", False, "refused")
    assert verdict([good]).ok
    failing = verdict([good, bad])
    assert not failing.ok
    assert failing.report["status"] == "fail"
    assert failing.report["checks"][1] == {"name": "database", "ok": False, "detail": "refused"}


def test_cached_values_and_failures_are_reused_within_their_ttl() -> None:
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("down")
        return len(calls)

    cached = Cached(load, ttl=3600)
    assert cached.get() == 1
    assert cached.get() == 1
    assert len(calls) == 1
    again = Cached(load, ttl=0)
    with pytest.raises(RuntimeError):
        again.get()
    assert again.get() == 3


def test_faust_internal_topics_are_not_inputs() -> None:
    assert internal_topic("errorstream-groups-changelog", "errorstream")
    assert internal_topic("errorstream-__assignor-__leader", "errorstream")
    assert internal_topic("__consumer_offsets", "errorstream")
    assert not internal_topic("error.detected", "errorstream")
    assert not internal_topic("t1.error.detected", "errorstream")


def test_firing_alerts_are_counted_by_rule_and_severity() -> None:
    alerts = [
        SimpleNamespace(rule="layer_rate", severity="high"),
        SimpleNamespace(rule="layer_rate", severity="high"),
        SimpleNamespace(rule="layer_rate", severity="critical"),
        SimpleNamespace(rule="burst", severity="high"),
    ]
    assert count_firing(alerts) == {
        ("layer_rate", "high"): 2.0,
        ("layer_rate", "critical"): 1.0,
        ("burst", "high"): 1.0,
    }
    assert count_firing([]) == {}


# -- the endpoint ------------------------------------------------------------------------------
def test_the_endpoint_serves_metrics_and_probes_and_skips_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        endpoint = MetricsEndpoint(
            liveness=lambda: Probe(True, {"status": "ok"}),
            readiness=lambda: Probe(False, {"status": "fail", "why": "no partitions"}),
        )
        bound = endpoint.start(port, host="127.0.0.1")
    try:
        assert bound in candidate_ports(port, 20)[1:]
        url = f"http://127.0.0.1:{bound}"
        assert scrape(url).has("process_resident_memory_bytes")
        assert probe(url, "/healthz") == (200, {"status": "ok"})
        assert probe(url, "/readyz") == (503, {"status": "fail", "why": "no partitions"})
        assert probe(url, "/elsewhere")[0] == 404
    finally:
        endpoint.stop()


def test_candidate_ports_stay_in_range() -> None:
    assert candidate_ports(9466, 3) == [9466, 9467, 9468]
    assert candidate_ports(65535, 5) == [65535]


def test_endpoints_are_registered_and_dead_ones_forgotten(tmp_path: Path) -> None:
    settings = load_settings(run_dir=tmp_path, app_id="demo-app")
    mine = register_endpoint(settings, "worker", 9999)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    stale = mine.parent / "projector-1.json"
    record = json.loads(mine.read_text())
    stale.write_text(json.dumps({**record, "role": "projector", "pid": int(dead.stdout)}))
    found = registered_endpoints(settings)
    assert [(e.role, e.pid, e.port, e.app_id) for e in found] == [
        ("worker", os.getpid(), 9999, "demo-app")
    ]
    assert not stale.exists()


# -- the catalogue -----------------------------------------------------------------------------
def test_documented_metrics_follow_prometheus_conventions() -> None:
    names = [doc.name for doc in DOCUMENTED]
    assert len(names) == len(set(names))
    for doc in DOCUMENTED:
        assert re.fullmatch(r"errorstream_[a-z_]+", doc.name), doc.name
        assert doc.kind in ("counter", "gauge", "histogram")
        assert doc.name.endswith("_total") == (doc.kind == "counter"), doc.name
        if doc.kind == "histogram":
            assert doc.name.endswith("_seconds"), doc.name
        assert doc.role in ("worker", "projector", "any")
        assert doc.help.endswith("."), doc.name
        assert "le" not in doc.labels and "quantile" not in doc.labels
    table = markdown_table()
    assert all(f"`{name}`" in table for name in names)


def dashboard_expressions() -> list[str]:
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if key in ("expr", "query") and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted((ROOT / "deploy" / "grafana").rglob("*.json")):
        walk(json.loads(path.read_text()))
    return found


def test_dashboards_and_alert_rules_query_only_documented_metrics() -> None:
    expressions = dashboard_expressions()
    assert expressions, "no dashboard found under deploy/grafana"
    known = set(exposed_names())
    rules = (ROOT / "deploy" / "prometheus" / "rules.yml").read_text()
    in_rules = set(re.findall(r"errorstream_[a-z_]+", rules))
    assert in_rules <= known, sorted(in_rules - known)
    used = {name for expr in expressions for name in re.findall(r"errorstream_[a-z_]+", expr)}
    assert used, "the dashboards query no errorstream metric"
    assert used <= known, sorted(used - known)
    # the headline metrics are on a dashboard
    for name in (
        "errorstream_events_consumed_total",
        "errorstream_detection_latency_seconds_bucket",
        "errorstream_consumer_lag_messages",
        "errorstream_deadlettered_total",
        "errorstream_alerts_firing",
        "errorstream_projection_events_total",
    ):
        assert name in used, name


# -- errorstream status --------------------------------------------------------------------------
def exposition(consumed: int, rows: int, lag: int, firing: int) -> str:
    return "\n".join(
        [
            "# TYPE errorstream_events_consumed counter",
            f'errorstream_events_consumed_total{{agent="detection",topic="error.detected"}} {consumed}',
            "# TYPE errorstream_projection_events counter",
            f'errorstream_projection_events_total{{projector="errors"}} {rows}',
            "# TYPE errorstream_consumer_lag_messages gauge",
            f'errorstream_consumer_lag_messages{{consumer="app",topic="t",partition="0"}} {lag}',
            f'errorstream_consumer_lag_messages{{consumer="app",topic="t",partition="1"}} {lag}',
            "# TYPE errorstream_alerts_firing gauge",
            f'errorstream_alerts_firing{{rule="layer_rate",severity="high"}} {firing}',
            "",
        ]
    )


@given(
    first=st.integers(0, 10**6),
    more=st.integers(0, 10**5),
    rows=st.integers(0, 10**5),
    seconds=st.floats(0.5, 60),
)
def test_status_rates_are_counter_deltas_over_the_interval(
    first: int, more: int, rows: int, seconds: float
) -> None:
    from errorstream.cli.status import summarize

    before = parse_exposition(exposition(first, 0, 0, 0))
    after = parse_exposition(exposition(first + more, rows, 7, 2))
    summary = summarize("worker", "worker", True, before, after, seconds)
    assert summary.events_in == pytest.approx(more / seconds)
    assert summary.in_by_agent == {"detection": pytest.approx(more / seconds)}
    assert summary.rows == pytest.approx(rows / seconds)
    assert summary.lag == 14
    assert summary.lag_by_consumer == {"app": 14}
    assert summary.firing == {"layer_rate/high": 2}
    without_first = summarize("worker", "worker", None, None, after, 0)
    assert without_first.events_in == 0


def test_status_renders_processes_totals_and_approvals() -> None:
    from errorstream.cli.status import render, summarize

    before = parse_exposition(exposition(100, 0, 0, 0))
    after = parse_exposition(exposition(300, 50, 3, 1))
    text = render([summarize("worker pid 1 :9466", "worker", True, before, after, 2.0)], "4")
    assert "worker pid 1 :9466" in text
    assert "detection 100.0/s" in text
    assert "alerts firing: 1 (layer_rate/high 1)" in text
    assert "pending approvals: 4" in text
    assert "no worker or projector" in render([], None)


def test_status_writes_file_sd_targets_by_role() -> None:
    from errorstream.cli.status import file_sd
    from errorstream.metrics import Endpoint

    found = file_sd(
        [
            Endpoint("worker", 1, 9466, "a", "", 0.0),
            Endpoint("projector", 2, 9467, "a", "", 0.0),
            Endpoint("worker", 3, 9468, "a", "", 0.0),
        ]
    )
    assert found == [
        {"targets": ["127.0.0.1:9467"], "labels": {"role": "projector"}},
        {"targets": ["127.0.0.1:9466", "127.0.0.1:9468"], "labels": {"role": "worker"}},
    ]


def test_the_readme_documents_every_metric() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [doc.name for doc in DOCUMENTED if f"`{doc.name}`" not in readme]
    assert not missing, (
        f"README.md lacks {missing} (python -m errorstream.metrics prints the table)"
    )
