"""Redaction: strip secrets and PII from errors before anything is stored or forwarded.

The same rules run three times: at the SDK edge in the reporting service's process, again
at ingest in the stream processor (a producer may be old, misconfigured or not ours), and
in `errorstream redact`. So redaction is a pure, deterministic function of (rules, input):
replaying a topic redacts identically, and redacting redacted output changes nothing.

Two kinds of rule:

* Key rules, for structured values (context objects, headers, request bodies, frame
  locals): a value stored under a sensitive key is replaced whole, at any depth. Keys are
  normalised to words (``X-Api-Key``, ``apiKey``, ``API_KEY`` are all ``api key``) and
  matched by whole words, so ``author`` or ``max_tokens`` do not match ``auth`` or
  ``token``. A key that merely *describes* a secret is left alone: a metadata word after
  the sensitive word (``token_count``, ``password_policy_url``, ``token_expires_at``) or
  a predicate word before it (``has_password``, ``requires_auth``).
* Value rules, for free text (messages, stack traces, log lines, every string value):
  shapes that are secrets wherever they appear (JWTs, PEM private keys, cloud keys,
  Luhn-valid card numbers, emails, SSNs, passwords in connection strings) and
  ``key=value`` / ``key: value`` / ``"key": "value"`` pairs whose key is sensitive.

Each redacted span becomes a marker, ``[REDACTED:<rule>]`` by default. Text that already
holds a marker is never matched again, which is what makes redaction idempotent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Set
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "DEFAULT_REDACTOR",
    "DEFAULT_SENSITIVE_KEYS",
    "Finding",
    "Redacted",
    "RedactionRules",
    "Redactor",
    "SensitiveKeys",
    "ValuePatterns",
    "key_words",
    "redact_text",
    "redact_value",
]

T = TypeVar("T")

# Requirement 004's keyword list first, then the equivalents users of Sentry-style
# scrubbers expect. Plural forms are listed where the plural still names secrets
# (``secrets``, ``credentials``); ``tokens`` is deliberately absent because
# ``max_tokens``/``prompt_tokens`` are LLM usage counters, not secrets.
DEFAULT_SENSITIVE_KEYS: Final[tuple[str, ...]] = (
    "password",
    "api_key",
    "secret",
    "token",
    "private_key",
    "auth",
    "credential",
    "oauth",
    "jwt",
    "bearer",
    "session_id",
    "access_token",
    "refresh_token",
    "passwd",
    "pwd",
    "passphrase",
    "passwords",
    "secrets",
    "credentials",
    "creds",
    "authorization",
    "proxy-authorization",
    "cookie",
    "cookies",
    "set-cookie",
    "client_secret",
    "x-api-key",
    "access_key",
    "secret_key",
    "signing_key",
    "encryption_key",
    "master_key",
    "account_key",
    "sessionid",
    "connection_string",
    "conn_str",
    "card_number",
    "cvv",
    "cvc",
    "ssn",
)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that, placed after a sensitive word, make the key describe the secret rather
# than hold it: sizes and counters, types and schemes, where it lives, when it expires,
# its name or id, its status. Source-file extensions are here too, so that the
# ``TokenService.java:88`` of a stack frame is a file and line, not a token.
_METADATA_WORDS: Final[frozenset[str]] = _word_set(
    """
    count counts num length len size limit limits max min quota budget usage used rate
    bucket interval attempts retries strength complexity entropy type types kind format
    scheme schemes method methods mode provider providers strategy mechanism alg
    algorithm version versions policy policies rule rules flow flows step stage phase
    url urls uri endpoint path paths file filename dir location source store backend
    server host hostname service svc proxy gateway domain port addr address expires
    expiry expiration expire expired exp ttl timeout lifetime age at time timestamp date
    ts created updated rotated rotation rotations changed issued last name names label
    hint id ids arn ref prefix suffix last4 fingerprint status valid enabled disabled
    required present provided exists set configured error errors message field fields
    param total failures failure success successes latency duration seconds ms ratio
    percent java py pyc js ts jsx tsx go rb kt scala cs php c cc cpp h hpp rs swift
    class jar
    """
)

# Words that, placed before a sensitive word, turn the key into a question about the
# secret (``has_password``, ``requires_auth``, ``num_credentials``).
_PREDICATE_WORDS: Final[frozenset[str]] = _word_set(
    """
    has have had is are was use uses using require requires need needs enable enabled
    disable disabled allow allows skip should must can missing no num max min total
    """
)

# Keys whose value is a whole HTTP header line (scheme plus credentials, or a list of
# cookies): in text their value runs to the end of the line.
_HEADER_KEYS: Final[frozenset[tuple[str, ...]]] = frozenset(
    {("authorization",), ("proxy", "authorization"), ("cookie",), ("set", "cookie")}
)

# ``PWD``/``OLDPWD`` are the shell's working directory in every process environment
# dump; they are passwords only when the value is not a path.
_WORKING_DIRECTORY_KEYS: Final[frozenset[tuple[str, ...]]] = frozenset({("pwd",), ("oldpwd",)})
_PATH_VALUE = re.compile(r"(?:/|~|[A-Za-z]:\\)")


class SensitiveKeys:
    """Decides whether a key names a secret; memoised, since keys repeat endlessly."""

    _CACHE_LIMIT: Final = 65536

    def __init__(self, terms: tuple[str, ...]) -> None:
        self._terms = tuple({key_words(term): None for term in terms if key_words(term)})
        self._cache: dict[str, bool] = {}
        # Substrings of which at least one appears (case-insensitively) in any text that
        # holds a sensitive key: the cheap pre-check before the key=value scan.
        self.anchors: tuple[str, ...] = tuple(sorted({max(term, key=len) for term in self._terms}))

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        hit = self._cache.get(key)
        if hit is None:
            hit = self.matches(key_words(key))
            if len(self._cache) < self._CACHE_LIMIT:
                self._cache[key] = hit
        return hit

    def ends_with_term(self, words: tuple[str, ...]) -> bool:
        """True when a multi-word phrase ends in a sensitive term: ``aws secret key``."""
        for term in self._terms:
            for start, end in _occurrences(words, term):
                if (
                    end == len(words)
                    and start < end - 1 + (len(term) == 1)
                    and not (_PREDICATE_WORDS.intersection(words[:start]))
                ):
                    return True
        return False

    def matches(self, words: tuple[str, ...]) -> bool:
        """True when some sensitive term occurs in `words` without a qualifying word."""
        for term in self._terms:
            for start, end in _occurrences(words, term):
                if not _PREDICATE_WORDS.intersection(words[:start]) and not (
                    _METADATA_WORDS.intersection(words[end:])
                ):
                    return True
        return False


def _occurrences(words: tuple[str, ...], term: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    """Word spans where `term` occurs; its first word may carry a prefix (``pgpassword``)."""
    size = len(term)
    # ``api_keys``, ``refresh_tokens``: a plural compound still names secrets.
    plural = (*term[:-1], term[-1] + "s") if size > 1 else term
    for i in range(len(words) - size + 1):
        rest = words[i + 1 : i + size]
        if words[i].endswith(term[0]) and (rest in (term[1:], plural[1:])):
            yield i, i + size
    if size > 1:
        joined = "".join(term)  # ``apikey``, ``refreshtoken``
        for i, word in enumerate(words):
            if word.endswith(joined):
                yield i, i + 1


_CAMEL_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_WORD = re.compile(r"([a-z0-9])([A-Z])")
_DIGIT_EDGE = re.compile(r"(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def key_words(key: str) -> tuple[str, ...]:
    """``X-Api-Key``, ``xApiKey`` and ``X_API_KEY`` all become ``('x', 'api', 'key')``."""
    split = _CAMEL_WORD.sub(r"\1_\2", _CAMEL_ACRONYM.sub(r"\1_\2", key))
    return tuple(word for word in _NON_ALNUM.split(_DIGIT_EDGE.sub("_", split).lower()) if word)


class ValuePatterns(BaseModel):
    """One switch per built-in free-text rule; every rule is on by default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    private_key: bool = True
    jwt: bool = True
    aws_access_key: bool = True
    aws_secret_key: bool = True
    gcp_api_key: bool = True
    azure_key: bool = True
    github_token: bool = True
    slack_token: bool = True
    stripe_key: bool = True
    vendor_token: bool = True
    connection_password: bool = True
    auth_header: bool = True
    key_value: bool = True
    email: bool = True
    ssn: bool = True
    credit_card: bool = True


class RedactionRules(BaseModel):
    """What to redact; accepts requirement 004's ``patterns``/``customRegex`` names too."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    enabled: bool = True
    sensitive_keys: tuple[str, ...] = Field(
        default=DEFAULT_SENSITIVE_KEYS,
        validation_alias=AliasChoices("sensitive_keys", "patterns"),
    )
    value_patterns: ValuePatterns = ValuePatterns()
    custom_patterns: tuple[str, ...] = Field(
        default=(), validation_alias=AliasChoices("custom_patterns", "customRegex")
    )
    marker: str = "[REDACTED:{rule}]"
    max_depth: int = Field(default=64, ge=1, le=500)

    @field_validator("sensitive_keys")
    @classmethod
    def _keys_have_words(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        for key in keys:
            if not key_words(key):
                raise ValueError(f"sensitive key {key!r} has no letters or digits")
        return tuple(dict.fromkeys(key.strip() for key in keys))

    @field_validator("custom_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"custom pattern {pattern!r} is not a regex: {exc}") from exc
            if compiled.search("") is not None:
                raise ValueError(f"custom pattern {pattern!r} matches the empty string")
        return patterns

    @field_validator("marker")
    @classmethod
    def _marker_is_recognisable(cls, marker: str) -> str:
        try:
            marker.format(rule="rule")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"marker {marker!r} may only use the {{rule}} field") from exc
        if not marker.replace("{rule}", "").strip():
            raise ValueError(f"marker {marker!r} needs literal text besides {{rule}}")
        return marker


@dataclass(frozen=True, slots=True)
class Finding:
    """Where a rule fired; holds the rule, the key path and a span, never the secret."""

    rule: str
    path: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class Redacted(Generic[T]):
    """A redacted value with the findings that explain what was removed."""

    value: T
    findings: tuple[Finding, ...] = ()


# --------------------------------------------------------------------------------------
# Free-text rules. Each finder takes (text, text.lower()) and yields (start, end) spans to
# replace; each starts with a substring pre-check so that clean text costs a few scans.
# --------------------------------------------------------------------------------------

_Finder = Callable[[str, str], Iterator[tuple[int, int]]]

_PEM_PRIVATE_KEY = re.compile(
    r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
    r"(?:[A-Za-z][A-Za-z-]*:[^\r\n\\]*|(?:\s|\\[rn])+|[A-Za-z0-9+/=]+)*+"
    r"(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)?"
)


def _find_private_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """PEM blocks across lines, literal or ``\\n``-escaped, also when cut off."""
    if "PRIVATE KEY" in text:
        for match in _PEM_PRIVATE_KEY.finditer(text):
            yield match.span()


_B64URL = "A-Za-z0-9_-"
_JWT = re.compile(
    rf"(?<![{_B64URL}])eyJ[{_B64URL}]{{4,}}\.[{_B64URL}]{{4,}}\."
    rf"(?:[{_B64URL}]{{4,}}(?:\.[{_B64URL}]{{4,}}\.[{_B64URL}]{{4,}})?)?(?![{_B64URL}])"
)


def _find_jwt(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if "eyJ" in text:
        for match in _JWT.finditer(text):
            yield match.span()


_AWS_KEY_PREFIXES: Final = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ABIA")
_AWS_ACCESS_KEY = re.compile(
    rf"(?<![A-Z0-9])(?:{'|'.join(_AWS_KEY_PREFIXES)})[A-Z0-9]{{16}}(?![A-Za-z0-9])"
)


def _find_aws_access_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if any(prefix in text for prefix in _AWS_KEY_PREFIXES):
        for match in _AWS_ACCESS_KEY.finditer(text):
            yield match.span()


_FORTY_BASE64 = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_SECRET_CONTEXT = re.compile(r"aws|secret")


def _find_aws_secret_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """40 mixed-case base64 characters within a line's reach after ``aws``/``secret``.

    Mixed case plus a digit is required, so a 40-hex SHA-1 near the word is left alone.
    """
    if "aws" in lower or "secret" in lower:
        for match in _FORTY_BASE64.finditer(text):
            candidate = match.group()
            if (
                any(c.isdigit() for c in candidate)
                and any(c.isupper() for c in candidate)
                and any(c.islower() for c in candidate)
            ):
                start = match.start()
                window = lower[max(0, start - 60) : start]
                window = window[window.rfind("\n") + 1 :]
                if _AWS_SECRET_CONTEXT.search(window):
                    yield match.span()


_GCP_API_KEY = re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])")


def _find_gcp_api_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if "AIza" in text:
        for match in _GCP_API_KEY.finditer(text):
            yield match.span()


_AZURE_KEY = re.compile(
    r"(?i:AccountKey|SharedAccessKey|SharedAccessSignature)=(?P<secret>[^;\"'\s]+)"
    r"|[?&]sig=(?P<sig>[A-Za-z0-9%+/=]{10,})"
)


def _find_azure_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """Storage/Service Bus keys in connection strings and SAS signatures in URLs."""
    if "accountkey=" in lower or "sharedaccess" in lower or "sig=" in lower:
        for match in _AZURE_KEY.finditer(text):
            yield match.span("secret") if match.group("secret") else match.span("sig")


_GITHUB_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"
    r"(?![A-Za-z0-9_])"
)


def _find_github_token(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if "gh" in text and ("_" in text):
        for match in _GITHUB_TOKEN.finditer(text):
            yield match.span()


_SLACK_TOKEN = re.compile(
    r"(?<![A-Za-z0-9-])xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|hooks\.slack\.com/services/(?P<hook>[A-Za-z0-9/]{20,})"
)


def _find_slack_token(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if "xox" in text or "hooks.slack.com" in text:
        for match in _SLACK_TOKEN.finditer(text):
            yield match.span("hook") if match.group("hook") else match.span()


# Secret and restricted keys, live or test, and webhook signing secrets; publishable
# ``pk_`` keys are public by design and stay.
_STRIPE_KEY = re.compile(
    r"(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|whsec_[0-9A-Za-z]{20,})"
    r"(?![A-Za-z0-9_])"
)


def _find_stripe_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if "_live_" in text or "_test_" in text or "whsec_" in text:
        for match in _STRIPE_KEY.finditer(text):
            yield match.span()


# Vendor tokens whose prefix alone identifies them: npm, OpenAI/DeepSeek/Anthropic
# ``sk-…``, GitLab, Hugging Face, SendGrid, PyPI, Shopify, DigitalOcean.
_VENDOR_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_-])(?:npm_[A-Za-z0-9]{36}"
    r"|sk-(?:proj-|ant-(?:api|admin)[0-9]{2}-)?[A-Za-z0-9_-]{20,}"
    r"|glpat-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,}"
    r"|SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}|pypi-AgE[A-Za-z0-9_-]{50,}"
    r"|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|dop_v1_[a-f0-9]{64})(?![A-Za-z0-9_-])"
)
_VENDOR_PREFIXES: Final = ("npm_", "sk-", "glpat-", "hf_", "SG.", "pypi-", "shp", "dop_v1_")


def _find_vendor_token(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if any(prefix in text for prefix in _VENDOR_PREFIXES):
        for match in _VENDOR_TOKEN.finditer(text):
            if any(c.isdigit() for c in match.group()):  # ``sk-learn-…`` is a package
                yield match.span()


_URL_PASSWORD = re.compile(
    r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}://"
    r"[^:/?#@\s\"'<>]*:(?P<secret>[^@/?#\s\"'<>]+)@"
    r"|(?i:jdbc:oracle:[a-z0-9]+:)[A-Za-z0-9_$#]+/(?P<oracle>[^@\s\"'<>]+)@"
)


def _find_connection_password(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """``scheme://user:pass@host`` and Oracle's ``user/pass@host``: only the password goes."""
    if "@" in text and ("://" in text or "jdbc:oracle" in lower):
        for match in _URL_PASSWORD.finditer(text):
            yield match.span("secret") if match.group("secret") else match.span("oracle")


_AUTH_HEADER = re.compile(
    r"(?<![A-Za-z0-9_-])(?i:bearer|basic)[ \t]+(?P<secret>[A-Za-z0-9._~+/-]{6,}=*)"
    r"(?![A-Za-z0-9._~+/=-])"
)


def _looks_random(token: str) -> bool:
    """Credentials carry digits or inner capitals; prose (``Basic authentication``) doesn't."""
    return (
        any(c.isdigit() for c in token)
        or (any(c.isupper() for c in token[1:]) and any(c.islower() for c in token))
        or len(token) >= 24
    )


def _find_auth_header(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if "bearer" in lower or "basic" in lower:
        for match in _AUTH_HEADER.finditer(text):
            if _looks_random(match.group("secret")):
                yield match.span("secret")


_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}?)(?:@|%40)"
    r"(?P<domain>[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.(?P<tld>[A-Za-z]{2,24}))"
    r"(?![A-Za-z0-9-])"
)
# ``icon@2x.png`` is a retina asset, not a mailbox.
_ASSET_EXTENSIONS: Final = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico"})
_NOT_MAILBOXES: Final = frozenset({"git"})  # ``git@github.com:org/repo.git`` is SSH


def _find_email(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """Addresses with a dotted domain; ``postgres@localhost`` has none and is a login."""
    if "@" in text or "%40" in text:
        for match in _EMAIL.finditer(text):
            if match.group("tld").lower() in _ASSET_EXTENSIONS:
                continue
            if match.group("local").lower() in _NOT_MAILBOXES:
                continue
            if _in_url_authority(text, match.start()):
                continue  # ``https://user:pass@host``: connection_password's business
            yield match.span()


def _in_url_authority(text: str, position: int) -> bool:
    """True when `position` lies between a ``://`` and the first ``/?#`` after it."""
    scheme_end = text.rfind("://", max(0, position - 300), position)
    if scheme_end < 0:
        return False
    authority = text[scheme_end + 3 : position]
    return not any(c in authority for c in "/?#") and not any(c.isspace() for c in authority)


_SSN = re.compile(r"(?<![0-9A-Za-z-])([0-9]{3})-([0-9]{2})-([0-9]{4})(?![0-9A-Za-z-])")


def _find_ssn(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """Dashed SSNs that the SSA could have issued (no 000/666/9xx area, 00 group, 0000)."""
    if "-" in text:
        for match in _SSN.finditer(text):
            area, group, serial = match.groups()
            if area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000":
                yield match.span()


_CARD = re.compile(
    r"(?<![0-9A-Za-z_.])"
    r"(?:[0-9]{13,19}"
    r"|[0-9]{4}(?P<sep>[ -])[0-9]{4}(?P=sep)[0-9]{4}(?P=sep)[0-9]{1,7}"
    r"|[0-9]{4}(?P<sep2>[ -])[0-9]{6}(?P=sep2)[0-9]{4,5})"
    r"(?![0-9A-Za-z_]|\.[0-9])"
)
_DIGITS = "0123456789"


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position & 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def is_payment_card(digits: str) -> bool:
    """Luhn-valid and shaped like an issued card: a real network prefix and length.

    The prefix check is what keeps epoch-millisecond timestamps (13 digits, leading 1)
    and ``yyyymmdd…`` ids from being taken for cards one time in ten.
    """
    size = len(digits)
    if not 13 <= size <= 19 or not digits.isdigit():
        return False
    first, two, three, four = digits[0], int(digits[:2]), int(digits[:3]), int(digits[:4])
    issued = (
        (first == "4" and size in (13, 16, 19))  # Visa
        or ((51 <= two <= 55 or 2221 <= four <= 2720) and size == 16)  # Mastercard
        or (two in (34, 37) and size == 15)  # American Express
        or ((300 <= three <= 305 or two in (36, 38, 39) or four == 3095) and size >= 14)
        or (3528 <= four <= 3589 and size >= 16)  # JCB
        or (2200 <= four <= 2204 and size >= 16)  # Mir
        or (first == "6")  # Discover, UnionPay, Maestro 6x
        or (two in (50, 56, 57, 58))  # Maestro
    )
    return issued and _luhn_valid(digits)


def _find_credit_card(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if sum(map(text.count, _DIGITS)) >= 13:
        for match in _CARD.finditer(text):
            if is_payment_card(match.group().replace(" ", "").replace("-", "")):
                yield match.span()


# key=value in text. The key scan stops after the separator so that a non-sensitive pair
# (``Cookie: sessionid=…`` with cookies allowed) never hides the pairs inside its value.
# A key glued to a preceding ``:`` is a segment of an ARN or URN path, not a key.
_KV_KEY = re.compile(
    r"(?<![A-Za-z0-9_.:\-])-{0,2}(?P<key>[A-Za-z_][A-Za-z0-9_.\-]{0,80}?)\\?[\"']?[ \t]*"
    r"(?P<sep>=>|:=|=|:)(?![=:/])(?P<space>[ \t]*)"
)
# Up to two words before a key that is not sensitive on its own (``private key:``).
_PHRASE_HEAD = re.compile(r"(?<![A-Za-z0-9_.:\-])(?:[A-Za-z][A-Za-z0-9]* ){1,2}\Z")
# A sensitive word followed by its value in prose, with no separator at all.
_KV_PROSE = re.compile(
    r"(?<![A-Za-z0-9_.:/\-\"'])(?P<key>[A-Za-z_][A-Za-z0-9_.\-]{0,80})[ \t]+"
    r"(?:(?:is|was|to|set to)[ \t]+)?(?=[\"'A-Za-z0-9])"
)
# A bare prose value is a secret only when it looks machine-made: 8+ characters with
# letters and digits (checked by the caller) and no ``:`` (timestamps, host:port).
_PROSE_SECRET = re.compile(r"(?=[^:]*[A-Za-z])[A-Za-z0-9_\-+/=.!@#$%^*~]{8,}")
# Lower-case names with dashes or dots, like Kubernetes object names: ``db-credentials``.
_RESOURCE_NAME = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)+")
_KV_SCHEME = re.compile(
    r"(?i:bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256)[ \t]+(?=\S)"
)
_KV_VALUE = re.compile(
    r"\"(?P<dq>(?:[^\"\\\r\n]|\\.)*)\""
    r"|'(?P<sq>(?:[^'\\\r\n]|\\.)*)'"
    r"|\\\"(?P<edq>(?:[^\"\\\r\n]|\\[^\"\r\n])*)\\\""
    r"|\{(?P<brace>[^{}\r\n]*)\}"
    r"|(?P<bare>[^\s,;&\"'<>`]+)"
)
_KV_LINE = re.compile(r"[^\r\n\"'<>]*[^\s\"'<>]")
# Values that say a secret is absent, or stand in for one, rather than being one.
_NON_SECRET_VALUES: Final[frozenset[str]] = _word_set(
    """
    none null nil undefined true false yes no on off empty missing required invalid
    expired incorrect wrong unset unknown redacted hidden masked n/a na default ok
    success failed denied rejected revoked malformed unauthorized forbidden error
    pending
    """
)
_MASK = re.compile(r"[*x•#.]{3,}|%[sdr]|%\([A-Za-z_]\w*\)[sdr]|\$\{?[A-Za-z_]\w*\}?|\{\}")
_PROSE_WORD = re.compile(r"[A-Za-z][a-z]*")
_CODE_REFERENCE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\(.*)?")
_TRAILING_PUNCTUATION = ".,:;!?"
_CLOSERS: Final = {")": "(", "]": "[", "}": "{"}


def _trim_bare(value: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets after a bare value."""
    while value:
        last = value[-1]
        unbalanced = last in _CLOSERS and value.count(last) > value.count(_CLOSERS[last])
        if last not in _TRAILING_PUNCTUATION and not unbalanced:
            break
        value = value[:-1]
    return value


# --------------------------------------------------------------------------------------
# The redactor.
# --------------------------------------------------------------------------------------

# Built-in rules in priority order: when spans overlap they are merged and reported under
# the most specific rule (a JWT found as ``token=eyJ…`` is a ``jwt``).
_BUILT_IN: Final[tuple[tuple[str, _Finder | None], ...]] = (
    ("private_key", _find_private_key),
    ("jwt", _find_jwt),
    ("aws_access_key", _find_aws_access_key),
    ("aws_secret_key", _find_aws_secret_key),
    ("gcp_api_key", _find_gcp_api_key),
    ("azure_key", _find_azure_key),
    ("github_token", _find_github_token),
    ("slack_token", _find_slack_token),
    ("stripe_key", _find_stripe_key),
    ("vendor_token", _find_vendor_token),
    ("connection_password", _find_connection_password),
    ("auth_header", _find_auth_header),
    ("key_value", None),  # needs the redactor's sensitive keys: Redactor._find_key_value
    ("email", _find_email),
    ("ssn", _find_ssn),
    ("credit_card", _find_credit_card),
)

SENSITIVE_KEY_RULE: Final = "sensitive_key"
MAX_DEPTH_RULE: Final = "max_depth"
_EMPTY: Final[tuple[Finding, ...]] = ()


class Redactor:
    """Applies one set of `RedactionRules`; immutable after construction, so thread-safe."""

    def __init__(self, rules: RedactionRules | None = None) -> None:
        self.rules = rules if rules is not None else RedactionRules()
        self.sensitive_keys = SensitiveKeys(self.rules.sensitive_keys)
        enabled = self.rules.value_patterns
        finders: list[tuple[str, _Finder]] = []
        for name, finder in _BUILT_IN:
            if getattr(enabled, name):
                finders.append((name, finder or self._find_key_value))
        custom = [re.compile(pattern) for pattern in self.rules.custom_patterns]
        for pattern in custom:
            finders.append(("custom", _custom_finder(pattern)))
        self._finders = tuple(finders)
        # Strings shorter than the shortest thing any built-in rule can match (``pwd=x``)
        # cannot hold a secret; custom patterns may match anything, so they switch it off.
        self._min_length = 1 if custom else 5
        self._markers = {name: self.rules.marker.format(rule=name) for name, _ in finders}
        for name in (SENSITIVE_KEY_RULE, MAX_DEPTH_RULE):
            self._markers[name] = self.rules.marker.format(rule=name)
        head, _, tail = self.rules.marker.partition("{rule}")
        self._marker_anchor = max(head, tail, key=len)
        marker_pattern = re.escape(head)
        if "{rule}" in self.rules.marker:
            marker_pattern += r"[a-z0-9_]+" + re.escape(tail)
        self._marker = re.compile(marker_pattern)

    # -- text ---------------------------------------------------------------------------

    def redact_text(self, text: str, path: str = "") -> Redacted[str]:
        """Replace every secret span in `text`; findings give spans in the original text."""
        if not self.rules.enabled or len(text) < self._min_length:
            return Redacted(text)
        spans = self._spans(text)
        if not spans:
            return Redacted(text)
        pieces: list[str] = []
        findings: list[Finding] = []
        cursor = 0
        for start, end, rule in spans:
            pieces.append(text[cursor:start])
            pieces.append(self._markers[rule])
            findings.append(Finding(rule, path, start, end))
            cursor = end
        pieces.append(text[cursor:])
        return Redacted("".join(pieces), tuple(findings))

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        """Merged, non-overlapping spans, minus text that is already a marker."""
        lower = text.lower()
        candidates: list[tuple[int, int, int]] = []
        for priority, (_, finder) in enumerate(self._finders):
            for start, end in finder(text, lower):
                if end > start:
                    candidates.append((start, end, priority))
        if not candidates:
            return []
        if self._marker_anchor in text:
            candidates = _subtract(candidates, [m.span() for m in self._marker.finditer(text)])
            if not candidates:
                return []
        candidates.sort()
        merged: list[tuple[int, int, str]] = []
        current_start, current_end, current_priority = candidates[0]
        for start, end, priority in candidates[1:]:
            if start < current_end:
                current_end = max(current_end, end)
                current_priority = min(current_priority, priority)
            else:
                merged.append((current_start, current_end, self._finders[current_priority][0]))
                current_start, current_end, current_priority = start, end, priority
        merged.append((current_start, current_end, self._finders[current_priority][0]))
        return merged

    def _find_key_value(self, text: str, lower: str) -> Iterator[tuple[int, int]]:
        """Values after a sensitive key: ``password=…``, ``"api_key": "…"``, headers."""
        if not any(anchor in lower for anchor in self.sensitive_keys.anchors):
            return
        for match in _KV_KEY.finditer(text):
            key = match.group("key")
            if key in self.sensitive_keys:
                words = key_words(key)
            else:
                phrase = _PHRASE_HEAD.search(text, max(0, match.start() - 40), match.start())
                if phrase is None:
                    continue
                words = key_words(f"{phrase.group()}{key}".replace(" ", "_"))
                if not self.sensitive_keys.ends_with_term(words):
                    continue  # ``private key:`` names a secret, ``cache key:`` does not
            span = self._key_value_span(text, match, words)
            if span is not None:
                yield span
        for match in _KV_PROSE.finditer(text):
            if match.group("key") in self.sensitive_keys:
                span = self._prose_value_span(text, match)
                if span is not None:
                    yield span

    def _prose_value_span(self, text: str, match: re.Match[str]) -> tuple[int, int] | None:
        """``auth_token 'e5f6…' rejected``, ``with password secret123``: quoted or random."""
        value = _KV_VALUE.match(text, match.end())
        if value is None or value.lastgroup not in ("dq", "sq", "bare"):
            return None
        group = value.lastgroup
        secret = value.group(group)
        if group == "bare":
            secret = _trim_bare(secret)
            if not _PROSE_SECRET.fullmatch(secret) or sum(c.isdigit() for c in secret) < 2:
                return None
        elif _RESOURCE_NAME.fullmatch(secret):
            return None  # ``secret "db-credentials" not found`` names a Kubernetes object
        if not secret or self._is_stand_in(secret, key_words(match.group("key"))):
            return None
        start = value.start(group)
        return start, start + len(secret)

    def _key_value_span(
        self, text: str, match: re.Match[str], words: tuple[str, ...]
    ) -> tuple[int, int] | None:
        position = match.end()
        scheme = _KV_SCHEME.match(text, position)
        if scheme is not None:
            position = scheme.end()
        value = _KV_VALUE.match(text, position)
        if value is None:
            return None
        group = value.lastgroup or "bare"
        start, end = value.span(group)
        secret = value.group(group)
        if group == "bare":
            if words in _HEADER_KEYS and match.group("sep") == ":":
                line = _KV_LINE.match(text, position)
                if line is not None:
                    return line.span()
            secret = _trim_bare(secret)
            end = start + len(secret)
            if match.group("sep") == ":" and self._is_prose(text, secret, end, match):
                return None
        if not secret or self._is_stand_in(secret, words):
            return None
        if words in _WORKING_DIRECTORY_KEYS and _PATH_VALUE.match(secret):
            return None
        return start, end

    def _is_prose(self, text: str, secret: str, end: int, match: re.Match[str]) -> bool:
        """``password: must contain a digit`` is a sentence, ``auth-svc:8443`` a host:port."""
        if not match.group("space") and secret.isdigit() and "." in match.group("key"):
            return True  # ``TokenService.java:88``, ``auth.example.com:443``
        if not _PROSE_WORD.fullmatch(secret):
            return False
        rest = text[end : end + 2]
        if len(rest) < 2 or rest[0] not in " \t":
            return False
        return rest[1].islower() or text.startswith(self._marker_anchor, end + 1)

    def _is_stand_in(self, secret: str, words: tuple[str, ...]) -> bool:
        """Placeholders, masks, absence words and code that names the secret's variable."""
        if secret.lower() in _NON_SECRET_VALUES or _MASK.fullmatch(secret):
            return True
        if _CODE_REFERENCE.fullmatch(secret):
            value_words = key_words(secret)
            if value_words == words:
                return True  # ``password=password`` in a source line
            if (
                len(value_words) > 1
                and not any(c.isdigit() for c in secret)
                and self.sensitive_keys.matches(value_words)
            ):
                return True  # ``token 'refresh_token' missing``: a field name
            if ("." in secret or "(" in secret) and self.sensitive_keys.matches(value_words):
                return True  # ``token=self.token``, ``password=get_password()``
        return False

    # -- structured values --------------------------------------------------------------

    def redact_value(self, value: object, path: str = "") -> Redacted[object]:
        """Redact a JSON-like value; unchanged subtrees are shared, the input never mutated."""
        if not self.rules.enabled:
            return Redacted(value)
        findings: list[Finding] = []
        result = self._value(value, path, 0, findings)
        return Redacted(result, tuple(findings) if findings else _EMPTY)

    def _value(self, value: object, path: str, depth: int, findings: list[Finding]) -> object:
        if isinstance(value, str):
            if len(value) < self._min_length:
                return value
            redacted = self.redact_text(value, path)
            findings.extend(redacted.findings)
            return redacted.value
        if value is None or isinstance(value, (bool, float)):
            return value
        if isinstance(value, int):
            return self._integer(value, path, findings)
        if isinstance(value, (Mapping, list, tuple, Set)) and depth >= self.rules.max_depth:
            # Too deep (or cyclic) to inspect: fail closed.
            findings.append(Finding(MAX_DEPTH_RULE, path))
            return self._markers[MAX_DEPTH_RULE]
        if isinstance(value, Mapping):
            return self._mapping(value, path, depth, findings)
        if isinstance(value, list):
            items = [
                self._value(v, f"{path}[{i}]", depth + 1, findings) for i, v in enumerate(value)
            ]
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        if isinstance(value, tuple):
            return self._tuple(value, path, depth, findings)
        if isinstance(value, Set):
            members = [self._value(v, path, depth + 1, findings) for v in value]
            if all(a is b for a, b in zip(members, value, strict=True)):
                return value
            return type(value)(members) if isinstance(value, frozenset) else set(members)
        return self._opaque(value, path, findings)

    def _integer(self, value: int, path: str, findings: list[Finding]) -> object:
        """Numbers stay, except a card number that arrived as an int."""
        cards = "credit_card" in self._markers
        if cards and 10**12 <= value < 10**19 and is_payment_card(str(value)):
            findings.append(Finding("credit_card", path))
            return self._markers["credit_card"]
        return value

    def _mapping(
        self, value: Mapping[object, object], path: str, depth: int, findings: list[Finding]
    ) -> object:
        out: dict[object, object] = {}
        changed = False
        for key, item in value.items():
            safe_key = key
            if isinstance(key, str) and len(key) >= self._min_length:
                redacted_key = self.redact_text(key, f"{path}.<key>" if path else "<key>")
                if redacted_key.findings:
                    findings.extend(redacted_key.findings)
                    safe_key = _unique(redacted_key.value, out)
            child_path = f"{path}.{safe_key}" if path else str(safe_key)
            if isinstance(key, str) and self._holds_secret(key, item):
                findings.append(Finding(SENSITIVE_KEY_RULE, child_path))
                new_item: object = self._markers[SENSITIVE_KEY_RULE]
            else:
                new_item = self._value(item, child_path, depth + 1, findings)
            changed = changed or safe_key is not key or new_item is not item
            out[safe_key] = new_item
        return out if changed or type(value) is not dict else value

    def _holds_secret(self, key: str, item: object) -> bool:
        if key not in self.sensitive_keys:
            return False
        if item is None or (isinstance(item, (str, Mapping, list, tuple, Set)) and not item):
            return False  # absence is not a secret, and "password was empty" is a clue
        if isinstance(item, str):
            if self._marker.fullmatch(item):
                return False
            words = key_words(key)
            if words in _WORKING_DIRECTORY_KEYS and _PATH_VALUE.match(item):
                return False
        return True

    def _tuple(
        self, value: tuple[object, ...], path: str, depth: int, findings: list[Finding]
    ) -> object:
        # ``("Authorization", "Bearer …")``: header pairs as WSGI/ASGI-style tuples.
        if len(value) == 2 and isinstance(value[0], str) and self._holds_secret(value[0], value[1]):
            name = self._value(value[0], f"{path}[0]", depth + 1, findings)
            findings.append(Finding(SENSITIVE_KEY_RULE, f"{path}[1]"))
            return (name, self._markers[SENSITIVE_KEY_RULE])
        items = tuple(
            self._value(v, f"{path}[{i}]", depth + 1, findings) for i, v in enumerate(value)
        )
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items

    def _opaque(self, value: object, path: str, findings: list[Finding]) -> object:
        """Objects we cannot walk stay as they are, unless their text form holds a secret."""
        try:
            text = str(value)
        except Exception:
            return value
        redacted = self.redact_text(text, path)
        if not redacted.findings:
            return value
        findings.extend(redacted.findings)
        return redacted.value


def _custom_finder(pattern: re.Pattern[str]) -> _Finder:
    """A user regex; a group named ``secret`` limits the redaction to that group."""
    group = "secret" if "secret" in pattern.groupindex else 0

    def find(text: str, lower: str) -> Iterator[tuple[int, int]]:
        for match in pattern.finditer(text):
            if match.group(group) is not None:
                yield match.span(group)

    return find


def _subtract(
    candidates: list[tuple[int, int, int]], protected: list[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """Cut already-redacted markers out of candidate spans, keeping what lies around them."""
    result: list[tuple[int, int, int]] = []
    for start, end, priority in candidates:
        pieces = [(start, end)]
        for p_start, p_end in protected:
            next_pieces: list[tuple[int, int]] = []
            for s, e in pieces:
                if p_end <= s or p_start >= e:
                    next_pieces.append((s, e))
                    continue
                if s < p_start:
                    next_pieces.append((s, p_start))
                if p_end < e:
                    next_pieces.append((p_end, e))
            pieces = next_pieces
        result.extend((s, e, priority) for s, e in pieces if e > s)
    return result


def _unique(key: str, taken: Mapping[object, object]) -> str:
    """Two keys that redact to the same marker must not overwrite each other."""
    if key not in taken:
        return key
    n = 2
    while f"{key}#{n}" in taken:
        n += 1
    return f"{key}#{n}"


DEFAULT_REDACTOR: Final = Redactor()


def redact_text(text: str, path: str = "") -> Redacted[str]:
    """`Redactor.redact_text` with the default rules."""
    return DEFAULT_REDACTOR.redact_text(text, path)


def redact_value(value: object, path: str = "") -> Redacted[object]:
    """`Redactor.redact_value` with the default rules."""
    return DEFAULT_REDACTOR.redact_value(value, path)
