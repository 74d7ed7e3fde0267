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

Each redacted span becomes a marker, ``[REDACTED:<rule>]`` by default. Markers are never
matched again and text is re-scanned until nothing more is found, so redacting redacted
output changes nothing and reports nothing.

The redactor is plain Python on the standard library's ``re``; it runs on an agent's event
loop without blocking I/O. Benchmarks: ``bench/redaction.py``.
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Callable, Iterator, Mapping, Set
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "DEFAULT_REDACTOR",
    "DEFAULT_SENSITIVE_KEYS",
    "MAX_DEPTH_RULE",
    "SENSITIVE_KEY_RULE",
    "Finding",
    "Redacted",
    "RedactionRules",
    "Redactor",
    "SensitiveKeys",
    "ValuePatterns",
    "is_payment_card",
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

    _CACHE_SIZE: Final = 65536

    def __init__(self, terms: tuple[str, ...]) -> None:
        self._terms = tuple({key_words(term): None for term in terms if key_words(term)})
        self._cache: dict[str, bool] = {}
        # Every sensitive key in text contains one of these (lower-cased): single-word
        # terms that do not contain another (``oauth`` holds ``auth``), and the first word
        # of multi-word terms that hold no single-word term (``api`` of ``api key``, but
        # nothing for ``client secret``); the key scan starts where they occur.
        singles = {term[0] for term in self._terms if len(term) == 1}
        compounds = [term for term in self._terms if len(term) > 1]
        firsts = {
            term[0]
            for term in compounds
            if not any(single in word for word in term for single in singles)
            and not any(other != term and _holds(term, other) for other in compounds)
        }
        needles = singles | firsts
        self.needles = tuple(
            sorted(w for w in needles if not any(o != w and o in w for o in needles))
        )

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        hit = self._cache.get(key)
        if hit is None:
            hit = self.matches(key_words(key))
            if len(self._cache) >= self._CACHE_SIZE:
                self._cache.clear()  # bounded; a miss only costs a lookup
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


def _holds(words: tuple[str, ...], term: tuple[str, ...]) -> bool:
    """True when `term` occurs in `words` as consecutive words (``x api key``: ``api key``)."""
    return any(words[i : i + len(term)] == term for i in range(len(words) - len(term) + 1))


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
# replace. It only runs when the substrings the rule table lists for it occur in the text.
# --------------------------------------------------------------------------------------

_Finder = Callable[[str, str], Iterator[tuple[int, int]]]

_PEM_PRIVATE_KEY = re.compile(
    r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
    r"(?:[A-Za-z][A-Za-z-]*:[^\r\n\\]*|(?:\s|\\[rn])+|[A-Za-z0-9+/=]+)*+"
    r"(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)?"
)


def _find_private_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """PEM blocks across lines, literal or ``\\n``-escaped, also when cut off."""
    for match in _PEM_PRIVATE_KEY.finditer(text):
        yield match.span()


_B64URL = "A-Za-z0-9_-"
_JWT = re.compile(
    rf"(?<![{_B64URL}])eyJ[{_B64URL}]{{4,}}\.[{_B64URL}]{{4,}}\."
    rf"(?:[{_B64URL}]{{4,}}(?:\.[{_B64URL}]{{4,}}\.[{_B64URL}]{{4,}})?)?(?![{_B64URL}])"
)


def _find_jwt(text: str, lower: str) -> Iterator[tuple[int, int]]:
    for match in _JWT.finditer(text):
        yield match.span()


_AWS_KEY_PREFIXES: Final = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ABIA")
_AWS_ACCESS_KEY = re.compile(
    rf"(?<![A-Z0-9])(?:{'|'.join(_AWS_KEY_PREFIXES)})[A-Z0-9]{{16}}(?![A-Za-z0-9])"
)


def _find_aws_access_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
    for match in _AWS_ACCESS_KEY.finditer(text):
        yield match.span()


_FORTY_BASE64 = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_SECRET_CONTEXT = re.compile(r"aws|secret")


def _find_aws_secret_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """40 mixed-case base64 characters within a line's reach after ``aws``/``secret``.

    Mixed case plus a digit is required, so a 40-hex SHA-1 near the word is left alone.
    """
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
    for match in _GCP_API_KEY.finditer(text):
        yield match.span()


_AZURE_KEY = re.compile(
    r"(?i:AccountKey|SharedAccessKey|SharedAccessSignature)=(?P<secret>[^;\"'\s]+)"
    r"|[?&]sig=(?P<sig>[A-Za-z0-9%+/=]{10,})"
)


def _find_azure_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """Storage/Service Bus keys in connection strings and SAS signatures in URLs."""
    for match in _AZURE_KEY.finditer(text):
        yield match.span("secret") if match.group("secret") else match.span("sig")


_GITHUB_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"
    r"(?![A-Za-z0-9_])"
)


def _find_github_token(text: str, lower: str) -> Iterator[tuple[int, int]]:
    for match in _GITHUB_TOKEN.finditer(text):
        yield match.span()


_SLACK_TOKEN = re.compile(
    r"(?<![A-Za-z0-9-])xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|hooks\.slack\.com/services/(?P<hook>[A-Za-z0-9/]{20,})"
)


def _find_slack_token(text: str, lower: str) -> Iterator[tuple[int, int]]:
    for match in _SLACK_TOKEN.finditer(text):
        yield match.span("hook") if match.group("hook") else match.span()


# Secret and restricted keys, live or test, and webhook signing secrets; publishable
# ``pk_`` keys are public by design and stay.
_STRIPE_KEY = re.compile(
    r"(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|whsec_[0-9A-Za-z]{20,})"
    r"(?![A-Za-z0-9_])"
)


def _find_stripe_key(text: str, lower: str) -> Iterator[tuple[int, int]]:
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
    if "@" in text:
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
    for match in _AUTH_HEADER.finditer(text):
        if _looks_random(match.group("secret")):
            yield match.span("secret")


# An address is found from its ``@`` (or ``%40`` in URLs): the domain is matched forward,
# the local part read backward, so text without ``@`` costs nothing.
_EMAIL_DOMAIN = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?P<tld>[A-Za-z]{2,63}|(?i:xn--)[A-Za-z0-9-]{1,59})(?![A-Za-z0-9-])"
)
_LOCAL_PART_CHARS: Final = frozenset(string.ascii_letters + string.digits + ".!#$%&'*+/=?^_`{|}~-")
# RFC 5322 allows these in a local part, but in logs they delimit what precedes an
# address (``email=bob@…``, ``/users/bob@…``, ``'bob@…'``), so the address starts after.
_LOCAL_DELIMITERS: Final = frozenset("=/?&#{}|`")
# ``icon@2x.png`` is a retina asset, not a mailbox.
_ASSET_EXTENSIONS: Final = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico"})
# ``git@github.com:org/repo.git`` is an SSH remote, not a mailbox.
_SSH_REMOTE_USERS: Final = frozenset({"git"})


def _find_email(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """Addresses with a dotted domain; ``postgres@localhost`` has none and is a login."""
    for sign in ("@", "%40"):
        at = text.find(sign)
        while at >= 0:
            span = _email_at(text, at, at + len(sign))
            if span is not None:
                yield span
            at = text.find(sign, at + 1)


def _email_at(text: str, at: int, domain_start: int) -> tuple[int, int] | None:
    domain = _EMAIL_DOMAIN.match(text, domain_start)
    if domain is None or domain.group("tld").lower() in _ASSET_EXTENSIONS:
        return None
    start, limit = at, max(0, at - 64)
    while start > limit and text[start - 1] in _LOCAL_PART_CHARS:
        start -= 1
    if start == at:
        return None
    start += _local_part_start(text[start:at])
    if text[start:at] in _SSH_REMOTE_USERS and text.startswith(":", domain.end()):
        return None
    if _in_url_authority(text, start):
        return None  # ``https://user:pass@host``: connection_password's business
    return start, domain.end()


def _local_part_start(local: str) -> int:
    """Offset where the address begins: after the last delimiter, if anything is left."""
    for i in range(len(local) - 1, -1, -1):
        char = local[i]
        quote_in_name = (
            char == "'"
            and 0 < i < len(local) - 1
            and local[i - 1].isalpha()
            and local[i + 1].isalpha()
        )  # ``o'neil@…``
        if char in _LOCAL_DELIMITERS or (char == "'" and not quote_in_name):
            return i + 1 if i + 1 < len(local) else 0
    return 0


def _in_url_authority(text: str, position: int) -> bool:
    """True when `position` lies between a ``://`` and the first ``/?#`` after it."""
    scheme_end = text.rfind("://", max(0, position - 300), position)
    if scheme_end < 0:
        return False
    authority = text[scheme_end + 3 : position]
    return not any(c in authority for c in "/?#") and not any(c.isspace() for c in authority)


_SSN = re.compile(r"(?<![0-9A-Za-z-])([0-9]{3})-([0-9]{2})-([0-9]{4})(?![0-9A-Za-z-])")


def _issuable_ssn(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _find_ssn(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """Dashed SSNs that the SSA could have issued (no 000/666/9xx area, 00 group, 0000).

    Tried only at a ``-`` with another three characters on: a regex scan of a whole stack
    trace, full of ``site-packages``, would cost more than everything else.
    """
    at = text.find("-", 3)
    while at >= 0:
        if text.startswith("-", at + 3):
            match = _SSN.match(text, at - 3)
            if match is not None and _issuable_ssn(*match.groups()):
                yield match.span()
        at = text.find("-", at + 1)


# Runs of digit groups joined by single spaces or dashes; a card is some consecutive
# groups of a run, so ``order 2024 4111 1111 1111 1111`` still gives up its card.
# Not after a word character, nor after a decimal point ("3.14…"); an ellipsis may precede a
# card ("...4111111111111111", as reprlib cuts a long local).
_DIGIT_RUN = re.compile(
    r"(?<![0-9A-Za-z_])(?<![0-9A-Za-z_]\.)[0-9]+(?:[ -][0-9]+)*(?![0-9A-Za-z_]|\.[0-9])"
)
_DIGIT_GROUP = re.compile(r"[0-9]+")
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
    if sum(map(text.count, _DIGITS)) < 13:
        return
    for run in _DIGIT_RUN.finditer(text):
        if run.end() - run.start() < 13:
            continue
        groups = [g.span() for g in _DIGIT_GROUP.finditer(text, run.start(), run.end())]
        first = 0
        while first < len(groups):
            last, digits = None, ""
            for j in range(first, len(groups)):
                digits += text[groups[j][0] : groups[j][1]]
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and is_payment_card(digits):
                    last = j  # the longest card starting at this group wins
            if last is None:
                first += 1
            else:
                yield groups[first][0], groups[last][1]
                first = last + 1


# key=value in text: what may follow a key, up to its value. ``\"`` and quotes allow JSON,
# also JSON escaped inside a string; ``==``, ``://`` and ``::`` are not separators.
_KV_SEP = re.compile(r"\\?[\"']?[ \t]*(?P<sep>=>|:=|=|:)(?![=:/])(?P<space>[ \t]*)")
# One or two more words, then a separator: ``private key:``, ``Session ID:``.
_KV_PHRASE = re.compile(
    r"(?P<words>(?: [A-Za-z][A-Za-z0-9]*){1,2})[ \t]*(?P<sep>=>|:=|=|:)(?![=:/])(?P<space>[ \t]*)"
)
# A sensitive word followed by its value in prose, with no separator at all.
_KV_PROSE_AFTER = re.compile(r"[ \t]+(?:(?:is|was|to|set to)[ \t]+)?(?=[\"'A-Za-z0-9])")
# Characters of a key in text (``X-Api-Key``, ``db.password``, ``--password``); a longer
# run is data, not a key.
_KEY_CHARS: Final = frozenset(string.ascii_letters + string.digits + "_.-")
_KEY_MAX: Final = 96


def _key_token(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Widen a sensitive word to the key around it, or None if the run is too long."""
    limit = max(0, start - _KEY_MAX)
    while start > limit and text[start - 1] in _KEY_CHARS:
        start -= 1
    limit = min(len(text), end + _KEY_MAX)
    while end < limit and text[end] in _KEY_CHARS:
        end += 1
    if end - start >= _KEY_MAX:
        return None
    return start, end


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


def _find_nothing(text: str, lower: str) -> Iterator[tuple[int, int]]:
    return iter(())


# --------------------------------------------------------------------------------------
# The redactor.
# --------------------------------------------------------------------------------------


# Built-in rules in priority order: when spans overlap they are merged and reported under
# the most specific rule (a JWT found as ``token=eyJ…`` is a ``jwt``).
#
# A rule's finder runs only when one of its needles occurs in the text (``needles``) or
# in its lower-cased form (``lower_needles``): a few substring searches in C are what
# clean text costs. A rule without needles always runs and checks for itself.
@dataclass(frozen=True, slots=True)
class _TextRule:
    name: str
    find: _Finder
    needles: tuple[str, ...] = ()
    lower_needles: tuple[str, ...] = ()


_BUILT_IN: Final[tuple[_TextRule, ...]] = (
    _TextRule("private_key", _find_private_key, ("PRIVATE KEY",)),
    _TextRule("jwt", _find_jwt, ("eyJ",)),
    _TextRule("aws_access_key", _find_aws_access_key, _AWS_KEY_PREFIXES),
    _TextRule("aws_secret_key", _find_aws_secret_key, (), ("aws", "secret")),
    _TextRule("gcp_api_key", _find_gcp_api_key, ("AIza",)),
    _TextRule("azure_key", _find_azure_key, (), ("accountkey=", "sharedaccess", "sig=")),
    _TextRule(
        "github_token", _find_github_token, ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")
    ),
    _TextRule("slack_token", _find_slack_token, ("xox", "hooks.slack.com")),
    _TextRule("stripe_key", _find_stripe_key, ("_live_", "_test_", "whsec_")),
    _TextRule("vendor_token", _find_vendor_token, _VENDOR_PREFIXES),
    _TextRule("connection_password", _find_connection_password, ("://",), ("jdbc:oracle",)),
    _TextRule("auth_header", _find_auth_header, (), ("bearer", "basic")),
    # key_value's finder needs the redactor's sensitive keys: bound in Redactor.__init__
    _TextRule("key_value", _find_nothing),
    _TextRule("email", _find_email, ("@", "%40")),
    _TextRule("ssn", _find_ssn, ("-",)),
    _TextRule("credit_card", _find_credit_card),
)

# Rules of structured values: a value under a sensitive key, a container too deep to walk.
SENSITIVE_KEY_RULE: Final = "sensitive_key"
MAX_DEPTH_RULE: Final = "max_depth"

_FILLER: Final = "\x00"  # stands in for marker text while rules scan
_MAX_PASSES: Final = 4
_CLEAN_CACHE_LENGTH: Final = 64
_CLEAN_CACHE_SIZE: Final = 16384
_EMPTY: Final[tuple[Finding, ...]] = ()


class Redactor:
    """Applies one set of `RedactionRules`; share one per process.

    Safe to share between threads: its only mutable state is two bounded caches of pure
    results (which keys are sensitive, which short strings are clean).
    """

    def __init__(self, rules: RedactionRules | None = None) -> None:
        self.rules = rules if rules is not None else RedactionRules()
        self.sensitive_keys = SensitiveKeys(self.rules.sensitive_keys)
        enabled = self.rules.value_patterns
        text_rules = [
            _TextRule(rule.name, self._find_key_value) if rule.name == "key_value" else rule
            for rule in _BUILT_IN
            if getattr(enabled, rule.name)
        ]
        custom = [re.compile(pattern) for pattern in self.rules.custom_patterns]
        text_rules.extend(_TextRule("custom", _custom_finder(pattern)) for pattern in custom)
        self._rules = tuple(text_rules)
        self._clean: set[str] = set()
        # Strings shorter than the shortest thing any built-in rule can match (``pwd=x``)
        # cannot hold a secret; custom patterns may match anything, so they switch it off.
        self._min_length = 1 if custom else 5
        self._markers = {r.name: self.rules.marker.format(rule=r.name) for r in text_rules}
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
        """Replace every secret span in `text`; findings give spans in the original text.

        Passes repeat until one finds nothing, so the result is a fixed point: redacting
        it again is guaranteed to change nothing. A second pass only runs when the first
        found something, and it rarely finds more (a secret whose boundaries only show
        once a neighbour became a marker).
        """
        if not self.rules.enabled or len(text) < self._min_length:
            return Redacted(text)
        spans = self._spans(text)
        if not spans:
            return Redacted(text)
        output, shifts = self._replace(text, spans)
        for _ in range(_MAX_PASSES - 1):
            more = self._spans(output)
            if not more:
                break
            spans = sorted(spans + [_to_original(span, shifts) for span in more])
            output, shifts = self._replace(text, spans)
        return Redacted(output, tuple(Finding(rule, path, s, e) for s, e, rule in spans))

    def _replace(
        self, text: str, spans: list[tuple[int, int, str]]
    ) -> tuple[str, tuple[list[int], list[int]]]:
        """The redacted text, and where each marker ends in it with the shift it causes."""
        pieces: list[str] = []
        ends: list[int] = []
        shifts: list[int] = []
        cursor = length = shift = 0
        for start, end, rule in spans:
            marker = self._markers[rule]
            pieces += (text[cursor:start], marker)
            length += start - cursor + len(marker)
            shift += end - start - len(marker)
            ends.append(length)
            shifts.append(shift)
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces), (ends, shifts)

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        """Merged, non-overlapping spans to replace, none of them near an existing marker."""
        markers: list[tuple[int, int]] = []
        if self._marker_anchor in text:
            markers = [m.span() for m in self._marker.finditer(text)]
            if markers:
                # Rules must not read a marker's words (``[REDACTED:aws_access_key]`` is no
                # "aws" context); same-length filler keeps every span where it was.
                text = self._marker.sub(lambda m: _FILLER * len(m.group()), text)
        lower = text.lower()
        candidates: list[tuple[int, int, int]] = []
        for priority, rule in enumerate(self._rules):
            if rule.needles or rule.lower_needles:
                for needle in rule.needles:
                    if needle in text:
                        break
                else:
                    for needle in rule.lower_needles:
                        if needle in lower:
                            break
                    else:
                        continue
            for start, end in rule.find(text, lower):
                if end > start:
                    candidates.append((start, end, priority))
        if markers and candidates:
            candidates = _away_from_markers(candidates, markers)
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
                merged.append((current_start, current_end, self._rules[current_priority].name))
                current_start, current_end, current_priority = start, end, priority
        merged.append((current_start, current_end, self._rules[current_priority].name))
        return merged

    def _find_key_value(self, text: str, lower: str) -> Iterator[tuple[int, int]]:
        """Values after a sensitive key: ``password=…``, ``"api_key": "…"``, headers, prose.

        Scanning starts from where a sensitive word occurs (found by ``str.find``) and
        widens to the key around it, so text without one costs a few substring searches.
        """
        keys = self.sensitive_keys
        tokens: list[tuple[int, int]] = []
        for needle in keys.needles:
            at = lower.find(needle)
            while at >= 0:
                token = _key_token(text, at, at + len(needle))
                if token is None:
                    at = lower.find(needle, at + len(needle))
                    continue
                tokens.append(token)
                at = lower.find(needle, token[1])
        for start, end in sorted(set(tokens)):
            if start and text[start - 1] == ":":
                continue  # a ``:``-glued token is a segment of an ARN or URN, not a key
            key = text[start:end]
            separator = _KV_SEP.match(text, end)
            if separator is not None:
                if key in keys:
                    span = self._key_value_span(text, key, separator, key_words(key))
                    if span is not None:
                        yield span
                continue
            phrase = _KV_PHRASE.match(text, end)
            if phrase is not None:
                words = key_words(key + phrase.group("words").replace(" ", "_"))
                if keys.ends_with_term(words):  # ``private key:``, ``Session ID:``
                    span = self._key_value_span(text, key, phrase, words)
                    if span is not None:
                        yield span
            if key in keys and not (start and text[start - 1] in "/\"'"):
                after = _KV_PROSE_AFTER.match(text, end)
                if after is not None:
                    span = self._prose_value_span(text, key, after.end())
                    if span is not None:
                        yield span

    def _prose_value_span(self, text: str, key: str, position: int) -> tuple[int, int] | None:
        """``auth_token 'e5f6…' rejected``, ``with password secret123``: quoted or random."""
        value = _KV_VALUE.match(text, position)
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
        if not secret or self._is_stand_in(secret, key_words(key)):
            return None
        start = value.start(group)
        return start, start + len(secret)

    def _key_value_span(
        self, text: str, key: str, separator: re.Match[str], words: tuple[str, ...]
    ) -> tuple[int, int] | None:
        position = separator.end()
        scheme = _KV_SCHEME.match(text, position)
        if scheme is not None:
            position = scheme.end()
        value = _KV_VALUE.match(text, position)
        if value is None:
            return None
        group = value.lastgroup or "bare"
        start, end = value.span(group)
        secret = value.group(group)
        colon = separator.group("sep") == ":"
        if group == "bare":
            if colon and words in _HEADER_KEYS:
                line = _KV_LINE.match(text, position)
                if line is not None:
                    return line.span()
            secret = _trim_bare(secret)
            end = start + len(secret)
            if colon and self._is_prose(text, key, secret, end, bool(separator.group("space"))):
                return None
        if not secret or self._is_stand_in(secret, words):
            return None
        if words in _WORKING_DIRECTORY_KEYS and _PATH_VALUE.match(secret):
            return None
        return start, end

    def _is_prose(self, text: str, key: str, secret: str, end: int, spaced: bool) -> bool:
        """``password: must contain a digit`` is a sentence, ``auth-svc:8443`` a host:port."""
        if not spaced and secret.isdigit() and "." in key:
            return True  # ``TokenService.java:88``, ``auth.example.com:443``
        if not _PROSE_WORD.fullmatch(secret):
            return False
        rest = text[end : end + 2]
        if len(rest) < 2 or rest[0] not in " \t":
            return False
        return rest[1].islower() or rest[1] == _FILLER

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
            return self._string(value, path, findings)
        if value is None or isinstance(value, (bool, float)):
            return value
        if type(value) is dict and depth < self.rules.max_depth:
            return self._mapping(value, path, depth, findings)
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

    def _string(self, value: str, path: str, findings: list[Finding]) -> str:
        """Short strings repeat (enums, header names, keys): remember which are clean."""
        if len(value) < self._min_length or value in self._clean:
            return value
        redacted = self.redact_text(value, path)
        if redacted.findings:
            findings.extend(redacted.findings)
        elif len(value) <= _CLEAN_CACHE_LENGTH:
            if len(self._clean) >= _CLEAN_CACHE_SIZE:
                self._clean.clear()  # bounded; a miss only costs a scan
            self._clean.add(value)
        return redacted.value

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
            if isinstance(key, str):
                redacted_key = self._string(key, f"{path}.<key>" if path else "<key>", findings)
                if redacted_key is not key:
                    safe_key = _unique(redacted_key, out, value)
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


def _to_original(
    span: tuple[int, int, str], shifts: tuple[list[int], list[int]]
) -> tuple[int, int, str]:
    """Map a span found in redacted text back to the original; it never touches a marker."""
    ends, offsets = shifts
    before = bisect.bisect_right(ends, span[0])
    offset = offsets[before - 1] if before else 0
    return span[0] + offset, span[1] + offset, span[2]


def _away_from_markers(
    candidates: list[tuple[int, int, int]], markers: list[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """Drop candidates that overlap or touch a marker already in the text.

    Text next to a marker was judged on the first pass, while the secret was still there
    to decide boundaries (``Bearer abc…password=hunter2`` is no bearer token); re-judged
    against the marker, it would look like something new each pass. The price: a secret
    glued to a marker that arrived in the input (from a producer with other rules) stays.
    """
    return [
        (start, end, priority)
        for start, end, priority in candidates
        if not any(m_start <= end and m_end >= start for m_start, m_end in markers)
    ]


def _unique(key: str, done: Mapping[object, object], todo: Mapping[object, object]) -> str:
    """Two keys that redact to the same marker must not overwrite each other."""
    candidate, n = key, 1
    while candidate in done or candidate in todo:
        n += 1
        candidate = f"{key}#{n}"
    return candidate


DEFAULT_REDACTOR: Final = Redactor()


def redact_text(text: str, path: str = "") -> Redacted[str]:
    """`Redactor.redact_text` with the default rules."""
    return DEFAULT_REDACTOR.redact_text(text, path)


def redact_value(value: object, path: str = "") -> Redacted[object]:
    """`Redactor.redact_value` with the default rules."""
    return DEFAULT_REDACTOR.redact_value(value, path)
