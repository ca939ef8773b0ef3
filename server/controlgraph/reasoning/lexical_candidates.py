"""Candidates from the controls' texts alone, where no chain joins two controls.

Chains only reach what other mappings connect: two editions of one standard (ISO/IEC 27002:2013 and
2022) with no mapping between them left are joined by no chain at all, although most of their
controls carry the same title. Here each control's text (titles and any imported statements, the TF-IDF
vectors of :class:`~controlgraph.reasoning.pair_features.TextIndex`) proposes its most similar controls
of each other framework: a pair is proposed when one end is the other's nearest in that framework, clearly (ahead of
the runner-up by ``margin``), and their cosine reaches ``floor``. A proposal is a candidate like a chained one, with the
possibility set "any" (text says nothing about the relation), no chain, and the justification
``semapv:LexicalSimilarityThresholdMatching``; the probability model weighs it like any pair (its chain
features are those of a pair no chain reaches, its ``lexical`` feature the cosine), having learnt from
such pairs in its leave-one-set-out rows.

Only controls in the walked graph (those some mapping names) are proposed: features such as the
ends' mapped degree need them, and a framework with no mapping at all has nothing to learn from.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from controlgraph.reasoning.chain_results import CandidateLink, CompositionResult, InferredRelation
from controlgraph.reasoning.class_graph import ClassGraph
from controlgraph.reasoning.pair_features import TextIndex
from controlgraph.vocabulary import SEMAPV, Relation

LEXICAL_JUSTIFICATION = SEMAPV + "LexicalSimilarityThresholdMatching"
ANY = frozenset(Relation)
FLOOR = 0.2  # least cosine of a proposal
MARGIN = 0.05  # least lead of a proposal over the proposing control's runner-up


def lexical_links(
    result: CompositionResult, texts: TextIndex, between: tuple[str, str] | None = None,
    *, floor: float = FLOOR, margin: float = MARGIN,
) -> list[CandidateLink]:
    """Candidates for class pairs no definite relation, candidate or asserted mapping joins, proposed by
    text similarity (see the module); between two frameworks only when ``between`` is given."""
    g = result.graph
    if g is None or not texts.has_texts():
        return []
    # One row per control with a text, in IRI order: the graph's own order follows the order the mappings
    # were read in, and a build and an import read them in different orders; the proposals (ties among
    # a class's members, rounding in the products) must not.
    names = sorted(n for n in g.names if texts.has(n))
    if len(names) < 2:
        return []
    by_framework: dict[str, list[int]] = defaultdict(list)
    for row, name in enumerate(names):
        by_framework[g.framework[g.index[name]]].append(row)
    if len(by_framework) < 2:
        return []
    # Every framework pair is proposed from, even in a run ``between`` two: a class of equal controls of
    # several frameworks takes its best proposal over all of them, as in a full run, so a restricted
    # run (the fit's, explain's) keeps exactly the full run's links between its two frameworks.
    vectors = texts.matrix(names)
    classes = [g.class_of[g.index[n]] for n in names]
    joined = _joined_classes(result)
    best: dict[tuple[int, int], tuple[float, int, int]] = {}  # class pair -> (cosine, row, row)
    frameworks = sorted(by_framework)
    for i, first in enumerate(frameworks):
        for second in frameworks[i + 1:]:
            rows_a, rows_c = np.array(by_framework[first]), np.array(by_framework[second])
            similarity = vectors[rows_a] @ vectors[rows_c].T
            for a_pos, c_pos in _proposals(similarity, floor, margin):
                a, c = int(rows_a[a_pos]), int(rows_c[c_pos])
                key = (classes[a], classes[c]) if classes[a] <= classes[c] else (classes[c], classes[a])
                if key[0] == key[1] or key in joined:
                    continue
                cosine = float(similarity[a_pos, c_pos])
                if key not in best or cosine > best[key][0]:
                    best[key] = (cosine, a, c)
    links = []
    for (first_class, second_class), (_, a, c) in sorted(best.items()):
        if between is not None and not _across(g, first_class, second_class, between):
            continue
        subject, obj = names[a], names[c]
        links.append(CandidateLink(
            subject, obj, ANY,
            subject_equivalents=_others(g, subject), object_equivalents=_others(g, obj),
            justification=LEXICAL_JUSTIFICATION,
        ))
    return links


def _proposals(similarity: np.ndarray, floor: float, margin: float) -> set[tuple[int, int]]:
    """(row, column) pairs where the column is the row's nearest or the row the column's, at ``floor`` or
    above and ahead of the runner-up by ``margin``: a text close to several alike (every "General" clause
    of a standard) tells nothing about which of them a publisher would name."""
    out: set[tuple[int, int]] = set()
    for matrix, flip in ((similarity, False), (similarity.T, True)):
        if matrix.shape[1] == 0:
            continue
        order = np.argsort(-matrix, axis=1, kind="stable")
        for r in range(matrix.shape[0]):
            best = int(order[r, 0])
            value = matrix[r, best]
            runner_up = matrix[r, order[r, 1]] if matrix.shape[1] > 1 else 0.0
            if value >= floor and value - runner_up >= margin:
                out.add((best, r) if flip else (r, best))
    return out


def _joined_classes(result: CompositionResult) -> set[tuple[int, int]]:
    """Class pairs already joined: by an asserted mapping, a definite relation or a candidate."""
    g = result.graph
    assert g is not None
    joined: set[tuple[int, int]] = set()
    for s, row in enumerate(g.adjacency):
        for t, _ in row:
            joined.add((s, t) if s <= t else (t, s))
    stated: list[InferredRelation | CandidateLink] = [*result.definite, *result.candidates]
    for item in stated:
        s, t = g.class_of[g.index[item.subject]], g.class_of[g.index[item.object]]
        joined.add((s, t) if s <= t else (t, s))
    return joined


def _across(g: ClassGraph, first: int, second: int, between: tuple[str, str]) -> bool:
    """True when one class holds a control of ``between[0]`` and the other one of ``between[1]``."""
    def holds(cls: int, framework: str) -> bool:
        return any(g.framework[i] == framework for i in g.members[cls])

    return (holds(first, between[0]) and holds(second, between[1])) or (
        holds(first, between[1]) and holds(second, between[0]))


def _others(g: ClassGraph, name: str) -> tuple[str, ...]:
    """The other members of ``name``'s class of equal controls."""
    return tuple(g.names[i] for i in g.members[g.class_of[g.index[name]]] if g.names[i] != name)
