"""The GraphQL type of one source of a pair: a pair several mapping sets assert is one row with all of them."""

from __future__ import annotations

import strawberry

from controlgraph.analysis.satisfiers import Satisfier


@strawberry.type(description="A mapping set asserting a pair, with the relation as that set states it (read from the "
                             "control asked about, or from the crosswalk's 'from' item).")
class MappingSource:
    mapping_set: str | None = strawberry.field(description="The set's id.")
    title: str | None
    publisher: str | None
    authority: str | None = strawberry.field(description="official, third-party, project-curated or user.")
    licence: str | None
    relation: str = strawberry.field(description="The relation this set states (IR 8477 name).")
    mapping: str | None = strawberry.field(description="The set's mapping node IRI.")
    strength: int | None
    confidence: float | None

    @staticmethod
    def of(s: Satisfier) -> MappingSource:
        return MappingSource(mapping_set=s.mapping_set, title=s.set_title, publisher=s.publisher,
                             authority=s.authority, licence=s.licence, relation=s.relation.value, mapping=s.mapping,
                             strength=s.strength, confidence=s.confidence)


def sources(found: Satisfier) -> list[MappingSource]:
    """Every set asserting the pair (one for a pair only one set asserts); none for an inferred relation."""
    if found.inferred:
        return []
    return [MappingSource.of(s) for s in (found.sources or (found,))]
