"""Soundness of the composition engine on random consistent worlds, with and without a lie.

A world is a few frameworks of a few controls, each control a random non-empty set of atoms, so
the true relation of every pair is known. The engine sees a random subset of true relations.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.reasoning.composition import ChainPath, CompositionResult, compose_mappings
from controlgraph.reasoning.possibilities import compose, inverse, of
from controlgraph.vocabulary import Relation
from set_worlds import true_relation


@dataclass
class World:
    sets: dict[str, int]
    edges: list[AssertedMapping]

    def truth(self, a: str, c: str) -> Relation:
        return true_relation(self.sets[a], self.sets[c])


def framework(control: str) -> str:
    return control.split(":")[0]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    atoms = draw(st.integers(4, 8))
    sizes = draw(st.lists(st.integers(2, 5), min_size=3, max_size=5))
    rng = random.Random(draw(st.integers(0, 2**32)))
    full = (1 << atoms) - 1
    sets: dict[str, int] = {}
    for f, size in enumerate(sizes):
        for i in range(size):
            name = f"f{f}:c{i}"
            roll = rng.random()
            if sets and roll < 0.25:  # a copy of another control: equal
                sets[name] = rng.choice(list(sets.values()))
            elif sets and roll < 0.55:  # a subset or superset of another control
                base = rng.choice(list(sets.values()))
                other = rng.randint(1, full)
                sets[name] = (base & other) or base if rng.random() < 0.5 else base | other
            else:
                sets[name] = rng.randint(1, full)
    names = list(sets)
    pairs = [(a, c) for i, a in enumerate(names) for c in names[i + 1 :] if framework(a) != framework(c)]
    density = draw(st.sampled_from([0.15, 0.3, 0.5]))
    edges = []
    for a, c in pairs:
        if rng.random() < density:
            if rng.random() < 0.5:
                a, c = c, a
            edges.append(
                AssertedMapping(f"m{len(edges)}", a, true_relation(sets[a], sets[c]), c, strength=rng.randint(0, 10))
            )
    return World(sets, edges)


def check_path(path: ChainPath, start: str, end: str, edges: dict[str, AssertedMapping]) -> None:
    """A path names mappings that really lead from start to end, and composes to what it claims."""
    current, mask = start, of(Relation.EQUAL)
    for mid in path.mappings:
        e = edges[mid]
        if e.subject == current:
            step, current = e.mask, e.object
        else:
            assert e.object == current, (path, current)
            step, current = inverse(e.mask), e.subject
        mask = compose(mask, step)
    assert current == end
    # Parallel mappings between two controls are one link whose set is their intersection, and a
    # path shows the narrowest of them: its claim can only be narrower than the shown mappings give.
    claimed = of(*path.possibilities)
    assert claimed & mask == claimed


def all_member_pairs(result: CompositionResult) -> Iterable[tuple[str, str, frozenset[Relation]]]:
    for d in result.definite:
        for a, c in d.member_pairs():
            yield a, c, frozenset({d.relation})
    for cand in result.candidates:
        for a in (cand.subject, *cand.subject_equivalents):
            for c in (cand.object, *cand.object_equivalents):
                yield a, c, cand.possibilities


@settings(max_examples=2000, deadline=None)
@given(worlds(), st.sampled_from([2, 3]))
def test_engine_is_sound_on_consistent_worlds(world: World, hops: int) -> None:
    result = compose_mappings(world.edges, framework, max_hops=hops)
    assert result.conflicts == []
    by_id = {e.mapping: e for e in result.edges}  # as the engine read them (merges as containment)
    for a, c, possible in all_member_pairs(result):
        assert world.truth(a, c) in possible, (a, c, possible)
    for d in result.definite:
        for path in d.paths:
            check_path(path, d.subject, d.object, by_id)
    for cand in result.candidates:
        for path in cand.paths:
            check_path(path, cand.subject, cand.object, by_id)
    for cls in result.equivalence_classes:
        assert len({world.sets[m] for m in cls.members}) == 1


@settings(max_examples=1000, deadline=None)
@given(worlds(), st.data())
def test_a_lie_is_only_ever_blamed_on_itself(world: World, data: st.DataObject) -> None:
    """With one false mapping added, nothing false comes out unless its evidence names the lie.

    Every chain of true mappings allows the true relation, so an empty intersection (a conflict),
    or a definite relation or candidate that excludes the truth, needs a chain through the lie.
    Detection itself is not guaranteed (composition is incomplete and the walk is bounded), except
    when the lie contradicts a mapping asserted on the same pair.
    """
    names = sorted(world.sets)
    a = data.draw(st.sampled_from(names))
    c = data.draw(st.sampled_from([n for n in names if framework(n) != framework(a)]))
    truth = world.truth(a, c)
    lie_relation = data.draw(st.sampled_from([r for r in Relation if r is not truth]))
    lie = AssertedMapping("lie", a, lie_relation, c)
    result = compose_mappings([*world.edges, lie], framework, max_hops=3)

    equal_mappings = {cls_member: set(cls.mappings) for cls in result.equivalence_classes for cls_member in cls.members}

    def blames_lie(paths: Iterable[ChainPath], members: Iterable[str]) -> bool:
        named = {m for p in paths for m in p.mappings}
        for member in members:
            named |= equal_mappings.get(member, set())
        return "lie" in named

    for conflict in result.conflicts:
        assert "lie" in {m for p in conflict.evidence for m in p.mappings}
    for d in result.definite:
        for x, y in d.member_pairs():
            if world.truth(x, y) is not d.relation:
                assert blames_lie(d.paths, (x, y)), (x, y, d)
    for cand in result.candidates:
        for x in (cand.subject, *cand.subject_equivalents):
            for y in (cand.object, *cand.object_equivalents):
                if world.truth(x, y) not in cand.possibilities:
                    assert blames_lie(cand.paths, (x, y)), (x, y, cand)

    # Only a mapping read as stated must contradict the lie (a merge-flagged equal is read wider).
    read = {e.mapping: e for e in result.edges}
    asserted_on_pair = [
        e for e in world.edges if {e.subject, e.object} == {a, c} and read[e.mapping].reading == "stated"
    ]
    if asserted_on_pair and read["lie"].reading == "stated":
        named = [{m for p in conflict.evidence for m in p.mappings} for conflict in result.conflicts]
        assert any({"lie", asserted_on_pair[0].mapping} <= n for n in named), result.conflicts
