"""What the composition engine reports: chains, definite relations, candidates, conflicts.

Plain data, so the build can write it to the inferred named graph and the CLI and web layer can
show it, without knowing how it was computed. :func:`chain_path` holds the provenance rules for a
chain of asserted mappings (weakest strength and rationale, product of confidences).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from controlgraph.reasoning import possibilities as P
from controlgraph.reasoning.class_graph import RATIONALE_RANK, AssertedMapping, ClassGraph
from controlgraph.reasoning.input_checks import Finding
from controlgraph.vocabulary import SEMAPV, Rationale, Relation

MAPPING_CHAINING = SEMAPV + "MappingChaining"


@dataclass(frozen=True)
class ChainPath:
    """Asserted mappings chained in order from one control to another, and what they allow."""

    mappings: tuple[str, ...]
    possibilities: frozenset[Relation]
    strength: int | None
    confidence: float | None
    rationale: Rationale | None
    publishers: frozenset[str]


Explained = tuple[tuple[ChainPath, ...], int | None, float | None, Rationale | None]
"""A definite relation's shown chains and its strength, confidence and rationale."""


class Explains(Protocol):
    """What a definite relation keeps to build its explanation when first asked for it."""

    def explain(self) -> Explained: ...


class ExplainsPaths(Protocol):
    """What a candidate keeps to build its shown chains when first asked for them."""

    def chains(self) -> tuple[ChainPath, ...]: ...


class _ValueObject:
    """Equality, hashing and repr over ``_FIELDS``, as the frozen dataclasses these classes were.

    They are plain classes so that part of their values can be built on first read (see
    :class:`InferredRelation`); comparing or printing one builds it.
    """

    __slots__ = ()
    _FIELDS: ClassVar[tuple[str, ...]]

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _ValueObject)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={value!r}" for name, value in zip(self._FIELDS, self._key(), strict=True))
        return f"{type(self).__name__}({values})"


class InferredRelation(_ValueObject):
    """A definite relation: the only one every chain and asserted mapping between the two allows.

    It holds between every member of ``subject``'s equal class and every member of ``object``'s
    (``*_equivalents``); it is stated once per class pair, never pair by pair.

    ``paths``, ``strength``, ``confidence`` and ``rationale`` are either given or built on first
    read from ``pending`` (the engine's recipe: the chains between classes and the pair to expand
    them for). A random graph yields hundreds of thousands of definite relations and expanding
    each one's chains into asserted mappings was most of the engine's time, while a caller often
    needs only the pairs and relations (``evaluate``) or reads them one at a time.
    """

    __slots__ = (
        "_explained",
        "_pending",
        "justification",
        "object",
        "object_equivalents",
        "path_count",
        "probability",
        "relation",
        "subject",
        "subject_equivalents",
    )
    _FIELDS = (
        "subject",
        "object",
        "relation",
        "paths",
        "path_count",
        "strength",
        "confidence",
        "rationale",
        "subject_equivalents",
        "object_equivalents",
        "justification",
    )

    def __init__(
        self,
        subject: str,
        object: str,
        relation: Relation,
        paths: tuple[ChainPath, ...] = (),
        path_count: int = 0,
        strength: int | None = None,
        confidence: float | None = None,
        rationale: Rationale | None = None,
        subject_equivalents: tuple[str, ...] = (),
        object_equivalents: tuple[str, ...] = (),
        justification: str = MAPPING_CHAINING,
        *,
        pending: Explains | None = None,
    ) -> None:
        self.subject = subject
        self.object = object
        self.relation = relation
        self.path_count = path_count
        self.subject_equivalents = subject_equivalents
        self.object_equivalents = object_equivalents
        self.justification = justification
        self.probability: float | None = None  # measured precision of its kind, set by probability_model
        self._pending = pending
        self._explained: Explained | None = None if pending is not None else (paths, strength, confidence, rationale)

    def _built(self) -> Explained:
        explained = self._explained
        if explained is None:
            assert self._pending is not None
            explained = self._explained = self._pending.explain()
            self._pending = None  # the recipe holds the walk's evidence: let it go
        return explained

    @property
    def paths(self) -> tuple[ChainPath, ...]:
        return self._built()[0]

    @property
    def strength(self) -> int | None:
        return self._built()[1]

    @property
    def confidence(self) -> float | None:
        return self._built()[2]

    @property
    def rationale(self) -> Rationale | None:
        return self._built()[3]

    def member_pairs(self) -> Iterator[tuple[str, str]]:
        for a in (self.subject, *self.subject_equivalents):
            for c in (self.object, *self.object_equivalents):
                yield a, c


class CandidateLink(_ValueObject):
    """Two controls joined by chains that still admit overlap: evidence for a human to confirm.

    ``paths`` is given or, as for :class:`InferredRelation`, built on first read from ``pending``.
    """

    __slots__ = (
        "_paths",
        "_pending",
        "independent_paths",
        "justification",
        "object",
        "object_equivalents",
        "path_count",
        "possibilities",
        "probability",
        "publishers",
        "score",
        "shared_parents",
        "strength",
        "subject",
        "subject_equivalents",
    )
    _FIELDS = (
        "subject",
        "object",
        "possibilities",
        "paths",
        "path_count",
        "independent_paths",
        "publishers",
        "strength",
        "shared_parents",
        "score",
        "subject_equivalents",
        "object_equivalents",
        "justification",
    )

    def __init__(
        self,
        subject: str,
        object: str,
        possibilities: frozenset[Relation],
        paths: tuple[ChainPath, ...] = (),
        path_count: int = 0,
        independent_paths: int = 0,
        publishers: frozenset[str] = frozenset(),
        strength: int | None = None,
        shared_parents: bool = False,
        score: float = 0.0,
        subject_equivalents: tuple[str, ...] = (),
        object_equivalents: tuple[str, ...] = (),
        justification: str = MAPPING_CHAINING,
        *,
        pending: ExplainsPaths | None = None,
    ) -> None:
        self.subject = subject
        self.object = object
        self.possibilities = possibilities
        self.path_count = path_count
        self.independent_paths = independent_paths
        self.publishers = publishers
        self.strength = strength
        self.shared_parents = shared_parents
        self.score = score
        self.subject_equivalents = subject_equivalents
        self.object_equivalents = object_equivalents
        self.justification = justification
        self.probability: float | None = None  # P(a publisher maps the pair), set by probability_model
        self._pending = pending
        self._paths: tuple[ChainPath, ...] | None = None if pending is not None else paths

    @property
    def paths(self) -> tuple[ChainPath, ...]:
        paths = self._paths
        if paths is None:
            assert self._pending is not None
            paths = self._paths = self._pending.chains()
            self._pending = None
        return paths


@dataclass(frozen=True)
class Conflict:
    """Evidence about one pair of controls that cannot all be true: the intersection is empty."""

    subject: str
    object: str
    evidence: tuple[ChainPath, ...]

    def describe(self) -> str:
        parts = [f"[{' -> '.join(p.mappings)}] allows {P.describe(P.of_all(p.possibilities))}" for p in self.evidence]
        return f"conflict between <{self.subject}> and <{self.object}>: " + "; ".join(parts)


@dataclass(frozen=True)
class EquivalenceClass:
    """Controls joined by asserted equal mappings (each equal to every other)."""

    members: tuple[str, ...]
    mappings: tuple[str, ...]


@dataclass
class CompositionResult:
    definite: list[InferredRelation] = field(default_factory=list)
    candidates: list[CandidateLink] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    equivalence_classes: list[EquivalenceClass] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)  # inputs that cannot all be true (input_checks)
    graph: ClassGraph | None = None  # the classes and links walked, for pair features
    edges: list[AssertedMapping] = field(default_factory=list)  # the asserted mappings as the engine read them


def chain_path(edges: Sequence[AssertedMapping], mask: P.Possibilities) -> ChainPath:
    """Provenance of a chain: weakest strength and rationale, product of confidences."""
    strength, confidence, rationale = weakest(
        [e.strength for e in edges], [e.confidence for e in edges], [e.rationale for e in edges]
    )
    return ChainPath(
        mappings=tuple(e.mapping for e in edges),
        possibilities=P.relations(mask),
        strength=strength,
        confidence=confidence,
        rationale=rationale,
        publishers=frozenset(e.publisher for e in edges if e.publisher),
    )


def weakest(
    strengths: Sequence[int | None], confidences: Sequence[float | None], rationales: Sequence[Rationale | None]
) -> tuple[int | None, float | None, Rationale | None]:
    """Weakest strength, product of confidences, weakest rationale; each None when any part is unknown."""
    known_strengths = [x for x in strengths if x is not None]
    known_confidences = [x for x in confidences if x is not None]
    known_rationales = [r for r in rationales if r is not None]
    strength = min(known_strengths) if known_strengths and len(known_strengths) == len(strengths) else None
    confidence = (
        math.prod(known_confidences) if known_confidences and len(known_confidences) == len(confidences) else None
    )
    rationale = (
        min(known_rationales, key=lambda r: RATIONALE_RANK[r])
        if known_rationales and len(known_rationales) == len(rationales)
        else None
    )
    return strength, confidence, rationale


def chain_quality(ch: ChainPath) -> tuple[int, int, float, int]:
    return (
        -1 if ch.strength is None else ch.strength,
        0 if ch.rationale is None else RATIONALE_RANK[ch.rationale],
        -1.0 if ch.confidence is None else ch.confidence,
        -len(ch.mappings),
    )
