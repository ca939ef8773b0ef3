"""The composition engine on small hand-made graphs: the known traps and the provenance rules."""

from __future__ import annotations

import pytest

from controlgraph.errors import InputError
from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.reasoning.composition import (
    MAPPING_CHAINING,
    CandidateLink,
    CompositionResult,
    InferredRelation,
    compose_mappings,
)
from controlgraph.vocabulary import Rationale, Relation, control_iri

EQ, SUB, SUP = Relation.EQUAL, Relation.SUBSET_OF, Relation.SUPERSET_OF
INT, NR = Relation.INTERSECTS_WITH, Relation.NOT_RELATED


def framework(control: str) -> str:
    return control.split(":")[0]


def run(*edges: tuple[str, Relation, str], **options: object) -> CompositionResult:
    mappings = [AssertedMapping(f"m{i}", s, rel, o) for i, (s, rel, o) in enumerate(edges)]
    return compose_mappings(mappings, framework, **options)  # type: ignore[arg-type]


def definite(result: CompositionResult) -> dict[tuple[str, str], Relation]:
    out = {}
    for d in result.definite:
        for a, c in d.member_pairs():
            out[(a, c)] = d.relation
            out[(c, a)] = d.relation.inverse
    return out


def test_subset_chain_is_definite_with_its_path() -> None:
    result = run(("a:1", SUB, "b:1"), ("b:1", SUB, "c:1"))
    [d] = result.definite
    assert (d.subject, d.relation, d.object) == ("a:1", SUB, "c:1")
    assert d.paths[0].mappings == ("m0", "m1")
    assert d.justification == MAPPING_CHAINING
    assert not result.conflicts


def test_subset_then_superset_infers_nothing_definite() -> None:
    result = run(("a:1", SUB, "h:1"), ("b:1", SUB, "h:1"))
    assert not result.definite
    # Siblings under one hub are a bare shared-neighbour candidate, never equal.
    [c] = result.candidates
    assert len(c.possibilities) == 5
    assert run(("a:1", SUB, "h:1"), ("b:1", SUB, "h:1"), shared_neighbour_candidates=False).candidates == []


def test_superset_then_subset_is_not_equal() -> None:
    result = run(("a:1", SUP, "b:1"), ("b:1", SUB, "c:1"))
    assert not result.definite
    [c] = result.candidates
    assert c.possibilities == {EQ, SUB, SUP, INT}


def test_overlap_and_unrelatedness_are_not_transitive() -> None:
    assert not run(("a:1", INT, "b:1"), ("b:1", INT, "c:1")).definite
    assert not run(("a:1", NR, "b:1"), ("b:1", NR, "c:1")).definite


def test_intersects_then_equal_is_definite_intersects() -> None:
    result = run(("a:1", INT, "b:1"), ("b:1", EQ, "c:1"))
    assert definite(result)[("a:1", "c:1")] is INT


def test_equal_chains_form_one_class_and_cost_nothing() -> None:
    result = run(("a:1", EQ, "b:1"), ("b:1", EQ, "c:1"), ("c:1", EQ, "d:1"), ("d:1", SUB, "e:1"))
    [cls] = result.equivalence_classes
    assert cls.members == ("a:1", "b:1", "c:1", "d:1")
    assert set(cls.mappings) == {"m0", "m1", "m2"}
    # One result for the class pair, not one per member; equal pairs are never listed one by one.
    [d] = result.definite
    assert d.relation is SUB and d.object == "e:1"
    pairs = definite(result)
    for member in cls.members:
        assert pairs[(member, "e:1")] is SUB
    assert all(r is not EQ for r in pairs.values())
    # The explanation walks the equal mappings from the stated subject to the asserted one.
    assert d.paths[0].mappings[-1] == "m3"


def test_chains_through_equal_classes_count_hops_between_classes() -> None:
    # a = b (one class), b subset c, c = d, d subset e: two links, so max_hops=2 reaches a -> e.
    result = run(("a:1", EQ, "b:2"), ("b:2", SUB, "c:3"), ("c:3", EQ, "d:4"), ("d:4", SUB, "e:5"), max_hops=2)
    pairs = definite(result)
    assert pairs[("a:1", "e:5")] is SUB
    d = next(d for d in result.definite if {d.subject, d.object} & {"e:5"} and ("a:1", "e:5") in d.member_pairs())
    chain = d.paths[0].mappings
    assert chain.count("m1") == 1 and chain.count("m3") == 1


def test_max_hops_bounds_the_walk() -> None:
    edges = [("a:1", SUB, "b:1"), ("b:1", SUB, "c:1"), ("c:1", SUB, "d:1"), ("d:1", SUB, "e:1")]
    assert ("a:1", "d:1") in definite(run(*edges, max_hops=3))
    assert ("a:1", "e:1") not in definite(run(*edges, max_hops=3))
    assert ("a:1", "d:1") not in definite(run(*edges, max_hops=2))
    with pytest.raises(ValueError):
        run(*edges, max_hops=0)


def test_paths_intersect_into_a_definite_relation() -> None:
    # a superset-of b, b intersects c gives {superset, intersects}; a intersects d, d superset c...
    # Use two chains whose sets meet in exactly one relation: {sup, int} and {sub, int} -> int.
    result = run(("a:1", SUP, "b:1"), ("b:1", INT, "c:1"), ("a:1", INT, "d:1"), ("d:1", SUB, "c:1"))
    [d] = [d for d in result.definite if ("a:1", "c:1") in d.member_pairs()]
    assert d.relation is INT
    assert d.path_count == 2
    assert {p.mappings for p in d.paths} == {("m0", "m1"), ("m2", "m3")}


def test_explanations_are_built_once_on_first_read_and_compare_as_values() -> None:
    # Chains are expanded into mappings only when read; the built values are kept and compare like
    # the eagerly built ones (a relation or candidate given its values directly).
    result = run(("a:1", SUB, "b:1"), ("b:1", SUB, "c:1"), ("a:1", INT, "d:1"), ("d:1", SUP, "e:1"))
    [d] = [d for d in result.definite if ("a:1", "c:1") in d.member_pairs()]
    first = d.paths
    assert d.paths is first
    assert d == InferredRelation(
        d.subject, d.object, d.relation, first, d.path_count, d.strength, d.confidence, d.rationale,
        d.subject_equivalents, d.object_equivalents,
    )
    assert hash(d) == hash(InferredRelation(**{name: getattr(d, name) for name in InferredRelation._FIELDS}))
    [cand] = [c for c in result.candidates if (c.subject, c.object) == ("a:1", "e:1")]
    assert cand.paths[0].mappings == ("m2", "m3")
    assert cand == CandidateLink(**{name: getattr(cand, name) for name in CandidateLink._FIELDS})
    assert cand != d


def test_same_framework_pairs_are_not_reported() -> None:
    result = run(("a:1", SUB, "b:1"), ("b:1", SUB, "a:2"))
    assert not result.definite and not result.candidates


def test_two_sources_that_contradict_are_a_conflict_naming_both() -> None:
    mappings = [
        AssertedMapping("x", "a:1", SUB, "b:1", publisher="X"),
        AssertedMapping("y", "b:1", SUB, "a:1", publisher="Y"),  # says a superset-of b
    ]
    result = compose_mappings(mappings, framework)
    [conflict] = result.conflicts
    assert {m for p in conflict.evidence for m in p.mappings} == {"x", "y"}
    assert "conflict between" in conflict.describe()


def test_chain_against_asserted_mapping_is_a_conflict() -> None:
    result = run(("a:1", SUB, "b:1"), ("b:1", SUB, "c:1"), ("a:1", NR, "c:1"))
    [conflict] = result.conflicts
    assert {m for p in conflict.evidence for m in p.mappings} == {"m0", "m1", "m2"}
    assert not result.definite


def test_non_equal_mapping_inside_an_equal_class_is_a_conflict() -> None:
    result = run(("a:1", EQ, "b:1"), ("b:1", EQ, "c:1"), ("a:1", INT, "c:1"))
    [conflict] = result.conflicts
    assert {m for p in conflict.evidence for m in p.mappings} == {"m0", "m1", "m2"}


def test_provenance_takes_the_weakest_link() -> None:
    mappings = [
        AssertedMapping("m0", "a:1", SUB, "b:1", Rationale.SYNTACTIC, 8, 0.9, "s1", "P1"),
        AssertedMapping("m1", "b:1", SUB, "c:1", Rationale.FUNCTIONAL, 5, 0.5, "s2", "P2"),
        AssertedMapping("m2", "c:1", EQ, "d:1", Rationale.SEMANTIC, 9, None, "s3", "P3"),
    ]
    [d] = [d for d in compose_mappings(mappings[:2], framework).definite]
    assert (d.strength, d.confidence, d.rationale) == (5, 0.45, Rationale.FUNCTIONAL)
    assert d.paths[0].publishers == {"P1", "P2"}
    # An unknown confidence anywhere on the path leaves the confidence unknown, never 1.0.
    with_unknown = compose_mappings(mappings, framework)
    d_unknown = next(d for d in with_unknown.definite if d.paths[0].mappings[-1] == "m2")
    assert d_unknown.confidence is None and d_unknown.strength == 5


def test_candidates_rank_by_evidence() -> None:
    edges = [
        # a-c: three independent chains, each {sub, int, nr}
        ("a:1", SUB, "h1:1"), ("h1:1", INT, "c:1"),
        ("a:1", SUB, "h2:1"), ("h2:1", INT, "c:1"),
        ("a:1", SUB, "h3:1"), ("h3:1", INT, "c:1"),
        # x-y: one chain
        ("x:1", SUB, "h4:1"), ("h4:1", INT, "y:1"),
    ]  # fmt: skip
    result = run(*edges, shared_neighbour_candidates=False)
    ranked = [(c.subject, c.object) for c in result.candidates]
    assert ranked.index(("a:1", "c:1")) < ranked.index(("x:1", "y:1"))
    top = result.candidates[0]
    assert top.independent_paths == 3 and top.path_count == 3
    assert top.possibilities == {SUB, INT, NR}


def test_shared_parents_raise_a_candidate() -> None:
    edges = [("a:p", INT, "c:p"), ("a:1", SUB, "h:1"), ("h:1", INT, "c:1"), ("x:1", SUB, "k:1"), ("k:1", INT, "y:1")]
    parents = {"a:1": "a:p", "c:1": "c:p"}
    result = run(*edges, parent_of=parents.get, shared_neighbour_candidates=False)
    by_pair = {(c.subject, c.object): c for c in result.candidates}
    assert by_pair[("a:1", "c:1")].shared_parents
    assert by_pair[("a:1", "c:1")].score > by_pair[("x:1", "y:1")].score


def test_unknown_framework_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no framework given"):
        compose_mappings([AssertedMapping("m", "a", SUB, "b")], {"a": "f"})
    with pytest.raises(InputError, match="not a controlgraph control IRI"):
        compose_mappings([AssertedMapping("m", "a", SUB, "b")])


def test_framework_read_from_control_iris_by_default() -> None:
    a, b, c = control_iri("gdpr", "Art.32"), control_iri("iso27002-2022", "8.24"), control_iri("nist-csf-2.0", "PR")
    result = compose_mappings([AssertedMapping("m0", a, SUB, b), AssertedMapping("m1", b, SUB, c)])
    assert definite(result)[(a, c)] is SUB


def test_candidate_cap_keeps_the_best_of_each_control() -> None:
    edges = [
        ("a:1", SUB, "h1:1"), ("h1:1", INT, "c:1"), ("a:1", SUB, "h2:1"), ("h2:1", INT, "c:1"),
        ("a:1", SUB, "h3:1"), ("h3:1", INT, "d:1"),
        ("x:1", SUB, "h4:1"), ("h4:1", INT, "y:1"),
    ]  # fmt: skip
    every = run(*edges, shared_neighbour_candidates=False).candidates
    capped = run(*edges, shared_neighbour_candidates=False, max_candidates_per_control=1).candidates
    assert 0 < len(capped) < len(every)
    for cand in capped:
        best_of_either = [
            max((c for c in every if end in (c.subject, c.object)), key=lambda c: c.score).score
            for end in (cand.subject, cand.object)
        ]
        assert cand.score in best_of_either
    with pytest.raises(ValueError):
        run(*edges, max_candidates_per_control=0)
