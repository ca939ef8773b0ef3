"""Per-request context: the store, the caller (tenant or anonymous) and the request's DataLoaders.

Loaders batch lookups made while resolving one response (controls, mappings, satisfiers of nested
controls), so a page costs a bounded number of store queries. They live for one request only: nothing
is cached across requests, so a write is seen by the next request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import HTTPException, Request
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from controlgraph.analysis.mapping_lookup import (
    MappingRecord,
    MappingSetInfo,
    mapping_records,
    mapping_set_sizes,
    mapping_sets,
)
from controlgraph.analysis.satisfiers import ControlInfo, Satisfier, describe_controls, satisfiers_of_controls
from controlgraph.errors import AuthenticationError
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import ApiKeys, Visibility


@dataclass(frozen=True)
class SatisfiersKey:
    control: str
    frameworks: tuple[str, ...]
    include_inferred: bool


class GraphContext(BaseContext):
    def __init__(self, store: GraphStore, settings: Settings, tenant: str | None) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.tenant = tenant
        self.visibility = Visibility(tenant)
        self.controls: DataLoader[str, ControlInfo | None] = DataLoader(load_fn=self._load_controls)
        self.mappings: DataLoader[str, MappingRecord | None] = DataLoader(load_fn=self._load_mappings)
        self.satisfiers: DataLoader[SatisfiersKey, list[Satisfier]] = DataLoader(load_fn=self._load_satisfiers)
        self._sets: dict[str, MappingSetInfo] | None = None
        self._set_sizes: dict[str, int] | None = None

    async def _load_controls(self, iris: Sequence[str]) -> list[ControlInfo | None]:
        found = describe_controls(self.store, set(iris))
        return [found.get(iri) for iri in iris]

    async def _load_mappings(self, iris: Sequence[str]) -> list[MappingRecord | None]:
        found = mapping_records(self.store, set(iris), self.visibility)
        return [found.get(iri) for iri in iris]

    async def _load_satisfiers(self, keys: Sequence[SatisfiersKey]) -> list[list[Satisfier]]:
        groups: dict[tuple[tuple[str, ...], bool], set[str]] = defaultdict(set)
        for key in keys:
            groups[(key.frameworks, key.include_inferred)].add(key.control)
        answers = {
            options: satisfiers_of_controls(self.store, iris, frameworks=options[0], include_inferred=options[1],
                                            visibility=self.visibility)
            for options, iris in groups.items()
        }
        return [answers[(k.frameworks, k.include_inferred)].get(k.control, []) for k in keys]

    def mapping_sets(self) -> dict[str, MappingSetInfo]:
        """The sets the caller may see, by IRI; read once per request."""
        if self._sets is None:
            self._sets = {s.iri: s for s in mapping_sets(self.store, self.visibility)}
        return self._sets

    def mapping_set_sizes(self) -> dict[str, int]:
        """Mappings per visible set, by IRI; counted once per request, only when a response asks."""
        if self._set_sizes is None:
            self._set_sizes = mapping_set_sizes(self.store, self.visibility)
        return self._set_sizes


def context_getter(store: GraphStore, settings: Settings, keys: ApiKeys) -> object:
    async def get_context(request: Request) -> GraphContext:
        try:
            tenant = keys.from_authorization(request.headers.get("authorization"))
        except AuthenticationError as exc:
            # A key that is given but wrong is refused outright, reads included: never silently anonymous.
            raise HTTPException(status_code=401, detail=str(exc),
                                headers={"WWW-Authenticate": "Bearer"}) from None
        return GraphContext(store, settings, tenant)

    return get_context
