"""The composition table of DESIGN.md section 2, checked against set theory by brute force."""

from __future__ import annotations

import itertools

import pytest

from controlgraph.reasoning import possibilities as P
from controlgraph.vocabulary import Relation
from set_worlds import true_relation


def observed_table(atoms: int) -> dict[tuple[Relation, Relation], set[Relation]]:
    """For every triple of non-empty subsets of the universe: what A-C was, given A-B and B-C."""
    subsets = range(1, 1 << atoms)
    relation = {(a, b): true_relation(a, b) for a in subsets for b in subsets}
    seen: dict[tuple[Relation, Relation], set[Relation]] = {}
    for a in subsets:
        for b in subsets:
            ab = relation[(a, b)]
            for c in subsets:
                seen.setdefault((ab, relation[(b, c)]), set()).add(relation[(a, c)])
    return seen


@pytest.mark.parametrize("atoms", [4, 5])
def test_table_matches_brute_force(atoms: int) -> None:
    seen = observed_table(atoms)
    for r1 in Relation:
        for r2 in Relation:
            assert P.compose_relations(r1, r2) == frozenset(seen[(r1, r2)]), (r1, r2)


def test_three_atoms_are_too_few_to_show_every_case() -> None:
    # Why the check uses four atoms or more: with three, some outcomes cannot occur
    # (A subset-of B, B intersects-with C, A intersects-with C needs four distinct atoms).
    seen = observed_table(3)
    assert Relation.INTERSECTS_WITH not in seen[(Relation.SUBSET_OF, Relation.INTERSECTS_WITH)]
    assert all(seen[k] <= P.compose_relations(*k) for k in seen)


def test_design_never_infer_rules() -> None:
    sub, sup, eq = Relation.SUBSET_OF, Relation.SUPERSET_OF, Relation.EQUAL
    intersects, unrelated = Relation.INTERSECTS_WITH, Relation.NOT_RELATED
    # Siblings under one hub: subset then superset tells nothing.
    assert P.compose(P.of(sub), P.of(sup)) == P.ANY
    # Superset then subset is not equal.
    assert P.compose(P.of(sup), P.of(sub)) != P.of(eq)
    # Overlap and unrelatedness are not transitive.
    assert P.compose(P.of(intersects), P.of(intersects)) == P.ANY
    assert P.compose(P.of(unrelated), P.of(unrelated)) == P.ANY


def test_set_composition_is_union_over_members() -> None:
    for a in range(1, P.ANY + 1):
        for b in range(1, P.ANY + 1):
            expected = frozenset().union(
                *(P.compose_relations(r1, r2) for r1 in P.relations(a) for r2 in P.relations(b))
            )
            assert P.relations(P.compose(a, b)) == expected


def test_inverse_and_converse_composition() -> None:
    for rel in Relation:
        assert P.inverse(P.of(rel)) == P.of(rel.inverse)
    for m in range(P.ANY + 1):
        assert P.inverse(P.inverse(m)) == m
    # (A r1 B, B r2 C) read backwards is (C r2' B, B r1' A).
    for r1, r2 in itertools.product(Relation, repeat=2):
        forward = P.compose(P.of(r1), P.of(r2))
        backward = P.compose(P.of(r2.inverse), P.of(r1.inverse))
        assert P.inverse(forward) == backward


def test_helpers() -> None:
    assert P.single(P.of(Relation.EQUAL)) is Relation.EQUAL
    assert P.single(P.of(Relation.EQUAL, Relation.SUBSET_OF)) is None
    assert P.single(P.NONE) is None
    assert P.describe(P.ANY) == "any"
    assert P.describe(P.of(Relation.SUBSET_OF, Relation.NOT_RELATED)) == "{subset-of, not-related}"
    assert not P.admits_overlap(P.of(Relation.NOT_RELATED))
    assert P.admits_overlap(P.of(Relation.NOT_RELATED, Relation.INTERSECTS_WITH))
