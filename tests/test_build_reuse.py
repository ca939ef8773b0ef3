"""A rebuild with unchanged inputs keeps the stored inferred graphs, and only then.

On a slice of the shipped data (two CSF versions, two ISO 27001 versions, one mapping set): the kept
result equals the computed one graph for graph; changed settings, a changed dataset, or an import and its
removal in between (which rewrite the inferred graphs outside a build) make the next build reason again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox

from controlgraph.data.datasets import DatasetFile, data_file, shipped_datasets
from controlgraph.data.loader import load_files
from controlgraph.pipeline.build import BuildResult, build
from controlgraph.pipeline.build_reuse import BUILD_GRAPH
from controlgraph.pipeline.import_records import remove_import
from controlgraph.pipeline.imports import commit_dataset
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import IMPORT_GRAPH

REPO = Path(__file__).resolve().parent.parent
SLICE = ["nist-csf-2.0", "nist-csf-1.1", "iso27001-2022", "iso27001-2013", "nist-csf-2.0--iso27001-2022--olir"]


def _files() -> list[DatasetFile]:
    return [f for f in shipped_datasets(REPO) if f.role != "data" or f.dataset_id in SLICE]


def _build(store: EmbeddedStore, files: list[DatasetFile], **env: str) -> BuildResult:
    return build(Settings.from_env(env, store="memory"), store, files=files)


def _graphs(store: EmbeddedStore) -> dict[str, set[str]]:
    """Every graph but the build's, without triples of blank nodes (a new parse names them anew)."""
    return {g: {str(t) for t in store.graph_triples(g) if "_:" not in str(t)}
            for g in store.graph_names() if g != BUILD_GRAPH}


def test_an_unchanged_rebuild_keeps_what_a_build_computes() -> None:
    store = EmbeddedStore(None)
    first = _build(store, _files())
    computed = _graphs(store)
    again = _build(store, _files())
    assert (first.reasoning, again.reasoning) == ("computed", "kept")
    assert again.validation == "unchanged"
    assert _graphs(store) == computed
    assert again.inference == first.inference and again.asserted_mappings == first.asserted_mappings
    assert again.model is not None and first.model is not None and again.model.to_json() == first.model.to_json()
    assert again.triples == first.triples
    assert _build(store, _files()).reasoning == "kept"  # the record survives a kept rebuild


def test_other_settings_or_data_reason_again(tmp_path: Path) -> None:
    store = EmbeddedStore(None)
    _build(store, _files())
    assert _build(store, _files(), CONTROLGRAPH_MAX_HOPS="2").reasoning == "computed"
    assert _build(store, _files(), CONTROLGRAPH_MAX_HOPS="2").reasoning == "kept"
    changed = tmp_path / "nist-csf-2.0--iso27001-2022--olir.ttl"
    source = next(f for f in _files() if f.dataset_id == "nist-csf-2.0--iso27001-2022--olir")
    text = source.path.read_text(encoding="utf-8")
    changed.write_text(text + "\n# an edit that changes the file, not its triples\n", encoding="utf-8")
    files = [f if f.dataset_id != source.dataset_id else replace(f, path=changed) for f in _files()]
    assert _build(store, files, CONTROLGRAPH_MAX_HOPS="2").reasoning == "computed"


def test_an_import_and_its_removal_make_the_next_build_reason_again() -> None:
    store = EmbeddedStore(None)
    _build(store, _files())
    computed = _graphs(store)
    mapping_set = next(f for f in shipped_datasets(REPO) if f.dataset_id == "nist-csf-1.1--nist-csf-2.0")
    triples: list[ox.Triple] = load_files([data_file(mapping_set.path)]).datasets[0].triples
    commit_dataset(store, IMPORT_GRAPH + "reuse-test", triples, label="reuse-test")
    remove_import(store, "reuse-test")
    rebuilt = _build(store, _files())
    assert rebuilt.reasoning == "computed"
    assert _graphs(store) == computed
