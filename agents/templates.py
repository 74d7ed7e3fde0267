"""Online log-template mining: how message-only errors are grouped.

A Drain-like miner (He et al., ICWS 2017) with three changes that matter for an
event-sourced stream processor:

* Variables are masked by their *shape* before mining (numbers, hex, UUIDs, IPs,
  host:port, paths, URLs, e-mails, quoted values, dates, durations, sizes, ids that mix
  letters and digits, variable values of ``key=value``), and runs of adjacent variables
  collapse into one ``<*>`` so that variable-length lists do not change the token count.
* Cluster ids are content-derived (``blake2b(namespace, first template)``), so replaying
  the same messages in the same order yields the same ids in any process, and an id
  never changes while its template generalises.
* Templates merge as they generalise, deterministically: when a template changes and
  then equals or subsumes (or is subsumed by) another template of the same namespace
  and length, the two clusters merge. The *older* cluster (the one created first)
  survives with its id, takes the more general template, adds the sizes, and records
  the younger id (and the younger's aliases) as aliases, so lookups of the old id
  resolve to the survivor.

State is a set of small `ClusterRecord`s; `TemplateMiner.restore` rebuilds a miner that
behaves identically from the records `TemplateMiner.clusters` returned.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

WILDCARD = "<*>"

# --------------------------------------------------------------------------------------
# Masking: variables are recognised by shape, token by token, with a cache per masker.
# --------------------------------------------------------------------------------------

# Quoted values may hold spaces, so they are replaced before the line is split. An
# apostrophe inside a word ("can't") never opens a quote. A quoted record that opens
# with an upper-case keyword keeps it ("GET /x HTTP/1.1" becomes "GET <*>"): the verb
# of a request or statement is what tells its events apart.
_QUOTED = re.compile(r"""(?<![\w'"])(?:"[^"\n]*"|'[^'\n]*')(?![\w'"])""")
_LEADING_KEYWORD = re.compile(r"([A-Z]{2,10})\s+\S")

# Dates written with words span several tokens ("Sun Dec 04 04:47:44 2005", "Jul 29,
# 2015 5:41:44 PM"). Their numbers are masked token by token; a month, weekday, AM/PM or
# zone name next to a variable then joins it, and the run collapses into one `<*>`.
_MONTHS = (
    "Jan Feb Mar Apr May Jun Jul Aug Sep Sept Oct Nov Dec January February March April"
    " June July August September October November December"
)
_WEEKDAYS = "Mon Tue Wed Thu Fri Sat Sun Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
_DATE_WORDS = frozenset(
    word + suffix
    for word in f"{_MONTHS} {_WEEKDAYS} AM PM am pm UTC GMT".split()
    for suffix in ("", ",", ".")
) | frozenset(
    lead + word + suffix
    for word in f"{_MONTHS} {_WEEKDAYS}".split()
    for lead in "[("
    for suffix in ("", ",", ".")
)

_LEAD = "([{<\"'"
_TRAIL = ")]}>,;:.!?\"'"
# A token needs a closer look only if it holds a digit or a character of a path, URL,
# e-mail, file or host name; everything else is a word and is kept.
_NEEDS_LOOK = re.compile(r"[\d/@\\.]")

# One token's shape: wrapping punctuation, an optional constant key (`uid=`, `sessionid:`,
# `Name@`, `sshd[`, `call(`), a variable, closing punctuation. Tokens that do not match
# are words and stay as they are. Parts of glued ids are split at _SEP characters.
# File names and host names hold no digit, so they are recognised by their endings.
_FILE_EXTENSIONS = (
    "exe|dll|so|dylib|log|txt|csv|tsv|json|ya?ml|xml|html?|conf|cfg|ini|properties|toml"
    "|jar|war|ear|pyc?|java|go|rb|cs|cpp|hpp|cc|sh|bat|ps1|sql|sqlite|gz|zip|tar|tgz|bz2|xz"
    "|7z|rar|pdf|png|jpe?g|gif|svg|css|lock|pid|sock|pem|crt|cer|p12|tmp|bak|dat|img|iso"
    "|rpm|deb|apk|md|parquet|avro"
)
_TLDS = (
    "com|net|org|edu|gov|mil|io|co|info|biz|local|internal|lan|arpa|cloud|uk|de|fr|cn|hk"
    "|jp|ru|br|eu|au|ca|kr|tw|nl|se|ch|es|pl|mx|za|us"
)
_SEP = r"_\-.:/@#,+=~"
_PART = r"[A-Za-z0-9$]*"
_TOKEN = re.compile(
    rf"""
    (?P<lead>[{re.escape(_LEAD)}]*)
    (?:
      (?:[A-Za-z0-9\-]+\.)+[A-Za-z][A-Za-z0-9\-]*:\d{{1,5}}  # host.name:port is not a key
    | localhost:\d{{1,5}}
    | (?:(?![0-9a-fA-F]{{1,4}}:[0-9a-fA-F]{{0,4}}:)                 # an IPv6 address is no key
         (?P<key>[A-Za-z_][\w.$\-]*?[=:@\[(])(?![=:\\]))?
      (?:
        [-+]?\d(?:[\d.,:/_+\-]*\d)?(?:[A-Za-zµ]{{1,3}}|%)?  # numbers, IPv4(:port), dates,
                                                          # times, versions, 10ms, 5MB, 3%
      | (?:{_PART}[{_SEP}]+)*?                             # an id glued from parts, one of
        (?:\d+(?:[A-Za-z]{{1,3}})?                         # which is a number (with unit),
        | (?=[0-9a-fA-F]*\d)[0-9a-fA-F]{{6,}}               # a hex run,
        | [A-Za-z0-9$]*\d{{4}}[A-Za-z0-9$]*                 # a long digit run (UUIDs, ISO
        | [A-Za-z]*\d+[A-Za-z]+\d+[A-Za-z0-9$]*             # dates), or alternates: a1b2
        )
        (?:[{_SEP}]+{_PART})*
      | (?:~|\.{{1,2}})?/[^\s/]\S*?                        # absolute, ./ ../ ~/ path
      | [\w\-]+(?:\.[\w\-]+)*\.(?:{_FILE_EXTENSIONS})        # a file name: app.log, x.exe
      | (?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+(?:{_TLDS})     # a host name: www.example.com
      | [A-Za-z][A-Za-z0-9+.\-]*://\S*?                    # URL
      | [\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+                    # e-mail
      | [-+]?0[xX][0-9a-fA-F]+                            # 0x hex
      | (?=[0-9a-fA-F]*\d)[0-9a-fA-F]{{6,}}                # hashes, long hex ids
      | (?=[0-9a-fA-F:]*\d)[0-9a-fA-F]{{0,4}}(?::[0-9a-fA-F]{{0,4}}){{2,7}}(?:%\w+)?  # IPv6
      | \[(?=[0-9a-fA-F:.]*\d)[0-9a-fA-F:.]+\](?::\d+)?    # [IPv6]:port
      | [A-Za-z]:\\\S*?                                    # Windows path
      | \\\\\S+?                                           # UNC path
      )
    )
    (?P<trail>(?!::)[{re.escape(_TRAIL)}]*)                # "::" ends an IPv6 address
    """,
    re.VERBOSE,
)


_LONGEST_SHAPED_TOKEN = 120


def mask_token(token: str) -> str:
    """The token with its variable part replaced by `<*>`; words come back unchanged."""
    if not _NEEDS_LOOK.search(token):
        return token
    if len(token) > _LONGEST_SHAPED_TOKEN:
        # Blobs, encoded payloads, long lists glued with commas: variables all, and too
        # long to match shape by shape (the id pattern backtracks quadratically).
        return WILDCARD
    shape = _TOKEN.fullmatch(token)
    if shape is None:
        return token
    lead, key, trail = shape.group("lead", "key", "trail")
    return f"{lead}{key or ''}{WILDCARD}{trail}"


def _bare_variable(token: str) -> tuple[str, str] | None:
    """(lead, trail) punctuation around a token that is only a variable, else None."""
    at = token.find(WILDCARD)
    if at < 0:
        return None
    lead, trail = token[:at], token[at + len(WILDCARD) :]
    if lead.strip(_LEAD) or trail.strip(_TRAIL):
        return None
    return lead, trail


@functools.lru_cache(maxsize=4096)
def _is_variable_token(token: str) -> bool:
    """A variable with nothing but punctuation around it ("<*>", "[<*>]", "<*>:")."""
    return _bare_variable(token) is not None


def _collapse(tokens: list[str]) -> list[str]:
    """Joins runs of variables ("a, b, c" or "x y z") into one `<*>`.

    A list of ids or values has no fixed length, so without this one event type would
    split into one cluster per list length.
    """
    out: list[str] = []
    run_open = False  # out[-1] is a bare variable that a following one may extend
    for token in tokens:
        parts = _bare_variable(token)
        if parts is None:
            out.append(token)
            run_open = False
            continue
        lead, trail = parts
        if run_open and not lead:
            previous = _bare_variable(out[-1])
            if previous is not None and previous[1] in ("", ","):
                out[-1] = previous[0] + WILDCARD + trail
                continue
        out.append(token)
        run_open = True
    return out


class TokenMasker:
    """Tokenises messages and masks variables, memoising per-token decisions.

    Constant words repeat across every line of a template, so the per-token cache makes
    masking cost one dictionary lookup for most tokens.
    """

    __slots__ = ("_cache", "_cache_size")

    def __init__(self, cache_size: int = 100_000) -> None:
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size

    def __call__(self, message: str) -> tuple[str, ...]:
        if '"' in message or "'" in message:
            message = _QUOTED.sub(_quoted_placeholder, message)
        cache = self._cache
        masked: list[str] = []
        previous_variable = False
        adjacent_variables = False
        date_words = False
        for token in message.split():
            out = cache.get(token)
            if out is None:
                out = mask_token(token)
                if len(cache) >= self._cache_size:
                    cache.clear()
                cache[token] = out
            if WILDCARD in out:
                adjacent_variables = adjacent_variables or previous_variable
                previous_variable = True
            else:
                previous_variable = False
                date_words = date_words or out in _DATE_WORDS
            masked.append(out)
        if date_words:
            masked = _join_dates(masked)
        if adjacent_variables or date_words:
            masked = _collapse(masked)
        return tuple(masked)


def _join_dates(tokens: list[str]) -> list[str]:
    """Turns date words next to a variable into variables, so the whole date is one."""
    out = list(tokens)
    changed = True
    while changed:
        changed = False
        for i, token in enumerate(out):
            if token not in _DATE_WORDS:
                continue
            if (i > 0 and _is_variable_token(out[i - 1])) or (
                i + 1 < len(out) and _is_variable_token(out[i + 1])
            ):
                core = token.strip("[(,.")
                at = token.index(core)
                out[i] = token[:at] + WILDCARD + token[at + len(core) :]
                changed = True
    return out


def _quoted_placeholder(match: re.Match[str]) -> str:
    quoted = match.group(0)
    keyword = _LEADING_KEYWORD.match(quoted, 1)
    if keyword:
        return f"{quoted[0]}{keyword.group(1)} {WILDCARD}{quoted[0]}"
    return quoted[0] + WILDCARD + quoted[0]


_DEFAULT_MASKER = TokenMasker()


def mask(message: str) -> list[str]:
    """Splits a message on whitespace and replaces its variables by `<*>`."""
    return list(_DEFAULT_MASKER(message))


# --------------------------------------------------------------------------------------
# The miner.
# --------------------------------------------------------------------------------------


class MinerConfig(BaseModel):
    """Tuning of the template miner; the defaults suit service logs of any kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    similarity_threshold: float = Field(default=0.6, gt=0.0, le=1.0)
    """Share of a template's positions a message must agree with to join it."""
    prefix_tokens: int = Field(default=2, ge=0, le=4)
    """Leading tokens that route a message, as in Drain's fixed-depth tree."""
    max_clusters: int = Field(default=10_000, ge=1)
    """Clusters kept per miner; the least recently used is evicted beyond this."""
    cache_size: int = Field(default=100_000, ge=0)
    """Entries in the masked-token and exact-match caches (0 disables the match cache)."""


class TemplateMatch(NamedTuple):
    """What the miner made of one message."""

    cluster_id: str
    template: str
    changed: bool
    """The cluster's record changed structurally (template or aliases): persist it."""
    is_new: bool
    merged_ids: tuple[str, ...] = ()
    """Clusters absorbed into this one by this message: delete their records."""
    evicted_ids: tuple[str, ...] = ()
    """Clusters evicted to make room: delete their records."""


@dataclass(frozen=True, slots=True)
class ClusterRecord:
    """The persisted state of one cluster; a miner is rebuilt from these alone.

    `created` and `last_used` are ticks of the miner's clock (one tick per learned
    message): `created` orders merges (older survives), `last_used` orders eviction.
    `routes` are the prefix-tree leaves the cluster is reachable from.
    """

    cluster_id: str
    namespace: str
    template: tuple[str, ...]
    size: int
    aliases: tuple[str, ...]
    created: int
    last_used: int
    routes: tuple[tuple[str, ...], ...]

    @property
    def template_text(self) -> str:
        return " ".join(self.template)


class _Cluster:
    __slots__ = (
        "aliases",
        "cluster_id",
        "created",
        "last_used",
        "namespace",
        "routes",
        "size",
        "text",
        "tokens",
    )

    def __init__(
        self,
        cluster_id: str,
        namespace: str,
        tokens: tuple[str, ...],
        created: int,
    ) -> None:
        self.cluster_id = cluster_id
        self.namespace = namespace
        self.tokens = tokens
        self.text = " ".join(tokens)
        self.size = 0
        self.aliases: list[str] = []
        self.created = created
        self.last_used = created
        self.routes: list[tuple[str, ...]] = []

    def record(self) -> ClusterRecord:
        return ClusterRecord(
            cluster_id=self.cluster_id,
            namespace=self.namespace,
            template=self.tokens,
            size=self.size,
            aliases=tuple(self.aliases),
            created=self.created,
            last_used=self.last_used,
            routes=tuple(self.routes),
        )


def cluster_id_for(namespace: str, template: Iterable[str], attempt: int = 0) -> str:
    """The content-derived id of a cluster first seen with `template` in `namespace`."""
    text = f"errorstream.template\x00{namespace}\x00{' '.join(template)}"
    if attempt:
        text += f"\x00{attempt}"
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _subsumes(general: tuple[str, ...], specific: tuple[str, ...]) -> bool:
    return all(g in (WILDCARD, s) for g, s in zip(general, specific, strict=True))


class TemplateMiner:
    """Learns templates from a stream of messages, kept apart by namespace (service).

    A message is masked and routed, as in Drain, by namespace, token count and its
    leading tokens (tokens with digits route as `<*>`); it then joins the most similar
    cluster of its leaf, or of the leaves where those tokens are `<*>`. Similarity is
    the share of positions where message and template hold the same constant, among
    the positions that are not variables in both, so masked values neither help nor
    hurt; a message that contradicts none of a template's constants already fits it
    (similarity 1). Below the threshold the message starts a new cluster. Ties go to
    the cluster with more agreeing constants, then to the older one.

    Not thread-safe: a worker owns its miner (one per partition).
    """

    def __init__(self, config: MinerConfig | None = None, namespace: str = "") -> None:
        self.config = config or MinerConfig()
        self.namespace = namespace
        """Namespace of `add` and `match` calls that name none."""
        self._masker = TokenMasker(self.config.cache_size)
        self._clusters: OrderedDict[str, _Cluster] = OrderedDict()  # by recency of use
        self._aliases: dict[str, str] = {}
        self._leaves: dict[tuple[str, ...], list[_Cluster]] = {}
        self._by_length: dict[tuple[str, int], list[_Cluster]] = {}
        self._match_cache: dict[tuple[str, tuple[str, ...]], _Cluster | None] = {}
        self._clock = 0
        self._dirty: set[str] = set()
        self._deleted: set[str] = set()

    # -- public API -----------------------------------------------------------------

    def add(self, message: str, namespace: str | None = None) -> TemplateMatch:
        """Learns from one message and says which cluster it joined."""
        if namespace is None:
            namespace = self.namespace
        tokens = self._masker(message)
        self._clock += 1
        cluster = self._search(namespace, tokens)
        if cluster is not None and cluster.tokens == tokens:
            return self._touch(cluster, changed=False, is_new=False)
        if cluster is None:
            evicted = self._make_room()
            cluster = self._create(namespace, tokens)
            match = self._touch(cluster, changed=True, is_new=True)
            return match._replace(evicted_ids=evicted) if evicted else match
        generalised = tuple(
            t if t == m else WILDCARD for t, m in zip(cluster.tokens, tokens, strict=True)
        )
        if generalised == cluster.tokens:
            return self._touch(cluster, changed=False, is_new=False)
        self._set_template(cluster, generalised)
        survivor, merged = self._merge_subsumed(cluster)
        match = self._touch(survivor, changed=True, is_new=False)
        return match._replace(merged_ids=merged) if merged else match

    def match(self, message: str, namespace: str | None = None) -> TemplateMatch | None:
        """The cluster a message would join, without learning from it."""
        if namespace is None:
            namespace = self.namespace
        cluster = self._search(namespace, self._masker(message))
        if cluster is None:
            return None
        return TemplateMatch(cluster.cluster_id, cluster.text, changed=False, is_new=False)

    def resolve(self, cluster_id: str) -> str | None:
        """The live cluster id for `cluster_id` or one of its aliases; None if unknown."""
        if cluster_id in self._clusters:
            return cluster_id
        return self._aliases.get(cluster_id)

    def template(self, cluster_id: str) -> str | None:
        """The current template of a cluster, looked up by id or alias."""
        live = self.resolve(cluster_id)
        return None if live is None else self._clusters[live].text

    def clusters(self) -> list[ClusterRecord]:
        """Records of every live cluster, least recently used first."""
        return [cluster.record() for cluster in self._clusters.values()]

    def drain_changes(self) -> tuple[list[ClusterRecord], list[str]]:
        """Records touched since the last call (to upsert) and ids to delete.

        `TemplateMatch.changed` says when a record must be persisted for ids to stay
        right; sizes and recency change on every message and can be flushed in batches
        with this, at the worker's commit points.
        """
        upserts = [self._clusters[cid].record() for cid in sorted(self._dirty)]
        deletes = sorted(self._deleted)
        self._dirty.clear()
        self._deleted.clear()
        return upserts, deletes

    def __len__(self) -> int:
        return len(self._clusters)

    @classmethod
    def restore(
        cls,
        records: Iterable[ClusterRecord],
        config: MinerConfig | None = None,
        namespace: str = "",
    ) -> TemplateMiner:
        """Rebuilds the miner that produced `records` (from `clusters()`).

        Pass the same config: routes depend on `prefix_tokens`. Records whose sizes and
        recency were flushed late still rebuild the same templates and ids; only the
        order of eviction under memory pressure can differ.
        """
        miner = cls(config, namespace)
        ordered = sorted(records, key=lambda r: (r.last_used, r.created, r.cluster_id))
        for record in ordered:
            cluster = _Cluster(record.cluster_id, record.namespace, record.template, record.created)
            cluster.size = record.size
            cluster.aliases = list(record.aliases)
            cluster.last_used = record.last_used
            miner._clusters[cluster.cluster_id] = cluster
            for alias in record.aliases:
                miner._aliases[alias] = cluster.cluster_id
            miner._clock = max(miner._clock, record.last_used)
        # Leaves and length buckets hold clusters in creation order, as when learned.
        for record in sorted(ordered, key=lambda r: r.created):
            cluster = miner._clusters[record.cluster_id]
            miner._index_length(cluster)
            for route in record.routes:
                miner._register(cluster, route)
        return miner

    # -- internals ------------------------------------------------------------------

    def _route(self, namespace: str, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """The leaf for a token sequence: namespace, length and routable leading tokens."""
        head = tokens[: self.config.prefix_tokens]
        return (
            namespace,
            str(len(tokens)),
            *(WILDCARD if WILDCARD in t or any(c.isdigit() for c in t) else t for t in head),
        )

    def _candidate_leaves(self, route: tuple[str, ...]) -> Iterator[list[_Cluster]]:
        """The message's own leaf, then leaves whose routing tokens are wildcards."""
        seen: set[tuple[str, ...]] = set()
        head = route[2:]
        for mask_bits in range(1 << len(head)):
            key = route[:2] + tuple(
                WILDCARD if mask_bits >> i & 1 else token for i, token in enumerate(head)
            )
            if key in seen:
                continue
            seen.add(key)
            leaf = self._leaves.get(key)
            if leaf:
                yield leaf

    def _search(self, namespace: str, tokens: tuple[str, ...]) -> _Cluster | None:
        cache_key = (namespace, tokens)
        if cache_key in self._match_cache:
            return self._match_cache[cache_key]
        best: _Cluster | None = None
        best_key = (-1.0, -1)
        size = len(tokens)
        for leaf in self._candidate_leaves(self._route(namespace, tokens)):
            for cluster in leaf:
                agree = 0
                neutral = 0
                conflicts = 0
                for t, m in zip(cluster.tokens, tokens, strict=True):
                    if t == m:
                        if _is_variable_token(t):
                            neutral += 1
                        else:
                            agree += 1
                    elif t != WILDCARD:
                        conflicts += 1
                if conflicts == 0:
                    similarity = 1.0  # the template already fits: it needs no change
                else:
                    similarity = agree / (size - neutral)
                key = (similarity, agree)
                # Ties go to the cluster seen first (leaves keep creation order).
                if key > best_key or (
                    key == best_key and best is not None and cluster.created < best.created
                ):
                    best, best_key = cluster, key
        if best is not None and best_key[0] < self.config.similarity_threshold:
            best = None
        if self.config.cache_size:
            if len(self._match_cache) >= self.config.cache_size:
                self._match_cache.clear()
            self._match_cache[cache_key] = best
        return best

    def _touch(self, cluster: _Cluster, *, changed: bool, is_new: bool) -> TemplateMatch:
        cluster.size += 1
        cluster.last_used = self._clock
        self._clusters.move_to_end(cluster.cluster_id)
        self._dirty.add(cluster.cluster_id)
        return TemplateMatch(cluster.cluster_id, cluster.text, changed, is_new)

    def _create(self, namespace: str, tokens: tuple[str, ...]) -> _Cluster:
        attempt = 0
        cluster_id = cluster_id_for(namespace, tokens)
        while cluster_id in self._clusters or cluster_id in self._aliases:
            attempt += 1
            cluster_id = cluster_id_for(namespace, tokens, attempt)
        cluster = _Cluster(cluster_id, namespace, tokens, self._clock)
        self._clusters[cluster_id] = cluster
        self._deleted.discard(cluster_id)
        self._register(cluster, self._route(namespace, tokens))
        self._index_length(cluster)
        self._structure_changed()
        return cluster

    def _register(self, cluster: _Cluster, route: tuple[str, ...]) -> None:
        if route in cluster.routes:
            return
        cluster.routes.append(route)
        leaf = self._leaves.setdefault(route, [])
        leaf.append(cluster)
        leaf.sort(key=lambda c: c.created)

    def _index_length(self, cluster: _Cluster) -> None:
        bucket = self._by_length.setdefault((cluster.namespace, len(cluster.tokens)), [])
        bucket.append(cluster)

    def _set_template(self, cluster: _Cluster, tokens: tuple[str, ...]) -> None:
        cluster.tokens = tokens
        cluster.text = " ".join(tokens)
        self._structure_changed()

    def _structure_changed(self) -> None:
        """Any new, changed, merged or evicted cluster can change what a message matches."""
        self._match_cache.clear()

    def _merge_subsumed(self, cluster: _Cluster) -> tuple[_Cluster, tuple[str, ...]]:
        """Merges clusters whose templates became comparable with `cluster`'s."""
        merged: list[str] = []
        changed = True
        while changed:
            changed = False
            bucket = self._by_length[(cluster.namespace, len(cluster.tokens))]
            for other in list(bucket):
                if other is cluster:
                    continue
                if _subsumes(cluster.tokens, other.tokens):
                    general = cluster.tokens
                elif _subsumes(other.tokens, cluster.tokens):
                    general = other.tokens
                else:
                    continue
                older, younger = sorted((cluster, other), key=lambda c: c.created)
                self._absorb(older, younger, general)
                merged.append(younger.cluster_id)
                cluster = older
                changed = True
                break
        return cluster, tuple(merged)

    def _absorb(self, older: _Cluster, younger: _Cluster, template: tuple[str, ...]) -> None:
        if older.tokens != template:
            self._set_template(older, template)
        older.size += younger.size
        older.last_used = max(older.last_used, younger.last_used)
        older.aliases.extend([younger.cluster_id, *younger.aliases])
        for alias in older.aliases:
            self._aliases[alias] = older.cluster_id
        for route in younger.routes:
            leaf = self._leaves[route]
            leaf.remove(younger)
            if not leaf:
                del self._leaves[route]
            self._register(older, route)
        self._by_length[(younger.namespace, len(younger.tokens))].remove(younger)
        del self._clusters[younger.cluster_id]
        self._dirty.discard(younger.cluster_id)
        self._deleted.add(younger.cluster_id)
        self._dirty.add(older.cluster_id)
        self._deleted.discard(older.cluster_id)
        self._structure_changed()

    def _make_room(self) -> tuple[str, ...]:
        evicted: list[str] = []
        while len(self._clusters) >= self.config.max_clusters:
            _, victim = self._clusters.popitem(last=False)
            for route in victim.routes:
                leaf = self._leaves[route]
                leaf.remove(victim)
                if not leaf:
                    del self._leaves[route]
            bucket_key = (victim.namespace, len(victim.tokens))
            self._by_length[bucket_key].remove(victim)
            if not self._by_length[bucket_key]:
                del self._by_length[bucket_key]
            for alias in victim.aliases:
                self._aliases.pop(alias, None)
            self._dirty.discard(victim.cluster_id)
            self._deleted.add(victim.cluster_id)
            evicted.append(victim.cluster_id)
            self._structure_changed()
        return tuple(evicted)


def grouping_accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Grouping accuracy (Zhu et al., ICSE-SEIP 2019) of predicted groups against labels.

    A predicted group counts only if its lines are exactly the lines of one true
    template; the score is the share of lines in such groups. Group ids are compared,
    never template texts, so any id scheme can be scored.
    """
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} labels but {len(predicted)} predictions")
    if not truth:
        return 1.0
    true_sizes = Counter(truth)
    members: dict[Hashable, list[Hashable]] = {}
    for label, group in zip(truth, predicted, strict=True):
        members.setdefault(group, []).append(label)
    exact = sum(
        len(labels)
        for labels in members.values()
        if len(set(labels)) == 1 and true_sizes[labels[0]] == len(labels)
    )
    return exact / len(truth)
