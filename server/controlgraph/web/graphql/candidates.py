"""The GraphQL type of a candidate link: likely, never proven, with its probability and chains."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from controlgraph.analysis.candidate_links import Candidate
from controlgraph.analysis.satisfiers import control_info
from controlgraph.vocabulary import parse_control_ref
from controlgraph.web.graphql.context import GraphContext

if TYPE_CHECKING:
    from controlgraph.web.graphql.types import Control


@strawberry.type(
    name="CandidateLink",
    description="A pair of controls that chains of mappings join but do not prove: to confirm by a human. "
                "Coverage never counts it; probability is the calibrated chance that a publisher maps the pair.",
)
class CandidateNode:
    found: strawberry.Private[Candidate]
    iri: str = strawberry.field(description="The candidate node's IRI in the candidates graph.")
    possible_relations: list[str] = strawberry.field(
        description="Relations still possible from the control asked about to the other (IR 8477 names).")
    probability: float | None = strawberry.field(description="Calibrated probability a publisher maps the pair.")
    path_count: int = strawberry.field(description="Chains of mappings joining the two.")
    independent_paths: int = strawberry.field(description="Chains sharing no intermediate control.")
    path: list[str] = strawberry.field(description="The first chain: asserted mapping IRIs in order.")

    @staticmethod
    def of(found: Candidate) -> CandidateNode:
        relations = sorted(r.value for r in found.possibilities)
        return CandidateNode(found=found, iri=found.iri, possible_relations=relations,
                             probability=found.probability, path_count=found.path_count,
                             independent_paths=found.independent_paths, path=list(found.path))

    @strawberry.field(description="The other control of the pair.")
    def control(
        self, info: Info[GraphContext, None]
    ) -> Annotated[Control, strawberry.lazy("controlgraph.web.graphql.types")]:
        from controlgraph.web.graphql.types import Control

        return Control.of(control_info(info.context.store, parse_control_ref(self.found.object)))

    @strawberry.field(description="The control the pair was asked from.")
    def source(
        self, info: Info[GraphContext, None]
    ) -> Annotated[Control, strawberry.lazy("controlgraph.web.graphql.types")]:
        from controlgraph.web.graphql.types import Control

        return Control.of(control_info(info.context.store, parse_control_ref(self.found.subject)))
