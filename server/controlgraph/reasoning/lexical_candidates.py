"""Candidates from the controls' texts alone, where no chain joins two controls.

Chains only reach what other mappings connect: two editions of one standard (ISO/IEC 27002:2013 and
2022) with no mapping between them left are joined by no chain at all, although most of their
controls carry the same title. Here each control's text (titles and any imported statements, the TF-IDF
vectors of :class:`~controlgraph.reasoning.pair_features.TextIndex`) proposes its nearest control of
each other framework, when it is clearly the nearest (ahead of the runner-up by ``margin``) and their
cosine reaches ``floor``. A proposal is a candidate like a chained one, with the possibility set "any"
(a text says nothing about the relation), no chain, and the justification
``semapv:LexicalSimilarityThresholdMatching``; the probability model weighs it like any pair (its chain
features are those of a pair no chain reaches, its ``lexical`` and ``text_only`` features the cosine),
having learnt from such pairs in its leave-one-set-out rows.

Proposals are made among every control with a text; one becomes a candidate only when some mapping names
both ends (they are then in the walked graph, whose features such as the ends' mapped degree need them)
and nothing joins them yet.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from controlgraph.reasoning.chain_results import CandidateLink, CompositionResult, InferredRelation
from controlgraph.reasoning.class_graph import ClassGraph
from controlgraph.reasoning.pair_features import TextIndex
from controlgraph.vocabulary import SEMAPV, Relation, control_ref_from_iri

LEXICAL_JUSTIFICATION = SEMAPV + "LexicalSimilarityThresholdMatching"
ANY = frozenset(Relation)
FLOOR = 0.2  # least cosine of a proposal
MARGIN = 0.05  # least lead of a proposal over the proposing control's runner-up


def lexical_links(
    result: CompositionResult, texts: TextIndex, between: tuple[str, str] | None = None,
    *, floor: float = FLOOR, margin: float = MARGIN,
) -> list[CandidateLink]:
    """Candidates for class pairs no definite relation, candidate or asserted mapping joins, proposed by
    text similarity (see the module); between two frameworks only when ``between`` is given.

    The proposals are the texts' own (:func:`text_proposals`, every framework pair), whatever the
    graph: a run ``between`` two frameworks keeps exactly the full run's links between them (a class of
    equal controls of several frameworks takes its best proposal over all of them in both)."""
    g = result.graph
    if g is None:
        return []
    joined = _joined_classes(result)
    best: dict[tuple[int, int], tuple[float, str, str]] = {}  # class pair -> (cosine, control, control)
    for a, c, cosine in text_proposals(texts, floor, margin):
        if a not in g.index or c not in g.index:
            continue  # a control no mapping names: nothing to weigh it by
        ca, cc = g.class_of[g.index[a]], g.class_of[g.index[c]]
        key = (ca, cc) if ca <= cc else (cc, ca)
        if key[0] == key[1] or key in joined:
            continue
        if key not in best or cosine > best[key][0]:
            best[key] = (cosine, a, c)
    links = []
    for (first_class, second_class), (_, subject, obj) in sorted(best.items(), key=lambda kv: kv[1][1:]):
        if between is not None and not _across(g, first_class, second_class, between):
            continue
        links.append(CandidateLink(
            subject, obj, ANY,
            subject_equivalents=_others(g, subject), object_equivalents=_others(g, obj),
            justification=LEXICAL_JUSTIFICATION,
        ))
    return links


# Proposals by the texts' digest: the fit's held-out runs (and a build's full run before them) share one
# index of texts, so the products are made once per build (and before the fit forks its workers).
_PROPOSALS: dict[tuple[str, float, float], list[tuple[str, str, float]]] = {}


def text_proposals(texts: TextIndex, floor: float = FLOOR, margin: float = MARGIN) -> list[tuple[str, str, float]]:
    """(control, control, cosine) for every pair of controls of two frameworks where one is the other's
    clearly nearest text in that framework (:func:`_proposals`), over every control with a text."""
    key = (texts.digest(), floor, margin)
    known = _PROPOSALS.get(key)
    if known is None:
        if len(_PROPOSALS) >= 4:
            _PROPOSALS.clear()
        known = _PROPOSALS[key] = _all_proposals(texts, floor, margin)
    return known


def _all_proposals(texts: TextIndex, floor: float, margin: float) -> list[tuple[str, str, float]]:
    # In IRI order, so that ties and rounding never depend on the order the texts were read in.
    by_framework: dict[str, list[str]] = defaultdict(list)
    for name in sorted(texts.keys()):
        ref = control_ref_from_iri(name)
        if ref is not None:
            by_framework[ref.slug].append(name)
    words = {f: texts.words(names) for f, names in by_framework.items()}
    frameworks = sorted(by_framework)
    out: list[tuple[str, str, float]] = []
    for i, first in enumerate(frameworks):
        for second in frameworks[i + 1:]:
            # Over the words both frameworks' texts use (the others add nothing to a cosine across): a
            # small dense product even for frameworks imported with long statements.
            shared = sorted(words[first] & words[second])
            if not shared:
                continue
            rows, columns = by_framework[first], by_framework[second]
            similarity = texts.matrix(rows, shared) @ texts.matrix(columns, shared).T
            out.extend((rows[r], columns[c], float(similarity[r, c]))
                       for r, c in sorted(_proposals(similarity, floor, margin)))
    return out


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
