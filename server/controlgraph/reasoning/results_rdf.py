"""Write the composition engine's results as RDF, in three named graphs apart from asserted data.

- ``graph/inferred``: one ``cg:InferredMapping`` node per definite relation and control pair, with
  its chain of asserted mappings in order (``cg:pathText``, ``prov:wasDerivedFrom``), strength no
  higher than the weakest link, confidence, rationale, justification ``semapv:MappingChaining``,
  and the direct triple beside it; plus the ``ms:inferred`` set node that carries the provenance.
- ``graph/candidates``: ``cg:CandidateLink`` nodes (never ``cg:Mapping``: coverage never counts them)
  with the relations still possible, the ranking score and the best chain.
- ``graph/conflicts``: ``cg:Conflict`` nodes naming the pair and every mapping involved.

Definite relations hold between whole equal classes; they are written per member pair (pairs in
one framework and pairs already asserted left out), with the equal mappings crossed at either end
added to the chain, so every node explains itself.

Every node carries ``cg:resultDigest``, a digest of what it says. An import passes the digests the
store holds (:func:`stored_digests`): the writer then makes triples only for the nodes whose digest
changed, and names the stored nodes to drop, instead of rewriting a quarter of a million triples to
change a few (:class:`ResultChanges`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox

from controlgraph import __version__
from controlgraph.reasoning import possibilities as P
from controlgraph.reasoning.chain_results import (
    MAPPING_CHAINING,
    CandidateLink,
    ChainPath,
    CompositionResult,
    EquivalenceClass,
    InferredRelation,
    weakest,
)
from controlgraph.reasoning.class_graph import AssertedMapping, ClassGraph, framework_from_iri
from controlgraph.vocabulary import (
    CG,
    DCTERMS,
    GRAPH,
    INFERRED_GRAPH,
    MAPPING,
    OWL,
    PROV,
    RDF,
    RDFS,
    SEMAPV,
    SSSOM,
    XSD,
    Authority,
    Relation,
    mapping_iri,
    mapping_set_iri,
)

CANDIDATES_GRAPH = GRAPH + "candidates"
CONFLICTS_GRAPH = GRAPH + "conflicts"
INFERRED_SET = mapping_set_iri("inferred")
SOURCE = "https://w3id.org/controlgraph/reasoning"
# Equal classes are written pair by pair only up to this size: past it the pairs grow quadratically
# (DESIGN.md's scale note) and the class is left to the equal mappings themselves.
MAX_CLASS_PAIRS_WRITTEN = 50
RESULT_DIGEST = CG + "resultDigest"
Digests = dict[str, str]  # node IRI -> digest of what it says


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


_DATATYPES = {name: _n(XSD + name) for name in ("integer", "double", "decimal", "date")}


def _lit(value: str | int | float, datatype: str | None = None) -> ox.Literal:
    if isinstance(value, bool):
        raise TypeError("no booleans here")
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=_DATATYPES["integer"])
    if isinstance(value, float):
        if datatype == "decimal":
            return ox.Literal(_decimal_text(value), datatype=_DATATYPES["decimal"])
        return ox.Literal(repr(value), datatype=_DATATYPES[datatype or "double"])
    return ox.Literal(value, datatype=_n(datatype)) if datatype else ox.Literal(value)


# The candidates graph's predicates and class, as terms (made once).
_TYPE, _CANDIDATE_LINK = ox.NamedNode(RDF + "type"), ox.NamedNode(CG + "CandidateLink")
_SUBJECT, _OBJECT = ox.NamedNode(CG + "mappingSubject"), ox.NamedNode(CG + "mappingObject")
_POSSIBLE, _SCORE = ox.NamedNode(CG + "possibleRelations"), ox.NamedNode(CG + "score")
_PROBABILITY, _PATH_COUNT = ox.NamedNode(CG + "probability"), ox.NamedNode(CG + "pathCount")
_INDEPENDENT, _PUBLISHERS = ox.NamedNode(CG + "independentPaths"), ox.NamedNode(CG + "publisherCount")
_STRENGTH, _PATH_TEXT = ox.NamedNode(CG + "strength"), ox.NamedNode(CG + "pathText")
_DERIVED_FROM = ox.NamedNode(PROV + "wasDerivedFrom")
_JUSTIFICATION = ox.NamedNode(SSSOM + "mapping_justification")


def _decimal_text(value: float) -> str:
    """``value`` as the store keeps an ``xsd:decimal`` (its canonical form: ``0``, ``1``, ``0.5``, never
    ``0.0`` or ``1e-05``), so that what is written compares equal to what is read back (a candidate from
    the texts has the score 0)."""
    if value == 0:
        return "0"  # and not "-0"
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Writer:
    """Collects triples; each IRI and number is made a term once (a build writes about 270,000 triples
    over a few thousand distinct IRIs, and checking an IRI costs more than adding the triple).

    Each node is opened with :meth:`begin` and a key holding everything its triples say. With the
    digests the store holds (``stored``), a node whose digest is unchanged is skipped: its triples are
    in the store already.
    """

    def __init__(self, stored: Mapping[str, str] | None = None, whole_from: float | None = None) -> None:
        self.triples: list[ox.Triple] = []
        self._nodes: dict[str, ox.NamedNode] = {}
        self._numbers: dict[tuple[type, int | float, str | None], ox.Literal] = {}
        self.stored = stored
        self.digests: Digests = {}
        self.changed: set[str] = set()  # nodes new, or saying something else than the stored one
        self.written: set[str] = set()  # nodes whose triples were made
        self.repeated = False  # a node was begun twice
        # Past this many changed nodes the graph will be written whole: every node is made from then on.
        self._whole_from = whole_from
        self.whole = False

    def begin(self, node: str, key: object) -> bool:
        """Open ``node``; False when the store holds it as it would be written (its triples are then not made)."""
        digest = hashlib.blake2b(repr(key).encode(), digest_size=8).hexdigest()
        if node in self.digests:
            # Stated twice (two conflicts of one pair): the graph is written whole (see result_changes).
            self.repeated = True
        elif self.stored is not None and self.stored.get(node) == digest:
            self.digests[node] = digest
            if not self.whole:
                return False
        else:
            self.changed.add(node)
            if self._whole_from is not None and len(self.changed) >= self._whole_from:
                self.whole = True
        self.add(node, RESULT_DIGEST, ox.Literal(digest))
        self.digests[node] = digest
        self.written.add(node)
        return True

    def node(self, iri: str) -> ox.NamedNode:
        known = self._nodes.get(iri)
        if known is None:
            known = self._nodes[iri] = ox.NamedNode(iri)
        return known

    def number(self, value: int | float, datatype: str | None = None) -> ox.Literal:
        """``_lit(value, datatype)``, made once per value."""
        if not value:
            return _lit(value, datatype)  # 0.0 and -0.0 are one key but two literals
        key = (type(value), value, datatype)  # the type too: 1 and 1.0 are one key
        known = self._numbers.get(key)
        if known is None:
            known = self._numbers[key] = _lit(value, datatype)
        return known

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal) -> None:
        self.triples.append(ox.Triple(self.node(s), self.node(p), o))

    def adder(self, s: str) -> Callable[[ox.NamedNode, ox.NamedNode | ox.Literal], None]:
        """``add`` for one subject, its term made once and predicates given as terms: the candidates graph
        is most of a build's triples (the per-triple lookups were a third of writing it)."""
        subject, append, triple = self.node(s), self.triples.append, ox.Triple

        def add(p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
            append(triple(subject, p, o))
        return add


def _set_node(w: _Writer) -> None:
    today = dt.date.today().isoformat()
    if not w.begin(INFERRED_SET, ("set", today, __version__)):
        return
    w.add(INFERRED_SET, RDF + "type", w.node(CG + "MappingSet"))
    w.add(INFERRED_SET, DCTERMS + "title", _lit("Mappings inferred by chaining asserted mappings"))
    w.add(INFERRED_SET, DCTERMS + "publisher", _lit("controlgraph composition engine"))
    w.add(INFERRED_SET, DCTERMS + "source", w.node(SOURCE))
    w.add(INFERRED_SET, OWL + "versionInfo", _lit(__version__))
    w.add(INFERRED_SET, DCTERMS + "issued", _lit(today, XSD + "date"))
    w.add(INFERRED_SET, DCTERMS + "license",
          _lit("Derived data: the licences of the mapping sets on each mapping's path apply."))
    w.add(INFERRED_SET, CG + "authority", w.node(Authority.INFERRED.iri))
    w.add(INFERRED_SET, SSSOM + "mapping_justification", w.node(SEMAPV + "MappingChaining"))


def _path_props(w: _Writer, add: Callable[[ox.NamedNode, ox.NamedNode | ox.Literal], None],
                mappings: Sequence[str]) -> None:
    """A node's chain (``add``: :meth:`_Writer.adder` of the node): in order as text, and each mapping once."""
    add(_PATH_TEXT, _lit(" ".join(mappings)))
    for m in dict.fromkeys(mappings):
        add(_DERIVED_FROM, w.node(m))


def _quality(w: _Writer, node: str, path: ChainPath | InferredRelation) -> None:
    if path.strength is not None:
        w.add(node, CG + "strength", w.number(path.strength))
    if path.confidence is not None:
        w.add(node, SSSOM + "confidence", w.number(round(path.confidence, 6)))
    if path.rationale is not None:
        w.add(node, CG + "rationale", w.node(path.rationale.iri))


class ResultWriter:
    """Turns one :class:`CompositionResult` into the triples of the three graphs."""

    def __init__(self, edges: Sequence[AssertedMapping], graph: ClassGraph | None = None) -> None:
        # ``graph``: the one the engine walked over these edges, if at hand (its equal classes and
        # spanning trees, all this reads, depend on the edges alone).
        self.graph = ClassGraph(edges, None) if graph is None else graph
        # Pairs whose mappings state one relation; a pair mapped only by a wider reading (an untyped
        # reference) still gets the relation the chains sharpen it to.
        exact = [e for e in edges if P.size(e.mask) == 1]
        self.asserted_pairs = {(e.subject, e.object) for e in exact} | {(e.object, e.subject) for e in exact}

    def _member_chain(self, a: str, subject: str, path: Sequence[str], obj: str, c: str) -> list[str]:
        g = self.graph
        head = [g.edges[k].mapping for k in g.equal_chain(g.index[a], g.index[subject])]
        tail = [g.edges[k].mapping for k in g.equal_chain(g.index[obj], g.index[c])]
        return _without_back_and_forth([*head, *path, *tail])

    def _inferred_node(self, w: _Writer, a: str, c: str, relation: Relation, chain: Sequence[str]) -> str:
        node = mapping_iri("inferred", a, c)
        w.add(node, RDF + "type", w.node(CG + "InferredMapping"))
        w.add(node, RDF + "type", w.node(CG + "Mapping"))
        w.add(node, CG + "inMappingSet", w.node(INFERRED_SET))
        w.add(node, CG + "mappingSubject", w.node(a))
        w.add(node, CG + "mappingObject", w.node(c))
        w.add(node, CG + "relation", w.node(relation.iri))
        w.add(node, SSSOM + "mapping_justification", w.node(SEMAPV + "MappingChaining"))
        _path_props(w, w.adder(node), chain)
        w.add(a, relation.iri, w.node(c))
        return node

    def _equal_pairs(self, w: _Writer, classes: Sequence[EquivalenceClass]) -> None:
        """Members of one equal class are equal to each other: written per pair, with the equal chain."""
        g = self.graph
        for cls in classes:
            if len(cls.members) > MAX_CLASS_PAIRS_WRITTEN:
                continue
            for i, a in enumerate(cls.members):
                for c in cls.members[i + 1:]:
                    if (a, c) in self.asserted_pairs or framework_from_iri(a) == framework_from_iri(c):
                        continue
                    chain = [g.edges[k] for k in g.equal_chain(g.index[a], g.index[c])]
                    mappings = [e.mapping for e in chain]
                    strength, confidence, rationale = weakest(
                        [e.strength for e in chain], [e.confidence for e in chain], [e.rationale for e in chain])
                    if confidence is not None:
                        confidence = round(confidence, 6)
                    if not w.begin(mapping_iri("inferred", a, c),
                                   ("equal", a, c, mappings, strength, confidence, rationale)):
                        continue
                    node = self._inferred_node(w, a, c, Relation.EQUAL, mappings)
                    w.add(node, CG + "pathCount", w.number(1))
                    if strength is not None:
                        w.add(node, CG + "strength", w.number(strength))
                    if confidence is not None:
                        w.add(node, SSSOM + "confidence", w.number(confidence))
                    if rationale is not None:
                        w.add(node, CG + "rationale", w.node(rationale.iri))

    def inferred(self, result: CompositionResult, stored: Mapping[str, str] | None = None,
                 whole_from: float | None = None) -> _Writer:
        w = _Writer(stored, whole_from)
        _set_node(w)
        self._equal_pairs(w, result.equivalence_classes)
        for relation in result.definite:
            best = relation.paths[0].mappings if relation.paths else ()
            for a, c in relation.member_pairs():
                if (a, c) in self.asserted_pairs or framework_from_iri(a) == framework_from_iri(c):
                    continue
                chain = self._member_chain(a, relation.subject, best, relation.object, c)
                confidence = None if relation.confidence is None else round(relation.confidence, 6)
                key = ("definite", a, c, relation.relation.value, chain, relation.path_count, relation.strength,
                       confidence, relation.rationale)
                if not w.begin(mapping_iri("inferred", a, c), key):
                    continue
                node = self._inferred_node(w, a, c, relation.relation, chain)
                w.add(node, CG + "pathCount", w.number(relation.path_count))
                _quality(w, node, relation)
        return w

    def candidates(self, links: Iterable[CandidateLink], stored: Mapping[str, str] | None = None,
                   whole_from: float | None = None) -> _Writer:
        w = _Writer(stored, whole_from)
        by_possibilities: dict[object, list[ox.NamedNode]] = {}

        def possible(relations: Collection[Relation]) -> list[ox.NamedNode]:
            """The relations' nodes in the order of ``Relation``, listed once per possibility set."""
            known = by_possibilities.get(relations)
            if known is None:
                known = by_possibilities[relations] = [w.node(rel.iri) for rel in Relation if rel in relations]
            return known
        for link in links:
            best = link.paths[0].mappings if link.paths else ()
            shared = (sorted(r.value for r in link.possibilities), float(link.score), link.probability,
                      link.path_count, link.independent_paths, len(link.publishers), link.strength,
                      link.justification)
            for a in (link.subject, *link.subject_equivalents):
                for c in (link.object, *link.object_equivalents):
                    if (a, c) in self.asserted_pairs or framework_from_iri(a) == framework_from_iri(c):
                        continue
                    node = _node_iri("candidate", a, c)
                    chain = self._member_chain(a, link.subject, best, link.object, c)
                    if not w.begin(node, ("candidate", a, c, chain, shared)):
                        continue
                    add = w.adder(node)
                    add(_TYPE, _CANDIDATE_LINK)
                    add(_SUBJECT, w.node(a))
                    add(_OBJECT, w.node(c))
                    for relation_node in possible(link.possibilities):
                        add(_POSSIBLE, relation_node)
                    add(_SCORE, w.number(float(link.score), "decimal"))
                    if link.probability is not None:
                        add(_PROBABILITY, w.number(float(link.probability), "decimal"))
                    add(_PATH_COUNT, w.number(link.path_count))
                    add(_INDEPENDENT, w.number(link.independent_paths))
                    add(_PUBLISHERS, w.number(len(link.publishers)))
                    if link.strength is not None:
                        add(_STRENGTH, w.number(link.strength))
                    _path_props(w, add, chain)
                    if link.justification != MAPPING_CHAINING:  # proposed otherwise (by the texts)
                        add(_JUSTIFICATION, w.node(link.justification))
        return w

    def conflicts(self, result: CompositionResult, stored: Mapping[str, str] | None = None,
                  whole_from: float | None = None) -> _Writer:
        w = _Writer(stored, whole_from)
        for finding in result.findings:
            # A data-quality finding is shown as a conflict (GraphQL ``conflicts``), typed as both.
            node = _node_iri(f"finding-{finding.kind}", finding.controls[0], " ".join(finding.controls[1:]))
            if not w.begin(node, ("finding", finding.kind, finding.controls, finding.message, finding.mappings)):
                continue
            w.add(node, RDF + "type", w.node(CG + "Conflict"))
            w.add(node, RDF + "type", w.node(CG + "DataQualityFinding"))
            w.add(node, CG + "findingKind", _lit(finding.kind))
            w.add(node, CG + "mappingSubject", w.node(finding.controls[0]))
            w.add(node, CG + "mappingObject", w.node(finding.controls[1]))
            w.add(node, RDFS + "comment", _lit(f"data-quality finding ({finding.kind}): {finding.message}"))
            w.add(node, CG + "evidence", _lit(" ".join(finding.mappings)))
            for m in finding.mappings:
                w.add(node, PROV + "wasDerivedFrom", w.node(m))
        for conflict in result.conflicts:
            node = _node_iri("conflict", conflict.subject, conflict.object)
            description = conflict.describe()
            chains = [tuple(chain.mappings) for chain in conflict.evidence]
            if not w.begin(node, ("conflict", conflict.subject, conflict.object, description, chains)):
                continue
            w.add(node, RDF + "type", w.node(CG + "Conflict"))
            w.add(node, CG + "mappingSubject", w.node(conflict.subject))
            w.add(node, CG + "mappingObject", w.node(conflict.object))
            w.add(node, RDFS + "comment", _lit(description))
            for mappings in chains:
                w.add(node, CG + "evidence", _lit(" ".join(mappings)))
                for m in mappings:
                    w.add(node, PROV + "wasDerivedFrom", w.node(m))
        return w


def _without_back_and_forth(chain: list[str]) -> list[str]:
    """Drop a mapping crossed and at once crossed back (an equal hop out of the class and into it again)."""
    out: list[str] = []
    for mapping in chain:
        if out and out[-1] == mapping:
            out.pop()
        else:
            out.append(mapping)
    return out


def _node_iri(kind: str, a: str, c: str) -> str:
    digest = hashlib.sha256(f"{a}\n{c}".encode()).hexdigest()[:16]
    return f"{MAPPING}{kind}/{digest}"


def stored_candidates(result: CompositionResult, floor: float = 0.0) -> list[CandidateLink]:
    """The candidates the candidates graph holds: constrained ones, and "any" ones (a bare shared
    neighbour, the naive two-hop signal) whose probability reaches ``floor``."""
    return [
        c for c in result.candidates
        if len(c.possibilities) < len(Relation) or (c.probability is not None and c.probability >= floor)
    ]


def result_graphs(
    edges: Sequence[AssertedMapping], result: CompositionResult, floor: float = 1.1
) -> dict[str, list[ox.Triple]]:
    """The three graphs; "any" candidates only at or above the probability ``floor`` (none by default)."""
    changes = result_changes(edges, result, floor, None)
    return changes.written


@dataclass
class ResultChanges:
    """What makes the three graphs hold a result, given the digests the store holds for them.

    ``written``: the triples of every new or changed node (all nodes, when nothing was stored);
    ``stale``: per graph, the stored nodes to delete first (changed ones and ones no longer stated).
    """

    written: dict[str, list[ox.Triple]]
    stale: dict[str, set[str]] = field(default_factory=dict)
    unchanged: int = 0  # nodes left as they are stored
    changed: int = 0  # nodes new, changed or no longer stated
    # Graphs written whole although digests were stored: most of their nodes changed, so the writer
    # replaces the graph (and the store may write a new generation) instead of reading back the stale nodes.
    whole: set[str] = field(default_factory=set)


# A graph in which at least this share of the nodes is new, changed or gone is written whole.
WHOLE_GRAPH_SHARE = 0.25


def result_changes(
    edges: Sequence[AssertedMapping], result: CompositionResult, floor: float,
    stored: Mapping[str, Mapping[str, str]] | None,
) -> ResultChanges:
    """The nodes of the three graphs to write and to delete; with ``stored`` None, every node is written."""
    writer = ResultWriter(result.edges, result.graph) if result.edges else ResultWriter(edges)
    constrained = stored_candidates(result, floor)
    makers: dict[str, Callable[[Mapping[str, str] | None, float | None], _Writer]] = {
        INFERRED_GRAPH: lambda held, whole_from: writer.inferred(result, held, whole_from),
        CANDIDATES_GRAPH: lambda held, whole_from: writer.candidates(constrained, held, whole_from),
        CONFLICTS_GRAPH: lambda held, whole_from: writer.conflicts(result, held, whole_from),
    }
    changes = ResultChanges({})
    for graph, make in makers.items():
        before = None if stored is None else stored.get(graph, {})
        if before is None:
            changes.written[graph] = make(None, None).triples
            continue
        whole_from = WHOLE_GRAPH_SHARE * max(len(before), 1)
        w = make(before, whole_from)
        gone = sum(1 for n in before if n not in w.digests)
        changes.changed += len(w.changed) + gone
        if w.repeated or (not w.whole and len(w.changed) + gone >= whole_from):
            # A node stated twice has two digests, one of which is stored: it cannot be skipped safely.
            changes.written[graph] = make(None, None).triples
            changes.whole.add(graph)
        elif w.whole:
            # Most nodes changed: the writer made every node from the switch on; the nodes it skipped
            # before are made now (the second pass skips every node the first one made).
            rest = make({n: w.digests[n] for n in w.written}, None)
            changes.written[graph] = w.triples + rest.triples
            changes.whole.add(graph)
        else:
            changes.stale[graph] = {n for n in before if n in w.changed or n not in w.digests}
            changes.unchanged += len(w.digests) - len(w.changed)
            changes.written[graph] = w.triples
    return changes
