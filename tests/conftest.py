"""Shared fixtures: where the repository, its data and the public reference files are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MAPPINGS = REPO / "mappings"
ONTOLOGY = REPO / "ontology"


def _reference_dir() -> Path:
    configured = os.environ.get("CONTROLGRAPH_REFERENCE")
    return Path(configured) if configured else REPO.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The published reference files (../shared/reference beside the checkout, or $CONTROLGRAPH_REFERENCE).

    They are part of the test environment (CI lays them beside the clone); a missing folder is an
    error of the environment, reported as a failure rather than a skip.
    """
    path = _reference_dir()
    if not (path / "README.md").is_file():
        pytest.fail(f"reference data not found at {path}; set CONTROLGRAPH_REFERENCE to the shared/reference folder")
    return path


@pytest.fixture(scope="session")
def mappings_dir() -> Path:
    return MAPPINGS


@pytest.fixture(scope="session")
def built_store():  # type: ignore[no-untyped-def]
    """The shipped graph, built once per test session into an in-memory embedded store."""
    from controlgraph.build import build
    from controlgraph.settings import Settings
    from controlgraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(None)
    build(Settings.from_env({}, store="memory"), store)
    return store
