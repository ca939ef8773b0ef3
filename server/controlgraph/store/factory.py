"""Open the store a setting names."""

from __future__ import annotations

from pathlib import Path

from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.store.embedded import EmbeddedStore


def open_store(settings: Settings, *, read_only: bool = False) -> GraphStore:
    if settings.store_is_remote:
        from controlgraph.store.remote import RemoteEndpoints, RemoteStore

        endpoints = RemoteEndpoints(settings.store_query_path, settings.store_update_path,
                                    settings.store_graph_store_path, settings.store_union_param)
        remote: GraphStore = RemoteStore(settings.store, timeout=settings.sparql_timeout, endpoints=endpoints)
        return remote
    if settings.store == "memory":
        return EmbeddedStore(None)
    return EmbeddedStore(Path(settings.store), read_only=read_only)
