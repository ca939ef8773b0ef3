"""What the composition engine reports: chains, definite relations, candidates, conflicts.

Plain data, so the build can write it to the inferred named graph and the CLI and web layer can
show it, without knowing how it was computed. :func:`chain_path` holds the provenance rules for a
chain of asserted mappings (weakest strength and rationale, product of confidences).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from controlgraph.reasoning import possibilities as P
from controlgraph.reasoning.class_graph import RATIONALE_RANK, AssertedMapping
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


@dataclass(frozen=True)
class InferredRelation:
    """A definite relation: the only one every chain and asserted mapping between the two allows.

    It holds between every member of ``subject``'s equal class and every member of ``object``'s
    (``*_equivalents``); it is stated once per class pair, never pair by pair.
    """

    subject: str
    object: str
    relation: Relation
    paths: tuple[ChainPath, ...]
    path_count: int
    strength: int | None
    confidence: float | None
    rationale: Rationale | None
    subject_equivalents: tuple[str, ...] = ()
    object_equivalents: tuple[str, ...] = ()
    justification: str = MAPPING_CHAINING

    def member_pairs(self) -> Iterator[tuple[str, str]]:
        for a in (self.subject, *self.subject_equivalents):
            for c in (self.object, *self.object_equivalents):
                yield a, c


@dataclass(frozen=True)
class CandidateLink:
    """Two controls joined by chains that still admit overlap: evidence for a human to confirm."""

    subject: str
    object: str
    possibilities: frozenset[Relation]
    paths: tuple[ChainPath, ...]
    path_count: int
    independent_paths: int
    publishers: frozenset[str]
    strength: int | None
    shared_parents: bool
    score: float
    subject_equivalents: tuple[str, ...] = ()
    object_equivalents: tuple[str, ...] = ()
    justification: str = MAPPING_CHAINING


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
