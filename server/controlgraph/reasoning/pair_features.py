"""The evidence about one inferred pair of controls, as numbers a small model can weigh.

Every feature is computed from the graph the engine walked (equal classes and the links between
them) and the controls' titles; nothing is downloaded. Per pair (class s, class t):

- ``definite``: 1 for a definite relation, 0 for a candidate;
- ``constrained``: the possibility set is narrower than "any" (chains of typed relations);
- ``proven_overlap``: not-related is excluded (the two surely share requirements);
- ``chains`` / ``independent``: log(1 + chains) and log(1 + chains sharing no intermediate class);
- ``two_hop``: the two share a neighbour (the naive two-hop signal), as opposed to longer chains only;
- ``pivot_frameworks``: log(1 + distinct frameworks among the shared neighbours): agreement of
  independent pivots;
- ``pivot_specificity``: resource allocation, the sum over shared neighbours n of 1 / degree(n): a
  pivot mapped to few controls says more than a hub mapped to everything;
- ``pivot_fanout``: over shared neighbours, the smallest log(1 + links into the subject's framework
  times links into the object's): a pivot mapped one-to-one on both sides translates, one mapped
  to ten on each side only relates (log 1000 when no neighbour is shared);
- ``hub_penalty``: log(1 + the smallest degree among shared neighbours), 0 when none;
- ``neighbour_cosine``: shared neighbours / sqrt(degree(s) * degree(t));
- ``competition``: log(1 + candidates each end has in the other's framework), averaged: a control
  with forty candidates in a framework is mapped to few of them;
- ``relative_support``: the pair's shared neighbours over the most any pair of the same end has
  in the same framework, averaged over both ends (1: the best-supported option of both);
- ``inverse_rank``: 1 / the pair's rank among each end's options in the other's framework, ranked by
  shared neighbours plus lexical similarity, averaged over both ends (1: first choice of both);
- ``mapped_degree``: log(1 + links of each end), averaged: controls that publishers map widely
  elsewhere tend to be mapped widely again;
- ``parents_linked``: the two controls' parents are equal or mapped to each other;
- ``children_linked``: share of the two controls' children joined across (directly or by a shared
  neighbour);
- ``publishers``: log(1 + distinct publishers behind the chains' links, beyond the first);
- ``strength``: the best chain's weakest strength over 10 (unknown 0.5);
- ``lexical``: TF-IDF cosine of the two controls' titles and any imported statements;
- ``route_fanout``: over the frameworks of the shared neighbours, the smallest log(1 + expected
  controls reached through that pivot framework): mean links of s's framework into the pivot's
  times the pivot's into t's, both ways averaged (log 1000 when nothing is shared). A pivot
  framework mapped about one-to-one to one side (an edition translation) carries the other
  side's published mapping almost intact, so its naive two-hop chains are the precise ones.
- ``pivot_walk``: the chance that a walk from one end to a neighbour in a pivot framework, then on
  to a control of the other end's framework, lands on the other end (each step uniform over the
  links into that framework), both ways averaged; the best pivot framework. The pair-level form of
  a translation: an end mapped to one pivot that maps to two controls of the other side gives 1/2,
  an end mapped to five hubs that map to ten each gives a few percent, however many chains there are.
- ``text_only``: ``lexical`` when no chain joins the pair (a candidate proposed by the texts,
  :mod:`controlgraph.reasoning.lexical_candidates`), 0 otherwise: a text match alone is weighed apart
  from one beside chains.

A class's framework is its one framework, or all of them for a class of equal controls of several.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from controlgraph.reasoning import possibilities as P
from controlgraph.reasoning.chain_results import CandidateLink, CompositionResult, InferredRelation
from controlgraph.reasoning.class_graph import ClassGraph
from controlgraph.vocabulary import Relation

FEATURES: tuple[str, ...] = (
    "definite",
    "constrained",
    "proven_overlap",
    "chains",
    "independent",
    "two_hop",
    "pivot_frameworks",
    "pivot_specificity",
    "pivot_fanout",
    "hub_penalty",
    "neighbour_cosine",
    "competition",
    "relative_support",
    "inverse_rank",
    "mapped_degree",
    "parents_linked",
    "children_linked",
    "publishers",
    "strength",
    "lexical",
    "route_fanout",
    "pivot_walk",
    "text_only",
)

_NR = P.of(Relation.NOT_RELATED)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on", "or",
    "the", "to", "with", "its", "their", "this", "that", "all", "any",
})


@dataclass(frozen=True)
class PairRow:
    """One inferred pair, as stated by the engine, with its features in :data:`FEATURES` order."""

    subject: str
    object: str
    members: tuple[tuple[str, str], ...]  # every member pair of the two classes it stands for
    values: tuple[float, ...]
    result: InferredRelation | CandidateLink


class TextIndex:
    """TF-IDF vectors of control texts (titles, statements), for cosine similarity."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._digest = hashlib.sha256(repr(sorted(texts.items())).encode()).hexdigest()
        tokens = {k: [w for w in _WORD.findall(v.lower()) if w not in _STOP] for k, v in texts.items()}
        df: Counter[str] = Counter()
        for words in tokens.values():
            df.update(set(words))
        n = max(len(tokens), 1)
        self._vectors: dict[str, dict[str, float]] = {}
        for key, words in tokens.items():
            tf = Counter(words)
            vec = {w: (1 + math.log(c)) * math.log((1 + n) / (1 + df[w])) for w, c in tf.items()}
            norm = math.sqrt(sum(x * x for x in vec.values())) or 1.0
            self._vectors[key] = {w: x / norm for w, x in vec.items()}
        # Fitting scores the same pairs in every held-out run and again in the build: computed once.
        self._cosines: dict[tuple[str, str], float] = {}

    def digest(self) -> str:
        """A digest of the texts indexed."""
        return self._digest

    def keys(self) -> list[str]:
        """The keys with a text."""
        return [k for k, v in self._vectors.items() if v]

    def words(self, keys: Sequence[str]) -> set[str]:
        """Every word of the texts of ``keys``."""
        return {w for k in keys for w in self._vectors.get(k, {})}

    def matrix(self, keys: Sequence[str], words: Sequence[str]) -> np.ndarray:
        """The vectors of ``keys`` as rows over ``words`` (columns in that order): the dot product of two
        rows is the two texts' cosine when ``words`` holds every word they share."""
        columns = {w: i for i, w in enumerate(words)}
        out = np.zeros((len(keys), len(columns)), dtype=np.float64)
        for row, key in enumerate(keys):
            for w, x in self._vectors.get(key, {}).items():
                column = columns.get(w)
                if column is not None:
                    out[row, column] = x
        return out

    def cosine(self, a: str, b: str) -> float:
        key = (a, b) if a <= b else (b, a)
        known = self._cosines.get(key)
        if known is None:
            known = self._cosines[key] = self._cosine(*key)
        return known

    def _cosine(self, a: str, b: str) -> float:
        va, vb = self._vectors.get(a), self._vectors.get(b)
        if not va or not vb:
            return 0.0
        if len(vb) < len(va):
            va, vb = vb, va
        return sum(x * vb.get(w, 0.0) for w, x in va.items())


class PairFeatures:
    """Features of the pairs of one composition result."""

    def __init__(
        self,
        result: CompositionResult,
        texts: TextIndex,
        parent_of: Callable[[str], str | None] | None = None,
    ) -> None:
        assert result.graph is not None, "a result of compose_mappings carries its graph"
        self.g: ClassGraph = result.graph
        self.result = result
        self.texts = texts
        self.parent_of = parent_of or (lambda _: None)
        g = self.g
        self.neighbours: list[set[int]] = [{n for n, _ in row} for row in g.adjacency]
        self.degree = [len(n) for n in self.neighbours]
        # A class's framework key: its one framework, or all of them for a class joining several
        # (ISO/IEC 27001:2022 A.5.1 = 27002:2022 5.1), the same whichever member a pair names.
        self.class_framework: list[str] = ["+".join(sorted({g.framework[i] for i in m})) for m in g.members]
        self.framework_degree: list[Counter[str]] = [
            Counter(self.class_framework[n] for n in near) for near in self.neighbours
        ]
        # Links of each class into each framework, a neighbour counting for every framework it holds
        # (the last step of a walk lands in the other end's framework, whatever class key it has).
        member_frameworks = [frozenset(g.framework[i] for i in m) for m in g.members]
        self.links_into: list[Counter[str]] = [
            Counter(f for n in near for f in member_frameworks[n]) for near in self.neighbours
        ]
        self.children: dict[int, set[int]] = defaultdict(set)
        for i, name in enumerate(g.names):
            parent = self.parent_of(name)
            if parent is not None and parent in g.index:
                self.children[g.class_of[g.index[parent]]].add(g.class_of[i])
        self.competition: Counter[tuple[int, str]] = Counter()
        self.best_support: dict[tuple[int, str], int] = defaultdict(int)
        self._options: dict[tuple[int, str], list[float]] = defaultdict(list)
        self._lexical_cache: dict[int, float] = {}  # by id of a result item, which the result keeps alive
        self._fan_cache: dict[tuple[str, str], float] = {}
        self._route_cache: dict[tuple[str, str, str], float] = {}
        self._ranked: dict[tuple[int, str], list[float]] = {}  # each end's option merits, sorted
        for item in self._stated():
            s, t = self._classes(item)
            fs, ft = self.class_framework[s], self.class_framework[t]
            self.competition[(s, ft)] += 1
            self.competition[(t, fs)] += 1
            support = len(self.neighbours[s] & self.neighbours[t])
            merit = support + self._lexical(item)
            self._options[(s, ft)].append(merit)
            self._options[(t, fs)].append(merit)
            if support > self.best_support[(s, ft)]:
                self.best_support[(s, ft)] = support
            if support > self.best_support[(t, fs)]:
                self.best_support[(t, fs)] = support

    def _stated(self) -> Iterable[InferredRelation | CandidateLink]:
        yield from self.result.definite
        yield from self.result.candidates

    def _classes(self, item: InferredRelation | CandidateLink) -> tuple[int, int]:
        g = self.g
        return g.class_of[g.index[item.subject]], g.class_of[g.index[item.object]]

    def rows(self, keep: Callable[[str, str], bool] | None = None) -> list[PairRow]:
        """A row per definite relation and candidate with a member pair ``keep`` accepts (all by default)."""
        out = []
        for item in self._stated():
            members = tuple(
                (a, c)
                for a in (item.subject, *item.subject_equivalents)
                for c in (item.object, *item.object_equivalents)
                if keep is None or keep(a, c)
            )
            if members:
                out.append(PairRow(item.subject, item.object, members, self.values(item), item))
        return out

    def values(self, item: InferredRelation | CandidateLink) -> tuple[float, ...]:
        g = self.g
        s, t = self._classes(item)
        if isinstance(item, InferredRelation):
            mask = P.of(item.relation)
            definite, chains, independent, publishers, strength = 1.0, item.path_count, item.path_count, 0, None
            shared_parents = self._parents_linked(item.subject, item.object)
        else:
            mask = P.of_all(item.possibilities)
            definite, chains, independent = 0.0, item.path_count, item.independent_paths
            publishers, strength, shared_parents = len(item.publishers), item.strength, item.shared_parents
        fs, ft = self.class_framework[s], self.class_framework[t]
        shared = self.neighbours[s] & self.neighbours[t]
        specificity = sum(1.0 / self.degree[n] for n in shared)
        hub = math.log1p(min(self.degree[n] for n in shared)) if shared else 0.0
        fanout = (
            min(math.log1p(self.framework_degree[n][fs] * self.framework_degree[n][ft]) for n in shared)
            if shared else math.log(1000)
        )
        cosine = len(shared) / math.sqrt(max(self.degree[s] * self.degree[t], 1))
        competition = (math.log1p(self.competition[(s, ft)]) + math.log1p(self.competition[(t, fs)])) / 2
        relative = (
            len(shared) / max(self.best_support[(s, ft)], 1) + len(shared) / max(self.best_support[(t, fs)], 1)
        ) / 2
        lexical = self._lexical(item)
        routes = {self.class_framework[n] for n in shared}
        route_fanout = min((self._route(f, fs, ft) for f in routes), default=math.log(1000))
        merit = len(shared) + lexical
        walk = self._walk(s, t, shared, g.framework[g.index[item.subject]], g.framework[g.index[item.object]])
        inverse_rank = (self._inverse_rank((s, ft), merit) + self._inverse_rank((t, fs), merit)) / 2
        return (
            definite,
            1.0 if mask != P.ANY else 0.0,
            0.0 if mask & _NR else 1.0,
            math.log1p(chains),
            math.log1p(independent),
            1.0 if shared else 0.0,
            math.log1p(len({g.framework[g.members[n][0]] for n in shared})),
            specificity,
            fanout,
            hub,
            cosine,
            competition,
            relative,
            inverse_rank,
            (math.log1p(self.degree[s]) + math.log1p(self.degree[t])) / 2,
            1.0 if shared_parents or self._parents_linked(item.subject, item.object) else 0.0,
            self._children_linked(s, t),
            math.log1p(max(publishers - 1, 0)),
            0.5 if strength is None else min(max(strength / 10, 0.0), 1.0),
            lexical,
            route_fanout,
            walk,
            lexical if not chains else 0.0,
        )

    def _walk(self, s: int, t: int, shared: set[int], fs: str, ft: str) -> float:
        """The best pivot framework's chance that a walk s -> pivot -> ft lands on t (and back), averaged."""
        forward: defaultdict[str, float] = defaultdict(float)
        backward: defaultdict[str, float] = defaultdict(float)
        for n in shared:
            key = self.class_framework[n]
            forward[key] += 1.0 / self.framework_degree[s][key] / max(self.links_into[n][ft], 1)
            backward[key] += 1.0 / self.framework_degree[t][key] / max(self.links_into[n][fs], 1)
        return max(((forward[k] + backward[k]) / 2 for k in forward), default=0.0)

    def _fan(self, source: str, target: str) -> float:
        """Mean links into ``target`` of the classes of framework ``source`` that have any."""
        key = (source, target)
        known = self._fan_cache.get(key)
        if known is None:
            counts = [fd[target] for c, fd in enumerate(self.framework_degree)
                      if self.class_framework[c] == source and fd[target]]
            known = self._fan_cache[key] = sum(counts) / len(counts) if counts else 0.0
        return known

    def _route(self, pivot: str, fs: str, ft: str) -> float:
        """log of the expected targets a control reaches through pivot framework ``pivot`` (both ways, mean)."""
        key = (pivot, fs, ft)
        known = self._route_cache.get(key)
        if known is None:
            forward = self._fan(fs, pivot) * self._fan(pivot, ft)
            backward = self._fan(ft, pivot) * self._fan(pivot, fs)
            known = self._route_cache[key] = math.log1p((forward + backward) / 2)
        return known

    def _lexical(self, item: InferredRelation | CandidateLink) -> float:
        known = self._lexical_cache.get(id(item))
        if known is None:
            known = self._lexical_cache[id(item)] = max(
                self.texts.cosine(a, c)
                for a in (item.subject, *item.subject_equivalents)
                for c in (item.object, *item.object_equivalents)
            )
        return known

    def _inverse_rank(self, key: tuple[int, str], merit: float) -> float:
        options = self._ranked.get(key)
        if options is None:
            listed = self._options.get(key)
            if not listed:
                return 1.0
            options = self._ranked[key] = sorted(listed)
        # Options ranked above this one: those with a strictly higher merit (beyond rounding noise).
        return 1.0 / (1 + len(options) - bisect.bisect_right(options, merit + 1e-12))

    def _parents_linked(self, a: str, c: str) -> bool:
        g = self.g
        pa, pc = self.parent_of(a), self.parent_of(c)
        if pa is None or pc is None or pa not in g.index or pc not in g.index:
            return False
        ca, cc = g.class_of[g.index[pa]], g.class_of[g.index[pc]]
        return ca == cc or cc in self.neighbours[ca]

    def _children_linked(self, s: int, t: int) -> float:
        kids_s, kids_t = self.children.get(s, set()), self.children.get(t, set())
        if not kids_s and not kids_t:
            return 0.0
        joined = 0
        for kid in kids_s:
            near = self.neighbours[kid]
            joined += bool(t in near or near & self.neighbours[t] or near & kids_t)
        for kid in kids_t:
            near = self.neighbours[kid]
            joined += bool(s in near or near & self.neighbours[s] or near & kids_s)
        return joined / (len(kids_s) + len(kids_t))


def texts_from(titles: Mapping[str, str], statements: Mapping[str, str] | None = None) -> TextIndex:
    """A text index over titles, with any imported statements appended."""
    statements = statements or {}
    keys: Sequence[str] = sorted(set(titles) | set(statements))
    return TextIndex({k: f"{titles.get(k, '')} {statements.get(k, '')}".strip() for k in keys})
