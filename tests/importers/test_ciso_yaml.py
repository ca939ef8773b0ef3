"""The ``ciso-yaml`` importer on real CISO Assistant libraries (framework and mapping-set files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from controlgraph.errors import ImportRejected, InputError
from controlgraph.importers import GraphContext, import_file, read_file
from controlgraph.importers.ciso_yaml import item_notation
from controlgraph.pipeline.imports import RECORD_PREDICATES
from controlgraph.vocabulary import CG, control_iri


@pytest.fixture(scope="module")
def ciso_dir(reference_dir: Path) -> Path:
    return reference_dir / "ciso-assistant"


@pytest.fixture(scope="module")
def store(copy_built: Any) -> Any:
    return copy_built()


def test_item_notations() -> None:
    assert item_notation("iso27001-2022", "a.5.1") == ("A.5.1", "")
    assert item_notation("iso27001-2013", "a.12.6.1") == ("A.12.6.1", "")
    assert item_notation("nist-csf-2.0", "gv.oc-01") == ("GV.OC-01", "")
    assert item_notation("nist-csf-1.1", "id.am-1") == ("ID.AM-1", "")
    assert item_notation("gdpr", "32.1.b") == ("Art.32(1)(b)", "")
    assert item_notation("gdpr", "article-32") == ("Art.32", "")
    assert item_notation("gdpr", "chapter-iv") == ("Ch.IV", "")
    assert item_notation("gdpr", "recital-39")[0] is None
    assert item_notation("iso27001-2022", "annex-a")[0] is None


def test_mapping_set_keeps_relationship_and_direction(store: Any, ciso_dir: Path, content: Any) -> None:
    path = ciso_dir / "mapping-iso27001-2013-to-iso27001-2022.yaml"
    dataset, outcome = import_file(store, "ciso-yaml", path)
    assert outcome.changed
    assert dataset.counts["mappings in iso27001-2013--iso27001-2022--ciso-assistant"] == 134
    # Direction: the library's source (27001:2013) is the subject; its "subset" is read as subset-of.
    relations = {
        (r["s"].value, r["o"].value): r["rel"].value
        for r in store.query(
            f"SELECT ?s ?o ?rel WHERE {{ GRAPH <{dataset.graph}> {{ ?m <{CG}mappingSubject> ?s ;"
            f" <{CG}mappingObject> ?o ; <{CG}relation> ?rel }} }}"
        )
    }
    assert len(relations) == 134
    assert relations[(control_iri("iso27001-2013", "4.1"), control_iri("iso27001-2022", "4.1"))] == CG + "equal"
    subset_subjects = {s for (s, _), rel in relations.items() if rel == CG + "subsetOf"}
    assert subset_subjects and all(s.startswith(control_iri("iso27001-2013", "X")[:-1]) for s in subset_subjects)

    before = content(store)
    _, again = import_file(store, "ciso-yaml", path)
    assert not again.changed
    assert content(store) == before


def test_framework_library_adds_statements(store: Any, ciso_dir: Path) -> None:
    dataset, outcome = import_file(store, "ciso-yaml", ciso_dir / "nist-csf-2.0.yaml")
    assert outcome.changed
    assert dataset.counts["statements"] == 134
    triples = store.graph_triples(dataset.graph)
    # Statements, the library's URNs registered on the items, and the import's record about its graph.
    assert {t.predicate.value for t in triples if t.predicate.value not in RECORD_PREDICATES} == {
        CG + "statement", CG + "sourceUrn"}
    assert len([t for t in triples if t.predicate.value == CG + "sourceUrn"]) == 134 + 1  # items and framework


def test_gdpr_library_statements_on_paragraphs_and_points(store: Any, ciso_dir: Path) -> None:
    dataset = read_file("ciso-yaml", ciso_dir / "gdpr.yaml", GraphContext.from_store(store))
    subjects = {t.subject.value for t in dataset.triples if t.predicate.value == CG + "statement"}
    assert control_iri("gdpr", "Art.32(1)(b)") in subjects
    assert control_iri("gdpr", "Art.32") not in subjects  # an article's description is its title
    recitals = [i for i in dataset.rejected if "recital" in i.reason]
    assert len(recitals) > 170


@pytest.mark.parametrize(("text", "error", "expected"), [
    ("urn: x\nobjects: !!python/object/apply:os.system ['true']\n", InputError, "python/object"),
    ("urn: x\nobjects:\n  framework: [unclosed\n", InputError, "not valid YAML"),
    ("urn: x\npublication_date: 2024-01-01\nobjects:\n  framework:\n"
     "    urn: urn:intuitem:risk:framework:pci-dss-4.0\n    requirement_nodes: []\n",
     InputError, "no requirement node"),  # any framework is accepted, but it needs items
    ("urn: x\npublication_date: 2024-01-01\nobjects:\n  framework:\n"
     "    urn: '!!!'\n    requirement_nodes: []\n", ImportRejected, "--framework SLUG"),
    ("- just\n- a list\n", InputError, "expected a CISO Assistant library"),
])
def test_malformed_library_is_rejected_and_store_untouched(
    store: Any, tmp_path: Path, text: str, error: type[Exception], expected: str, content: Any
) -> None:
    before = content(store)
    path = tmp_path / "library.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error) as raised:
        import_file(store, "ciso-yaml", path)
    assert expected in str(raised.value) and str(path) in str(raised.value)
    assert content(store) == before
