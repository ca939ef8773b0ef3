"""Fixtures of the importer tests: private copies of the built graph, and a way to compare stores."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from controlgraph.store.base import GraphStore
from controlgraph.store.embedded import EmbeddedStore

StoreFactory = Callable[..., EmbeddedStore]


def store_content(store: GraphStore) -> set[tuple[str, str]]:
    """Every quad of the store, as (graph, N-Triples text): equal sets mean identical stores."""
    return {(g, str(t)) for g in store.graph_names() for t in store.graph_triples(g)}


@pytest.fixture(scope="session")
def copy_built(built_store: EmbeddedStore) -> StoreFactory:
    """Make a private store holding the built graph, optionally without some graphs, in memory or on disk.

    Each test module imports into its own copy, so the session's built store stays untouched.
    """
    graphs = {g: built_store.graph_triples(g) for g in built_store.graph_names()}

    def make(path: Path | None = None, *, without: Iterable[str] = ()) -> EmbeddedStore:
        dropped = set(without)
        store = EmbeddedStore(path)
        store.replace_everything({g: ts for g, ts in graphs.items() if g not in dropped})
        return store

    return make


@pytest.fixture(scope="session")
def content() -> Callable[[GraphStore], set[tuple[str, str]]]:
    """The store_content function, for tests (conftest modules are not importable by name)."""
    return store_content
