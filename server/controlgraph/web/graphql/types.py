"""GraphQL object types: thin views over the engine's dataclasses, nested fields resolved through loaders."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from controlgraph.analysis.candidate_links import candidates_of
from controlgraph.analysis.catalog import FrameworkInfo
from controlgraph.analysis.mapping_lookup import AuditRecord, ConflictRecord, MappingRecord, MappingSetInfo
from controlgraph.analysis.responsibility import responsibilities
from controlgraph.analysis.satisfiers import ControlInfo, Satisfier, keep_satisfiers
from controlgraph.analysis.sources import by_pair
from controlgraph.errors import Violation
from controlgraph.vocabulary import MAPPING_SET, Relation, control_ref_from_iri, mapping_set_of
from controlgraph.web.graphql.candidates import CandidateNode
from controlgraph.web.graphql.context import GraphContext, SatisfiersKey
from controlgraph.web.graphql.pagination import Connection, paginate
from controlgraph.web.graphql.sources import MappingSource, sources

Ctx = Info[GraphContext, None]


@strawberry.enum(description="NIST IR 8477 set-theory relation, read 'subject relation object'.")
class RelationKind(Enum):
    EQUAL = "equal"
    SUBSET_OF = "subset-of"
    SUPERSET_OF = "superset-of"
    INTERSECTS_WITH = "intersects-with"
    NOT_RELATED = "not-related"

    @property
    def engine(self) -> Relation:
        return Relation(self.value)


@strawberry.enum(description="How far a control covers another: full (proven containment), partial (proven "
                             "overlap), likely (a candidate at or above the probability threshold), none.")
class CoverageLevel(Enum):
    FULL = "full"
    PARTIAL = "partial"
    LIKELY = "likely"
    NONE = "none"


@strawberry.enum
class RationaleKind(Enum):
    SYNTACTIC = "syntactic"
    SEMANTIC = "semantic"
    FUNCTIONAL = "functional"


# ---------------------------------------------------------------------------------------------- errors


@strawberry.interface(description="An expected failure, reported as data: the message names what is wrong.")
class UserError:
    message: str


@strawberry.type(description="A control, framework, mapping or mapping set that does not exist (or is not yours).")
class NotFoundError(UserError):
    pass


@strawberry.type(description="An argument that cannot be used, e.g. a control written other than FRAMEWORK:ID.")
class InvalidInputError(UserError):
    pass


@strawberry.type(description="A write without a valid API key (send 'Authorization: Bearer <key>').")
class AuthenticationError(UserError):
    pass


@strawberry.type
class ShapeViolation:
    focus_node: str
    constraint: str
    message: str
    value: str | None

    @staticmethod
    def of(v: Violation) -> ShapeViolation:
        return ShapeViolation(focus_node=v.focus_node, constraint=v.constraint, message=v.message, value=v.value)


@strawberry.type(description="The data would not conform to the SHACL shapes; nothing was written.")
class ValidationError(UserError):
    violations: list[ShapeViolation]


# ---------------------------------------------------------------------------------------------- catalog


@strawberry.type
class Control:
    # Plain fields, filled once by Control.of: strawberry resolves them without a resolver call each,
    # which matters on pages of hundreds of controls.
    info: strawberry.Private[ControlInfo]
    id: strawberry.ID = strawberry.field(description="FRAMEWORK:ID, e.g. nist-csf-2.0:PR.AA-01.")
    iri: str = strawberry.field()
    framework: str = strawberry.field(description="Slug of the framework the control belongs to.")
    notation: str = strawberry.field()
    title: str = strawberry.field(
        description="Official short title (or a project label where the source has none).")
    kind: str = strawberry.field()

    @classmethod
    def of(cls, info: ControlInfo) -> Control:
        return cls(info=info, id=strawberry.ID(info.ref), iri=info.iri, framework=info.framework,
                   notation=info.notation, title=info.title, kind=info.kind)

    @strawberry.field(description="Controls satisfying this one (nested lists are batched per response).")
    async def satisfiers(
        self,
        info: Ctx,
        frameworks: list[str] | None = None,
        include_inferred: bool = True,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[SatisfierNode]:
        context = info.context
        key = SatisfiersKey(self.info.iri, tuple(sorted(frameworks or ())), include_inferred)
        found = await context.satisfiers.load(key)
        return paginate(found, first, after, context.settings.page_size_max, SatisfierNode.of)

    @strawberry.field(description="Whose obligation the control is in a cloud service: the ISO/IEC 27017 party "
                      "(cloud service customer, cloud service provider, or shared), or CSA CCM's owner per "
                      "service model once a CCM bundle is imported; null where the data records none.")
    def responsibility(self, info: Ctx) -> str | None:
        return responsibilities(info.context.store, [self.info.iri]).get(self.info.iri)

    @strawberry.field(description="Candidate links (likely, never proven), most probable first.")
    def candidates(self, info: Ctx, frameworks: list[str] | None = None,
                   min_probability: float = 0.0) -> list[CandidateNode]:
        found = candidates_of(info.context.store, self.info.iri, frameworks=frameworks or (),
                              min_probability=min_probability)
        return [CandidateNode.of(c) for c in found]


@strawberry.type
class Framework:
    info: strawberry.Private[FrameworkInfo]

    @strawberry.field
    def slug(self) -> str:
        return self.info.slug

    @strawberry.field
    def title(self) -> str:
        return self.info.title

    @strawberry.field
    def publisher(self) -> str | None:
        return self.info.publisher

    @strawberry.field
    def source(self) -> str | None:
        return self.info.source

    @strawberry.field
    def version(self) -> str | None:
        return self.info.version

    @strawberry.field
    def issued(self) -> str | None:
        return self.info.issued

    @strawberry.field
    def licence(self) -> str | None:
        return self.info.licence

    @strawberry.field
    def item_count(self) -> int:
        return self.info.items


@strawberry.type
class MappingSet:
    info: strawberry.Private[MappingSetInfo]
    id: strawberry.ID = strawberry.field(description="The set id, e.g. nist-csf-2.0--iso27001-2022--olir.")
    iri: str = strawberry.field()
    title: str = strawberry.field()
    authority: str | None = strawberry.field(description="official, third-party, project-curated or user.")
    publisher: str | None = strawberry.field()
    source: str | None = strawberry.field()
    version: str | None = strawberry.field()
    issued: str | None = strawberry.field()
    licence: str | None = strawberry.field()

    @classmethod
    def of(cls, info: MappingSetInfo) -> MappingSet:
        return cls(info=info, id=strawberry.ID(info.set_id), iri=info.iri, title=info.title,
                   authority=info.authority, publisher=info.publisher, source=info.source, version=info.version,
                   issued=info.issued, licence=info.licence)

    @strawberry.field
    def mapping_count(self, info: Ctx) -> int:
        return info.context.mapping_set_sizes().get(self.info.iri, 0)


async def _control(info: Ctx, iri: str) -> Control:
    found = await info.context.controls.load(iri)
    if found is None:  # a mapping to an item the graph lacks: show what the IRI says
        ref = control_ref_from_iri(iri)
        found = ControlInfo(iri, ref.slug if ref else "", ref.notation if ref else iri, "", "")
    return Control.of(found)


@strawberry.type
class Mapping:
    record: strawberry.Private[MappingRecord]

    @strawberry.field(description="The mapping's IRI.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.iri)

    @strawberry.field
    async def subject(self, info: Ctx) -> Control:
        return await _control(info, self.record.subject)

    @strawberry.field
    async def object(self, info: Ctx) -> Control:
        return await _control(info, self.record.object)

    @strawberry.field
    def relation(self) -> RelationKind:
        return RelationKind(self.record.relation.value)

    @strawberry.field
    def rationale(self) -> str | None:
        return self.record.rationale

    @strawberry.field
    def strength(self) -> int | None:
        return self.record.strength

    @strawberry.field
    def confidence(self) -> float | None:
        return self.record.confidence

    @strawberry.field(description="SSSOM/semapv justification, e.g. ManualMappingCuration or MappingChaining.")
    def justification(self) -> str | None:
        return self.record.justification

    @strawberry.field
    def comment(self) -> str | None:
        return self.record.comment

    @strawberry.field
    def inferred(self) -> bool:
        return self.record.inferred

    @strawberry.field
    def mapping_set(self, info: Ctx) -> MappingSet | None:
        found = info.context.mapping_sets().get(self.record.mapping_set)
        return MappingSet.of(found) if found else None

    @strawberry.field(description="For an inferred mapping: the asserted mappings chained, in order.")
    async def path(self, info: Ctx) -> list[Mapping]:
        return await _mappings(info, self.record.path)


async def _mappings(info: Ctx, iris: tuple[str, ...]) -> list[Mapping]:
    found = await info.context.mappings.load_many(list(iris))
    return [Mapping(record=r) for r in found if r is not None]


@strawberry.type(description="Why an inferred relation holds: the chain of asserted mappings it follows from.")
class Explanation:
    text: str
    path_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    async def path(self, info: Ctx) -> list[Mapping]:
        return await _mappings(info, self.path_ids)


@strawberry.type(name="Satisfier",
                 description="A control that satisfies the one asked about, read 'asked relation control'.")
class SatisfierNode:
    found: strawberry.Private[Satisfier]
    control: Control
    relation: RelationKind
    coverage: CoverageLevel
    asserted: bool = strawberry.field(description="True when asserted by a mapping set, false when inferred.")
    inferred: bool = strawberry.field()
    strength: int | None = strawberry.field()
    rationale: str | None = strawberry.field()
    justification: str | None = strawberry.field()
    confidence: float | None = strawberry.field()
    comment: str | None = strawberry.field()

    @staticmethod
    def of(found: Satisfier) -> SatisfierNode:
        # Plain fields filled once (see Control): a page of satisfiers resolves without a call per field.
        return SatisfierNode(
            found=found, control=Control.of(found.control), relation=RelationKind(found.relation.value),
            coverage=CoverageLevel(found.coverage), asserted=not found.inferred, inferred=found.inferred,
            strength=found.strength, rationale=found.rationale, justification=found.justification,
            confidence=found.confidence, comment=found.comment,
        )

    @strawberry.field(description="The mapping node's IRI (an inferred mapping's node for inferred results).")
    def mapping_id(self) -> str | None:
        return self.found.mapping

    @strawberry.field
    async def mapping(self, info: Ctx) -> Mapping | None:
        if self.found.mapping is None:
            return None
        record = await info.context.mappings.load(self.found.mapping)
        return Mapping(record=record) if record else None

    @strawberry.field
    def mapping_set(self, info: Ctx) -> MappingSet | None:
        if self.found.mapping_set is None:
            return None
        found = info.context.mapping_sets().get(MAPPING_SET + self.found.mapping_set)
        return MappingSet.of(found) if found else None

    @strawberry.field(description="Every mapping set asserting this pair, with the relation each states (a pair "
                                  "several sets assert is one row); empty for an inferred relation.")
    def sources(self) -> list[MappingSource]:
        return sources(self.found)

    @strawberry.field(description="For inferred results: how the relation follows.")
    def explanation(self) -> Explanation | None:
        if not self.found.inferred:
            return None
        sets = " > ".join(mapping_set_of(m) for m in self.found.path)
        text = f"chained from {len(self.found.path)} asserted mapping(s) (MappingChaining): {sets}"
        return Explanation(text=text, path_ids=self.found.path)


def satisfier_page(info: Ctx, found: list[Satisfier], relations: list[RelationKind] | None, min_strength: int | None,
                   first: int | None, after: str | None) -> Connection[SatisfierNode]:
    kept = by_pair(keep_satisfiers(found, relations=[r.engine for r in relations or ()], min_strength=min_strength))
    return paginate(kept, first, after, info.context.settings.page_size_max, SatisfierNode.of)


@strawberry.type
class CrosswalkRow:
    source_info: strawberry.Private[ControlInfo]
    found: strawberry.Private[Satisfier]

    @strawberry.field(description="The item of the 'from' framework.")
    def source(self) -> Control:
        return Control.of(self.source_info)

    @strawberry.field(description="The item of the 'to' framework, with the relation 'source relation target'.")
    def target(self) -> SatisfierNode:
        return SatisfierNode.of(self.found)


@strawberry.type
class Conflict:
    record: strawberry.Private[ConflictRecord]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.iri)

    @strawberry.field
    async def subject(self, info: Ctx) -> Control | None:
        return await _control(info, self.record.subject) if self.record.subject else None

    @strawberry.field
    async def object(self, info: Ctx) -> Control | None:
        return await _control(info, self.record.object) if self.record.object else None

    @strawberry.field(description="IRIs of the mappings that cannot all be true.")
    def mappings(self) -> list[str]:
        return list(self.record.mappings)

    @strawberry.field
    def explanation(self) -> str | None:
        return self.record.explanation


@strawberry.type
class AuditEntry:
    record: strawberry.Private[AuditRecord]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.iri)

    @strawberry.field(description="create, update, retract or import-sssom.")
    def action(self) -> str:
        return self.record.action

    @strawberry.field
    def at(self) -> str:
        return self.record.at

    @strawberry.field(description="The mapping (or imported mapping set) changed.")
    def node(self) -> str:
        return self.record.node

    @strawberry.field
    def what(self) -> str:
        return self.record.what

    @strawberry.field
    def agent(self) -> str:
        return self.record.agent


RelationFilter = Annotated[list[RelationKind] | None, strawberry.argument(description="Only these relations.")]
