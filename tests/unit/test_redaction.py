"""Redaction: the corpus of real-looking secrets and look-alikes, and its properties.

The corpus (tests/data/redaction_corpus.jsonl) is the contract: every ``must_redact``
substring disappears, every ``must_keep`` substring survives, and the share of
look-alike cases in which anything at all is redacted stays under a measured bound.
"""

from __future__ import annotations

import copy
import json
import re
import string
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from errorstream.streams.redaction import (
    DEFAULT_REDACTOR,
    Finding,
    RedactionRules,
    Redactor,
    ValuePatterns,
    is_payment_card,
    key_words,
    redact_text,
    redact_value,
)

CORPUS_PATH = Path(__file__).resolve().parents[1] / "data" / "redaction_corpus.jsonl"
CORPUS: list[dict[str, Any]] = [
    json.loads(line) for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines() if line
]
SECRET_CASES = [case for case in CORPUS if case["must_redact"]]
LOOK_ALIKE_CASES = [case for case in CORPUS if not case["must_redact"]]

# Measured: 0 of 152 look-alikes redacted. The cases marked "held-out" were written after
# the rules and scored blind first: 1 of 30 look-alikes was redacted then, since fixed.
# The bound leaves room for one regression in a hundred, not for a trend.
FALSE_POSITIVE_BOUND = 0.01

MARKER = re.compile(r"\[REDACTED:[a-z0-9_]+\]")


def _ids(case: dict[str, Any]) -> str:
    return str(case["id"])


def _redact(case: dict[str, Any]) -> tuple[object, tuple[Finding, ...]]:
    if case["kind"] == "text":
        result = redact_text(case["input"], "message")
        return result.value, result.findings
    redacted = redact_value(case["input"], "context")
    return redacted.value, redacted.findings


def _leaves(value: object) -> Iterator[str]:
    """Every string a consumer could read back: keys, strings, numbers."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _leaves(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield str(value)


def _readable(case: dict[str, Any], output: object) -> list[str]:
    return [output] if case["kind"] == "text" and isinstance(output, str) else list(_leaves(output))


# -- the corpus --------------------------------------------------------------------------


def test_corpus_is_large_and_has_more_look_alikes_than_secrets() -> None:
    assert len(CORPUS) >= 200
    assert len(LOOK_ALIKE_CASES) >= len(SECRET_CASES)
    assert len({case["id"] for case in CORPUS}) == len(CORPUS)


def test_corpus_exercises_every_built_in_rule() -> None:
    fired = {finding.rule for case in CORPUS for finding in _redact(case)[1]}
    rules = set(ValuePatterns.model_fields) | {"sensitive_key"}
    assert rules <= fired, f"no corpus case for {sorted(rules - fired)}"


@pytest.mark.parametrize("case", SECRET_CASES, ids=_ids)
def test_every_secret_in_the_corpus_is_removed(case: dict[str, Any]) -> None:
    output, findings = _redact(case)
    leaked = [s for s in case["must_redact"] if any(s in leaf for leaf in _readable(case, output))]
    assert not leaked, f"{case['note']}: leaked {leaked} in {output!r}"
    assert findings


@pytest.mark.parametrize("case", CORPUS, ids=_ids)
def test_what_must_stay_stays(case: dict[str, Any]) -> None:
    output, _ = _redact(case)
    lost = [k for k in case["must_keep"] if not any(k in leaf for leaf in _readable(case, output))]
    assert not lost, f"{case['note']}: lost {lost} from {output!r}"


def test_false_positive_rate_on_look_alikes_stays_under_bound(
    capsys: pytest.CaptureFixture[str],
) -> None:
    redacted = [case["id"] for case in LOOK_ALIKE_CASES if _redact(case)[1]]
    rate = len(redacted) / len(LOOK_ALIKE_CASES)
    with capsys.disabled():
        print(
            f"\nredaction false positives: {len(redacted)}/{len(LOOK_ALIKE_CASES)} "
            f"look-alikes ({rate:.1%}) {redacted}"
        )
    assert rate <= FALSE_POSITIVE_BOUND, redacted


@pytest.mark.parametrize("case", CORPUS, ids=_ids)
def test_findings_never_hold_secret_text(case: dict[str, Any]) -> None:
    _, findings = _redact(case)
    for finding in findings:
        shown = f"{finding.rule} {finding.path}"
        assert not any(secret in shown for secret in case["must_redact"]), finding


@pytest.mark.parametrize("case", [c for c in CORPUS if c["kind"] == "text"], ids=_ids)
def test_text_findings_are_the_replaced_spans_of_the_original(case: dict[str, Any]) -> None:
    original = case["input"]
    result = redact_text(original, "message")
    rebuilt, cursor = [], 0
    for finding in result.findings:
        assert finding.start is not None and finding.end is not None
        assert cursor <= finding.start < finding.end <= len(original)
        rebuilt += [original[cursor : finding.start], f"[REDACTED:{finding.rule}]"]
        cursor = finding.end
    rebuilt.append(original[cursor:])
    assert "".join(rebuilt) == result.value


@pytest.mark.parametrize("case", CORPUS, ids=_ids)
def test_redacting_redacted_corpus_output_changes_nothing(case: dict[str, Any]) -> None:
    output, _ = _redact(case)
    again = redact_text(output) if isinstance(output, str) else redact_value(output)
    assert again.value == output
    assert again.findings == ()


def test_redaction_from_many_threads_matches_one_thread() -> None:
    inputs = [case["input"] for case in CORPUS] * 4
    alone = [redact_value(value) for value in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(redact_value, inputs))
    assert together == alone


# -- keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("X-Api-Key", ("x", "api", "key")),
        ("xApiKey", ("x", "api", "key")),
        ("AWS_SECRET_ACCESS_KEY", ("aws", "secret", "access", "key")),
        ("JWTToken", ("jwt", "token")),
        ("oauth2Token", ("oauth", "2", "token")),
        ("request.headers.Set-Cookie", ("request", "headers", "set", "cookie")),
        ("  session id ", ("session", "id")),
    ],
)
def test_keys_normalise_to_words(key: str, words: tuple[str, ...]) -> None:
    assert key_words(key) == words


@pytest.mark.parametrize(
    "key",
    [
        "apiKey", "X-Api-Key", "db_password", "AWS_SECRET_ACCESS_KEY", "refreshToken",
        "Authorization", "PGPASSWORD", "client_secret", "set-cookie", "sessionid", "api_keys",
        "x_auth_token", "oauth2Token", "passwd", "connection_string", "Proxy-Authorization",
    ],
)  # fmt: skip
def test_keys_that_hold_secrets_are_sensitive(key: str) -> None:
    assert key in DEFAULT_REDACTOR.sensitive_keys


@pytest.mark.parametrize(
    "key",
    [
        "author", "authority_level", "max_tokens", "tokens_used", "token_count", "secretary",
        "password_policy_url", "token_type", "token_expires_at", "has_password", "requires_auth",
        "secret_name", "password_min_length", "tokenizer", "auth_failures_total", "cookie_domain",
        "TokenService.java", "www_authenticate",
    ],
)  # fmt: skip
def test_keys_that_describe_secrets_are_not(key: str) -> None:
    assert key not in DEFAULT_REDACTOR.sensitive_keys


def test_a_sensitive_key_replaces_its_whole_value_and_reports_the_path() -> None:
    context = {"request": {"headers": {"Authorization": "Bearer x", "Accept": "*/*"}}}
    result = redact_value(context, "context")
    assert result.value == {
        "request": {"headers": {"Authorization": "[REDACTED:sensitive_key]", "Accept": "*/*"}}
    }
    assert result.findings == (
        Finding("sensitive_key", "context.request.headers.Authorization", None, None),
    )


def test_lists_paths_and_header_pairs() -> None:
    frames = {"frames": [{"vars": {"password": "hunter2"}}], "headers": [("Cookie", "a=1")]}
    result = redact_value(frames)
    assert [f.path for f in result.findings] == ["frames[0].vars.password", "headers[0][1]"]
    assert result.value["headers"] == [("Cookie", "[REDACTED:sensitive_key]")]  # type: ignore[index]


def test_numbers_stay_unless_under_a_sensitive_key_or_a_card() -> None:
    visa = 4111111111111111
    value = {"port": 5432, "ratio": 0.5, "ok": True, "pin_password": 1234, "n": visa, "id": 17}
    result = redact_value(value).value
    assert result == {
        "port": 5432,
        "ratio": 0.5,
        "ok": True,
        "pin_password": "[REDACTED:sensitive_key]",
        "n": "[REDACTED:credit_card]",
        "id": 17,
    }


def test_cyclic_values_are_cut_at_max_depth_instead_of_recursing_forever() -> None:
    loop: dict[str, object] = {"name": "a"}
    loop["self"] = loop
    result = Redactor(RedactionRules(max_depth=5)).redact_value(loop)
    assert "max_depth" in {finding.rule for finding in result.findings}


def test_keys_that_redact_alike_keep_apart() -> None:
    value = {"ana@example.org": 3, "bo@example.net": 1, "[REDACTED:email]#2": 0}
    result = redact_value(value, "emails_sent").value
    assert result == {"[REDACTED:email]": 3, "[REDACTED:email]#3": 1, "[REDACTED:email]#2": 0}


def test_unchanged_input_is_returned_as_is() -> None:
    value = {"a": [1, 2, {"b": "plain text"}], "c": ("x", "y")}
    assert redact_value(value).value is value


# -- rules -------------------------------------------------------------------------------


def test_requirement_004_config_shape_is_accepted() -> None:
    rules = RedactionRules.model_validate(
        {"enabled": True, "patterns": ["password", "api_key"], "customRegex": [r"\bACME-\d{6}\b"]}
    )
    redactor = Redactor(rules)
    assert redactor.redact_text("ref ACME-123456 token=abc").value == (
        "ref [REDACTED:custom] token=abc"
    )


def test_a_bad_custom_regex_is_rejected_by_name() -> None:
    with pytest.raises(ValidationError, match=re.escape("'(unclosed'")):
        RedactionRules(custom_patterns=("ok", "(unclosed"))
    with pytest.raises(ValidationError, match="matches the empty string"):
        RedactionRules(custom_patterns=("x*",))


def test_markers_need_literal_text_and_only_the_rule_field() -> None:
    with pytest.raises(ValidationError):
        RedactionRules(marker="{rule}")
    with pytest.raises(ValidationError):
        RedactionRules(marker="<{secret}>")
    with pytest.raises(ValidationError):
        RedactionRules(value_patterns={"emial": False})  # type: ignore[arg-type]


def test_custom_marker_custom_group_and_toggles() -> None:
    rules = RedactionRules(
        marker="<hidden {rule}>",
        value_patterns=ValuePatterns(email=False),
        custom_patterns=(r"employee_no=(?P<secret>\d+)",),
    )
    redactor = Redactor(rules)
    text = "employee_no=4411 mail bob@example.com password=x1y2z3"
    first = redactor.redact_text(text)
    assert first.value == (
        "employee_no=<hidden custom> mail bob@example.com password=<hidden key_value>"
    )
    assert redactor.redact_text(first.value).findings == ()


def test_disabled_rules_pass_everything_through() -> None:
    redactor = Redactor(RedactionRules(enabled=False))
    value = {"password": "x", "msg": "bob@example.com"}
    assert redactor.redact_value(value).value is value
    assert redactor.redact_text("password=abc").findings == ()


def test_rules_are_frozen_and_their_lists_immutable() -> None:
    rules = RedactionRules.model_validate({"customRegex": [r"ACME-\d+"]})
    with pytest.raises(ValidationError):
        rules.enabled = False
    assert rules.custom_patterns == (r"ACME-\d+",)  # a tuple: no append behind validation


# -- properties --------------------------------------------------------------------------

FRAGMENTS = [
    "password=hunter2",
    "api_key: ",
    "'",
    '"',
    "bob@example.com",
    "user@localhost",
    "4111 1111 1111 1111",
    "123-45-6789",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln",
    "Bearer abc123XYZdef",
    "postgres://u:p4ss@db/x",
    "AKIAIOSFODNN7EXAMPLE",
    "[REDACTED:email]",
    "token ",
    "-----BEGIN PRIVATE KEY-----\nMIIB\n",
    "Cookie: a=1; ",
    " ",
    "\n",
    "=",
    ":",
]
adversarial_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=8
).map("".join)
keys = st.one_of(
    st.sampled_from(["password", "api_key", "token_count", "author", "Authorization", "email"]),
    st.text(max_size=8),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    adversarial_text,
)


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4))


json_like = st.recursive(scalars, containers, max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(json_like)
def test_arbitrary_values_never_raise_and_are_never_mutated(value: object) -> None:
    before = copy.deepcopy(value)
    redact_value(value, "context")
    assert value == before


@settings(max_examples=300, deadline=None)
@given(json_like)
def test_redacting_redacted_values_changes_nothing(value: object) -> None:
    first = redact_value(value)
    second = redact_value(first.value)
    assert second.value == first.value
    assert second.findings == ()


@settings(max_examples=500, deadline=None)
@given(adversarial_text)
# Found by this test: a value running on past a marker, a boundary that moved when its
# neighbour became a marker, a marker's own words read as context, a key glued to a
# redacted SSN, and a JWT glued to a marker that was already in the input.
@example("password=hunter2-----BEGIN PRIVATE KEY-----\nMIIB\n\x1b")
@example("Bearer abc123XYZdefpassword=hunter2postgres://u:p4ss@db/x")
@example("AKIAIOSFODNN7EXAMPLE'AKIAIOSFODNN7EXAMPLEeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")
@example("123-45-6789_password=hunter2")
@example(
    "-----BEGIN PRIVATE KEY-----\nMIIB\neyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln"
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln[REDACTED:email]"
)
def test_redacting_redacted_text_changes_nothing(text: str) -> None:
    first = redact_text(text)
    second = redact_text(first.value)
    assert second.value == first.value
    assert second.findings == ()


# (prefix, length, grouping) for the card networks the rule knows.
ISSUERS = [
    ("4", 16, (4, 4, 4, 4)),
    ("4", 13, (13,)),
    ("4", 19, (4, 4, 4, 4, 3)),
    ("51", 16, (4, 4, 4, 4)),
    ("55", 16, (16,)),
    ("2221", 16, (4, 4, 4, 4)),
    ("2720", 16, (4, 4, 4, 4)),
    ("34", 15, (4, 6, 5)),
    ("37", 15, (15,)),
    ("6011", 16, (4, 4, 4, 4)),
    ("65", 19, (19,)),
    ("62", 17, (17,)),
    ("3528", 16, (4, 4, 4, 4)),
    ("36", 14, (4, 6, 4)),
    ("300", 14, (14,)),
    ("2200", 16, (4, 4, 4, 4)),
    ("50", 13, (13,)),
]


def _luhn_check_digit(body: str) -> str:
    for check in string.digits:
        candidate = body + check
        total = sum(
            (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
            for i, d in enumerate(int(c) for c in reversed(candidate))
        )
        if total % 10 == 0:
            return check
    raise AssertionError("unreachable")


@st.composite
def cards(draw: st.DrawFn) -> str:
    prefix, length, grouping = draw(st.sampled_from(ISSUERS))
    body = prefix + draw(
        st.text(string.digits, min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1)
    )
    number = body + _luhn_check_digit(body)
    separator = draw(st.sampled_from([" ", "-"]))
    parts, at = [], 0
    for size in grouping:
        parts.append(number[at : at + size])
        at += size
    return separator.join(parts)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=30), cards(), st.text(max_size=30))
@example("BASIC", "4111-1111-1111-1111", "")
@example("order 2024", "4111 1111 1111 1111", "12 items")
def test_any_issued_card_number_in_any_text_is_redacted(before: str, card: str, after: str) -> None:
    assert is_payment_card(card.replace(" ", "").replace("-", ""))
    result = redact_text(f"{before} {card} {after}")
    assert card not in result.value
    assert result.findings  # ``credit_card``, or a rule that also covers it (``Basic 4111-…``)


prose = st.text(string.ascii_letters + " ,;()!?", max_size=30)


@settings(max_examples=400, deadline=None)
@given(prose, st.text(string.digits, min_size=13, max_size=19), prose)
def test_digit_runs_that_fail_luhn_are_kept(before: str, digits: str, after: str) -> None:
    if is_payment_card(digits):  # fix the check digit so that Luhn fails
        digits = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    assert not is_payment_card(digits)
    # After a comma, so that the prose cannot make it the credential of a ``Basic``.
    result = redact_text(f"{before}, {digits} {after}")
    assert digits in result.value


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=30), st.emails(), st.text(max_size=30))
def test_generated_email_addresses_are_redacted(before: str, email: str, after: str) -> None:
    result = redact_text(f"{before} {email} {after}")
    domain = email.rsplit("@", 1)[1]
    assert email not in result.value
    assert f"@{domain}" not in result.value


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_findings_on_arbitrary_text_are_valid_spans(text: str) -> None:
    result = redact_text(text, "message")
    previous_end = 0
    for finding in result.findings:
        assert finding.path == "message"
        assert finding.start is not None and finding.end is not None
        assert previous_end <= finding.start < finding.end <= len(text)
        previous_end = finding.end
