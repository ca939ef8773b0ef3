"""The ``csf-xlsx`` importer on the real NIST CSF 2.0 Reference Tool export (2024-06-17)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from controlgraph.errors import InputError
from controlgraph.importers import import_file
from controlgraph.pipeline.imports import CommitOutcome, ImportedDataset
from controlgraph.vocabulary import CG, IMPORT_GRAPH, control_iri

GRAPH = IMPORT_GRAPH + "nist-csf-2.0-reference-tool-2024-06-17"


@pytest.fixture(scope="module")
def export(reference_dir: Path) -> Path:
    return reference_dir / "nist-csf-2.0" / "csf2-reference-tool-export_2024-06-17.xlsx"


@pytest.fixture(scope="module")
def imported(copy_built: Any, export: Path) -> tuple[Any, ImportedDataset, CommitOutcome]:
    store = copy_built()
    dataset, outcome = import_file(store, "csf-xlsx", export)
    return store, dataset, outcome


def test_counts_of_the_real_export(imported: tuple[Any, ImportedDataset, CommitOutcome]) -> None:
    _, dataset, outcome = imported
    assert outcome.changed
    assert (dataset.counts["function rows read"], dataset.counts["category rows read"],
            dataset.counts["subcategory rows read"]) == (6, 22, 106)
    assert dataset.counts["statements"] == 134
    assert dataset.counts["implementation examples"] > 300
    # Only the CSF v1.1 references name a framework in the graph; the export lists 185 of them.
    assert dataset.counts["mapping sets"] == 1
    assert dataset.counts["mappings in nist-csf-2.0--nist-csf-1.1--reference-tool"] == 185
    withdrawn = [i for i in dataset.rejected if i.reason.startswith("withdrawn")]
    assert len(withdrawn) == 91  # 12 categories and 79 subcategories of CSF 1.1 kept as withdrawn rows
    skipped = {i.value for i in dataset.rejected if i.reason.startswith("skipped: framework not in the graph")}
    assert skipped == {"SP 800-53 Rev 5.1.1", "CRI Profile v2.0", "SP 800-221A", "CIS Controls v8.0", "SP 800-218"}


def test_statement_examples_and_direction(imported: tuple[Any, ImportedDataset, CommitOutcome]) -> None:
    store, _, _ = imported
    subject = control_iri("nist-csf-2.0", "GV.OC-01")
    texts = {(r["p"].value, r["t"].value[:4]) for r in store.query(
        f"SELECT ?s ?p ?t WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?t FILTER(isLiteral(?t)) }} }}",
        substitutions={"s": ox.NamedNode(subject)},
    )}
    assert (CG + "statement", "The ") in texts
    assert (CG + "implementationExample", "Ex1:") in texts
    # GV.OC-01 lists "CSF v1.1: ID.BE-2": subject the CSF 2.0 item, object the CSF 1.1 item, defaulted.
    rows = list(store.query(
        f"SELECT ?rel ?src WHERE {{ GRAPH <{GRAPH}> {{ ?m <{CG}mappingSubject> <{subject}> ;"
        f" <{CG}mappingObject> <{control_iri('nist-csf-1.1', 'ID.BE-2')}> ; <{CG}relation> ?rel ;"
        f" <{CG}relationSource> ?src }} }}"
    ))
    assert [(r["rel"].value, r["src"].value) for r in rows] == [(CG + "intersectsWith", "defaulted")]


def test_importing_twice_changes_nothing(
    imported: tuple[Any, ImportedDataset, CommitOutcome], export: Path, content: Any
) -> None:
    store, _, _ = imported
    before = content(store)
    _, outcome = import_file(store, "csf-xlsx", export)
    assert not outcome.changed
    assert content(store) == before


def _not_a_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "export.xlsx"
    path.write_text("Function,Category,Subcategory\n", encoding="utf-8")
    return path


def _zip_without_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return path


@pytest.mark.parametrize(("make", "expected"), [
    (_not_a_workbook, "not an .xlsx workbook"),
    (_zip_without_workbook, "cannot read the workbook"),
    (lambda tmp: tmp / "missing.xlsx", "file not found"),
])
def test_malformed_workbook_is_rejected_and_store_untouched(
    imported: tuple[Any, ImportedDataset, CommitOutcome], tmp_path: Path, make: Any, expected: str, content: Any
) -> None:
    store, _, _ = imported
    before = content(store)
    path = make(tmp_path)
    with pytest.raises(InputError) as error:
        import_file(store, "csf-xlsx", path)
    assert expected in str(error.value) and str(path) in str(error.value)
    assert content(store) == before
