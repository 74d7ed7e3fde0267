"""Error classification: pure, explainable, rules first and a learned text model second.

`classify` maps the facts of one `ErrorDetected` event to a category, type, severity, layer
and retryability, and says which rule decided each field; `explain` also returns every rule
it tried (for `errorstream classify --explain`). Both are pure functions of their input (and
of the text model's state, when one is given), so a replay classifies identically.

Precedence, per field (category and type are decided independently):

1. exception class knowledge (Stage.EXCEPTION) - qualified names, simple names, prefixes,
   suffixes, including every `Caused by:` / chained exception in the stack trace;
2. error codes (Stage.CODE) - HTTP status, SQLSTATE, errno, gRPC, AWS/Azure codes, Kubernetes
   reasons, vendor numbers; from `error_code` and from codes printed in the message;
3. message phrases (Stage.MESSAGE) - word-bounded regexes over the message and causes;
4. context (Stage.CONTEXT) - the inbound source topic (agent/workflow/performance adapters);
5. derivation (Stage.DERIVED) - a category implied by the decided type and the context;
6. the river text model (Stage.MODEL) - only when the best rule is weaker than
   `WEAK_RULE_CONFIDENCE` and the model is at least `MODEL_MIN_PROBABILITY` sure;
7. fallback (Stage.FALLBACK) - system / exception at low confidence.

Within the rule stages precedence is carried by confidence, so that a specific fact beats a
generic one whatever stage found it: specific exception classes and codes sit at 0.85-0.97,
phrases at 0.7-0.95, topic hints at 0.6-0.85, generic wrappers (RuntimeException, OSError,
HTTP client base classes) at 0.3-0.6. The highest confidence wins; ties go to the earlier
stage, then to the earlier rule in the table.

Before the rules run, *signal* rules derive context facts (`Signal`): the error happened on
an outbound call, at our own API edge, in a datastore driver, and so on. Rules may require or
forbid signals; that is how one exception class (a connection refusal, say) can be
`external/network` on an HTTP client call and `system/database` in a database driver.

Severity, layer and retryability are derived after category and type: a deciding rule's hint
wins (when the rule's own category is the one decided), else the first matching row of the
documented tables; severity phrases (outage, data loss, corruption) can only raise it. The
reporter's severity and layer are respected: the reported severity is the effective one and
the computed one is kept beside it. `subtype` names the specific failure: the id, within its
stage, of the exception, code or phrase rule that decided the type (`disk_full`).

Speed: patterns are lower case and searched in lower-cased text; `Rulebook` indexes every
rule under one condition it cannot match without (topic, code, exception name, or a literal
its regex requires), so one error is checked against a few dozen rules, not all of them.

The rule tables live in `errorstream.agents.classification_rules`, with the labelling guide
that they and the labelled data set follow.
"""

from __future__ import annotations

import collections
import enum
import errno
import functools
import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar

from errorstream.schemas.enums import ErrorCategory, ErrorType, Layer, Severity

if TYPE_CHECKING:
    from errorstream.agents.text_model import Prediction

__all__ = [
    "FALLBACK_CONFIDENCE",
    "MODEL_MIN_PROBABILITY",
    "WEAK_RULE_CONFIDENCE",
    "Classification",
    "ErrorCategory",
    "ErrorFacts",
    "ErrorType",
    "Evidence",
    "Explanation",
    "Layer",
    "OutcomeRule",
    "Rule",
    "RuleTrial",
    "Rulebook",
    "Severity",
    "Signal",
    "SignalRule",
    "Stage",
    "TextPredictor",
    "classify",
    "default_rulebook",
    "embedded_exceptions",
    "exception_names",
    "explain",
    "message_codes",
    "normalise_code",
    "trace_causes",
]


class Stage(enum.IntEnum):
    """Where a decision came from; lower values win ties (see module docstring)."""

    SIGNAL = 0
    EXCEPTION = 1
    CODE = 2
    MESSAGE = 3
    CONTEXT = 4
    DERIVED = 5
    MODEL = 6
    FALLBACK = 7
    SEVERITY = 8
    LAYER = 9


class Signal(enum.StrEnum):
    """Context facts computed before the rules run; rules may require or forbid them."""

    OUTBOUND = "outbound"  # a call this service made to another service or third-party API
    SERVER_EDGE = "server_edge"  # failure while serving a request at our own API edge
    DATASTORE = "datastore"  # a database / cache driver is involved
    BROKER = "broker"  # a message broker client (Kafka, RabbitMQ, NATS, Pulsar) is involved
    PLATFORM = "platform"  # a cloud provider or cluster control-plane API (AWS, k8s, Vault)
    AGENT = "agent"  # an AI agent, LLM or ML model serving context
    WORKFLOW = "workflow"  # workflow / job / task orchestration context
    SIMULATION = "simulation"  # a simulation run
    PERFORMANCE = "performance"  # reported by a performance-degradation adapter
    ANOMALY = "anomaly"  # reported by a system-anomaly adapter (host, kernel, platform)
    DATA_PIPELINE = "data_pipeline"  # consuming, importing or transforming stored data
    ENVIRON = "environ"  # reading process environment / settings / config files
    TLS = "tls"  # certificate or TLS handshake failure


@dataclass(frozen=True, slots=True)
class ErrorFacts:
    """What the classifier may look at, mapped by the agent from one `ErrorDetected` event.

    `frames` are normalised "module:function", innermost last; `source_topic` is the inbound
    adapter topic ("agent.error", "model.failure", ...) when the error came through one.
    """

    message: str
    exception_type: str | None = None
    error_code: str | None = None
    frames: tuple[str, ...] = ()
    stack_trace: str | None = None
    service: str = ""
    reported_layer: Layer | None = None
    reported_severity: Severity | None = None
    tags: tuple[str, ...] = ()
    context_keys: tuple[str, ...] = ()
    source_topic: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why one field of a classification has its value."""

    field: str
    rule_id: str
    detail: str


@dataclass(frozen=True, slots=True)
class RuleTrial:
    """One rule tried while explaining a classification, and whether it matched."""

    rule_id: str
    stage: Stage
    matched: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Classification:
    """The classifier's verdict: every decided field has at least one `Evidence`."""

    category: ErrorCategory
    type: ErrorType
    subtype: str | None
    severity: Severity
    computed_severity: Severity
    layer: Layer
    confidence: float
    evidence: tuple[Evidence, ...]
    retryable: bool

    def evidence_for(self, field_name: str) -> tuple[Evidence, ...]:
        """The evidence recorded for one field ("category", "type", "severity", ...)."""
        return tuple(e for e in self.evidence if e.field == field_name)


class TextPredictor(Protocol):
    """What `classify` needs of a learned model: `text_model.TextModel` is the one shipped."""

    def predict(self, facts: ErrorFacts) -> Prediction | None: ...


@dataclass(frozen=True, slots=True)
class Explanation:
    """A classification with the signals raised and every rule tried, in order."""

    classification: Classification
    signals: tuple[Signal, ...]
    trials: tuple[RuleTrial, ...]


# --------------------------------------------------------------------------- rule shapes
@dataclass(frozen=True, slots=True)
class Rule:
    """A classification rule. All given conditions must hold; within one kind, any may match.

    `confidence` scores the type decision and, unless `category_confidence` is set, the
    category decision. `severity`, `layer` and `retryable` are hints used when this rule is
    the one that decided the type (or, failing that, the category). `exception_pattern` is
    searched in each lower-cased candidate exception name; `code_pattern` must match a whole
    normalised code (SQLSTATE classes, say); `pattern` is searched in the lower-cased message
    (and chained cause messages), `raw_pattern` case-sensitively in the message as sent;
    `trace_pattern` in the lower-cased stack trace and frames.
    """

    rule_id: str
    stage: Stage
    category: ErrorCategory | None = None
    type: ErrorType | None = None
    confidence: float = 0.8
    category_confidence: float | None = None
    subtype: str | None = None
    severity: Severity | None = None
    layer: Layer | None = None
    retryable: bool | None = None
    exceptions: tuple[str, ...] = ()
    exception_prefixes: tuple[str, ...] = ()
    exception_suffixes: tuple[str, ...] = ()
    exception_pattern: str | None = None
    codes: tuple[str, ...] = ()
    code_pattern: str | None = None
    pattern: str | None = None
    raw_pattern: str | None = None
    trace_pattern: str | None = None
    topics: tuple[str, ...] = ()
    requires: tuple[Signal, ...] = ()
    forbids: tuple[Signal, ...] = ()
    when_type: tuple[ErrorType, ...] = ()


@dataclass(frozen=True, slots=True)
class SignalRule:
    """Turns a signal on when any of its conditions holds."""

    rule_id: str
    signal: Signal
    exceptions: tuple[str, ...] = ()
    exception_prefixes: tuple[str, ...] = ()
    exception_pattern: str | None = None
    codes: tuple[str, ...] = ()
    pattern: str | None = None
    trace_pattern: str | None = None
    service_pattern: str | None = None
    topics: tuple[str, ...] = ()
    layers: tuple[Layer, ...] = ()
    tags: tuple[str, ...] = ()
    context_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OutcomeRule:
    """A severity or layer rule; all given conditions must hold, the first match wins.

    A severity row marked `raise_only` is a *phrase* row: it can only raise the severity the
    other rows (or the deciding rule) computed. `pattern` is searched in the lower-cased
    message.
    """

    rule_id: str
    severity: Severity | None = None
    raise_only: bool = False
    layer: Layer | None = None
    categories: tuple[ErrorCategory, ...] = ()
    types: tuple[ErrorType, ...] = ()
    layers: tuple[Layer, ...] = ()
    subtypes: tuple[str, ...] = ()
    pattern: str | None = None
    requires: tuple[Signal, ...] = ()
    forbids: tuple[Signal, ...] = ()


# --------------------------------------------------------------------------- thresholds
WEAK_RULE_CONFIDENCE: Final = 0.6
"""Below this, a rule decision is weak enough for the text model to override it."""

MODEL_MIN_PROBABILITY: Final = 0.8
"""The text model must be at least this sure before it decides a field."""

FALLBACK_CONFIDENCE: Final = 0.2

MAX_MESSAGE_CHARS: Final = 8_192
"""Rules read at most this much of a message (and of each cause); bounds time per event."""

MAX_TRACE_CHARS: Final = 65_536

_MIN_LITERAL: Final = 3
"""Shortest literal worth a prefilter; also the length of the text grams that gate them."""

_RETRYABLE_TYPES: Final = frozenset({ErrorType.TIMEOUT, ErrorType.NETWORK})


# --------------------------------------------------------------------------- normalising input
def normalise_code(code: str) -> str:
    """One spelling per code: `DEADLINE_EXCEEDED`, `DeadlineExceeded` -> `deadlineexceeded`.

    Signed numbers keep their sign: SQL Server's `-2` (timeout) is not errno 2.
    """
    code = code.strip().lower()
    if re.fullmatch(r"-?\d+", code):
        return code.lstrip("+")
    return code.replace("_", "").replace("-", "").replace(" ", "")


_NAME_SPLIT: Final = re.compile(r"\.|::|\\|/")


def exception_names(exception_type: str) -> tuple[str, ...]:
    """Lower-cased names a rule may match: qualified, and simple (last segment, nested parts).

    `org.x.HttpServerErrorException$ServiceUnavailable` yields the qualified name, the
    `outer$inner` name and both parts; Go's `*pgconn.ConnectError` loses its `*`; Rust's
    `sqlx::Error::PoolTimedOut` yields `pooltimedout` and `error::pooltimedout`.
    """
    full = exception_type.strip().lstrip("*&").lower()
    if not full:
        return ()
    names = [full]
    segments = [s for s in _NAME_SPLIT.split(full) if s]
    if not segments:
        return tuple(names)
    simple = segments[-1]
    if simple not in names:
        names.append(simple)
    for part in simple.split("$"):
        if part and part not in names:
            names.append(part)
    if len(segments) >= 2 and "::" in full:
        pair = f"{segments[-2]}::{segments[-1]}"
        if pair not in names:
            names.append(pair)
    return tuple(names)


_CAUSE_LINE: Final = re.compile(
    r"^[ \t]*(?:Caused by:[ \t]*|--->[ \t]*)?"
    r"(?P<name>[A-Za-z_][\w$]*(?:(?:\.|::|\\)[A-Za-z_][\w$]*){0,12})"
    r"(?:[ \t]*\(-?\d+\))?(?::[ \t]+(?P<msg>[^\n]*))?[ \t]*$",
    re.MULTILINE,
)
_EXCEPTION_LIKE: Final = re.compile(
    r"(?:error|exception|fault|failure|timeout|violation|exceeded|interrupt|exit|denied"
    r"|refused|unavailable|detected|rejected|notfound|invalid|expired|unique)$",
    re.IGNORECASE,
)
_NOT_EXCEPTIONS: Final = frozenset({"error", "fatal", "detail", "hint", "warning", "panic"})


def trace_causes(stack_trace: str) -> list[tuple[str, str]]:
    """(exception name, message) pairs printed in a trace: Java `Caused by:`, Python chains."""
    causes: list[tuple[str, str]] = []
    for match in _CAUSE_LINE.finditer(stack_trace[:MAX_TRACE_CHARS]):
        name = match.group("name")
        last = re.split(r"\.|::|\\|\$", name)[-1]
        if last.lower() in _NOT_EXCEPTIONS or _EXCEPTION_LIKE.search(last) is None:
            continue
        causes.append((name, (match.group("msg") or "")[:MAX_MESSAGE_CHARS]))
    return causes


_GAI_ERRNO: Final = {-2: "EAI_NONAME", -3: "EAI_AGAIN", -5: "EAI_NODATA", -8: "EAI_SERVICE"}
_ERRNO_NAMES: Final = (
    frozenset(errno.errorcode.values())
    | frozenset(_GAI_ERRNO.values())
    | {
        "ENOTFOUND",  # Node's name for a failed getaddrinfo
        "ESOCKETTIMEDOUT",  # request / got
        "ECONNABORTED",
    }
)
_HTTP_PHRASES: Final = (
    "bad request|unauthorized|forbidden|not found|method not allowed|not acceptable"
    "|request timeout|conflict|gone|precondition failed|payload too large"
    "|request entity too large|uri too long|unsupported media type|unprocessable entity"
    "|unprocessable content|too many requests|internal server error|not implemented"
    "|bad gateway|service unavailable|gateway timeout|insufficient storage"
)
_I: Final = re.IGNORECASE
_CODE_PATTERNS: Final = tuple(
    re.compile(p, flags | re.MULTILINE)
    for p, flags in (
        (r"\bsqlstate[\s\[:=]*([0-9a-z]{5})\b", _I),
        (r"\berror:?\s+(\d{4})\s+\(([0-9a-z]{5})\)", _I),  # MySQL "ERROR 1045 (28000)"
        (r"\berror code:?\s*(\d{3,5})\b", _I),
        (r"\berror code:\s*([a-z][a-z0-9]{3,})\b", _I),  # S3 "Error Code: SlowDown"
        (r"\bstatus(?: code)?:?\s*(\d{3})\b", _I),
        (r"\bcode:\s*(\d{3})\b", _I),  # Vault "Code: 403."
        (r"\bhttp(?:error)?\s+(\d{3})\b", _I),  # "HTTPError 502", "returned HTTP 500"
        (r"\b([1-5]\d\d) (?:client|server) error\b", _I),
        (rf"\b([1-5]\d\d):? (?:{_HTTP_PHRASES})\b", _I),
        (r"\A\s*([1-5]\d\d)\b[: ]", 0),
        (r"http/\d(?:\.\d)?\"?\s+([1-5]\d\d)\b", _I),
        (r"\bcode\s*=\s*([a-z_]+)", _I),  # gRPC "code = Unavailable", librdkafka "code=_X"
        (r"\A\s*([A-Z][A-Z0-9_]{4,}):\s", 0),  # "UNAVAILABLE: io exception"
        (r"\ban error occurred \((\w+)\)", _I),  # botocore ClientError
        (r"\berrorcode:\s*(\w+)", _I),  # Azure storage
        (r"\A\s*\((\w+)\)\s", 0),  # Azure core "(TooManyRequests) ..."
        (r"\A\s*\((\d{4}), ", 0),  # MySQLdb "(2013, 'Lost connection ...')"
        (r"\bcodename'?:\s*'(\w+)'", _I),  # pymongo "'codeName': 'AuthenticationFailed'"
        (r"\b(ora-\d{5})\b", _I),  # Oracle
        (r"\bstatuscode\s*[=:]\s*\"?([a-z]\w+)", _I),  # Grpc.Core "StatusCode=\"Unavailable\""
        (r"\b(p[1-3]\d{3})\b", _I),  # Prisma "P2002"
    )
)
_ERRNO_NUMBER: Final = re.compile(r"\[errno (-?\d+)\]|\((\d{1,3}): [a-z]", re.IGNORECASE)
_ERRNO_WORD: Final = re.compile(r"\b(E[A-Z][A-Z0-9_]{2,})\b")


def message_codes(text: str) -> list[str]:
    """Codes printed inside messages: SQLSTATE, HTTP status, gRPC, AWS/Azure codes, errno."""
    found: list[str] = []
    for pattern in _CODE_PATTERNS:
        for m in pattern.finditer(text):
            found.extend(g for g in m.groups() if g)
    for m in _ERRNO_NUMBER.finditer(text):
        number = int(m.group(1) or m.group(2))
        name = _GAI_ERRNO.get(number) if number < 0 else errno.errorcode.get(number)
        if name:
            found.append(name)
    found.extend(m.group(1) for m in _ERRNO_WORD.finditer(text) if m.group(1) in _ERRNO_NAMES)
    return found


_EMBEDDED: Final = re.compile(
    r"\((?P<paren>[a-z_]\w*(?:\.[a-z_]\w*){1,6}\.[A-Z]\w*)\)"  # SQLAlchemy "(psycopg2.errors.X)"
    r"|nested exception is (?P<nested>[a-z_]\w*(?:\.[\w$]+){1,12})"  # Spring
    r"|[Cc]aused by (?P<caused>[A-Z]\w*(?:Error|Exception))\("  # urllib3 "Caused by SSLError("
    r"|(?<![\w.])(?P<repr>[A-Z]\w*(?:Error|Exception|Disconnected|Refused|Timeout|Exceeded))\("
)  # the last: a Python repr, "failed: SMTPServerDisconnected('Connection closed')"


def embedded_exceptions(message: str) -> list[str]:
    """Exception names a wrapper printed inside its message (the wrapped cause)."""
    return [
        m.group("paren") or m.group("nested") or m.group("caused") or m.group("repr")
        for m in _EMBEDDED.finditer(message)
    ]


@dataclass(frozen=True, slots=True)
class _Subject:
    """The facts, normalised once so every rule reads the same pre-lowered text."""

    text: str  # message and cause messages, lower-cased
    raw: str  # the message as sent (truncated)
    names: tuple[str, ...]  # candidate exception names, outermost first
    name_labels: tuple[tuple[str, str], ...]  # (name, original spelling) for evidence
    codes: tuple[tuple[str, str, str], ...]  # (normalised, original, field it came from)
    code_set: frozenset[str]
    grams: frozenset[str]  # every 3-character substring of `text`, to gate literal tests
    trace: str  # raw stack trace and frames, lower-cased
    topic: str
    service: str

    @classmethod
    def of(cls, facts: ErrorFacts) -> _Subject:
        message = facts.message if isinstance(facts.message, str) else ""
        texts = [message[:MAX_MESSAGE_CHARS]]
        types: list[str] = []
        if facts.exception_type:
            types.append(facts.exception_type)
        trace = (facts.stack_trace or "")[:MAX_TRACE_CHARS]
        for name, cause_message in trace_causes(trace) if trace else ():
            types.append(name)
            if cause_message and cause_message not in texts:
                texts.append(cause_message)
        for text in texts:
            types.extend(embedded_exceptions(text))
        names: list[str] = []
        labels: list[tuple[str, str]] = []
        for original in types:
            for name in exception_names(original):
                if name not in names:
                    names.append(name)
                    labels.append((name, original))
        codes: list[tuple[str, str, str]] = []
        if facts.error_code and facts.error_code.strip():
            codes.append((normalise_code(facts.error_code), facts.error_code, "error_code"))
        for text in texts:
            for code in message_codes(text):
                normal = normalise_code(code)
                if normal and all(normal != c[0] for c in codes):
                    codes.append((normal, code, "message"))
        frames = "\n".join(facts.frames)
        text = "\n".join(texts).lower()
        return cls(
            text=text,
            raw=texts[0],
            names=tuple(names),
            name_labels=tuple(labels),
            codes=tuple(codes),
            code_set=frozenset(c[0] for c in codes),
            grams=frozenset(
                text[i : i + _MIN_LITERAL] for i in range(len(text) - _MIN_LITERAL + 1)
            ),
            trace=(trace + "\n" + frames).lower() if frames else trace.lower(),
            topic=(facts.source_topic or "").strip().lower(),
            service=(facts.service or "").lower(),
        )


# --------------------------------------------------------------------------- compiled rules
# Rule patterns are written in lower case and searched in lower-cased text, so they compile
# without IGNORECASE (twice as fast). Each also carries the literals one of which any match
# must contain, read from its parse tree: a substring test rules most rules out before the
# regex runs. The parser is CPython's own (private, stable since 3.11); if it is missing or
# surprised, a pattern simply gets no prefilter.
try:
    _SRE_PARSER: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - other interpreters
    _SRE_PARSER = None

_REPEATS: Final = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Strings one of which every match of `pattern` contains; None if none are known."""
    if _SRE_PARSER is None:
        return None
    try:
        tree = _SRE_PARSER.parse(pattern)
        if tree.state.flags & re.IGNORECASE:
            return None
        found = _sequence_literals(list(tree))
    except Exception:  # only an optimisation: the regex still decides
        return None
    if found is None or min(map(len, found)) < _MIN_LITERAL:
        return None
    return tuple(sorted(found))


def _sequence_literals(items: list[Any]) -> frozenset[str] | None:
    """The best requirement of a sequence: its longest literal run or a required group."""
    best: frozenset[str] | None = None
    run: list[str] = []

    def consider(option: frozenset[str] | None) -> None:
        nonlocal best
        if option and (best is None or min(map(len, option)) > min(map(len, best))):
            best = option

    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(arg))
            continue
        if name == "AT":  # zero-width (\b, ^, $): literals either side stay adjacent
            continue
        if run:
            consider(frozenset({"".join(run)}))
            run = []
        if name == "SUBPATTERN":
            if not arg[1] & re.IGNORECASE:
                consider(_sequence_literals(list(arg[-1])))
        elif name == "BRANCH":
            consider(_branch_literals(arg[1]))
        elif name in _REPEATS and arg[0] >= 1:
            consider(_sequence_literals(list(arg[2])))
    if run:
        consider(frozenset({"".join(run)}))
    return best


def _branch_literals(alternatives: list[Any]) -> frozenset[str] | None:
    found: set[str] = set()
    for alternative in alternatives:
        literals = _sequence_literals(list(alternative))
        if literals is None:
            return None
        found |= literals
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class _Phrase:
    """A lower-case regex over lower-cased text, with its literal prefilter."""

    regex: re.Pattern[str]
    literals: tuple[str, ...] | None

    @classmethod
    def of(cls, pattern: str | None) -> _Phrase | None:
        if not pattern:
            return None
        if re.sub(r"\\.", "", pattern) != re.sub(r"\\.", "", pattern).lower():
            raise ValueError(f"rule patterns are matched against lower-cased text: {pattern!r}")
        return cls(re.compile(pattern), required_literals(pattern))

    def search(self, text: str, grams: frozenset[str] | None = None) -> re.Match[str] | None:
        """`regex.search`, skipped when no required literal occurs (`grams`: text's 3-grams)."""
        literals = self.literals
        if literals is not None:
            if grams is not None:
                if not any(lit[:_MIN_LITERAL] in grams and lit in text for lit in literals):
                    return None
            elif not any(lit in text for lit in literals):
                return None
        return self.regex.search(text)


def _regex(pattern: str | None) -> _Phrase | None:
    return _Phrase.of(pattern)


def _lower(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.lower() for v in values)


@dataclass(frozen=True, slots=True)
class _ExceptionMatcher:
    names: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    pattern: _Phrase | None

    @classmethod
    def of(
        cls,
        names: Iterable[str],
        prefixes: Iterable[str] = (),
        suffixes: Iterable[str] = (),
        pattern: str | None = None,
    ) -> _ExceptionMatcher:
        return cls(
            _lower(names),
            tuple(p.lower() for p in prefixes),
            tuple(s.lower() for s in suffixes),
            _regex(pattern),
        )

    @property
    def empty(self) -> bool:
        return not (self.names or self.prefixes or self.suffixes or self.pattern)

    def find(self, subject: _Subject) -> str | None:
        for name, original in subject.name_labels:
            if (
                name in self.names
                or (self.prefixes and name.startswith(self.prefixes))
                or (self.suffixes and name.endswith(self.suffixes))
                or (self.pattern is not None and self.pattern.search(name) is not None)
            ):
                return original
        return None


def _codes(values: Iterable[str]) -> frozenset[str]:
    return frozenset(normalise_code(c) for c in values)


def _code_hit(subject: _Subject, codes: frozenset[str]) -> tuple[str, str, str] | None:
    if subject.code_set.isdisjoint(codes):
        return None
    return next(c for c in subject.codes if c[0] in codes)


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule: Rule
    exceptions: _ExceptionMatcher
    codes: frozenset[str]
    code_pattern: _Phrase | None
    pattern: _Phrase | None
    raw_pattern: re.Pattern[str] | None
    trace_pattern: _Phrase | None
    topics: frozenset[str]
    requires: frozenset[Signal]
    forbids: frozenset[Signal]

    @classmethod
    def of(cls, rule: Rule) -> _CompiledRule:
        return cls(
            rule=rule,
            exceptions=_ExceptionMatcher.of(
                rule.exceptions,
                rule.exception_prefixes,
                rule.exception_suffixes,
                rule.exception_pattern,
            ),
            codes=_codes(rule.codes),
            code_pattern=_regex(rule.code_pattern),
            pattern=_regex(rule.pattern),
            raw_pattern=re.compile(rule.raw_pattern) if rule.raw_pattern else None,
            trace_pattern=_regex(rule.trace_pattern),
            topics=_lower(rule.topics),
            requires=frozenset(rule.requires),
            forbids=frozenset(rule.forbids),
        )

    def match(self, subject: _Subject, signals: frozenset[Signal]) -> str | None:
        """A short description of what matched, or None; cheap conditions are tested first."""
        rule = self.rule
        if not self.requires <= signals or not self.forbids.isdisjoint(signals):
            return None
        details: list[str] = []
        if self.topics:
            if subject.topic not in self.topics:
                return None
            details.append(f"source_topic {subject.topic!r}")
        if self.codes:
            hit = _code_hit(subject, self.codes)
            if hit is None:
                return None
            details.append(f"{hit[2]} code {hit[1]!r}")
        if self.code_pattern is not None:
            pattern = self.code_pattern.regex
            hit = next((c for c in subject.codes if pattern.fullmatch(c[0])), None)
            if hit is None:
                return None
            details.append(f"{hit[2]} code {hit[1]!r}")
        if not self.exceptions.empty:
            name = self.exceptions.find(subject)
            if name is None:
                return None
            details.append(f"exception_type {name!r}")
        if self.trace_pattern is not None:
            found = self.trace_pattern.search(subject.trace)
            if found is None:
                return None
            details.append(f"stack_trace ~ {found.group(0)!r}")
        if self.pattern is not None:
            found = self.pattern.search(subject.text, subject.grams)
            if found is None:
                return None
            details.append(f"message ~ {found.group(0)!r}")
        if self.raw_pattern is not None:
            found = self.raw_pattern.search(subject.raw)
            if found is None:
                return None
            details.append(f"message ~ {found.group(0)!r}")
        if rule.requires:
            details.append("with " + ", ".join(sorted(rule.requires)))
        return "; ".join(details) or "always"


@dataclass(frozen=True, slots=True)
class _CompiledSignal:
    rule: SignalRule
    exceptions: _ExceptionMatcher
    codes: frozenset[str]
    pattern: _Phrase | None
    trace_pattern: _Phrase | None
    service_pattern: _Phrase | None
    topics: frozenset[str]
    tags: frozenset[str]
    context_keys: frozenset[str]

    @classmethod
    def of(cls, rule: SignalRule) -> _CompiledSignal:
        return cls(
            rule=rule,
            exceptions=_ExceptionMatcher.of(
                rule.exceptions, rule.exception_prefixes, (), rule.exception_pattern
            ),
            codes=_codes(rule.codes),
            pattern=_regex(rule.pattern),
            trace_pattern=_regex(rule.trace_pattern),
            service_pattern=_regex(rule.service_pattern),
            topics=_lower(rule.topics),
            tags=_lower(rule.tags),
            context_keys=_lower(rule.context_keys),
        )

    def match(self, subject: _Subject, facts: ErrorFacts) -> str | None:
        if self.topics and subject.topic in self.topics:
            return f"source_topic {subject.topic!r}"
        if self.rule.layers and facts.reported_layer in self.rule.layers:
            return f"reported_layer {facts.reported_layer}"
        if self.tags and any(t.lower() in self.tags for t in facts.tags):
            return "tags"
        if self.context_keys and any(k.lower() in self.context_keys for k in facts.context_keys):
            return "context_keys"
        if not self.exceptions.empty and (name := self.exceptions.find(subject)):
            return f"exception_type {name!r}"
        if self.codes and (hit := _code_hit(subject, self.codes)):
            return f"{hit[2]} code {hit[1]!r}"
        if self.service_pattern and (found := self.service_pattern.search(subject.service)):
            return f"service ~ {found.group(0)!r}"
        if self.pattern and (found := self.pattern.search(subject.text, subject.grams)):
            return f"message ~ {found.group(0)!r}"
        if (
            self.trace_pattern
            and subject.trace
            and (found := self.trace_pattern.search(subject.trace))
        ):
            return f"stack_trace ~ {found.group(0)!r}"
        return None


@dataclass(frozen=True, slots=True)
class _CompiledOutcome:
    rule: OutcomeRule
    pattern: _Phrase | None

    def match(self, decided: _Decided, layer: Layer | None = None) -> bool:
        rule = self.rule
        return (
            (not rule.categories or decided.category in rule.categories)
            and (not rule.types or decided.type in rule.types)
            and (not rule.layers or layer in rule.layers)
            and (not rule.subtypes or decided.subtype in rule.subtypes)
            and all(s in decided.signals for s in rule.requires)
            and not any(s in decided.signals for s in rule.forbids)
            and (
                self.pattern is None
                or self.pattern.search(decided.subject.text, decided.subject.grams) is not None
            )
        )


@dataclass(frozen=True, slots=True)
class _Decided:
    """Category and type as decided, with what severity and layer rows may look at."""

    category: ErrorCategory
    type: ErrorType
    subtype: str | None
    signals: frozenset[Signal]
    subject: _Subject
    deciders: tuple[Rule, ...]


class Rulebook:
    """Compiled rule tables: regexes compiled and names lower-cased once, at construction."""

    def __init__(
        self,
        rules: Sequence[Rule],
        signals: Sequence[SignalRule],
        severities: Sequence[OutcomeRule],
        layers: Sequence[OutcomeRule],
    ) -> None:
        ids = [r.rule_id for r in rules] + [s.rule_id for s in signals]
        ids += [o.rule_id for o in severities] + [o.rule_id for o in layers]
        duplicates = sorted(i for i, n in collections.Counter(ids).items() if n > 1)
        if duplicates:
            raise ValueError(f"duplicate rule ids: {duplicates}")
        for rule in rules:
            if rule.category is None and rule.type is None:
                raise ValueError(f"rule {rule.rule_id} decides neither category nor type")
            if rule.stage in (Stage.SIGNAL, Stage.MODEL, Stage.FALLBACK):
                raise ValueError(f"rule {rule.rule_id} cannot sit in stage {rule.stage.name}")
        ordered = sorted(rules, key=lambda r: r.stage)  # stable: table order kept within a stage
        self.rules: tuple[_CompiledRule, ...] = tuple(
            _CompiledRule.of(r) for r in ordered if r.stage is not Stage.DERIVED
        )
        self.derived: tuple[_CompiledRule, ...] = tuple(
            _CompiledRule.of(r) for r in ordered if r.stage is Stage.DERIVED
        )
        self.signals: tuple[_CompiledSignal, ...] = tuple(_CompiledSignal.of(s) for s in signals)
        self.severities: tuple[_CompiledOutcome, ...] = tuple(
            _CompiledOutcome(o, _regex(o.pattern)) for o in severities if o.severity is not None
        )
        self.layers: tuple[_CompiledOutcome, ...] = tuple(
            _CompiledOutcome(o, _regex(o.pattern)) for o in layers if o.layer is not None
        )
        self._index()

    def _index(self) -> None:
        """Index each rule under one condition it cannot match without (all must hold):
        its topic, else its codes, else its exception names, else its pattern's literals.
        Classifying then evaluates only the rules whose key the error carries."""
        self._by_topic: dict[str, list[int]] = collections.defaultdict(list)
        self._by_code: dict[str, list[int]] = collections.defaultdict(list)
        self._by_name: dict[str, list[int]] = collections.defaultdict(list)
        self._by_literal: dict[str, list[int]] = collections.defaultdict(list)
        self._always: list[int] = []
        self._literals_by_gram: dict[str, list[tuple[str, list[int]]]] = {}
        for order, compiled in enumerate(self.rules):
            exceptions = compiled.exceptions
            if compiled.topics:
                keys, index = compiled.topics, self._by_topic
            elif compiled.codes:
                keys, index = compiled.codes, self._by_code
            elif exceptions.names and not (
                exceptions.prefixes or exceptions.suffixes or exceptions.pattern
            ):
                keys, index = exceptions.names, self._by_name
            elif compiled.pattern is not None and compiled.pattern.literals:
                keys, index = frozenset(compiled.pattern.literals), self._by_literal
            else:
                self._always.append(order)
                continue
            for key in keys:
                index[key].append(order)
        for literal, orders in self._by_literal.items():
            self._literals_by_gram.setdefault(literal[:_MIN_LITERAL], []).append((literal, orders))

    def candidates(self, subject: _Subject) -> list[int]:
        """Orders of the rules that may match `subject`, ascending."""
        found = set(self._always)
        found.update(self._by_topic.get(subject.topic, ()))
        for code in subject.code_set:
            found.update(self._by_code.get(code, ()))
        for name in subject.names:
            found.update(self._by_name.get(name, ()))
        text = subject.text
        for gram in subject.grams.intersection(self._literals_by_gram):
            for literal, orders in self._literals_by_gram[gram]:
                if literal in text:
                    found.update(orders)
        return sorted(found)


@functools.cache
def default_rulebook() -> Rulebook:
    """The shipped tables; imported lazily because they import this module's types."""
    from errorstream.agents import classification_rules as tables

    return Rulebook(tables.RULES, tables.SIGNALS, tables.SEVERITIES, tables.LAYERS)


# --------------------------------------------------------------------------- decisions
V = TypeVar("V", ErrorCategory, ErrorType)


@dataclass(frozen=True, slots=True)
class _Decision(Generic[V]):
    value: V
    confidence: float
    stage: Stage
    order: int
    rule: Rule | None
    rule_id: str
    detail: str

    def beats(self, other: _Decision[V] | None) -> bool:
        if other is None:
            return True
        return (self.confidence, -self.stage, -self.order) > (
            other.confidence,
            -other.stage,
            -other.order,
        )


@dataclass(slots=True)
class _Tally:
    """Best category and type decision seen so far."""

    category: _Decision[ErrorCategory] | None = None
    type: _Decision[ErrorType] | None = None

    def offer(self, rule: Rule, order: int, detail: str) -> None:
        if rule.category is not None:
            confidence = (
                rule.category_confidence
                if rule.category_confidence is not None
                else rule.confidence
            )
            c = _Decision(rule.category, confidence, rule.stage, order, rule, rule.rule_id, detail)
            if c.beats(self.category):
                self.category = c
        if rule.type is not None:
            t = _Decision(rule.type, rule.confidence, rule.stage, order, rule, rule.rule_id, detail)
            if t.beats(self.type):
                self.type = t


def classify(
    facts: ErrorFacts,
    model: TextPredictor | None = None,
    *,
    rulebook: Rulebook | None = None,
) -> Classification:
    """Classify one error. Never raises on odd input: unknown text falls to the fallback.

    The model is consulted at most once, and only when a field is weakly decided by rules.
    """
    return _classify(facts, model, rulebook, None)[0]


def explain(
    facts: ErrorFacts,
    model: TextPredictor | None = None,
    *,
    rulebook: Rulebook | None = None,
) -> Explanation:
    """`classify`, plus the signals raised and every rule tried (matched or not), in order."""
    trials: list[RuleTrial] = []
    classification, signals = _classify(facts, model, rulebook, trials)
    return Explanation(classification, tuple(sorted(signals)), tuple(trials))


def _classify(
    facts: ErrorFacts,
    model: TextPredictor | None,
    rulebook: Rulebook | None,
    trials: list[RuleTrial] | None,
) -> tuple[Classification, frozenset[Signal]]:
    book = rulebook if rulebook is not None else default_rulebook()
    subject = _Subject.of(facts)
    signals = _signals(book, subject, facts, trials)

    tally = _Tally()
    matched: dict[int, str] = {}
    for order in book.candidates(subject):
        compiled = book.rules[order]
        detail = compiled.match(subject, signals)
        if detail is not None:
            matched[order] = detail
            tally.offer(compiled.rule, order, detail)
    if trials is not None:
        for order, compiled in enumerate(book.rules):
            rule, detail = compiled.rule, matched.get(order)
            trials.append(RuleTrial(rule.rule_id, rule.stage, detail is not None, detail or ""))

    _derive(book, tally, subject, signals, trials)
    _consult_model(model, facts, tally, trials)
    category, type_ = _fallback(tally)

    evidence = [
        Evidence("category", category.rule_id, category.detail),
        Evidence("type", type_.rule_id, type_.detail),
    ]
    # A rule's severity/layer/retry hints describe its own verdict: they count only when the
    # category it named (if any) is the category decided.
    deciders = tuple(
        d.rule
        for d in (type_, category)
        if d.rule is not None and d.rule.category in (None, category.value)
    )
    decided = _Decided(
        category=category.value,
        type=type_.value,
        subtype=_subtype(type_, deciders),
        signals=signals,
        subject=subject,
        deciders=deciders,
    )
    layer, layer_evidence = _layer(book, facts, decided, trials)
    evidence.append(layer_evidence)
    computed, severity_evidence = _severity(book, decided, layer, trials)
    evidence.append(severity_evidence)
    severity = computed
    if facts.reported_severity is not None:
        severity = facts.reported_severity
        evidence.append(Evidence("severity", "reported", f"reporter said {severity}"))
    retryable, retry_evidence = _retryable(decided)
    evidence.append(retry_evidence)

    confidence = max(0.0, min(1.0, category.confidence, type_.confidence))
    classification = Classification(
        category=category.value,
        type=type_.value,
        subtype=decided.subtype,
        severity=severity,
        computed_severity=computed,
        layer=layer,
        confidence=round(confidence, 4),
        evidence=tuple(evidence),
        retryable=retryable,
    )
    return classification, signals


_SPECIFIC_STAGES: Final = frozenset({Stage.EXCEPTION, Stage.CODE, Stage.MESSAGE})


def _subtype(type_: _Decision[ErrorType], deciders: tuple[Rule, ...]) -> str | None:
    """The specific failure: a deciding rule's explicit subtype, else the name of the specific
    rule (exception, code or phrase) that decided the type, e.g. `disk_full`, `db_integrity`.
    Topic, derived, model and fallback decisions name no specific failure."""
    explicit = next((r.subtype for r in deciders if r.subtype), None)
    if explicit is not None:
        return explicit
    rule = type_.rule
    if rule is None or rule.stage not in _SPECIFIC_STAGES:
        return None
    return rule.rule_id.split(".", 1)[-1].removesuffix(".name")


def _signals(
    book: Rulebook, subject: _Subject, facts: ErrorFacts, trials: list[RuleTrial] | None
) -> frozenset[Signal]:
    on: set[Signal] = set()
    for compiled in book.signals:
        if compiled.rule.signal in on and trials is None:
            continue
        detail = compiled.match(subject, facts)
        if trials is not None:
            trials.append(
                RuleTrial(compiled.rule.rule_id, Stage.SIGNAL, detail is not None, detail or "")
            )
        if detail is not None:
            on.add(compiled.rule.signal)
    return frozenset(on)


def _derive(
    book: Rulebook,
    tally: _Tally,
    subject: _Subject,
    signals: frozenset[Signal],
    trials: list[RuleTrial] | None,
) -> None:
    """Derived rules fill a field from the other one, e.g. validation at the edge -> user."""
    base = len(book.rules)
    for order, compiled in enumerate(book.derived, start=base):
        rule = compiled.rule
        decided_type = tally.type.value if tally.type is not None else None
        if rule.when_type and decided_type not in rule.when_type:
            if trials is not None:
                trials.append(RuleTrial(rule.rule_id, rule.stage, False, ""))
            continue
        detail = compiled.match(subject, signals)
        if trials is not None:
            trials.append(RuleTrial(rule.rule_id, rule.stage, detail is not None, detail or ""))
        if detail is None:
            continue
        if rule.when_type and decided_type is not None:
            detail = f"type {decided_type}" + (f"; {detail}" if detail != "always" else "")
        tally.offer(rule, order, detail)


def _consult_model(
    model: TextPredictor | None, facts: ErrorFacts, tally: _Tally, trials: list[RuleTrial] | None
) -> None:
    weak = {
        name
        for name, decision in (("category", tally.category), ("type", tally.type))
        if decision is None or decision.confidence < WEAK_RULE_CONFIDENCE
    }
    if model is None or not weak:
        return
    prediction = model.predict(facts)
    if trials is not None:
        detail = "" if prediction is None else prediction.describe()
        trials.append(RuleTrial("model", Stage.MODEL, prediction is not None, detail))
    if prediction is None:
        return
    version = f"text model v{prediction.model_version}"
    if "category" in weak and prediction.category_probability >= MODEL_MIN_PROBABILITY:
        p = prediction.category_probability
        tally.category = _Decision(
            prediction.category, p, Stage.MODEL, 0, None, "model", f"{version} p={p:.3f}"
        )
    if "type" in weak and prediction.type_probability >= MODEL_MIN_PROBABILITY:
        p = prediction.type_probability
        tally.type = _Decision(
            prediction.type, p, Stage.MODEL, 0, None, "model", f"{version} p={p:.3f}"
        )


def _fallback(tally: _Tally) -> tuple[_Decision[ErrorCategory], _Decision[ErrorType]]:
    category = tally.category or _Decision(
        ErrorCategory.SYSTEM,
        FALLBACK_CONFIDENCE,
        Stage.FALLBACK,
        0,
        None,
        "fallback",
        "no rule decided the category",
    )
    type_ = tally.type or _Decision(
        ErrorType.EXCEPTION,
        FALLBACK_CONFIDENCE,
        Stage.FALLBACK,
        0,
        None,
        "fallback",
        "no rule decided the type",
    )
    return category, type_


def _layer(
    book: Rulebook, facts: ErrorFacts, decided: _Decided, trials: list[RuleTrial] | None
) -> tuple[Layer, Evidence]:
    """Reported layer if any; else a deciding rule's hint; else the first matching table row."""
    if facts.reported_layer is not None:
        layer = facts.reported_layer
        return layer, Evidence("layer", "reported", f"reporter said {layer}")
    for rule in decided.deciders:
        if rule.layer is not None:
            return rule.layer, Evidence("layer", rule.rule_id, "layer hint of the deciding rule")
    for compiled in book.layers:
        row = compiled.rule
        if row.layer is not None and compiled.match(decided):
            if trials is not None:
                trials.append(RuleTrial(row.rule_id, Stage.LAYER, True, row.layer))
            return row.layer, Evidence("layer", row.rule_id, f"{decided.category}/{decided.type}")
    return Layer.SERVICE, Evidence("layer", "fallback", "no layer rule matched")


def _severity(
    book: Rulebook, decided: _Decided, layer: Layer, trials: list[RuleTrial] | None
) -> tuple[Severity, Evidence]:
    """The higher of: a deciding rule's hint (else the severity table) and phrase rows.

    Phrase rows (`raise_only`) detect outage, breach and data-loss wording and can only raise
    severity; the other rows form the category/type/signal matrix.
    """
    base: tuple[Severity, Evidence] | None = None
    for rule in decided.deciders:
        if rule.severity is not None:
            base = rule.severity, Evidence("severity", rule.rule_id, "hint of the deciding rule")
            break
    raised: tuple[Severity, Evidence] | None = None
    for compiled in book.severities:
        row = compiled.rule
        if row.severity is None or (not row.raise_only and base is not None):
            continue
        if not compiled.match(decided, layer):
            continue
        if trials is not None:
            trials.append(RuleTrial(row.rule_id, Stage.SEVERITY, True, row.severity))
        if row.raise_only:
            if raised is None or row.severity.rank > raised[0].rank:
                raised = row.severity, Evidence("severity", row.rule_id, "severity phrase")
        elif base is None:
            detail = f"{decided.category}/{decided.type} on {layer}"
            base = row.severity, Evidence("severity", row.rule_id, detail)
    if base is None:
        base = Severity.MEDIUM, Evidence("severity", "fallback", "no severity rule matched")
    if raised is not None and raised[0].rank > base[0].rank:
        return raised
    return base


def _retryable(decided: _Decided) -> tuple[bool, Evidence]:
    """A deciding rule's explicit flag, else transient failures retry: timeouts, network
    failures and throttling by a dependency (external resource exhaustion)."""
    for rule in decided.deciders:
        if rule.retryable is not None:
            return rule.retryable, Evidence("retryable", rule.rule_id, "flag of the deciding rule")
    category, type_ = decided.category, decided.type
    transient = type_ in _RETRYABLE_TYPES or (
        category is ErrorCategory.EXTERNAL and type_ is ErrorType.RESOURCE_EXHAUSTION
    )
    verdict = "is" if transient else "is not"
    detail = f"{category}/{type_} {verdict} transient"
    return transient, Evidence("retryable", "type_default", detail)
