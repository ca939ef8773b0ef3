"""Coverage: what of a target framework does a set of implemented controls already meet, and why.

Each item X of the target gets one of four levels (docs/reasoning.md, "Coverage"):

- **full** (proven): X is implemented itself; some implemented Y has X equal Y or X subset-of Y
  (asserted, definite inferred, or a composed possibility set within {equal, subset-of}); or a cover-set
  statement puts X in the union of controls that are all met;
- **partial** (overlap proven): some implemented Y has a relation to X, asserted or composed along any
  chain, whose possibility set excludes not-related (X superset-of B subset-of Y: both contain B);
- **likely**: a candidate link to an implemented control whose probability reaches the threshold
  (analysis/likelihood.py says where probabilities come from); never added to the proven figures;
- **none**.

Parents follow their hierarchy kind (analysis/items.py): union of children (full when all are), any one
child (full when one is), own requirements (full only from evidence on the parent itself). Summaries count
*assessable units*: leaves, plus parents with requirements of their own or with alternatives as children
(an either-or list counts once, through its parent), within the scope and role asked for (analysis/scope.py).
Expected coverage is the sum over units of the probability that each is met at least in part (1 when
proven, the candidate's probability when likely), with partial or likely evidence from a hub control
(mapped from a large share of the target, analysis/hubs.py) weighing less.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from controlgraph.analysis.cover_sets import CoverSetEvidence, cover_sets, met_cover_sets
from controlgraph.analysis.hubs import HubInfo, hub_weights
from controlgraph.analysis.items import (
    ANY_CHILD,
    OWN,
    UNION,
    FrameworkItem,
    FrameworkItems,
    HaveSpec,
    framework_items,
)
from controlgraph.analysis.likelihood import FROM_MODEL, candidate_probability, describe_sources, likely_threshold_in
from controlgraph.analysis.satisfiers import Satisfier, satisfiers_in_framework
from controlgraph.analysis.scope import ScopeResult, scoped_items
from controlgraph.reasoning.results_rdf import CANDIDATES_GRAPH
from controlgraph.store.base import GraphStore
from controlgraph.store.read_cache import cached
from controlgraph.store.tenancy import PUBLIC, Visibility
from controlgraph.vocabulary import CG, Relation, framework_iri, sparql_prefixes

__all__ = ["STATUS_ORDER", "CandidateEvidence", "CoverageReport", "FrameworkItem", "FrameworkItems", "HaveSpec",
           "ItemCoverage", "LevelSummary", "candidate_evidence", "candidates_of", "coverage", "framework_items",
           "status_counts"]

STATUS_ORDER = {"none": 0, "likely": 1, "partial": 2, "full": 3}
LEVELS = ("full", "partial", "likely", "none")
DEFAULT_LIKELY_THRESHOLD = FROM_MODEL  # the build's operating threshold
_FULL_SET = frozenset({Relation.EQUAL, Relation.SUBSET_OF})


@dataclass(frozen=True)
class CandidateEvidence:
    """A link from an item to an implemented control composed along chains (not a single mapping)."""

    control: str  # IRI of the implemented control
    possible: tuple[Relation, ...]  # relations still possible, read "item relation control"
    score: float
    path: tuple[str, ...]
    probability: float = 0.0
    probability_source: str = ""

    @property
    def proven(self) -> str:
        """'full' when every possibility is containment, 'partial' when none is not-related, else ''."""
        rels = frozenset(self.possible)
        if rels and rels <= _FULL_SET:
            return "full"
        if rels and Relation.NOT_RELATED not in rels:
            return "partial"
        return ""


_CANDIDATES_QUERY = sparql_prefixes() + f"""
SELECT ?x ?other ?dir ?rel ?score ?path ?c WHERE {{
  %s
  GRAPH <{CANDIDATES_GRAPH}> {{
    {{ ?c cg:mappingSubject ?x ; cg:mappingObject ?other . BIND("forward" AS ?dir) }}
    UNION
    {{ ?c cg:mappingObject ?x ; cg:mappingSubject ?other . BIND("inverse" AS ?dir) }}
    ?c cg:possibleRelations ?rel ; cg:score ?score ; cg:pathText ?path .
  }}
}}"""
# Apart from the query above: an OPTIONAL inside its GRAPH block made pyoxigraph 0.5 take minutes.
_PROBABILITIES_QUERY = f"SELECT ?c ?p WHERE {{ GRAPH <{CANDIDATES_GRAPH}> {{ ?c <{CG}probability> ?p }} }}"
_PROVEN_RANK = {"full": 0, "partial": 1, "": 2}


def _probabilities(store: GraphStore) -> dict[str, float]:
    return cached(store, ("candidate_probabilities",), lambda: {
        str(row["c"].value): float(row["p"].value) for row in store.query(_PROBABILITIES_QUERY)})  # type: ignore[union-attr,index]


def _candidates(store: GraphStore, scope: str) -> dict[str, tuple[CandidateEvidence, ...]]:
    """Every composed link of the controls ``scope`` binds to ?x (cached until the store changes)."""
    return cached(store, ("candidates", scope), lambda: _read_candidates(store, scope))


def _read_candidates(store: GraphStore, scope: str) -> dict[str, tuple[CandidateEvidence, ...]]:
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    probabilities = _probabilities(store)
    for row in store.query(_CANDIDATES_QUERY % scope):  # type: ignore[union-attr]
        x, other, direction = (row[i].value for i in range(3))  # type: ignore[index]
        entry = grouped.setdefault((x, other, direction), {
            "rels": set(), "score": float(row[4].value), "path": row[5].value.split(),  # type: ignore[index]
            "p": probabilities.get(row[6].value)})  # type: ignore[index]
        rel = Relation.from_iri(row[3].value)  # type: ignore[index]
        entry["rels"].add(rel.inverse if direction == "inverse" else rel)
    found: dict[str, list[CandidateEvidence]] = {}
    for (x, other, direction), entry in grouped.items():
        path = tuple(reversed(entry["path"])) if direction == "inverse" else tuple(entry["path"])
        possible = tuple(r for r in Relation if r in entry["rels"])
        probability, source = candidate_probability(entry["score"], entry["p"])
        found.setdefault(x, []).append(CandidateEvidence(other, possible, entry["score"], path, probability, source))
    return {x: tuple(sorted(items, key=lambda c: (_PROVEN_RANK[c.proven], -c.probability, c.control)))
            for x, items in found.items()}


def candidate_evidence(
    store: GraphStore, target: str, implemented: Collection[str]
) -> dict[str, list[CandidateEvidence]]:
    """Composed links between items of ``target`` and implemented controls, proven ones first, then by probability."""
    scope = f"?x skos:inScheme {ox.NamedNode(framework_iri(target))} ."
    found = {x: [c for c in items if c.control in implemented] for x, items in _candidates(store, scope).items()}
    return {x: items for x, items in found.items() if items}


def candidates_of(store: GraphStore, iri: str) -> list[CandidateEvidence]:
    """Every composed link of one control: proven ones first, then by probability."""
    return list(_candidates(store, f"VALUES ?x {{ {ox.NamedNode(iri)} }}").get(iri, ()))


@dataclass
class ItemCoverage:
    item: FrameworkItem
    status: str
    direct_status: str
    evidence: list[Satisfier]  # single mappings (asserted or definite inferred) to implemented controls
    candidates: list[CandidateEvidence] = field(default_factory=list)  # composed links: proven, likely, to review
    cover_sets: list[CoverSetEvidence] = field(default_factory=list)  # cover-set statements met
    leaves_total: int = 0  # assessable units beneath (0 for a unit without units beneath)
    leaves_full: int = 0
    leaves_partial: int = 0
    leaves_likely: int = 0
    assessable: bool = False  # counted in the summaries
    expected: float = 0.0  # probability the item is met at least in part, hub-weighted
    probability: float | None = None  # of the best likely candidate, when the status is likely
    hubs: list[str] = field(default_factory=list)  # IRIs of hub controls behind its partial or likely evidence
    rolled_up: bool = False  # the status comes from the children

    @property
    def covered_fraction(self) -> float | None:
        return self.leaves_full / self.leaves_total if self.leaves_total else None


@dataclass
class LevelSummary:
    kind: str
    full: int = 0
    partial: int = 0
    likely: int = 0
    none: int = 0
    expected: float = 0.0  # sum of the units' expected coverage

    @property
    def total(self) -> int:
        return self.full + self.partial + self.likely + self.none

    def percent(self, status: str) -> float:
        return 100.0 * getattr(self, status) / self.total if self.total else 0.0

    @property
    def expected_percent(self) -> float:
        return 100.0 * self.expected / self.total if self.total else 0.0

    def add(self, item: ItemCoverage) -> None:
        setattr(self, item.status, getattr(self, item.status) + 1)
        self.expected += item.expected


@dataclass
class CoverageReport:
    target: str
    have: HaveSpec
    implemented: int
    parent_is_union_of_children: bool
    items: list[ItemCoverage] = field(default_factory=list)
    scope: ScopeResult | None = None
    likely_threshold: float = DEFAULT_LIKELY_THRESHOLD
    hubs: list[HubInfo] = field(default_factory=list)

    def leaves(self) -> list[ItemCoverage]:
        """The assessable units (the name is kept from when they were always the leaves)."""
        return [i for i in self.items if i.assessable]

    def by_kind(self) -> list[LevelSummary]:
        summaries: dict[str, LevelSummary] = {}
        for item in self.items:
            summaries.setdefault(item.item.info.kind, LevelSummary(item.item.info.kind)).add(item)
        return list(summaries.values())

    def overall(self) -> LevelSummary:
        summary = LevelSummary("assessable items")
        for unit in self.leaves():
            summary.add(unit)
        return summary

    def top_level(self) -> list[ItemCoverage]:
        return [i for i in self.items if i.item.parent is None]

    def under(self, top: ItemCoverage) -> LevelSummary:
        """The summary of the units beneath (or being) one item."""
        children: dict[str, list[ItemCoverage]] = {}
        for i in self.items:
            if i.item.parent is not None:
                children.setdefault(i.item.parent, []).append(i)
        summary = LevelSummary(top.item.info.kind)
        stack = [top]
        while stack:
            node = stack.pop()
            if node.assessable:
                summary.add(node)
            stack.extend(children.get(node.item.info.iri, []))
        return summary

    @property
    def probability_sources(self) -> str:
        return describe_sources(c.probability_source for i in self.items for c in i.candidates
                                if c.probability_source and not c.proven)


def _best(statuses: Sequence[str]) -> str:
    return max(statuses, key=STATUS_ORDER.__getitem__, default="none")


def coverage(
    store: GraphStore,
    have: HaveSpec,
    target: str,
    *,
    visibility: Visibility = PUBLIC,
    scope: str | None = None,
    role: str | None = None,
    likely_threshold: float = DEFAULT_LIKELY_THRESHOLD,
    hub_share: float | None = None,
) -> CoverageReport:
    """Level, evidence and roll-up of every item of ``target`` given the implemented controls."""
    implemented = have.resolve(store)
    return coverage_of_implemented(store, implemented, target, have=have, visibility=visibility, scope=scope,
                                   role=role, likely_threshold=likely_threshold, hub_share=hub_share)


def coverage_of_implemented(
    store: GraphStore,
    implemented: Collection[str],
    target: str,
    *,
    have: HaveSpec | None = None,
    frameworks: Collection[str] | None = None,
    visibility: Visibility = PUBLIC,
    scope: str | None = None,
    role: str | None = None,
    likely_threshold: float = DEFAULT_LIKELY_THRESHOLD,
    hub_share: float | None = None,
) -> CoverageReport:
    """:func:`coverage` for a set of control IRIs (the programme calls it for each plan it weighs)."""
    likely_threshold = likely_threshold_in(store, likely_threshold)
    framework = framework_items(store, target)
    scoped = scoped_items(framework, scope, role)
    implemented = set(implemented)
    slugs = set(frameworks) if frameworks is not None else (have.frameworks() if have else set())
    satisfiers = satisfiers_in_framework(store, target, frameworks=slugs, visibility=visibility)
    candidates = candidate_evidence(store, target, implemented)
    met = met_cover_sets(store, cover_sets(store, target, visibility=visibility), implemented, visibility=visibility)
    report = CoverageReport(target, have or HaveSpec(tuple(sorted(slugs))), len(implemented),
                            framework.parent_is_union_of_children, scope=scoped, likely_threshold=likely_threshold)
    by_iri: dict[str, ItemCoverage] = {}
    for item in scoped.items:
        iri = item.info.iri
        evidence = [s for s in satisfiers.get(iri, []) if s.control.iri in implemented]
        links = candidates.get(iri, [])
        levels = [s.coverage for s in evidence] + [c.proven for c in links if c.proven]
        if iri in implemented or met.get(iri):
            levels.append("full")
        direct = _best(levels)
        node = ItemCoverage(item, direct, direct, evidence, links, met.get(iri, []))
        if direct == "none":
            likely = [c for c in links if not c.proven and c.probability >= likely_threshold]
            if likely:
                node.status = node.direct_status = "likely"
                node.probability = likely[0].probability
        by_iri[iri] = node
    kids: dict[str, list[str]] = {}
    for item in scoped.items:
        if item.parent is not None and item.parent in by_iri:
            kids.setdefault(item.parent, []).append(item.info.iri)
    _mark_units(by_iri, kids, scoped.items)
    report.hubs, weights = hub_weights(by_iri.values(), likely_threshold, hub_share)
    for node in by_iri.values():
        _direct_expected(node, weights, likely_threshold)
    _roll_up(by_iri, kids, scoped.items)
    report.items = [by_iri[i.info.iri] for i in scoped.items]
    return report


def _mark_units(by_iri: dict[str, ItemCoverage], kids: dict[str, list[str]], items: Sequence[FrameworkItem]) -> None:
    """Leaves and parents with own requirements or alternatives count, unless inside an either-or list."""
    parent_of = {i.info.iri: i.parent for i in items}
    for item in items:
        iri = item.info.iri
        ancestor, inside_alternatives = parent_of.get(iri), False
        while ancestor is not None and ancestor in by_iri:
            if by_iri[ancestor].item.hierarchy == ANY_CHILD:
                inside_alternatives = True
                break
            ancestor = parent_of.get(ancestor)
        if inside_alternatives:
            continue
        by_iri[iri].assessable = not kids.get(iri) or item.hierarchy in (OWN, ANY_CHILD)


def _direct_expected(node: ItemCoverage, weights: dict[str, float], threshold: float) -> None:
    """The item's own expected coverage, before any roll-up from its children."""
    if node.direct_status == "full":
        node.expected = 1.0
        return
    best = 0.0
    hubs: set[str] = set()
    for s in node.evidence:
        if s.coverage == "partial":
            weight = weights.get(s.control.iri, 1.0)
            best = max(best, weight)
            if weight < 1.0:
                hubs.add(s.control.iri)
    for c in node.candidates:
        weight = weights.get(c.control, 1.0)
        value = weight if c.proven else (c.probability * weight if c.probability >= threshold else 0.0)
        if value:
            best = max(best, value)
            if weight < 1.0:
                hubs.add(c.control)
    node.expected = best
    node.hubs = sorted(hubs)


def _roll_up(by_iri: dict[str, ItemCoverage], kids: dict[str, list[str]], items: Sequence[FrameworkItem]) -> None:
    done: set[str] = set()

    def visit(iri: str) -> None:
        if iri in done:
            return
        done.add(iri)
        node = by_iri[iri]
        children = kids.get(iri, [])
        if not children:
            return
        for kid in children:
            visit(kid)
        for kid in children:
            child = by_iri[kid]
            if child.leaves_total and not child.assessable:
                node.leaves_total += child.leaves_total
                node.leaves_full += child.leaves_full
                node.leaves_partial += child.leaves_partial
                node.leaves_likely += child.leaves_likely
            elif child.assessable:
                node.leaves_total += 1 + child.leaves_total
                node.leaves_full += (child.status == "full") + child.leaves_full
                node.leaves_partial += (child.status == "partial") + child.leaves_partial
                node.leaves_likely += (child.status == "likely") + child.leaves_likely
        statuses = [by_iri[k].status for k in children]
        expected = [by_iri[k].expected for k in children]
        kind = node.item.hierarchy
        if kind == UNION:
            from_kids = "full" if all(s == "full" for s in statuses) else _capped(statuses)
            kids_expected = sum(expected) / len(expected)
        elif kind == ANY_CHILD:
            from_kids = _best(statuses)
            kids_expected = max(expected)
        else:  # own requirements, or unspecified: children are evidence of overlap, never of the whole
            from_kids = _capped(statuses)
            kids_expected = max(expected)
        if STATUS_ORDER[from_kids] > STATUS_ORDER[node.status]:
            node.status = from_kids
            node.rolled_up = True
        node.expected = 1.0 if node.status == "full" else min(max(node.expected, kids_expected), 1.0)

    for item in items:
        visit(item.info.iri)


def _capped(statuses: Sequence[str]) -> str:
    """What children prove of a parent they do not exhaust: overlap at most."""
    best = _best(statuses)
    return "partial" if best == "full" else best


def status_counts(items: Sequence[ItemCoverage]) -> Counter[str]:
    return Counter(i.status for i in items)
