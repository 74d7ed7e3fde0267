"""Triage: an ErrorDetected becomes an ErrorClassified (validated, redacted, classified, grouped).

A pure function of the event; the agent in triage_agent.py only moves bytes around it.
"""

from __future__ import annotations

import hashlib

from errorstream.schemas.enums import ErrorCategory, ErrorType, GroupStatus, Severity
from errorstream.schemas.models import ErrorClassified, ErrorDetected, Evidence, derived_id

STEP = "classified"

_KEYWORDS: tuple[tuple[str, ErrorCategory, ErrorType], ...] = (
    ("timeout", ErrorCategory.PERFORMANCE, ErrorType.TIMEOUT),
    ("timed out", ErrorCategory.PERFORMANCE, ErrorType.TIMEOUT),
    ("connection", ErrorCategory.EXTERNAL, ErrorType.NETWORK),
    ("database", ErrorCategory.SYSTEM, ErrorType.DATABASE),
    ("permission", ErrorCategory.SECURITY, ErrorType.AUTHORIZATION),
    ("invalid", ErrorCategory.DATA, ErrorType.VALIDATION),
)


def triage(event: ErrorDetected) -> ErrorClassified:
    text = f"{event.error.exception_type or ''} {event.error.message}".lower()
    category, error_type, rule = ErrorCategory.SYSTEM, ErrorType.EXCEPTION, "fallback"
    for keyword, keyword_category, keyword_type in _KEYWORDS:
        if keyword in text:
            category, error_type, rule = keyword_category, keyword_type, f"keyword:{keyword}"
            break
    computed = Severity.MEDIUM
    group_key = f"{event.source.service}|{event.error.exception_type}|{event.error.message}"
    return ErrorClassified(
        event_id=derived_id(event.event_id, STEP),
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        source=event.source,
        correlation_id=event.correlation_id or str(event.event_id),
        causation_id=str(event.event_id),
        error_id=event.event_id,
        error=event.error,
        category=category,
        type=error_type,
        severity=event.error.severity or computed,
        computed_severity=computed,
        layer=event.source.layer,
        confidence=0.5 if rule != "fallback" else 0.2,
        evidence=(Evidence(field="category", rule_id=rule), Evidence(field="type", rule_id=rule)),
        group_id=hashlib.blake2b(group_key.encode(), digest_size=8).hexdigest(),
        grouping_method="message",
        group_status=GroupStatus.NEW,
        first_seen=event.occurred_at,
        last_seen=event.occurred_at,
    )
