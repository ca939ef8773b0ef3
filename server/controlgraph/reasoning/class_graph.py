"""The graph the composition engine walks: equivalence classes of controls joined by links.

Controls joined by asserted ``equal`` mappings form one class (union-find), so a chain through
equal costs nothing and equal is never materialised pair by pair. Every other asserted mapping
becomes a *link* between two classes; parallel mappings between the same two classes share one
link whose possibility set is the intersection of theirs. A link whose mappings contradict each
other, and a non-equal mapping inside one class, are conflicts of the asserted data itself: they
are reported and kept out of the walk, so nothing is chained from them.

Explanations name concrete mappings: a walk between classes is expanded back into the asserted
mappings it used, with the equal mappings crossed inside each class found on a spanning tree of
that class (:meth:`ClassGraph.equal_chain`).
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from controlgraph.errors import InputError
from controlgraph.reasoning import possibilities as P
from controlgraph.vocabulary import Rationale, Relation, control_ref_from_iri


@dataclass(frozen=True)
class AssertedMapping:
    """One asserted mapping as the engine reads it: ``subject relation object`` and its provenance."""

    mapping: str
    subject: str
    relation: Relation
    object: str
    rationale: Rationale | None = None
    strength: int | None = None
    confidence: float | None = None
    mapping_set: str | None = None
    publisher: str | None = None
    possible: P.Possibilities | None = None  # what the mapping says (readings.py); None: the relation alone
    reading: str = "stated"

    @functools.cached_property
    def mask(self) -> P.Possibilities:
        """The possibility set from subject to object this mapping asserts."""
        return P.of(self.relation) if self.possible is None else self.possible

    @property
    def is_equal(self) -> bool:
        """True when the mapping asserts equal and nothing else (only these join equivalence classes)."""
        return self.mask == _EQUAL_ONLY


_EQUAL_ONLY = P.of(Relation.EQUAL)

FrameworkOf = Callable[[str], str] | Mapping[str, str]

# Weakest first. Syntactic mappings compare the items' wording, the narrowest and most checkable
# basis for a claim about their requirements; semantic ones compare meaning, which takes
# interpretation; functional ones compare what implementing the items achieves, which says least
# about the requirements themselves. A chain is only as good as its weakest basis.
RATIONALE_RANK: dict[Rationale, int] = {Rationale.FUNCTIONAL: 1, Rationale.SEMANTIC: 2, Rationale.SYNTACTIC: 3}


@functools.lru_cache(maxsize=65536)
def framework_from_iri(control: str) -> str:
    """The framework slug of a controlgraph control IRI."""
    ref = control_ref_from_iri(control)
    if ref is None:
        raise InputError(f"<{control}>: not a controlgraph control IRI, cannot tell its framework")
    return ref.slug


@dataclass
class Link:
    """All asserted non-equal mappings between two classes ``low < high``; mask is read low to high."""

    low: int
    high: int
    mask: P.Possibilities = P.ANY
    edges: list[int] = field(default_factory=list)
    best: int = -1  # the edge shown: narrowest reading, strongest, best rationale, most confident
    strength: int | None = None  # the best edge's
    rank: int = -1  # the same, -1 when unknown, for the walk's arithmetic
    publishers: frozenset[str] = frozenset()
    publisher_bits: int = 0


def edge_quality(edge: AssertedMapping) -> tuple[int, int, float]:
    strength = -1 if edge.strength is None else edge.strength
    rationale = 0 if edge.rationale is None else RATIONALE_RANK[edge.rationale]
    confidence = -1.0 if edge.confidence is None else edge.confidence
    return (strength, rationale, confidence)


class ClassGraph:
    """Controls as integers, their equal classes, links between classes and adjacency for walking."""

    def __init__(self, edges: Sequence[AssertedMapping], framework_of: FrameworkOf | None) -> None:
        self.edges = list(edges)
        names = sorted({e.subject for e in self.edges} | {e.object for e in self.edges})
        self.names = names
        self.index = {name: i for i, name in enumerate(names)}
        self.framework = [framework_lookup(framework_of, name) for name in names]

        self.edge_subject = [self.index[e.subject] for e in self.edges]
        self.edge_object = [self.index[e.object] for e in self.edges]
        parent = list(range(len(names)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        self.equal_adjacency: list[list[tuple[int, int]]] = [[] for _ in names]
        for k, e in enumerate(self.edges):
            if e.is_equal:
                a, b = self.index[e.subject], self.index[e.object]
                if a == b:
                    continue
                self.equal_adjacency[a].append((b, k))
                self.equal_adjacency[b].append((a, k))
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)

        # Class ids follow the sorted order of each class's first member, so output is deterministic.
        root_class: dict[int, int] = {}
        self.class_of = [0] * len(names)
        self.members: list[list[int]] = []
        for i in range(len(names)):
            root = find(i)
            cid = root_class.get(root)
            if cid is None:
                cid = root_class[root] = len(self.members)
                self.members.append([])
            self.class_of[i] = cid
            self.members[cid].append(i)
        frameworks = [{self.framework[i] for i in m} for m in self.members]
        # A class pair is worth reporting only when it joins two frameworks; None marks a mixed class.
        self.sole_framework: list[str | None] = [next(iter(f)) if len(f) == 1 else None for f in frameworks]

        self._tree_parent = list(range(len(names)))
        self._tree_edge = [-1] * len(names)
        self._depth = [0] * len(names)
        for m in self.members:
            if len(m) > 1:
                self._span(m[0])

        self.links: dict[tuple[int, int], Link] = {}
        self.intra_class: list[int] = []  # non-equal mappings between members of one class
        for k, e in enumerate(self.edges):
            if e.is_equal:
                continue
            cs, co = self.class_of[self.index[e.subject]], self.class_of[self.index[e.object]]
            if cs == co:
                if not e.mask & _EQUAL_ONLY:  # admitting equal, it agrees with the class
                    self.intra_class.append(k)
                continue
            low, high = min(cs, co), max(cs, co)
            link = self.links.get((low, high))
            if link is None:
                link = self.links[(low, high)] = Link(low, high)
            mask = e.mask
            link.mask &= mask if cs == low else P.inverse(mask)
            link.edges.append(k)
        self.adjacency: list[list[tuple[int, P.Possibilities]]] = [[] for _ in self.members]
        self.contradictory_links: list[Link] = []
        publisher_bit: dict[str, int] = {}
        for (low, high), link in sorted(self.links.items()):
            link.best = max(link.edges, key=lambda k: (-P.size(self.edges[k].mask), edge_quality(self.edges[k]), -k))
            link.strength = self.edges[link.best].strength
            link.rank = -1 if link.strength is None else link.strength
            link.publishers = frozenset(p for k in link.edges if (p := self.edges[k].publisher))
            for name in link.publishers:
                link.publisher_bits |= 1 << publisher_bit.setdefault(name, len(publisher_bit))
            if link.mask == P.NONE:
                self.contradictory_links.append(link)
                continue
            self.adjacency[low].append((high, link.mask))
            self.adjacency[high].append((low, P.inverse(link.mask)))

    def _span(self, root: int) -> None:
        """A BFS spanning tree of one class over its equal mappings, for explaining equal chains."""
        seen = {root}
        queue = deque([root])
        while queue:
            node = queue.popleft()
            for nxt, k in self.equal_adjacency[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    self._tree_parent[nxt] = node
                    self._tree_edge[nxt] = k
                    self._depth[nxt] = self._depth[node] + 1
                    queue.append(nxt)

    def cross_framework(self, c1: int, c2: int) -> bool:
        f1 = self.sole_framework[c1]
        return f1 is None or f1 != self.sole_framework[c2]

    def link_mask(self, c1: int, c2: int) -> P.Possibilities | None:
        """The asserted possibilities from class c1 to class c2, None when no usable link joins them."""
        link = self.links.get((min(c1, c2), max(c1, c2)))
        if link is None or link.mask == P.NONE:
            return None
        return link.mask if c1 == link.low else P.inverse(link.mask)

    def equal_chain(self, a: int, b: int) -> list[int]:
        """The equal mappings leading from control a to control b of the same class, in order."""
        if a == b:
            return []
        up: list[int] = []
        down: list[int] = []
        while self._depth[a] > self._depth[b]:
            up.append(self._tree_edge[a])
            a = self._tree_parent[a]
        while self._depth[b] > self._depth[a]:
            down.append(self._tree_edge[b])
            b = self._tree_parent[b]
        while a != b:
            up.append(self._tree_edge[a])
            a = self._tree_parent[a]
            down.append(self._tree_edge[b])
            b = self._tree_parent[b]
        return up + down[::-1]

    def end_in(self, k: int, cls: int) -> int:
        """The end of mapping k that lies in class cls."""
        s = self.edge_subject[k]
        return s if self.class_of[s] == cls else self.edge_object[k]

    def expand(self, start: int, classes: Sequence[int], a: int, c: int) -> tuple[int, ...]:
        """The asserted mappings of a walk from class ``start`` through ``classes``, from control a to c."""
        out: list[int] = []
        current, previous = a, start
        for cls in classes:
            link = self.links[(min(previous, cls), max(previous, cls))]
            out += self.equal_chain(current, self.end_in(link.best, previous))
            out.append(link.best)
            current, previous = self.end_in(link.best, cls), cls
        out += self.equal_chain(current, c)
        return tuple(out)


def framework_lookup(framework_of: FrameworkOf | None, control: str) -> str:
    if framework_of is None:
        return framework_from_iri(control)
    if callable(framework_of):
        return framework_of(control)
    try:
        return framework_of[control]
    except KeyError:
        raise InputError(f"<{control}>: no framework given for this control") from None
