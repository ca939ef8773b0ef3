"""GraphQL types of coverage and the programme (unified control set): conversions only, no logic."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from controlgraph.analysis.candidate_links import candidates_to_controls
from controlgraph.analysis.coverage import CandidateEvidence, ItemCoverage, LevelSummary
from controlgraph.analysis.coverage import CoverageReport as EngineReport
from controlgraph.analysis.hubs import HubInfo
from controlgraph.analysis.programme import HubChoice, TargetGaps
from controlgraph.vocabulary import control_ref_from_iri, mapping_set_of
from controlgraph.web.graphql.candidates import CandidateNode
from controlgraph.web.graphql.context import GraphContext
from controlgraph.web.graphql.pagination import Connection, paginate
from controlgraph.web.graphql.payloads import CANDIDATES_DESCRIPTION, checked_probability
from controlgraph.web.graphql.types import Control, CoverageLevel, SatisfierNode


def _ref(iri: str) -> str:
    ref = control_ref_from_iri(iri)
    return str(ref) if ref else iri


@strawberry.type(description="Items by level. Percentages are of 'total'; 'expected' sums each item's probability "
                             "of being met at least in part (1 when proven), hub-weighted.")
class LevelCount:
    kind: str
    full: int
    partial: int
    likely: int
    none: int
    total: int
    percent_full: float
    percent_partial: float
    percent_likely: float
    percent_none: float
    expected: float
    percent_expected: float

    @staticmethod
    def of(s: LevelSummary) -> LevelCount:
        return LevelCount(kind=s.kind, full=s.full, partial=s.partial, likely=s.likely, none=s.none, total=s.total,
                          percent_full=round(s.percent("full"), 1), percent_partial=round(s.percent("partial"), 1),
                          percent_likely=round(s.percent("likely"), 1), percent_none=round(s.percent("none"), 1),
                          expected=round(s.expected, 3), percent_expected=round(s.expected_percent, 1))


@strawberry.type(description="A link to an implemented control composed along chains of mappings.")
class ChainLink:
    evidence: strawberry.Private[CandidateEvidence]

    @strawberry.field
    def control(self) -> str:
        return _ref(self.evidence.control)

    @strawberry.field(description="Relations still possible, read 'item relation control'.")
    def possible_relations(self) -> list[str]:
        return [r.value for r in self.evidence.possible]

    @strawberry.field(description="FULL or PARTIAL when the chain proves it; null for a candidate.")
    def proven(self) -> CoverageLevel | None:
        return CoverageLevel(self.evidence.proven) if self.evidence.proven else None

    @strawberry.field
    def probability(self) -> float:
        return round(self.evidence.probability, 4)

    @strawberry.field(description="The mapping sets of the chain, in order.")
    def path_sets(self) -> list[str]:
        return [mapping_set_of(m) for m in self.evidence.path]


@strawberry.type
class CoverSetMet:
    covered_by: list[str]
    mapping_set: str


@strawberry.type
class CoverageItem:
    item: strawberry.Private[ItemCoverage]

    @strawberry.field
    def control(self) -> Control:
        return Control.of(self.item.item.info)

    @strawberry.field
    def status(self) -> CoverageLevel:
        return CoverageLevel(self.item.status)

    @strawberry.field(description="Status from the item's own evidence, before rolling up its children.")
    def direct_status(self) -> CoverageLevel:
        return CoverageLevel(self.item.direct_status)

    @strawberry.field(description="How a parent relates to its children: union, any, own or unspecified.")
    def hierarchy(self) -> str:
        return self.item.item.hierarchy

    @strawberry.field(description="Counted in the summaries (leaves, and parents with own requirements or "
                                  "alternatives as children).")
    def assessable(self) -> bool:
        return self.item.assessable

    @strawberry.field(description="Probability the item is met at least in part, hub-weighted.")
    def expected(self) -> float:
        return round(self.item.expected, 4)

    @strawberry.field(description="For a parent: the share of the assessable items beneath it fully covered.")
    def covered_fraction(self) -> float | None:
        return self.item.covered_fraction

    @strawberry.field
    def evidence(self) -> list[SatisfierNode]:
        return [SatisfierNode.of(s) for s in self.item.evidence]

    @strawberry.field(description="Composed links: proven full or partial, likely, or to review.")
    def chains(self) -> list[ChainLink]:
        return [ChainLink(evidence=c) for c in self.item.candidates]

    @strawberry.field
    def cover_sets(self) -> list[CoverSetMet]:
        return [CoverSetMet(covered_by=[_ref(y) for y in cs.statement.covered_by],
                            mapping_set=cs.statement.mapping_set) for cs in self.item.cover_sets]

    @strawberry.field(description="Hub controls behind its partial or likely evidence (weighted down).")
    def hubs(self) -> list[str]:
        return [_ref(h) for h in self.item.hubs]


@strawberry.type
class HubFlag:
    info: strawberry.Private[HubInfo]

    @strawberry.field
    def control(self) -> str:
        return _ref(self.info.control)

    @strawberry.field
    def items(self) -> int:
        return self.info.items

    @strawberry.field
    def share(self) -> float:
        return round(self.info.share, 4)

    @strawberry.field
    def weight(self) -> float:
        return round(self.info.weight, 4)


@strawberry.type
class TargetItems:
    framework: str
    items: list[str]


def _grouped(groups: dict[str, list[str]]) -> list[TargetItems]:
    return [TargetItems(framework=k, items=v) for k, v in groups.items()]


@strawberry.type
class HubControl:
    choice: strawberry.Private[HubChoice]

    @strawberry.field
    def control(self) -> Control:
        return Control.of(self.choice.control)

    @strawberry.field(description="Target items this hub control newly covers fully, per target.")
    def covers(self) -> list[TargetItems]:
        return _grouped(self.choice.covers)

    @strawberry.field(description="Target items it newly meets in part (partial or likely), per target.")
    def partially(self) -> list[TargetItems]:
        return _grouped(self.choice.partially)

    @strawberry.field(description="Expected coverage it adds, in items, across the targets.")
    def expected_gain(self) -> float:
        return round(self.choice.expected_gain, 4)


@strawberry.type
class TargetGap:
    gaps: strawberry.Private[TargetGaps]

    @strawberry.field
    def framework(self) -> str:
        return self.gaps.slug

    @strawberry.field(description="Assessable items counted (within the scope asked for).")
    def leaf_items(self) -> int:
        return self.gaps.leaf_items

    @strawberry.field
    def fully_covered(self) -> int:
        return self.gaps.fully_covered

    @strawberry.field
    def percent_full(self) -> float:
        return round(self.gaps.percent_full, 1)

    @strawberry.field(description="The four levels and the expected coverage the plan reaches.")
    def reached(self) -> LevelCount | None:
        return LevelCount.of(self.gaps.summary) if self.gaps.summary else None

    @strawberry.field
    def partial_only(self) -> list[str]:
        return self.gaps.partial_only

    @strawberry.field(description="Items with no proven evidence (likely or none).")
    def uncovered(self) -> list[str]:
        return self.gaps.uncovered

    @strawberry.field(description="The items not fully covered, with their evidence and candidates to review.")
    def gap_items(self, first: int = 20) -> list[CoverageItem]:
        return [CoverageItem(item=i) for i in self.gaps.gap_items()[:max(0, min(first, 200))]]


@strawberry.type
class CoverageReport:
    target: str
    implemented: int = strawberry.field(description="Number of implemented controls the 'have' list names.")
    parent_is_union_of_children: bool
    overall: LevelCount = strawberry.field(description="Assessable items of the target (within scope and role) by "
                                                       "level, with the expected coverage.")
    levels: list[LevelCount] = strawberry.field(description="Items by level, per kind (level) of the target.")
    items: Connection[CoverageItem]
    scope: str | None
    role: str | None
    left_out: int = strawberry.field(description="Items the scope or role left out.")
    likely_threshold: float
    probability_source: str = strawberry.field(description="Where the probabilities of 'likely' come from.")
    hubs: list[HubFlag] = strawberry.field(description="Implemented controls linked to a large share of the items.")
    report: strawberry.Private[EngineReport | None] = None

    @strawberry.field(description=CANDIDATES_DESCRIPTION + " Each reads from an item of the target (within scope "
                                  "and role) to an implemented control; 'likely' counts those at the threshold.")
    def candidates(self, info: Info[GraphContext, None], min_probability: float = 0.0, first: int | None = None,
                   after: str | None = None) -> Connection[CandidateNode]:
        if self.report is None:
            return paginate([], first, after, info.context.settings.page_size_max, CandidateNode.of)
        store = info.context.store
        rows = candidates_to_controls(store, self.target, {i.item.info.iri for i in self.report.items},
                                      self.report.have.resolve(store),
                                      min_probability=checked_probability(min_probability))
        return paginate([r.candidate for r in rows], first, after, info.context.settings.page_size_max,
                        CandidateNode.of)


@strawberry.type
class UnifiedControlSet:
    hub: str
    targets: list[str]
    chosen: Connection[HubControl]
    gaps: list[TargetGap]
    bound: str
    probability_source: str
