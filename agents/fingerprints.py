"""The group key of an error: which reports are the same problem.

One rule, in order of precedence (as in Sentry):

1. `reporter` — a fingerprint the reporting service set wins: it knows best.
2. `stack` — an error with frames groups by exception type and the normalised in-app
   frames nearest the crash (all frames when none is in-app), so the same bug groups
   across line shifts, builds and deployments, and different bugs stay apart.
3. `template` — a message-only error groups by the template the miner learns for the
   service, so messages differing only in ids, numbers or addresses group together.
4. `message` — without a miner, by the message masked by shape.

Every group id hashes the service too: two services never share a group. Ids are
blake2b digests, never Python's per-process `hash()`, so every worker and every replay
computes the same ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from errorstream.agents.stacktraces import Frame, normalise_frame
from errorstream.agents.templates import TemplateMiner, mask

Method = Literal["reporter", "stack", "template", "message"]

DEFAULT_MAX_FRAMES = 10
"""Frames nearest the crash that make a stack group; deeper callers vary too much."""


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A group key: the id, how it was derived, and what was hashed (for people)."""

    group_id: str
    method: Method
    detail: str


GroupKey = Fingerprint


def group_id_for(service: str, method: Method, key: str) -> str:
    """The short stable id of a group: a digest of service, method and key."""
    text = f"errorstream.group\x00{service}\x00{method}\x00{key}"
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def template_group_id(service: str, cluster_id: str) -> str:
    """The group id of a template cluster; maps a merged cluster's old id to its group."""
    return group_id_for(service, "template", cluster_id)


def stack_signature(
    exception_type: str | None, frames: Sequence[Frame], max_frames: int = DEFAULT_MAX_FRAMES
) -> str:
    """`Type | a:f -> b:g`: the exception type and the frames that identify the bug.

    In-app frames only, unless there are none; consecutive repeats (recursion) count
    once, so a different recursion depth is the same bug; at most `max_frames`, taken
    from the crash end.
    """
    chosen = [frame for frame in frames if frame.in_app] or list(frames)
    identities: list[str] = []
    for frame in chosen:
        identity = normalise_frame(frame)
        if not identities or identities[-1] != identity:
            identities.append(identity)
    if max_frames > 0:
        identities = identities[-max_frames:]
    return f"{exception_type or '<unknown>'} | {' -> '.join(identities)}"


def fingerprint(
    *,
    service: str,
    exception_type: str | None,
    frames: Sequence[Frame],
    message: str,
    reporter_fingerprint: str | None,
    miner: TemplateMiner | None,
    max_frames: int = DEFAULT_MAX_FRAMES,
) -> Fingerprint:
    """The group key of one error report; see the module docstring for the rule.

    With a miner, a message-only error teaches it (the miner learns online), under the
    service's namespace. The exception type, if any, leads the mined text so that
    different exception types never share a template.
    """
    if reporter_fingerprint and reporter_fingerprint.strip():
        key = reporter_fingerprint.strip()
        return Fingerprint(group_id_for(service, "reporter", key), "reporter", key)
    if frames:
        signature = stack_signature(exception_type, frames, max_frames)
        return Fingerprint(group_id_for(service, "stack", signature), "stack", signature)
    text = f"{exception_type}: {message}" if exception_type else message
    if miner is not None:
        match = miner.add(text, namespace=service)
        return Fingerprint(template_group_id(service, match.cluster_id), "template", match.template)
    masked = " ".join(mask(text))
    return Fingerprint(group_id_for(service, "message", masked), "message", masked)
