"""Fixtures of the importer tests: private copies of the built graph, and a way to compare stores."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from controlgraph.store.embedded import EmbeddedStore

StoreFactory = Callable[..., EmbeddedStore]


def store_content(store: EmbeddedStore) -> str:
    """A digest of every quad of the store: equal digests mean identical stores."""
    return store.fingerprint()


@pytest.fixture(scope="session")
def copy_built(built_store: EmbeddedStore) -> StoreFactory:
    """Make a private store holding the built graph, optionally without some graphs, in memory or on disk.

    Each test module imports into its own copy, so the session's built store stays untouched.
    """

    def make(path: Path | None = None, *, without: Iterable[str] = ()) -> EmbeddedStore:
        dropped = set(without)
        if path is None and not dropped:
            return built_store.copy()
        store = EmbeddedStore(path)
        kept = [g for g in built_store.graph_names() if g not in dropped]
        store.replace_everything({g: built_store.graph_triples(g) for g in kept})
        return store

    return make


@pytest.fixture(scope="session")
def content() -> Callable[[EmbeddedStore], str]:
    """The store_content function, for tests (conftest modules are not importable by name)."""
    return store_content
