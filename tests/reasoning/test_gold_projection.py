"""A gold set mapping at a coarser level than the graph's chains (SOC 2 criteria, not their points of focus)."""

from __future__ import annotations

from controlgraph.analysis.evaluation import evaluate_gold, naive_by_pivot
from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.reasoning.gold_projection import GoldProjection
from controlgraph.vocabulary import Relation, control_iri

X1, X2 = control_iri("fw-x", "X-1"), control_iri("fw-x", "X-2")
P1, P2 = control_iri("fw-p", "P-1"), control_iri("fw-p", "P-2")
Y1, Y1A, Y1B, Y1A_I = (control_iri("fw-y", n) for n in ("Y1", "Y1.a", "Y1.b", "Y1.a.i"))
Y2 = control_iri("fw-y", "Y2")
PARENTS = {Y1A: Y1, Y1B: Y1, Y1A_I: Y1A}


def test_each_end_goes_to_itself_or_its_nearest_ancestor_the_gold_names() -> None:
    project = GoldProjection({(X1, Y1), (X2, Y1A)}, PARENTS.get)
    assert project((X1, Y1)) == (X1, Y1)  # named as it is
    assert project((X1, Y1B)) == (X1, Y1)  # a point beneath a named control
    assert project((X1, Y1A_I)) == (X1, Y1A)  # the nearest named ancestor, not the top
    assert project((X1, Y2)) is None  # neither it nor an ancestor is named
    assert project((P1, Y1)) is None  # the subject side is judged by the gold's subjects
    assert GoldProjection({(X1, Y1A)}, PARENTS.get)((X1, Y1)) is None  # never down to an item


def test_a_cycle_in_the_hierarchy_ends() -> None:
    looping = {Y1A: Y1B, Y1B: Y1A}
    assert GoldProjection({(X1, Y1)}, looping.get)((X1, Y1A)) is None


def _edges() -> list[AssertedMapping]:
    # X-1 -> P-1 -> the points of focus Y1.a and Y1.b; X-2 -> P-2 -> Y2; the gold maps X-1 to Y1.
    rows = [(X1, Relation.EQUAL, P1), (P1, Relation.INTERSECTS_WITH, Y1A), (P1, Relation.INTERSECTS_WITH, Y1B),
            (X2, Relation.EQUAL, P2), (P2, Relation.INTERSECTS_WITH, Y2)]
    return [AssertedMapping(f"m{i}", s, r, o, mapping_set="set-a", publisher="A") for i, (s, r, o) in enumerate(rows)]


def test_naive_chaining_is_lifted_like_the_engine() -> None:
    pivots = naive_by_pivot(_edges(), ("fw-x", "fw-y"), GoldProjection({(X1, Y1), (X2, Y2)}, PARENTS.get))
    assert {pivot: pairs for pivot, pairs in pivots.items() if pairs} == {"fw-p": {(X1, Y1), (X2, Y2)}}


def test_evaluation_scores_pairs_to_points_of_focus_as_their_criterion() -> None:
    gold = {(X1, Y1), (X2, Y2)}
    report = evaluate_gold(_edges(), gold, "gold", parent_of=PARENTS.get, max_hops=3)
    # X-1 reaches Y1 only through its two points of focus: one pair, not two, and it is the gold one.
    assert (report.inferred.found, report.inferred.correct) == (2, 2)
    assert report.lifted_pairs == 1 and report.to_json()["lifted_pairs"] == 1
    assert (report.naive_all.found, report.naive_all.correct) == (2, 2)
    without_tree = evaluate_gold(_edges(), gold, "gold", parent_of=None, max_hops=3)
    assert (without_tree.inferred.found, without_tree.inferred.correct, without_tree.lifted_pairs) == (1, 1, 0)
