"""Open the store a setting names."""

from __future__ import annotations

from pathlib import Path

from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.store.embedded import SNAPSHOT_GRACE_SECONDS, EmbeddedStore


def open_store(settings: Settings, *, read_only: bool = False) -> GraphStore:
    if settings.store_is_remote:
        from controlgraph.store.remote import RemoteEndpoints, RemoteStore

        endpoints = RemoteEndpoints(settings.store_query_path, settings.store_update_path,
                                    settings.store_graph_store_path, settings.store_union_param)
        remote: GraphStore = RemoteStore(settings.store, timeout=settings.sparql_timeout, endpoints=endpoints)
        return remote
    if settings.store == "memory":
        return EmbeddedStore(None)
    # A read snapshot outlives its successor's creation by longer than any query may run on it.
    grace = max(SNAPSHOT_GRACE_SECONDS, 2 * settings.sparql_timeout + 30)
    return EmbeddedStore(Path(settings.store), read_only=read_only, snapshot_grace_seconds=grace)
