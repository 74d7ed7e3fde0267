"""An online text model of error category and type, learned from operator feedback.

The rule tables classify what their authors foresaw; this model covers the rest. It is a pair
of river multinomial naive Bayes classifiers (one for category, one for type) over a bag of
masked tokens: the message with its variables (numbers, hex, ids, quoted values, paths)
replaced by `templates.mask`, the exception type's name parts, the error code and the inbound
adapter topic. Naive Bayes suits the job: it learns from a handful of corrections, one at a
time, and its state is plain counts.

The model is consulted once per error group (the caller caches the prediction) and learns
from each `feedback.recorded` correction; `version` bumps on every `learn`, so a
`model.updated` event can name the state a prediction came from. Snapshots are canonical JSON
of those counts (never pickle: a snapshot travels through Kafka and must not be able to run
code), keeping insertion order so a restored model predicts bit-for-bit what the original did.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from river import naive_bayes

from errorstream.agents.templates import WILDCARD, mask
from errorstream.schemas.enums import ErrorCategory, ErrorType

if TYPE_CHECKING:
    from errorstream.agents.classification import ErrorFacts

__all__ = ["Prediction", "SnapshotError", "TextModel", "features"]

SNAPSHOT_FORMAT: Final = "errorstream.text_model/1"
MAX_MESSAGE_CHARS: Final = 2_000
"""Only the head of a message is tokenised: the tail of long messages is mostly payload."""

_WORD: Final = re.compile(r"[a-z][a-z0-9]+")
_STOP_WORDS: Final = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "after",
        "before",
        "while",
        "when",
        "than",
        "then",
        "there",
    ]
)
_CAMEL: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_NAME_SPLIT: Final = re.compile(r"\.|::|\\|/|\$")


def _words(text: str) -> Iterator[str]:
    for token in mask(text[:MAX_MESSAGE_CHARS]):
        for word in _WORD.findall(token.replace(WILDCARD, " ").lower()):
            if word not in _STOP_WORDS:
                yield word


def features(facts: ErrorFacts) -> dict[str, int]:
    """The bag of tokens the model reads, each counted once (binarised naive Bayes).

    Message words and adjacent word pairs; `exc:` the exception's simple name, `exw:` its
    camel-case words and `mod:` its leading module; `code:` the error code; `topic:` the
    adapter topic. Presence, not frequency: a repeated word in one message is one vote.
    """
    bag: dict[str, int] = {}
    message = facts.message if isinstance(facts.message, str) else ""
    words = list(_words(message))
    for word in words:
        bag[word] = 1
    for left, right in itertools.pairwise(words):
        bag[f"{left}_{right}"] = 1
    if facts.exception_type:
        parts = [p for p in _NAME_SPLIT.split(facts.exception_type.strip().lstrip("*&")) if p]
        if parts:
            simple = parts[-1]
            bag[f"exc:{simple.lower()}"] = 1
            for word in _CAMEL.findall(simple):
                if len(word) > 1 and not word.isdigit():
                    bag[f"exw:{word.lower()}"] = 1
            if len(parts) > 1:
                bag[f"mod:{parts[0].lower()}"] = 1
    if facts.error_code and facts.error_code.strip():
        bag[f"code:{facts.error_code.strip().lower()}"] = 1
    if facts.source_topic and facts.source_topic.strip():
        bag[f"topic:{facts.source_topic.strip().lower()}"] = 1
    return bag


L = TypeVar("L", ErrorCategory, ErrorType)


@dataclass(frozen=True, slots=True)
class Prediction:
    """The model's best category and type, with every label's probability (best first)."""

    category: ErrorCategory
    type: ErrorType
    category_probability: float
    type_probability: float
    category_probabilities: tuple[tuple[ErrorCategory, float], ...]
    type_probabilities: tuple[tuple[ErrorType, float], ...]
    model_version: int
    known_tokens: int

    def describe(self) -> str:
        """One line for `--explain`."""
        return (
            f"v{self.model_version}: {self.category} p={self.category_probability:.3f}, "
            f"{self.type} p={self.type_probability:.3f} ({self.known_tokens} known tokens)"
        )


class SnapshotError(ValueError):
    """A snapshot that is not one this module wrote."""


class _Head(Generic[L]):
    """One naive Bayes classifier over one label set."""

    def __init__(self, labels: type[L], alpha: float) -> None:
        self.labels: type[L] = labels
        # river is untyped; the three calls into it are marked.
        self.nb: Any = naive_bayes.MultinomialNB(alpha=alpha)  # type: ignore[no-untyped-call]

    @property
    def classes(self) -> int:
        return len(self.nb.class_counts)

    def learn(self, bag: Mapping[str, int], label: L) -> None:
        self.nb.learn_one(dict(bag), label.value)

    def probabilities(self, known: Mapping[str, int]) -> tuple[tuple[L, float], ...]:
        """Labels by falling probability; ties broken by label order, for determinism."""
        proba: dict[str, float] = self.nb.predict_proba_one(dict(known))
        order = {label.value: i for i, label in enumerate(self.labels)}
        ranked = sorted(proba.items(), key=lambda kv: (-kv[1], order[kv[0]]))
        return tuple((self.labels(name), float(p)) for name, p in ranked)

    def state(self) -> dict[str, Any]:
        nb = self.nb
        return {
            "class_counts": [[c, n] for c, n in nb.class_counts.items()],
            "class_totals": [[c, n] for c, n in nb.class_totals.items()],
            "feature_counts": [
                [f, [[c, n] for c, n in counts.items()]] for f, counts in nb.feature_counts.items()
            ],
        }

    def load(self, state: Mapping[str, Any]) -> None:
        nb = self.nb
        nb.class_counts = Counter({self.labels(c).value: int(n) for c, n in state["class_counts"]})
        nb.class_totals = Counter({self.labels(c).value: int(n) for c, n in state["class_totals"]})
        feature_counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for feature, counts in state["feature_counts"]:
            feature_counts[str(feature)] = Counter(
                {self.labels(c).value: int(n) for c, n in counts}
            )
        nb.feature_counts = feature_counts


class TextModel:
    """Online category/type classifier over masked error text; deterministic and replayable.

    `predict` returns None until the model has learned `min_examples` corrections covering at
    least two categories and two types (a one-class model is certain of everything), and for
    text with fewer than `min_known_tokens` tokens the model has seen (a verdict from one
    shared word is a guess).
    """

    def __init__(
        self, *, alpha: float = 1.0, min_examples: int = 5, min_known_tokens: int = 2
    ) -> None:
        if alpha <= 0:
            raise ValueError("alpha must be positive")
        if min_examples < 1 or min_known_tokens < 1:
            raise ValueError("min_examples and min_known_tokens must be at least 1")
        self.alpha = alpha
        self.min_examples = min_examples
        self.min_known_tokens = min_known_tokens
        self._version = 0
        self._examples = 0
        self._category: _Head[ErrorCategory] = _Head(ErrorCategory, alpha)
        self._type: _Head[ErrorType] = _Head(ErrorType, alpha)

    @property
    def version(self) -> int:
        """Bumps on every `learn`: the state a prediction came from."""
        return self._version

    @property
    def examples(self) -> int:
        """Corrections learned so far."""
        return self._examples

    def learn(self, facts: ErrorFacts, category: ErrorCategory, type: ErrorType) -> None:
        """Learn one correction: these facts are `category` / `type`."""
        bag = features(facts)
        self._category.learn(bag, ErrorCategory(category))
        self._type.learn(bag, ErrorType(type))
        self._examples += 1
        self._version += 1

    def predict(self, facts: ErrorFacts) -> Prediction | None:
        """The most likely category and type, or None while the model knows too little."""
        if (
            self._examples < self.min_examples
            or self._category.classes < 2
            or self._type.classes < 2
        ):
            return None
        vocabulary = self._category.nb.feature_counts
        known = {f: n for f, n in features(facts).items() if f in vocabulary}
        if len(known) < self.min_known_tokens:
            return None
        categories = self._category.probabilities(known)
        types = self._type.probabilities(known)
        return Prediction(
            category=categories[0][0],
            type=types[0][0],
            category_probability=categories[0][1],
            type_probability=types[0][1],
            category_probabilities=categories,
            type_probabilities=types,
            model_version=self._version,
            known_tokens=len(known),
        )

    def snapshot(self) -> bytes:
        """Canonical JSON of the model's counts; `restore` gives back an identical model."""
        state = {
            "format": SNAPSHOT_FORMAT,
            "alpha": self.alpha,
            "min_examples": self.min_examples,
            "min_known_tokens": self.min_known_tokens,
            "version": self._version,
            "examples": self._examples,
            "category": self._category.state(),
            "type": self._type.state(),
        }
        return json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def restore(cls, data: bytes) -> TextModel:
        """The model a `snapshot` was taken of; raises `SnapshotError` on anything else."""
        try:
            state = json.loads(data)
            if state.get("format") != SNAPSHOT_FORMAT:
                raise SnapshotError(f"not a {SNAPSHOT_FORMAT} snapshot")
            model = cls(
                alpha=float(state["alpha"]),
                min_examples=int(state["min_examples"]),
                min_known_tokens=int(state["min_known_tokens"]),
            )
            model._version = int(state["version"])
            model._examples = int(state["examples"])
            model._category.load(state["category"])
            model._type.load(state["type"])
        except SnapshotError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SnapshotError(f"unreadable text model snapshot: {exc}") from exc
        return model
