"""What each asserted mapping says, read exactly: its possibility set and the name of the reading.

A mapping's relation of record (``cg:relation``) is what the data file states. Some sources state
less than one relation, and the engine must not read more into them than they say:

- ``stated``: a typed relation (IR 8477, OSCAL, CISO Assistant's ``equal``/``subset``/...):
  exactly that relation.
- ``overlap``: an untyped informative reference or a "related" link (``cg:relationSource
  "defaulted"``, NIST's CSF 2.0 Reference Tool, CSA's OLIR submission): the two share some
  requirement, nothing more, so {equal, subset-of, superset-of, intersects-with}. Reading it as an
  exclusive intersects-with would rule out equal and subset-of, which nobody claimed.
- ``contained``: CSA gap level "No Gap" with a single reference: the CCM control is covered by
  that one item, so {equal, subset-of}.
- ``covered-by-union``: "No Gap" with several references: the control is contained in their
  union (a cover-set statement, kept in :class:`CoverStatement` for coverage); each single pair
  only overlaps, so the overlap set.
- ``partial``: "Partial Gap": the references overlap the control and do not contain it, so
  neither equal nor subset-of: {superset-of, intersects-with}.

A mapping may carry its reading explicitly (``cg:reading``, written by the CCM importer, which sees
the whole reference list of a control); otherwise it is worked out here from the relation source
and the gap level, counting a control's references within its mapping set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from controlgraph.reasoning import possibilities as P
from controlgraph.vocabulary import Relation

EQ, SUB, SUP, INT = Relation.EQUAL, Relation.SUBSET_OF, Relation.SUPERSET_OF, Relation.INTERSECTS_WITH

OVERLAP: P.Possibilities = P.of(EQ, SUB, SUP, INT)

READINGS: dict[str, P.Possibilities | None] = {
    "stated": None,  # the relation of record
    "overlap": OVERLAP,
    "contained": P.of(EQ, SUB),
    "covered-by-union": OVERLAP,
    "partial": P.of(SUP, INT),
    # Set by the engine, never by a file: one side of an equal mapping that merges several controls.
    "merge-as-containment": None,  # {equal, subset-of} or its inverse, set per mapping
    "equal-in-mixed-class": P.of(EQ, SUB, SUP),
}

GAP_NO, GAP_PARTIAL = "No Gap", "Partial Gap"


@dataclass(frozen=True)
class CoverStatement:
    """``subject`` is contained in the union of ``objects`` (CSA "No Gap" over several references)."""

    subject: str
    objects: tuple[str, ...]
    mapping_set: str | None


@dataclass(frozen=True)
class MappingFacts:
    """The fields of a mapping node that decide its reading."""

    mapping: str
    subject: str
    relation: Relation
    object: str = ""
    mapping_set: str | None = None
    relation_source: str | None = None
    gap_level: str | None = None
    reading: str | None = None


def reading_of(facts: MappingFacts, references: int) -> str:
    """The reading of one mapping; ``references`` counts its subject's references in its set."""
    if facts.reading in READINGS:
        return facts.reading
    if facts.gap_level == GAP_NO:
        return "contained" if references == 1 else "covered-by-union"
    if facts.gap_level == GAP_PARTIAL:
        return "partial"
    if facts.relation_source == "defaulted" and facts.relation is INT:
        return "overlap"
    return "stated"


def possible(relation: Relation, reading: str) -> P.Possibilities:
    """The possibility set (subject to object) a reading gives a mapping of that relation of record."""
    mask = READINGS.get(reading)
    return P.of(relation) if mask is None else mask


def read_all(facts: Sequence[MappingFacts]) -> tuple[dict[str, str], list[CoverStatement]]:
    """The reading of every mapping (by id) and the cover-set statements they make."""
    references: dict[tuple[str | None, str], list[MappingFacts]] = defaultdict(list)
    for f in facts:
        if f.gap_level is not None:
            references[(f.mapping_set, f.subject)].append(f)
    readings = {f.mapping: reading_of(f, len(references.get((f.mapping_set, f.subject), ()))) for f in facts}
    covers = [
        CoverStatement(subject, tuple(sorted(_objects(group))), mapping_set)
        for (mapping_set, subject), group in sorted(references.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
        if any(readings[f.mapping] == "covered-by-union" for f in group)
    ]
    return readings, covers


def _objects(group: Sequence[MappingFacts]) -> list[str]:
    return [f.object for f in group]


def describe_reading(reading: str, relation: Relation) -> str:
    """``overlap {equal, subset-of, superset-of, intersects-with}`` and the like, for explanations."""
    return f"{reading} {P.describe(possible(relation, reading))}"


def counts(readings: Mapping[str, str]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for r in readings.values():
        out[r] += 1
    return dict(sorted(out.items()))
