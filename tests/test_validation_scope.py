"""Validation proportional to the change reports exactly what a full validation reports.

A slice of the shipped data (which conforms) is changed, by the build's bad-input corpus, by edits aimed
at each way a shape reads beyond its focus node, and by seeded random edits; each time the violations
of :func:`validate_change` (only the focus nodes the change can affect) must equal those of a full
:func:`validate_triples` of the changed graph.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from controlgraph.data.datasets import DatasetFile, data_file, shipped_datasets
from controlgraph.data.loader import load_files
from controlgraph.data.validation import validate_change, validate_triples
from controlgraph.data.validation_scope import LinkIndex, affected_nodes
from controlgraph.vocabulary import CG, CONTROL, MAPPING, RDF, SKOS
from test_build_pipeline import BAD_INPUTS

REPO = Path(__file__).resolve().parent.parent
SLICE = ["nist-csf-2.0", "nist-csf-1.1", "iso27001-2022", "iso27001-2013", "nist-csf-2.0--iso27001-2022--olir"]
CSF = CONTROL + "nist-csf-2.0/"
ISO = CONTROL + "iso27001-2022/"

Triples = list[ox.Triple]


def _files() -> list[DatasetFile]:
    shipped = shipped_datasets(REPO)
    return [f for f in shipped if f.role != "data" or f.dataset_id in SLICE]


@pytest.fixture(scope="module")
def base() -> tuple[Triples, Triples]:
    loaded = load_files(_files())
    shapes = [t for d in loaded.by_role("shapes") for t in d.triples]
    data = [t for d in loaded.datasets if d.source.role != "shapes" for t in d.triples]
    assert validate_triples(data, shapes).conforms
    return data, shapes


def _key(report: object) -> set[tuple[str, str, str, str | None]]:
    return {(v.focus_node, v.constraint, v.message, v.value) for v in report.violations}  # type: ignore[attr-defined]


def _compare(base: tuple[Triples, Triples], added: Triples, removed: Triples,
             prior: Triples | None = None) -> set[tuple[str, str, str, str | None]]:
    """Full and scoped validation of base (plus ``prior``, which must conform) after the change agree."""
    data, shapes = base
    if prior:
        data = data + [t for t in prior if t not in set(data)]
        assert validate_triples(data, shapes).conforms
    before = set(data)
    gone = set(removed)
    after = [t for t in data if t not in gone] + [t for t in added if t not in before]
    changed = [t for t in removed if t in before] + [t for t in added if t not in before]
    full = _key(validate_triples(after, shapes))
    scoped = _key(validate_change(after, shapes, changed))
    assert scoped == full, f"scoped validation missed {full - scoped} and added {scoped - full}"
    return full


def _nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _objects(data: Triples, subject: str, predicate: str) -> list[ox.Triple]:
    return [t for t in data if t.subject.value == subject and t.predicate.value == predicate]


@pytest.mark.parametrize("case", sorted(c for c in BAD_INPUTS if c != "malformed-turtle"))
def test_bad_input_corpus(case: str, base: tuple[Triples, Triples], tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD_INPUTS[case][0], encoding="utf-8")
    added = load_files([data_file(bad)]).datasets[0].triples
    assert _compare(base, added, []), "the corpus case must break a shape"


def _framework_loses_its_type(data: Triples) -> tuple[Triples, Triples, Triples]:
    framework = _objects(data, CSF + "PR.AA-01", SKOS + "inScheme")[0].object.value
    return [], _objects(data, framework, RDF + "type"), []


def _control_loses_its_type(data: Triples) -> tuple[Triples, Triples, Triples]:
    return [], _objects(data, ISO + "A.5.16", RDF + "type"), []


def _duplicate_notation(data: Triples) -> tuple[Triples, Triples, Triples]:
    old = _objects(data, CSF + "PR.AA-02", SKOS + "notation")
    taken = _objects(data, CSF + "PR.AA-01", SKOS + "notation")[0].object
    new = [ox.Triple(t.subject, t.predicate, taken) for t in old]
    return new, old, []


def _parent_moves_framework(data: Triples) -> tuple[Triples, Triples, Triples]:
    old = _objects(data, CSF + "PR.AA", SKOS + "inScheme")
    iso = _objects(data, ISO + "A.5.16", SKOS + "inScheme")[0].object
    return [ox.Triple(t.subject, t.predicate, iso) for t in old], old, []


def _mapping_twin(data: Triples, relation: str) -> tuple[ox.NamedNode, Triples]:
    """A mapping of the slice, and a copy with subject and object swapped and ``relation``."""
    node = next(t.subject for t in data if t.predicate.value == CG + "relation")
    assert isinstance(node, ox.NamedNode)
    subject = _objects(data, node.value, CG + "mappingSubject")[0].object
    obj = _objects(data, node.value, CG + "mappingObject")[0].object
    twin = _nn(MAPPING + "test/twin")
    copied = (CG + "relation", CG + "mappingSubject", CG + "mappingObject")
    triples = [ox.Triple(twin, t.predicate, t.object) for t in data
               if t.subject == node and t.predicate.value not in copied]
    triples += [ox.Triple(twin, _nn(CG + "relation"), _nn(relation)),
                ox.Triple(twin, _nn(CG + "mappingSubject"), obj), ox.Triple(twin, _nn(CG + "mappingObject"), subject)]
    return node, triples


def _not_related_against_equal(data: Triples) -> tuple[Triples, Triples, Triples]:
    """A mapping's relation (only) becomes not-related while an earlier mapping of the same pair says equal."""
    node, twin = _mapping_twin(data, CG + "equal")
    old = _objects(data, node.value, CG + "relation")
    return [ox.Triple(node, t.predicate, _nn(CG + "notRelated")) for t in old], old, twin


def _equal_against_not_related(data: Triples) -> tuple[Triples, Triples, Triples]:
    """A mapping's relation (only) becomes equal while an earlier mapping of the same pair says not-related."""
    node, twin = _mapping_twin(data, CG + "notRelated")
    old = _objects(data, node.value, CG + "relation")
    return [ox.Triple(node, t.predicate, _nn(CG + "equal")) for t in old], old, twin


def _bare_relation(data: Triples) -> tuple[Triples, Triples, Triples]:
    return [ox.Triple(_nn(CSF + "PR.AA-01"), _nn(CG + "subsetOf"), _nn(ISO + "A.8.1"))], [], []


EDITS: dict[str, Callable[[Triples], tuple[Triples, Triples, Triples]]] = {
    "framework-loses-type": _framework_loses_its_type,
    "mapped-control-loses-type": _control_loses_its_type,
    "duplicate-notation": _duplicate_notation,
    "parent-in-another-framework": _parent_moves_framework,
    "not-related-against-equal": _not_related_against_equal,
    "equal-against-not-related": _equal_against_not_related,
    "bare-relation": _bare_relation,
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edits_that_reach_beyond_the_focus_node(edit: str, base: tuple[Triples, Triples]) -> None:
    added, removed, prior = EDITS[edit](base[0])
    assert added or removed
    assert _compare(base, added, removed, prior), f"{edit} must break a shape"


def _random_edit(data: Triples, rng: random.Random) -> tuple[Triples, Triples]:
    added: Triples = []
    removed: Triples = []
    nodes = sorted({t.subject.value for t in data if isinstance(t.subject, ox.NamedNode)})
    for _ in range(rng.randint(1, 3)):
        t = rng.choice(data)
        kind = rng.choice(("delete", "retarget", "duplicate", "move"))
        if kind == "delete":
            removed.append(t)
        elif kind == "retarget" and isinstance(t.object, ox.NamedNode):
            removed.append(t)
            added.append(ox.Triple(t.subject, t.predicate, _nn(rng.choice(nodes))))
        elif kind == "duplicate":
            other = rng.choice(data)
            added.append(ox.Triple(t.subject, t.predicate, other.object))
        else:  # the triple now describes another node
            removed.append(t)
            added.append(ox.Triple(_nn(rng.choice(nodes)), t.predicate, t.object))
    return added, removed


def test_random_edits(base: tuple[Triples, Triples]) -> None:
    rng = random.Random(20)
    broke = 0
    for _ in range(10):
        added, removed = _random_edit(base[0], rng)
        broke += bool(_compare(base, added, removed))
    assert broke >= 3, "too few random edits broke a shape for the comparison to mean much"


def test_scope_is_small_for_a_small_change(base: tuple[Triples, Triples]) -> None:
    """One new mapping affects itself, its set ("equal and not-related" over the set's mappings) and its
    subject (a bare relation triple needs a mapping naming it): not the thousands of nodes of the slice."""
    data, _shapes = base
    added = load_files([data_file(REPO / "mappings" / "sets" / "nist-csf-2.0--iso27001-2022--olir.ttl")])
    mapping = next(t for t in added.datasets[0].triples if t.predicate.value == CG + "mappingSubject").subject
    changed = [t for t in data if t.subject == mapping]
    scope = affected_nodes(changed, LinkIndex().add(data))
    assert not scope.full
    assert mapping.value in scope.nodes
    subjects = {t.subject for t in data}
    mapping_set = next(t.object.value for t in changed if t.predicate.value == CG + "inMappingSet")
    subject = next(t.object.value for t in changed if t.predicate.value == CG + "mappingSubject")
    assert scope.nodes == {mapping.value, mapping_set, subject}
    assert len(scope.nodes) < len(subjects) / 3, (len(scope.nodes), len(subjects))


def test_a_change_to_the_vocabulary_asks_for_a_full_validation(base: tuple[Triples, Triples]) -> None:
    changed = [ox.Triple(_nn(CG + "Control"), _nn(RDF + "type"), _nn(CG + "Framework"))]
    assert affected_nodes(changed, LinkIndex().add(base[0])).full
