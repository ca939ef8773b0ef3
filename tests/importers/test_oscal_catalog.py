"""The ``oscal-catalog`` importer on CSA's real OSCAL catalogs of CCM v4.0.12 (full and Lite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from controlgraph.errors import ImportRejected, InputError
from controlgraph.importers import GraphContext, ImportOptions, import_file, read_file
from controlgraph.pipeline.imports import RECORD_PREDICATES
from controlgraph.vocabulary import CG, FRAMEWORK, IMPORT_GRAPH, control_iri


@pytest.fixture(scope="module")
def oscal_dir(reference_dir: Path) -> Path:
    return reference_dir / "csa-ccm-4.0.12" / "oscal-dataset"


@pytest.fixture(scope="module")
def store(copy_built: Any) -> Any:
    return copy_built()


def test_full_catalog_adds_statements_to_the_existing_framework(store: Any, oscal_dir: Path, content: Any) -> None:
    dataset, outcome = import_file(store, "oscal-catalog", oscal_dir / "ccm-v4.0.12-oscal.json")
    assert outcome.changed
    assert dataset.graph == IMPORT_GRAPH + "oscal-csa-ccm-4-cloud-controls-matrix-4.0.12"
    assert dataset.counts["controls read"] == 197 and dataset.counts["statements"] == 197
    assert dataset.counts["nested controls not in the graph's catalog (no statement added)"] == 261
    triples = store.graph_triples(dataset.graph)
    # The framework node is left alone: statements, and the import's record about its graph.
    assert {t.predicate.value for t in triples if t.predicate.value not in RECORD_PREDICATES} == {CG + "statement"}
    assert ox.NamedNode(control_iri("csa-ccm-4", "A&A-01")) in {t.subject for t in triples}

    before = content(store)
    _, again = import_file(store, "oscal-catalog", oscal_dir / "ccm-v4.0.12-oscal.json")
    assert not again.changed
    assert content(store) == before


def test_lite_catalog_reads_as_ccm(oscal_dir: Path, store: Any) -> None:
    dataset = read_file("oscal-catalog", oscal_dir / "ccm-lite-v4.0.12-oscal.json", GraphContext.from_store(store))
    assert dataset.counts["statements"] == 91
    assert dataset.issues == []


def test_other_slug_emits_a_catalog_that_validates(store: Any, oscal_dir: Path) -> None:
    options = ImportOptions(framework="ccm-lite-copy")
    dataset, outcome = import_file(store, "oscal-catalog", oscal_dir / "ccm-lite-v4.0.12-oscal.json", options)
    assert outcome.changed
    # Every depth: 17 domains, 91 controls and the CAIQ questions nested in them, as children.
    nested = dataset.counts["nested controls read (enhancements, questions)"]
    assert nested > 0 and dataset.counts["ccm-lite-copy items (new catalog)"] == 17 + 91 + nested
    publisher = list(store.query(
        f"SELECT ?p WHERE {{ <{FRAMEWORK}ccm-lite-copy> <http://purl.org/dc/terms/publisher> ?p }}"
    ))
    assert [r["p"].value for r in publisher] == ["Cloud Security Alliance"]


@pytest.mark.parametrize(("text", "error", "expected"), [
    ('{"catalog": {"metadata": {"title": "Cloud Controls Matrix", "version": "4.0.12"}, "groups": [', InputError,
     "invalid JSON"),
    ('{"catalog": {"metadata": {"title": "Cloud Controls Matrix", "version": "4.0.12"}, "groups": {}}}',
     InputError, "expected control groups"),
    ('{"catalog": {"metadata": {"title": "Some Catalog", "version": "1"}, "groups": []}}', ImportRejected,
     "--framework SLUG"),
    ('[1, 2, 3]', InputError, "expected an OSCAL document"),
])
def test_malformed_catalog_is_rejected_and_store_untouched(
    store: Any, tmp_path: Path, text: str, error: type[Exception], expected: str, content: Any
) -> None:
    before = content(store)
    path = tmp_path / "catalog.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error) as raised:
        import_file(store, "oscal-catalog", path)
    assert expected in str(raised.value) and str(path) in str(raised.value)
    assert content(store) == before
