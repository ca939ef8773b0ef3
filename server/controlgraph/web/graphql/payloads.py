"""Payloads of the satisfiers and crosswalk queries, each with the candidate links beside the proven rows.

Candidates are a paginated field of their own (``candidates(minProbability, first, after)``), so they are
computed only when asked for and count in the document's complexity like every connection.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from controlgraph.analysis.candidate_links import Candidate, candidates_between, candidates_of
from controlgraph.errors import InputError
from controlgraph.web.graphql.candidates import CandidateNode
from controlgraph.web.graphql.context import GraphContext
from controlgraph.web.graphql.pagination import Connection, paginate
from controlgraph.web.graphql.types import Control, CrosswalkRow, SatisfierNode

Ctx = Info[GraphContext, None]
CANDIDATES_DESCRIPTION = ("Candidate links (likely, never proven) at least 'minProbability' probable, most probable "
                          "first: the calibrated probability, the relations still possible and the first chain.")


def checked_probability(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise InputError(f"minProbability: {value!r} is not a probability (0 to 1)")
    return value


def candidate_page(info: Ctx, found: list[Candidate], first: int | None, after: str | None
                   ) -> Connection[CandidateNode]:
    return paginate(found, first, after, info.context.settings.page_size_max, CandidateNode.of)


@strawberry.type
class SatisfiersPayload:
    control: Control
    satisfiers: Connection[SatisfierNode]
    frameworks: strawberry.Private[tuple[str, ...]] = ()

    @strawberry.field(description=CANDIDATES_DESCRIPTION)
    def candidates(self, info: Ctx, min_probability: float = 0.0, first: int | None = None,
                   after: str | None = None) -> Connection[CandidateNode]:
        found = candidates_of(info.context.store, self.control.iri, frameworks=self.frameworks,
                              min_probability=checked_probability(min_probability))
        return candidate_page(info, found, first, after)


@strawberry.type
class CrosswalkPayload:
    source: str
    target: str
    rows: Connection[CrosswalkRow]

    @strawberry.field(description=CANDIDATES_DESCRIPTION + " Read from the 'from' framework's item.")
    def candidates(self, info: Ctx, min_probability: float = 0.0, first: int | None = None,
                   after: str | None = None) -> Connection[CandidateNode]:
        found = candidates_between(info.context.store, self.source, self.target,
                                   min_probability=checked_probability(min_probability))
        return candidate_page(info, found, first, after)
