"""Everything the ontology's OWL axioms entail, the composition engine finds too.

The axioms (equal symmetric and transitive, subset-of transitive and inverse of superset-of,
chaining through equal) are a small part of composition. ``relation_closure`` computes them (and
another test checks it against owlrl); here every entailed relation between controls of different
frameworks, reachable within the engine's hop bound, must be asserted, implied by an equal class,
or stated as a definite relation by the engine.
"""

from __future__ import annotations

import itertools
import random
from collections import deque

from hypothesis import given, settings
from hypothesis import strategies as st

from controlgraph.data.datasets import data_root, shipped_datasets
from controlgraph.data.loader import load_files
from controlgraph.reasoning.axioms import relation_closure
from controlgraph.reasoning.class_graph import AssertedMapping, framework_from_iri
from controlgraph.reasoning.composition import CompositionResult, compose_mappings
from controlgraph.reasoning.materialise import asserted_edges
from controlgraph.vocabulary import Relation
from set_worlds import true_relation

Triple = tuple[str, Relation, str]


def known_to_engine(edges: list[AssertedMapping], result: CompositionResult) -> set[Triple]:
    known: set[Triple] = set()
    for e in edges:
        known.add((e.subject, e.relation, e.object))
        known.add((e.object, e.relation.inverse, e.subject))
    for cls in result.equivalence_classes:
        for a, b in itertools.permutations(cls.members, 2):
            known.add((a, Relation.EQUAL, b))
    for d in result.definite:
        for a, c in d.member_pairs():
            known.add((a, d.relation, c))
            known.add((c, d.relation.inverse, a))
    return known


def subset_hops(edges: list[AssertedMapping], result: CompositionResult) -> dict[str, dict[str, int]]:
    """Links needed to go up from each control's class to each class above it (equal is free)."""
    cls = {m: cl.members[0] for cl in result.equivalence_classes for m in cl.members}
    up: dict[str, set[str]] = {}
    for e in edges:
        s, o = cls.get(e.subject, e.subject), cls.get(e.object, e.object)
        if e.relation is Relation.SUBSET_OF:
            up.setdefault(s, set()).add(o)
        elif e.relation is Relation.SUPERSET_OF:
            up.setdefault(o, set()).add(s)
    distances: dict[str, dict[str, int]] = {}
    for start in up:
        seen = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt in up.get(node, ()):
                if nxt not in seen:
                    seen[nxt] = seen[node] + 1
                    queue.append(nxt)
        distances[start] = seen
    return {m: distances.get(cls.get(m, m), {}) for e in edges for m in (e.subject, e.object)}


def missing_entailments(
    edges: list[AssertedMapping], framework: dict[str, str] | None, hops: int
) -> tuple[list[Triple], int]:
    """Entailed relations the engine does not know, and how many unasserted entailments were checked."""
    result = compose_mappings(edges, framework, max_hops=hops)
    assert result.conflicts == []
    fw = framework.__getitem__ if framework is not None else framework_from_iri
    cls = {m: cl.members[0] for cl in result.equivalence_classes for m in cl.members}
    distance = subset_hops(edges, result)
    known = known_to_engine(edges, result)
    asserted = {(e.subject, e.relation, e.object) for e in edges}
    asserted |= {(e.object, e.relation.inverse, e.subject) for e in edges}
    missing = []
    checked = 0
    # Entailments of the mappings the engine reads as stated: an equal it sets aside as a merge
    # (input_checks, reported as a finding) is read more weakly, so the OWL closure of it is not owed.
    stated = {e.mapping for e in result.edges if e.reading == "stated"}
    for s, rel, o in relation_closure((e.subject, e.relation, e.object) for e in edges if e.mapping in stated):
        if fw(s) == fw(o):
            continue
        if rel is Relation.SUBSET_OF and distance[s].get(cls.get(o, o), hops + 1) > hops:
            continue
        if rel is Relation.SUPERSET_OF and distance[o].get(cls.get(s, s), hops + 1) > hops:
            continue
        checked += (s, rel, o) not in asserted
        if (s, rel, o) not in known:
            missing.append((s, rel, o))
    return missing, checked



@settings(max_examples=500, deadline=None)
@given(st.integers(0, 2**32), st.integers(4, 7), st.sampled_from([2, 3]))
def test_engine_finds_every_axiom_entailment_in_random_worlds(seed: int, atoms: int, hops: int) -> None:
    # Nested sets (chains of subsets and copies) so that subset and equal chains are common.
    rng = random.Random(seed)
    full = (1 << atoms) - 1
    sets: dict[str, int] = {}
    framework: dict[str, str] = {}
    for i in range(rng.randint(6, 14)):
        name = f"c{i}"
        framework[name] = f"f{rng.randint(0, 3)}"
        if sets and rng.random() < 0.6:
            base = rng.choice(list(sets.values()))
            roll = rng.random()
            if roll < 0.3:
                sets[name] = base  # equal
            elif roll < 0.65:
                sets[name] = base | rng.randint(1, full)  # superset or equal
            else:
                sets[name] = (base & rng.randint(1, full)) or base  # subset or equal
        else:
            sets[name] = rng.randint(1, full)
    names = list(sets)
    # Two equal controls of one framework are a data-quality finding the engine will not merge
    # (input_checks): equal controls get distinct frameworks, so the world is one it accepts.
    used: dict[int, set[str]] = {}
    for name in names:
        taken = used.setdefault(sets[name], set())
        if framework[name] in taken:
            framework[name] = next(f"f{n}" for n in range(100) if f"f{n}" not in taken)
        taken.add(framework[name])
    edges = [
        AssertedMapping(f"m{k}", a, true_relation(sets[a], sets[c]), c)
        for k, (a, c) in enumerate(itertools.combinations(names, 2))
        if rng.random() < 0.3
    ]
    missing, _ = missing_entailments(edges, framework, hops)
    assert missing == []


def test_engine_finds_every_axiom_entailment_in_shipped_data() -> None:
    loaded = load_files(shipped_datasets(data_root()))
    triples = [t for d in loaded.datasets for t in d.triples]
    edges = [AssertedMapping(e.mapping, e.subject, e.relation, e.object) for e in asserted_edges(triples)]
    assert len(edges) > 1000
    missing, checked = missing_entailments(edges, None, 3)
    assert missing == []
    assert checked > 500  # equal classes across ISO editions entail many relations nobody asserted
