"""The GraphQL schema: queries for GRC tools, mutations for a tenant's custom mappings, and the /graphql route.

Expected failures (an unknown control, a bad argument, data that would not conform, a missing API key)
are members of each field's result union; anything unexpected is masked as "Internal error.".
"""

from __future__ import annotations

import asyncio
import base64
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

import pyoxigraph as ox
import strawberry
from fastapi import FastAPI

from controlgraph.analysis.candidate_links import candidates_between
from controlgraph.analysis.catalog import frameworks as list_frameworks
from controlgraph.analysis.catalog import search_controls
from controlgraph.analysis.coverage import HaveSpec, coverage
from controlgraph.analysis.crosswalk import crosswalk as crosswalk_rows
from controlgraph.analysis.mapping_lookup import audit_records, conflicts, mapping_records
from controlgraph.analysis.programme import unified_control_set
from controlgraph.analysis.satisfiers import control_info, find_satisfiers
from controlgraph.analysis.scope import parse_scopes
from controlgraph.errors import AuthenticationError as NotAuthenticated
from controlgraph.errors import (
    ControlGraphError,
    ImportRejected,
    InputError,
    NotFound,
    ValidationFailed,
)
from controlgraph.exports.catalogue import ExportFile, export_crosswalk
from controlgraph.service import custom_mappings as custom
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import ApiKeys
from controlgraph.vocabulary import Rationale, parse_control_ref
from controlgraph.web.graphql.candidates import CandidateNode
from controlgraph.web.graphql.context import context_getter
from controlgraph.web.graphql.coverage_types import (
    CoverageItem,
    CoverageReport,
    HubControl,
    HubFlag,
    LevelCount,
    TargetGap,
    UnifiedControlSet,
)
from controlgraph.web.graphql.error_log import QuietSchema
from controlgraph.web.graphql.limits import extensions
from controlgraph.web.graphql.pagination import Connection, paginate
from controlgraph.web.graphql.payloads import CrosswalkPayload, SatisfiersPayload
from controlgraph.web.graphql.router import StoreAwareGraphQLRouter
from controlgraph.web.graphql.types import (
    AuditEntry,
    AuthenticationError,
    Conflict,
    Control,
    CoverageLevel,
    CrosswalkRow,
    Ctx,
    Framework,
    InvalidInputError,
    Mapping,
    MappingSet,
    NotFoundError,
    RationaleKind,
    RelationFilter,
    RelationKind,
    ShapeViolation,
    ValidationError,
    satisfier_page,
)

T = TypeVar("T")
UserErrors = NotFoundError | InvalidInputError | ValidationError | AuthenticationError


def user_error(exc: ControlGraphError) -> UserErrors:
    if isinstance(exc, NotFound):
        return NotFoundError(message=str(exc))
    if isinstance(exc, ValidationFailed):
        return ValidationError(message=str(exc), violations=[ShapeViolation.of(v) for v in exc.violations])
    if isinstance(exc, NotAuthenticated):
        return AuthenticationError(message=str(exc))
    if isinstance(exc, InputError | ImportRejected):
        return InvalidInputError(message=str(exc))
    raise exc  # store and query failures are not the caller's to fix: a (masked) top-level error


def _control_ref(text: str) -> str:
    try:
        return parse_control_ref(text).iri
    except ValueError as exc:
        raise InputError(str(exc)) from None


# ---------------------------------------------------------------------------------------------- payloads


@strawberry.type
class ControlsPayload:
    framework: str
    controls: Connection[Control]


@strawberry.type
class MappingPayload:
    mapping: Mapping
    audit_id: strawberry.ID


@strawberry.type
class RetractPayload:
    id: strawberry.ID
    audit_id: strawberry.ID


@strawberry.type
class RowIssueInfo:
    source: str
    value: str
    action: str
    reason: str


@strawberry.type
class ImportPayload:
    mapping_set: MappingSet | None
    mappings: int
    audit_id: strawberry.ID
    issues: list[RowIssueInfo]


@strawberry.type(description="An export file: the same bytes GET /exports/... serves, inline.")
class ExportFilePayload:
    filename: str
    media_type: str
    encoding: str = strawberry.field(description="utf-8 for text formats, base64 for binary ones (xlsx).")
    content: str
    download_path: str = strawberry.field(description="Where the same file is served over HTTP.")

    @classmethod
    def of(cls, file: ExportFile, download_path: str) -> ExportFilePayload:
        if file.media_type.startswith(("text/", "application/json", "application/ld+json")):
            return cls(filename=file.filename, media_type=file.media_type, encoding="utf-8",
                       content=file.content.decode("utf-8"), download_path=download_path)
        return cls(filename=file.filename, media_type=file.media_type, encoding="base64",
                   content=base64.b64encode(file.content).decode("ascii"), download_path=download_path)


FrameworkResult = Annotated[Framework | NotFoundError, strawberry.union("FrameworkResult")]
ControlResult = Annotated[Control | NotFoundError | InvalidInputError, strawberry.union("ControlResult")]
ControlsResult = Annotated[ControlsPayload | NotFoundError | InvalidInputError, strawberry.union("ControlsResult")]
SatisfiersResult = Annotated[SatisfiersPayload | NotFoundError | InvalidInputError,
                             strawberry.union("SatisfiersResult")]
CrosswalkResult = Annotated[CrosswalkPayload | NotFoundError | InvalidInputError, strawberry.union("CrosswalkResult")]
CoverageResult = Annotated[CoverageReport | NotFoundError | InvalidInputError, strawberry.union("CoverageResult")]
UnifiedControlSetResult = Annotated[UnifiedControlSet | NotFoundError | InvalidInputError,
                                    strawberry.union("UnifiedControlSetResult")]
MappingResult = Annotated[Mapping | NotFoundError | InvalidInputError, strawberry.union("MappingResult")]
ExportResult = Annotated[ExportFilePayload | NotFoundError | InvalidInputError, strawberry.union("ExportResult")]
AuditLogResult = Annotated[Connection[AuditEntry] | AuthenticationError, strawberry.union("AuditLogResult")]
MappingChangeResult = Annotated[
    MappingPayload | AuthenticationError | NotFoundError | InvalidInputError | ValidationError,
    strawberry.union("MappingChangeResult"),
]
RetractResult = Annotated[RetractPayload | AuthenticationError | NotFoundError | InvalidInputError | ValidationError,
                          strawberry.union("RetractResult")]
ImportResult = Annotated[ImportPayload | AuthenticationError | InvalidInputError | ValidationError,
                         strawberry.union("ImportResult")]


def _page(info: Ctx, items: list[T], first: int | None, after: str | None,
          node: Callable[[T], object]) -> Connection[object]:
    return paginate(items, first, after, info.context.settings.page_size_max, node)


# ---------------------------------------------------------------------------------------------- queries


@strawberry.type
class Query:
    @strawberry.field(description="Every framework in the graph, by slug.")
    def frameworks(self, info: Ctx, first: int | None = None, after: str | None = None) -> Connection[Framework]:
        return paginate(list_frameworks(info.context.store), first, after, info.context.settings.page_size_max,
                        lambda f: Framework(info=f))

    @strawberry.field
    def framework(self, info: Ctx, slug: str) -> FrameworkResult:
        found = next((f for f in list_frameworks(info.context.store) if f.slug == slug), None)
        return Framework(info=found) if found else NotFoundError(message=f"no framework {slug!r} in the graph")

    @strawberry.field(description="One control, written FRAMEWORK:ID (nist-csf-2.0:PR.AA-01) or as its IRI.")
    def control(self, info: Ctx, id: strawberry.ID) -> ControlResult:
        try:
            return Control.of(control_info(info.context.store, parse_control_ref(_checked(id))))
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.field(description="Items of a framework in reading order, filtered by text (id or title) and kind.")
    def controls(self, info: Ctx, framework: str, search: str | None = None, kind: str | None = None,
                 first: int | None = None, after: str | None = None) -> ControlsResult:
        try:
            found = search_controls(info.context.store, framework, text=search, kind=kind)
            page = paginate(found, first, after, info.context.settings.page_size_max, lambda c: Control.of(c))
            return ControlsPayload(framework=framework, controls=page)
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.field(description="Controls satisfying 'of': each with relation, coverage, provenance, explanation.")
    def satisfiers(
        self,
        info: Ctx,
        of: strawberry.ID,
        frameworks: list[str] | None = None,
        relations: RelationFilter = None,
        include_inferred: bool = True,
        min_strength: int | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> SatisfiersResult:
        context = info.context
        try:
            ref = parse_control_ref(_checked(of))
            asked = control_info(context.store, ref)
            found = find_satisfiers(context.store, ref, frameworks=frameworks or (), include_inferred=include_inferred,
                                    visibility=context.visibility)
            page = satisfier_page(info, found, relations, min_strength, first, after)
            return SatisfiersPayload(control=Control.of(asked), satisfiers=page, frameworks=tuple(frameworks or ()))
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.field(description="Every mapping between two frameworks, oriented 'from' to 'to'.")
    async def crosswalk(self, info: Ctx, from_: Annotated[str, strawberry.argument(name="from")], to: str,
                        include_inferred: bool = False, first: int | None = None,
                        after: str | None = None) -> CrosswalkResult:
        context = info.context
        try:
            rows = await asyncio.to_thread(crosswalk_rows, context.store, from_, to,
                                           include_inferred=include_inferred, visibility=context.visibility)
            page = paginate(rows, first, after, context.settings.page_size_max,
                            lambda r: CrosswalkRow(source_info=r.source, found=r.mapping))
            return CrosswalkPayload(source=from_, target=to, rows=page)
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.field(description="A crosswalk export file (csv, xlsx, sssom, oscal, jsonld, ttl, html) of the shared "
                                  "mappings, as GET /exports/crosswalk serves it.")
    async def crosswalk_export(self, info: Ctx, from_: Annotated[str, strawberry.argument(name="from")],
                               to: list[str], format: str, include_inferred: bool = False,
                               with_candidates: bool = False, min_probability: float = 0.0) -> ExportResult:
        try:
            file = await asyncio.to_thread(export_crosswalk, info.context.store, from_, to, format,
                                           include_inferred=include_inferred, with_candidates=with_candidates,
                                           min_probability=min_probability)
            query = urlencode({"from": from_, "to": ",".join(to), "format": format,
                               "inferred": str(include_inferred).lower(),
                               **({"candidates": "true", "min_probability": repr(min_probability)}
                                  if with_candidates else {})})
            return ExportFilePayload.of(file, f"/exports/crosswalk?{query}")
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.field(description="What of 'target' the implemented controls ('have': frameworks or FRAMEWORK:ID, "
                                  "globs allowed) already cover, item by item.")
    async def coverage(self, info: Ctx, have: list[str], target: str, status: CoverageLevel | None = None,
                       first: int | None = None, after: str | None = None, scope: str | None = None,
                       role: str | None = None) -> CoverageResult:
        context = info.context
        try:
            if any(h.startswith("@") for h in have):
                raise InputError("have: name frameworks or controls; files (@path) are for the CLI")
            report = await asyncio.to_thread(
                coverage, context.store, HaveSpec.parse(have), target, visibility=context.visibility, scope=scope,
                role=role, likely_threshold=context.settings.likely_threshold, hub_share=context.settings.hub_share)
            items = [i for i in report.items if status is None or i.status == status.value]
            return CoverageReport(
                target=target,
                implemented=report.implemented,
                parent_is_union_of_children=report.parent_is_union_of_children,
                overall=LevelCount.of(report.overall()),
                levels=[LevelCount.of(s) for s in report.by_kind()],
                items=paginate(items, first, after, context.settings.page_size_max, lambda i: CoverageItem(item=i)),
                scope=scope, role=role, left_out=report.scope.left_out if report.scope else 0,
                likely_threshold=report.likely_threshold, probability_source=report.probability_sources,
                hubs=[HubFlag(info=h) for h in report.hubs], report=report,
            )
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.field(description="A small set of hub controls covering as much of the targets as possible.")
    async def unified_control_set(self, info: Ctx, targets: list[str], hub: str = "iso27002-2022",
                                  first: int | None = None, after: str | None = None,
                                  scopes: list[str] | None = None, role: str | None = None) -> UnifiedControlSetResult:
        context = info.context
        try:
            if not targets:
                raise InputError("targets: name at least one framework")
            scope_map = parse_scopes(scopes or [])
            result = await asyncio.to_thread(
                unified_control_set, context.store, targets, hub, visibility=context.visibility, scopes=scope_map,
                role=role, likely_threshold=context.settings.likely_threshold, hub_share=context.settings.hub_share)
            return UnifiedControlSet(
                hub=result.hub, targets=result.targets, bound=result.bound,
                probability_source=result.probability_source,
                chosen=paginate(result.chosen, first, after, context.settings.page_size_max,
                                lambda c: HubControl(choice=c)),
                gaps=[TargetGap(gaps=g) for g in result.gaps],
            )
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.field(description="Every mapping set you may see (shared ones, and your own when authenticated).")
    def mapping_sets(self, info: Ctx, first: int | None = None, after: str | None = None) -> Connection[MappingSet]:
        sets = list(info.context.mapping_sets().values())
        return paginate(sets, first, after, info.context.settings.page_size_max, lambda s: MappingSet.of(s))

    @strawberry.field(description="One mapping by IRI.")
    def mapping(self, info: Ctx, id: strawberry.ID) -> MappingResult:
        try:
            ox.NamedNode(str(id))
        except ValueError as exc:  # found by schemathesis: a malformed IRI was an internal error
            return InvalidInputError(message=f"id: not an IRI: {exc}")
        found = mapping_records(info.context.store, [str(id)], info.context.visibility).get(str(id))
        return Mapping(record=found) if found else NotFoundError(message=f"no mapping <{id}>")

    @strawberry.field(description="Pairs of controls about which sources cannot all be true (composition engine).")
    def conflicts(self, info: Ctx, first: int | None = None, after: str | None = None) -> Connection[Conflict]:
        return paginate(conflicts(info.context.store), first, after, info.context.settings.page_size_max,
                        lambda c: Conflict(record=c))

    @strawberry.field(description="Candidate links between two frameworks (likely, never proven), most probable first.")
    def candidates(self, info: Ctx, source: str, target: str, min_probability: float = 0.0) -> list[CandidateNode]:
        return [CandidateNode.of(c) for c in candidates_between(info.context.store, source, target,
                                                                 min_probability=min_probability)]

    @strawberry.field(description="Your changes (authenticated tenants only), oldest first.")
    def audit_log(self, info: Ctx, first: int | None = None, after: str | None = None) -> AuditLogResult:
        tenant = info.context.tenant
        if tenant is None:
            return AuthenticationError(message="send 'Authorization: Bearer <API key>' to read your audit log")
        return paginate(audit_records(info.context.store, tenant), first, after,
                        info.context.settings.page_size_max, lambda r: AuditEntry(record=r))


def _checked(id: str) -> str:
    _control_ref(id)  # a malformed reference is an input error, not "not found"
    return str(id)


# ---------------------------------------------------------------------------------------------- mutations


@strawberry.input(description="A custom mapping 'subject relation object' (controls as FRAMEWORK:ID or IRI).")
class MappingInput:
    subject: strawberry.ID
    object: strawberry.ID
    relation: RelationKind
    rationale: RationaleKind = RationaleKind.SEMANTIC
    strength: int | None = strawberry.field(default=None, description="0 (weakest) to 10 (strongest).")
    confidence: float | None = strawberry.field(default=None, description="0 to 1.")
    comment: str | None = None
    justification: str = strawberry.field(default="ManualMappingCuration", description="A semapv term name.")


@strawberry.input(description="Changes to a custom mapping; fields left out stay as they are.")
class MappingPatchInput:
    relation: RelationKind | None = None
    rationale: RationaleKind | None = None
    strength: int | None = None
    confidence: float | None = None
    comment: str | None = None
    clear: list[str] | None = strawberry.field(default=None, description="strength, confidence and/or comment.")


# Writes run on a thread of their own, never queued behind reads (crosswalk, coverage) waiting for
# the default executor's few threads; they are serialised by SHACL validation anyway.
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="controlgraph-write")
async def _write(change: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_WRITER, functools.partial(change, *args, **kwargs))


def _tenant(info: Ctx) -> str:
    if info.context.tenant is None:
        raise NotAuthenticated("writes need 'Authorization: Bearer <API key>'")
    return info.context.tenant


async def _mapping_payload(info: Ctx, outcome: custom.ChangeOutcome) -> MappingPayload:
    record = mapping_records(info.context.store, [outcome.node], info.context.visibility)[outcome.node]
    return MappingPayload(mapping=Mapping(record=record), audit_id=strawberry.ID(outcome.audit))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a custom mapping to your mapping set (SHACL-validated, audited).")
    async def create_mapping(self, info: Ctx, input: MappingInput) -> MappingChangeResult:
        try:
            tenant = _tenant(info)
            draft = custom.MappingDraft(
                subject=str(input.subject), object=str(input.object), relation=input.relation.engine,
                rationale=Rationale(input.rationale.value), strength=input.strength,
                confidence=input.confidence, comment=input.comment, justification=input.justification,
            )
            outcome = await _write(custom.create_mapping, info.context.store, tenant, draft)
            return await _mapping_payload(info, outcome)
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.mutation(description="Change one of your custom mappings.")
    async def update_mapping(self, info: Ctx, id: strawberry.ID, input: MappingPatchInput) -> MappingChangeResult:
        try:
            tenant = _tenant(info)
            patch = custom.MappingPatch(
                relation=input.relation.engine if input.relation else None,
                rationale=Rationale(input.rationale.value) if input.rationale else None,
                strength=input.strength, confidence=input.confidence, comment=input.comment,
                clear=tuple(input.clear or ()),
            )
            outcome = await _write(custom.update_mapping, info.context.store, tenant, str(id), patch)
            return await _mapping_payload(info, outcome)
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.mutation(description="Remove one of your custom mappings (the audit log keeps the record).")
    async def retract_mapping(self, info: Ctx, id: strawberry.ID) -> RetractResult:
        try:
            tenant = _tenant(info)
            outcome = await _write(custom.retract_mapping, info.context.store, tenant, str(id))
            return RetractPayload(id=strawberry.ID(outcome.node), audit_id=strawberry.ID(outcome.audit))
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.mutation(description="State that 'subject' is covered by the union of 'coveredBy' (a cover set in "
                                     "your mapping set): coverage counts it full when all are implemented. "
                                     "retractMapping removes it.")
    async def create_cover_set(self, info: Ctx, subject: str, covered_by: list[str], confidence: float | None = None,
                               comment: str | None = None) -> RetractResult:
        try:
            outcome = await _write(custom.create_cover_set, info.context.store, _tenant(info), subject, covered_by,
                                   confidence, comment)
            return RetractPayload(id=strawberry.ID(outcome.node), audit_id=strawberry.ID(outcome.audit))
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]

    @strawberry.mutation(description="Import an SSSOM/TSV file's text as one of your mapping sets.")
    async def import_sssom(self, info: Ctx, tsv: str, keep_going: bool = False) -> ImportResult:
        try:
            tenant = _tenant(info)
            if len(tsv.encode("utf-8")) > info.context.settings.max_request_bytes:
                raise InputError(f"tsv: over {info.context.settings.max_request_bytes} bytes")
            outcome = await _write(custom.import_sssom_text, info.context.store, tenant, tsv,
                                              keep_going=keep_going)
            found = info.context.mapping_sets().get(outcome.node)
            return ImportPayload(
                mapping_set=MappingSet.of(found) if found else None, mappings=outcome.mappings,
                audit_id=strawberry.ID(outcome.audit),
                issues=[RowIssueInfo(source=i.source, value=i.value, action=i.action, reason=i.reason)
                        for i in outcome.issues],
            )
        except ControlGraphError as exc:
            return user_error(exc)  # type: ignore[return-value]


def build_schema(settings: Settings) -> strawberry.Schema:
    return QuietSchema(query=Query, mutation=Mutation, extensions=extensions(settings))


def schema_sdl() -> str:
    """The schema in SDL, as committed in ``schema.graphql`` at the repository top."""
    return str(build_schema(Settings())) + "\n"


def install(app: FastAPI, settings: Settings, store: GraphStore) -> None:
    """Mount /graphql (GraphiQL in a browser) on the app."""
    keys = ApiKeys.parse(settings.api_keys)
    router = StoreAwareGraphQLRouter(
        build_schema(settings), context_getter=context_getter(store, settings, keys),  # type: ignore[arg-type]
        graphql_ide="graphiql" if settings.api_explorers else None, subscription_protocols=(),
    )
    app.include_router(router, prefix="/graphql")
