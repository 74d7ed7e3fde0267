"""Sanitising a report: the one place that makes an error report safe to store or forward.

Every edge runs this same function: the SDK in the reporting service's process, the triage
agent at ingest, the inbound adapters, the errors projector and `errorstream redact`. It does
two things, in this order:

1. **Redaction** (streams/redaction.py) of every free-text and structured field: message,
   description, stack trace, exception type, error code, identifiers, tags, frame fields and
   frame variables (keys and values), and the context at any depth.
2. **Size and shape limits** (`ReportLimits`): oversize text is cut with a visible marker
   ``…[truncated 12345 chars]``, surplus frames, variables, tags and context entries are
   dropped with a count, and every field that was cut is named in ``ErrorDetails.truncated``.
   Nothing is rejected: a report that is too big arrives smaller, saying so.

Redaction runs before truncation, so a secret is judged whole rather than as a fragment that
no rule recognises; and a cut text is redacted once more, so the output is a fixed point of
both. That makes the function deterministic and idempotent: sanitising a sanitised report
returns the very same object, so ingest re-sanitising what the SDK already sanitised costs a
few cache look-ups and changes nothing. Text is also made storable: NUL characters (which
PostgreSQL text and JSONB refuse) and lone surrogates (which UTF-8 cannot encode) become
U+FFFD, and the context becomes plain JSON (string keys; no NaN, sets or objects).
"""

from __future__ import annotations

import json
import math
import re
import uuid
import weakref
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from functools import lru_cache
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from errorstream.schemas.models import ErrorDetails, StackFrame
from errorstream.streams.redaction import DEFAULT_REDACTOR, Finding, Redactor

__all__ = [
    "IDENTIFIER_FIELDS",
    "ReportLimits",
    "SanitizedReport",
    "context_bytes",
    "jsonable",
    "sanitize_report",
    "storable_text",
    "truncation_marker",
]

ELLIPSIS: Final = "…"
# The variable a frame's dropped-variables marker is stored under, and the context key of a
# dict's dropped-entries marker: "…" sorts after every ASCII key, so it reads last.
MARKER_KEY: Final = ELLIPSIS
_TRUNCATION = re.compile(r"…\[truncated (\d+) (chars|frames|vars|keys|items)\]")

# Short free-text fields that name things; they share one limit.
IDENTIFIER_FIELDS: Final = (
    "exception_type",
    "error_code",
    "component",
    "workflow_id",
    "task_id",
    "agent_id",
    "user_id",
    "fingerprint",
)


def truncation_marker(count: int, unit: str) -> str:
    """What stands where something was cut: ``…[truncated 12345 chars]``."""
    return f"{ELLIPSIS}[truncated {count} {unit}]"


_MIN_TEXT: Final = 48  # room for the longest marker and a little text


class ReportLimits(BaseModel):
    """How big a report may be; each limit is configurable (``ERRORSTREAM_LIMITS__…``).

    The defaults keep the worst case (every field at its limit, in 4-byte characters) under
    the 4 MiB ``max.message.bytes`` of errorstream's topics, with room for classification.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_message_chars: int = Field(default=8192, ge=_MIN_TEXT, le=1_000_000)
    max_description_chars: int = Field(default=8192, ge=_MIN_TEXT, le=1_000_000)
    max_stack_trace_chars: int = Field(default=65536, ge=_MIN_TEXT, le=1_000_000)
    max_identifier_chars: int = Field(
        default=256,
        ge=_MIN_TEXT,
        le=10_000,
        description="Exception type, error code, ids, fingerprint, frame names, variable names.",
    )
    max_frames: int = Field(
        default=100, ge=2, le=10_000, description="Innermost frames kept; one marker frame."
    )
    max_frame_vars: int = Field(default=10, ge=1, le=1000, description="Per frame.")
    max_var_value_chars: int = Field(default=256, ge=_MIN_TEXT, le=100_000)
    max_context_bytes: int = Field(
        default=65536, ge=256, le=2_000_000, description="Of the context as serialised JSON."
    )
    max_context_depth: int = Field(
        default=8, ge=1, le=64, description="Levels of nesting, the context itself included."
    )
    max_tags: int = Field(default=32, ge=1, le=1000)
    max_tag_chars: int = Field(default=200, ge=_MIN_TEXT, le=10_000)

    def worst_case_bytes(self) -> int:
        """An upper bound of the UTF-8 size of a report's fields at these limits."""
        char = 4
        identifiers = len(IDENTIFIER_FIELDS) * self.max_identifier_chars * char
        text = (
            self.max_message_chars + self.max_description_chars + self.max_stack_trace_chars
        ) * char
        frame = 3 * self.max_identifier_chars * char + self.max_frame_vars * (
            (self.max_identifier_chars + self.max_var_value_chars) * char + 8
        )
        tags = self.max_tags * (self.max_tag_chars * char + 8)
        return text + identifiers + self.max_frames * (frame + 16) + self.max_context_bytes + tags


DEFAULT_LIMITS: Final = ReportLimits()


@dataclass(frozen=True, slots=True)
class SanitizedReport:
    """A report made safe: the new details, what was redacted where, and what was cut."""

    details: ErrorDetails
    findings: tuple[Finding, ...] = ()
    truncated: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.findings or self.truncated)


# --------------------------------------------------------------------------------------
# Storable text and plain JSON.
# --------------------------------------------------------------------------------------


def storable_text(text: str) -> str:
    """`text` without NUL and lone surrogates (PostgreSQL and UTF-8 refuse them)."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _describe(value: object) -> str:
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def jsonable(
    value: object, max_depth: int, *, max_chars: int | None = None, copy: bool = False
) -> object:
    """`value` as plain JSON (str keys; str, int, float, bool, None, list, dict).

    Containers nested deeper than `max_depth` become a marker that counts their items, so
    cyclic values end too; strings longer than `max_chars` are cut. Already-plain values
    are returned as they are (the same objects) unless `copy` asks for a snapshot.
    """
    return _Plain(max_depth, max_chars, copy).convert(value, 0)


@dataclass
class _Plain:
    max_depth: int
    max_chars: int | None
    copy: bool
    cut: bool = False

    def text(self, text: str) -> str:
        if self.max_chars is not None and len(text) > self.max_chars:
            self.cut = True
            text = clip_text(text, self.max_chars)
        return storable_text(text)

    def convert(self, value: object, depth: int) -> object:
        if type(value) is str:
            return self.text(value)
        if value is None or type(value) is bool or type(value) is int:
            return value
        if type(value) is float:
            return value if math.isfinite(value) else str(value)
        if isinstance(value, Mapping | list | tuple | Set):
            if depth >= self.max_depth:
                self.cut = True
                return truncation_marker(len(value), "items")
            if isinstance(value, Mapping):
                return self.mapping(value, depth)
            items: Iterable[object] = value
            if isinstance(value, Set):
                items = sorted(value, key=lambda v: (type(v).__name__, _describe(v)))
            converted = [self.convert(item, depth + 1) for item in items]
            if (
                not self.copy
                and type(value) is list
                and all(a is b for a, b in zip(converted, value, strict=True))
            ):
                return value
            return converted
        scalar = _jsonable_scalar(value)
        return self.text(scalar) if isinstance(scalar, str) else scalar

    def mapping(self, value: Mapping[Any, Any], depth: int) -> object:
        out: dict[str, object] = {}
        changed = self.copy or type(value) is not dict
        for key, item in value.items():
            name = self.text(key) if type(key) is str else self.text(_jsonable_key(key))
            if name in out:
                changed = True
                continue  # 1 and "1": the first one wins
            converted = self.convert(item, depth + 1)
            changed = changed or name is not key or converted is not item
            out[name] = converted
        return out if changed else value


def _jsonable_key(key: object) -> str:
    """Non-string keys the way ``json.dumps`` writes them (``1`` → ``"1"``, None → ``"null"``)."""
    converted = None if key is None else _jsonable_scalar(key)
    return converted if isinstance(converted, str) else json.dumps(converted)


def _jsonable_scalar(value: object) -> object:
    if isinstance(value, bool | int):
        return int(value) if not isinstance(value, bool) else bool(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, Enum):
        return _jsonable_scalar(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return storable_text(bytes(value).decode("utf-8", "replace"))
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, str):
        return storable_text(str(value))
    return storable_text(_describe(value))


def context_bytes(context: object) -> int:
    """Size of the context on the wire: errorstream's Avro ``json`` logical type."""
    return len(json.dumps(context, sort_keys=True, separators=(",", ":"), default=str))


# --------------------------------------------------------------------------------------
# Cutting text.
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _redaction_marker(marker: str) -> re.Pattern[str]:
    """The redactor's markers (never cut in half), found the way the redactor finds them."""
    head, _, tail = marker.partition("{rule}")
    pattern = re.escape(head)
    if "{rule}" in marker:
        pattern += r"[a-z0-9_]+" + re.escape(tail)
    return re.compile(pattern)


def _protected(text: str, redaction_marker: re.Pattern[str]) -> list[tuple[int, int]]:
    spans = [m.span() for m in _TRUNCATION.finditer(text)] if ELLIPSIS in text else []
    spans += [m.span() for m in redaction_marker.finditer(text)]
    return spans


def clip_text(
    text: str,
    limit: int,
    *,
    head_share: float = 1.0,
    lines: bool = False,
    redaction_marker: re.Pattern[str] | None = None,
) -> str:
    """`text` in at most `limit` chars, with one truncation marker where the middle was cut.

    `head_share` of the room keeps the head, the rest the tail. Markers (truncation and
    redaction) are never cut in half, and the count of a truncation marker that falls in
    the cut part is added to the new one, so the count stays the chars of the original.
    With `lines`, cuts move to line starts when one is near.
    """
    if len(text) <= limit:
        return text
    protected = _protected(text, redaction_marker or _redaction_marker("[REDACTED:{rule}]"))
    earlier = sum(int(m.group(1)) for m in _TRUNCATION.finditer(text)) if protected else 0
    newline = "\n" if lines else ""
    room = limit - len(truncation_marker(len(text) + earlier, "chars")) - len(newline)
    head = max(0, min(room, int(room * head_share)))
    cut_start, cut_end = head, len(text) - (room - head)
    if lines:
        reach = max(1, room // 8)
        before = text.rfind("\n", max(0, cut_start - reach), cut_start)
        if before >= 0:
            cut_start = before + 1
        after = text.find("\n", cut_end, min(len(text), cut_end + reach))
        if after >= 0 and cut_end < len(text):
            cut_end = after + 1
    for start, end in protected:
        if start < cut_start < end:
            cut_start = start
        if start < cut_end < end:
            cut_end = end
    cut_end = max(cut_end, cut_start)
    dropped = text[cut_start:cut_end]
    count = len(dropped)
    if ELLIPSIS in dropped:
        for match in _TRUNCATION.finditer(dropped):
            count += int(match.group(1)) - len(match.group())
    return f"{text[:cut_start]}{truncation_marker(count, 'chars')}{newline}{text[cut_end:]}"


# --------------------------------------------------------------------------------------
# One sanitising pass.
# --------------------------------------------------------------------------------------

_CLEAN_CACHE_SIZE: Final = 4096
_CLEAN_CACHE_CHARS: Final = 4096
_MAX_ROUNDS: Final = 3
# Text far beyond its limit is cut to limit + slack before redaction (redaction is linear
# in the text and this runs on the hot path); the slack keeps a secret straddling that
# first cut well away from what the final cut keeps.
_MIN_SLACK: Final = 4096


class _CleanTexts:
    """Texts a redactor found nothing in (frame names, file paths, repeated messages)."""

    def __init__(self) -> None:
        self.texts: set[str] = set()

    def add(self, text: str) -> None:
        if len(text) <= _CLEAN_CACHE_CHARS:
            if len(self.texts) >= _CLEAN_CACHE_SIZE:
                self.texts.clear()  # bounded; a miss costs one scan
            self.texts.add(text)


_clean_by_redactor: weakref.WeakKeyDictionary[Redactor, _CleanTexts] = weakref.WeakKeyDictionary()


def _clean_texts(redactor: Redactor) -> _CleanTexts:
    clean = _clean_by_redactor.get(redactor)
    if clean is None:
        clean = _clean_by_redactor.setdefault(redactor, _CleanTexts())
    return clean


@dataclass
class _Pass:
    limits: ReportLimits
    redactor: Redactor
    clean: _CleanTexts
    marker: re.Pattern[str]
    findings: list[Finding] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)

    def cut(self, name: str) -> None:
        if name not in self.truncated:
            self.truncated.append(name)

    def redact(self, text: str, path: str) -> str:
        if text in self.clean.texts:
            return text
        redacted = self.redactor.redact_text(text, path)
        if redacted.findings:
            self.findings.extend(redacted.findings)
            return redacted.value
        self.clean.add(text)
        return text

    def text(
        self,
        text: str,
        path: str,
        limit: int,
        *,
        name: str | None = None,
        head_share: float = 1.0,
        lines: bool = False,
        redact: bool = True,
    ) -> str:
        """Redacted, then cut to `limit`; the result is a fixed point of both."""
        if text in self.clean.texts and len(text) <= limit:
            return text
        slack = max(limit, _MIN_SLACK)
        precut = len(text) > limit + 2 * slack
        work = text
        if precut:
            work = clip_text(
                text,
                limit + slack,
                head_share=head_share,
                lines=lines,
                redaction_marker=self.marker,
            )
        work = storable_text(work)
        found = len(self.findings)
        out = self.redact(work, path) if redact else work
        if precut and len(out) < limit + slack // 2:
            del self.findings[found:]  # redaction shrank it a lot: judge it whole
            whole = storable_text(text)
            out = self.redact(whole, path) if redact else whole
        if len(out) <= limit:
            return text if out == text else out
        self.cut(name or path)
        for _ in range(_MAX_ROUNDS):
            out = clip_text(
                out, limit, head_share=head_share, lines=lines, redaction_marker=self.marker
            )
            again = self.redactor.redact_text(out, path) if redact else None
            if again is None or not again.findings:
                return out
            # Cutting made something new recognisable (a card number's prefix): keep the
            # rule and path; the span belongs to no text the caller has.
            self.findings.extend(Finding(f.rule, f.path) for f in again.findings)
            out = again.value
            if len(out) <= limit:
                return out
        return clip_text(out, limit, redaction_marker=self.marker)


def sanitize_report(
    details: ErrorDetails,
    *,
    limits: ReportLimits = DEFAULT_LIMITS,
    redactor: Redactor = DEFAULT_REDACTOR,
) -> SanitizedReport:
    """The report redacted and within `limits`; the same object back when nothing changes.

    Findings carry paths into the report as it was given: ``message``, ``stack_trace``,
    ``context.request.headers.Authorization``, ``frames[3].vars.password``, ``tags[0]``.
    ``truncated`` names the fields cut by this call; the returned details list those and
    any cut earlier.
    """
    run = _Pass(limits, redactor, _clean_texts(redactor), _redaction_marker(redactor.rules.marker))
    changes: dict[str, Any] = {}

    message = run.text(details.message, "message", limits.max_message_chars)
    if message is not details.message:
        changes["message"] = message
    if details.description is not None:
        description = run.text(details.description, "description", limits.max_description_chars)
        if description is not details.description:
            changes["description"] = description
    if details.stack_trace is not None:
        trace = run.text(
            details.stack_trace,
            "stack_trace",
            limits.max_stack_trace_chars,
            head_share=0.4,
            lines=True,
        )
        if trace is not details.stack_trace:
            changes["stack_trace"] = trace
    for name in IDENTIFIER_FIELDS:
        value = getattr(details, name)
        if value is not None:
            safe = run.text(value, name, limits.max_identifier_chars)
            if safe is not value:
                changes[name] = safe
    if details.frames:
        frames = _frames(run, details.frames)
        if frames is not details.frames:
            changes["frames"] = frames
    if details.context:
        context = _context(run, details.context)
        if context is not details.context:
            changes["context"] = context
    if details.tags:
        tags = _tags(run, details.tags)
        if tags is not details.tags:
            changes["tags"] = tags

    new_cuts = tuple(run.truncated)
    if new_cuts:
        changes["truncated"] = tuple(dict.fromkeys((*details.truncated, *new_cuts)))
    result = details.model_copy(update=changes) if changes else details
    return SanitizedReport(result, tuple(run.findings), new_cuts)


# --------------------------------------------------------------------------------------
# Frames, tags, context.
# --------------------------------------------------------------------------------------


def _marker_count(text: str | None, unit: str) -> int | None:
    match = _TRUNCATION.fullmatch(text or "")
    return int(match.group(1)) if match and match.group(2) == unit else None


def _is_marker_frame(frame: StackFrame) -> bool:
    return (
        frame.module is None
        and frame.filename is None
        and (_marker_count(frame.function, "frames") is not None)
    )


def _frames(run: _Pass, frames: tuple[StackFrame, ...]) -> tuple[StackFrame, ...]:
    """The innermost frames (the crash site) are kept; one marker frame counts the rest."""
    limit = run.limits.max_frames
    start = 0
    marker: StackFrame | None = None
    if len(frames) > limit:
        run.cut("frames")
        start = len(frames) - (limit - 1)
        dropped = start
        if _is_marker_frame(frames[0]):  # cut before: count what that cut dropped too
            dropped += (_marker_count(frames[0].function, "frames") or 0) - 1
        marker = StackFrame(function=truncation_marker(dropped, "frames"))
    kept = [_frame(run, frames[i], i) for i in range(start, len(frames))]
    if marker is None and all(a is b for a, b in zip(kept, frames, strict=True)):
        return frames
    return (marker, *kept) if marker is not None else tuple(kept)


def _frame(run: _Pass, frame: StackFrame, index: int) -> StackFrame:
    if _is_marker_frame(frame):
        return frame
    path = f"frames[{index}]"
    changes: dict[str, Any] = {}
    identifier_limit = run.limits.max_identifier_chars
    for name in ("module", "function", "filename"):
        value = getattr(frame, name)
        if value is not None:
            safe = run.text(value, f"{path}.{name}", identifier_limit, name="frames")
            if safe is not value:
                changes[name] = safe
    if frame.vars:
        variables = _frame_vars(run, frame.vars, f"{path}.vars")
        if variables is not frame.vars:
            changes["vars"] = variables
    return frame.model_copy(update=changes) if changes else frame


def _frame_vars(run: _Pass, variables: dict[str, str], path: str) -> dict[str, str]:
    limits = run.limits
    source: Mapping[str, object] = variables
    if len(variables) > limits.max_frame_vars:
        run.cut("frames.vars")
        earlier = _marker_count(variables.get(MARKER_KEY), "vars") or 0
        names = [name for name in variables if name != MARKER_KEY]
        keep = names[: limits.max_frame_vars - 1]
        dropped = len(names) - len(keep) + earlier
        source = {
            **{name: variables[name] for name in keep},
            MARKER_KEY: truncation_marker(dropped, "vars"),
        }
    name_cap = _precut(limits.max_identifier_chars)
    value_cap = _precut(limits.max_var_value_chars)
    if any(len(n) > name_cap or len(str(v)) > value_cap for n, v in source.items()):
        source = {
            _precut_text(name, name_cap): _precut_text(str(item), value_cap)
            for name, item in source.items()
        }
    redacted = run.redactor.redact_value(source, path)
    run.findings.extend(redacted.findings)
    value = redacted.value
    assert isinstance(value, dict)
    out: dict[str, str] = {}
    changed = value is not variables
    for name, item in value.items():
        text = item if isinstance(item, str) else str(item)
        safe_name = run.text(
            name, f"{path}.<key>", limits.max_identifier_chars, name="frames.vars", redact=False
        )
        if name == MARKER_KEY or _marker_count(text, "vars") is not None:
            safe = text
        else:
            safe = run.text(
                text,
                f"{path}.{safe_name}",
                limits.max_var_value_chars,
                name="frames.vars",
                redact=False,
            )
        changed = changed or safe is not item or safe_name is not name
        out.setdefault(safe_name, safe)
    return out if changed else variables


def _tags(run: _Pass, tags: tuple[str, ...]) -> tuple[str, ...]:
    limits = run.limits
    kept = tags
    if len(tags) > limits.max_tags:
        run.cut("tags")
        kept = tags[: limits.max_tags]
    safe = tuple(
        run.text(tag, f"tags[{i}]", limits.max_tag_chars, name="tags") for i, tag in enumerate(kept)
    )
    if kept is tags and all(a is b for a, b in zip(safe, tags, strict=True)):
        return tags
    return safe


def _context(run: _Pass, context: dict[str, Any]) -> dict[str, Any]:
    limits = run.limits
    # A string longer than the whole budget cannot stay whole: cut it before redaction
    # (which is linear in the text), with slack so a secret at that cut is dropped later.
    budget = limits.max_context_bytes
    converter = _Plain(limits.max_context_depth, budget + max(budget, _MIN_SLACK), copy=False)
    plain = converter.convert(context, 0)
    if converter.cut:
        run.cut("context")
    redacted = run.redactor.redact_value(plain, "context")
    run.findings.extend(redacted.findings)
    value = redacted.value
    rounds = 0
    while context_bytes(value) > limits.max_context_bytes:
        run.cut("context")
        if rounds == _MAX_ROUNDS:
            value = {MARKER_KEY: truncation_marker(len(context), "keys")}
            break
        rounds += 1
        value = _fit(value, limits.max_context_bytes, run.marker)
        again = run.redactor.redact_value(value, "context")
        if again.findings:  # cutting made something recognisable: redact, check again
            run.findings.extend(Finding(f.rule, f.path) for f in again.findings)
            value = again.value
    assert isinstance(value, dict)
    return context if value is context else value


def _precut(limit: int) -> int:
    """How long a text may be before it is cut once ahead of redaction (see `_Pass.text`)."""
    return limit + max(limit, _MIN_SLACK)


def _precut_text(text: str, cap: int) -> str:
    return storable_text(clip_text(text, cap)) if len(text) > cap else text


# The smallest room worth shrinking a value into rather than dropping it.
_MIN_PARTIAL: Final = 48


def _size(value: object) -> int:
    return context_bytes(value)


def _fit(value: object, budget: int, marker: re.Pattern[str]) -> object:
    """`value` cut until its JSON fits `budget` bytes, with markers counting what went.

    A mapping keeps its small entries whole and shares what room is left equally among the
    big ones (water-filling), so one huge entry cannot crowd out the rest; a list keeps a
    prefix. Deterministic, so the same context is always cut the same way.
    """
    if isinstance(value, dict):
        return _fit_mapping(value, budget, marker)
    if isinstance(value, list):
        return _fit_list(value, budget, marker)
    if isinstance(value, str):
        return _fit_string(value, budget, marker)
    return value if _size(value) <= budget else None


def _fit_string(text: str, budget: int, marker: re.Pattern[str]) -> str:
    encoded = _size(text)
    if encoded <= budget:
        return text
    chars = len(text)
    ratio = max(1.0, (encoded - 2) / max(1, chars))
    limit = max(_MIN_TEXT, int((budget - 2) / ratio))
    while True:
        clipped = clip_text(text, limit, redaction_marker=marker)
        if _size(clipped) <= budget:
            return clipped
        if limit <= _MIN_TEXT:
            bare = truncation_marker(len(text), "chars")
            return bare if _size(bare) <= budget else ""
        limit = max(_MIN_TEXT, int(limit * 0.9))


def _fit_mapping(value: dict[str, Any], budget: int, marker: re.Pattern[str]) -> dict[str, Any]:
    earlier = _prior(value)
    reserve = _size({MARKER_KEY: truncation_marker(len(value) + earlier, "keys")}) - 2 + 1
    room = budget - 2 - reserve
    entries = sorted(
        (_size(key) + 1 + 1 + _size(item), key)  # "key":value plus a comma
        for key, item in value.items()
        if not (key == MARKER_KEY and earlier)
    )
    kept: dict[str, Any] = {}
    dropped = earlier
    for position, (cost, key) in enumerate(entries):
        share = room // (len(entries) - position)
        if cost <= share:
            kept[key] = value[key]
            room -= cost
            continue
        overhead = _size(key) + 2
        shrunk = _fit(value[key], share - overhead, marker) if share >= _MIN_PARTIAL else None
        if isinstance(shrunk, dict | list | str) and _size(shrunk) + overhead <= share:
            kept[key] = shrunk
            room -= _size(shrunk) + overhead
        else:
            dropped += 1
    out = {key: kept[key] for key in sorted(kept)}
    if dropped:
        out[MARKER_KEY] = truncation_marker(dropped, "keys")
    return out


def _prior(value: Mapping[str, Any]) -> int:
    return _marker_count(value.get(MARKER_KEY), "keys") or 0 if MARKER_KEY in value else 0


def _fit_list(value: Sequence[Any], budget: int, marker: re.Pattern[str]) -> list[Any]:
    reserve = _size(truncation_marker(len(value), "items")) + 1
    room = budget - 2 - reserve
    out: list[Any] = []
    used = 0
    for index, item in enumerate(value):
        cost = _size(item) + (1 if out else 0)
        if used + cost <= room:
            out.append(item)
            used += cost
            continue
        left = room - used - (1 if out else 0)
        shrunk = _fit(item, left, marker) if left >= _MIN_PARTIAL else None
        partial = isinstance(shrunk, dict | list | str) and _size(shrunk) <= left
        if partial:
            out.append(shrunk)
        rest = len(value) - index - partial
        if rest:
            out.append(truncation_marker(rest, "items"))
        return out
    return out
