"""Coverage: what of a target framework does a set of implemented controls already meet, and why.

An item X of the target is
- fully covered when some implemented Y has X equal Y or X subset-of Y (Y asks for all X asks);
- partially covered when some implemented Y has X superset-of Y or X intersects-with Y;
- a parent is fully covered when all its children are, only where its framework declares parents
  to be the union of their children (``cg:parentIsUnionOfChildren``); elsewhere the covered
  fraction of its leaves is reported beside its own direct status.
Candidate links (chains that still admit overlap) are never counted; they are evidence to review.
"""

from __future__ import annotations

import fnmatch
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from controlgraph.analysis.satisfiers import ControlInfo, Satisfier, satisfiers_in_framework
from controlgraph.errors import InputError, NotFound
from controlgraph.reasoning.results_rdf import CANDIDATES_GRAPH
from controlgraph.store.base import GraphStore
from controlgraph.store.read_cache import cached
from controlgraph.store.tenancy import PUBLIC, Visibility
from controlgraph.vocabulary import Relation, framework_iri, parse_control_ref, sparql_prefixes

STATUS_ORDER = {"none": 0, "partial": 1, "full": 2}

_ITEMS_QUERY = sparql_prefixes() + """
SELECT ?fw ?c ?notation ?title ?kind ?parent ?order ?union WHERE {
  ?fw cg:slug ?slug .
  OPTIONAL { ?fw cg:parentIsUnionOfChildren ?union }
  ?c skos:inScheme ?fw ; skos:notation ?notation ; skos:prefLabel ?title ; cg:kind ?kind .
  OPTIONAL { ?c skos:broader ?parent }
  OPTIONAL { ?c cg:order ?order }
}"""


@dataclass(frozen=True)
class FrameworkItem:
    info: ControlInfo
    parent: str | None
    order: int


@dataclass(frozen=True)
class FrameworkItems:
    slug: str
    parent_is_union_of_children: bool
    items: tuple[FrameworkItem, ...]  # in reading order

    def children(self) -> dict[str, list[str]]:
        kids: dict[str, list[str]] = defaultdict(list)
        for item in self.items:
            if item.parent is not None:
                kids[item.parent].append(item.info.iri)
        return kids


def framework_items(store: GraphStore, slug: str) -> FrameworkItems:
    """Every item of a framework in reading order (cached until the store changes)."""
    try:
        framework_iri(slug)
    except ValueError:  # found by schemathesis: not a slug at all was an internal error, not "no such framework"
        raise NotFound(f"no framework {slug!r} in the graph") from None
    return cached(store, ("framework_items", slug), lambda: _framework_items(store, slug))


def _framework_items(store: GraphStore, slug: str) -> FrameworkItems:
    rows = list(store.query(_ITEMS_QUERY, substitutions={"fw": ox.NamedNode(framework_iri(slug))}))  # type: ignore[arg-type]
    if not rows:
        raise NotFound(f"no framework {slug!r} in the graph")
    union = any(str(r["union"].value) == "true" for r in rows if r["union"] is not None)  # type: ignore[union-attr]
    items = []
    for r in rows:  # type: ignore[union-attr]
        iri = r["c"].value  # type: ignore[union-attr]
        info = ControlInfo(iri, slug, r["notation"].value, r["title"].value, r["kind"].value)  # type: ignore[union-attr]
        parent = r["parent"].value if r["parent"] is not None else None  # type: ignore[union-attr]
        order = int(r["order"].value) if r["order"] is not None else 0  # type: ignore[union-attr]
        items.append(FrameworkItem(info, parent, order))
    items.sort(key=lambda i: (i.order, i.info.notation))
    return FrameworkItems(slug, union, tuple(items))


@dataclass(frozen=True)
class HaveSpec:
    """What an organisation implements: whole frameworks and/or controls (``slug:ID``, globs allowed)."""

    patterns: tuple[str, ...]

    @classmethod
    def parse(cls, values: Iterable[str]) -> HaveSpec:
        patterns: list[str] = []
        for value in values:
            if value.startswith("@"):
                patterns += _read_have_file(Path(value[1:]))
            else:
                patterns += [p.strip() for p in value.split(",") if p.strip()]
        if not patterns:
            raise InputError("nothing implemented: give frameworks or controls to --have")
        return cls(tuple(patterns))

    def frameworks(self) -> set[str]:
        return {p.split(":", 1)[0] for p in self.patterns}

    def resolve(self, store: GraphStore) -> set[str]:
        """The IRIs of every implemented control."""
        chosen: set[str] = set()
        for slug in sorted(self.frameworks()):
            items = framework_items(store, slug).items
            for pattern in (p for p in self.patterns if p.split(":", 1)[0] == slug):
                if ":" not in pattern:
                    chosen |= {i.info.iri for i in items}
                    continue
                notation = parse_control_ref(pattern).notation
                matched = {i.info.iri for i in items if fnmatch.fnmatchcase(i.info.notation, notation)}
                if not matched:
                    raise NotFound(f"--have {pattern}: no such control in {slug}")
                chosen |= matched
        return chosen


def _read_have_file(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from None
    patterns = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if ":" not in text and not text.replace("-", "").replace(".", "").isalnum():
            raise InputError(f"not a framework slug or FRAMEWORK:ID: {text!r}", path=str(path), line=number)
        patterns.append(text)
    return patterns


@dataclass(frozen=True)
class CandidateEvidence:
    """A candidate link from an item to an implemented control: chains that admit overlap, unconfirmed."""

    control: str  # IRI of the implemented control
    possible: tuple[Relation, ...]  # relations still possible, read "item relation control"
    score: float
    path: tuple[str, ...]


_CANDIDATES_QUERY = sparql_prefixes() + f"""
SELECT ?x ?other ?dir ?rel ?score ?path WHERE {{
  %s
  GRAPH <{CANDIDATES_GRAPH}> {{
    {{ ?c cg:mappingSubject ?x ; cg:mappingObject ?other . BIND("forward" AS ?dir) }}
    UNION
    {{ ?c cg:mappingObject ?x ; cg:mappingSubject ?other . BIND("inverse" AS ?dir) }}
    ?c cg:possibleRelations ?rel ; cg:score ?score ; cg:pathText ?path .
  }}
}}"""


def _candidates(store: GraphStore, scope: str) -> dict[str, tuple[CandidateEvidence, ...]]:
    """Every candidate link of the controls ``scope`` binds to ?x, best score first (cached until the store changes)."""
    return cached(store, ("candidates", scope), lambda: _read_candidates(store, scope))


def _read_candidates(store: GraphStore, scope: str) -> dict[str, tuple[CandidateEvidence, ...]]:
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in store.query(_CANDIDATES_QUERY % scope):  # type: ignore[union-attr]
        x, other, direction = (row[i].value for i in range(3))  # type: ignore[index]
        entry = grouped.setdefault((x, other, direction), {"rels": set(), "score": float(row[4].value),  # type: ignore[index]
                                                          "path": row[5].value.split()})  # type: ignore[index]
        rel = Relation.from_iri(row[3].value)  # type: ignore[index]
        entry["rels"].add(rel.inverse if direction == "inverse" else rel)
    found: dict[str, list[CandidateEvidence]] = {}
    for (x, other, direction), entry in grouped.items():
        path = tuple(reversed(entry["path"])) if direction == "inverse" else tuple(entry["path"])
        possible = tuple(r for r in Relation if r in entry["rels"])
        found.setdefault(x, []).append(CandidateEvidence(other, possible, entry["score"], path))
    return {x: tuple(sorted(items, key=lambda c: (-c.score, c.control))) for x, items in found.items()}


def candidate_evidence(store: GraphStore, target: str, implemented: set[str]) -> dict[str, list[CandidateEvidence]]:
    """Candidate links between items of ``target`` and implemented controls, best score first."""
    scope = f"?x skos:inScheme {ox.NamedNode(framework_iri(target))} ."
    found = {x: [c for c in items if c.control in implemented] for x, items in _candidates(store, scope).items()}
    return {x: items for x, items in found.items() if items}


def candidates_of(store: GraphStore, iri: str) -> list[CandidateEvidence]:
    """Every candidate link of one control, best score first."""
    return list(_candidates(store, f"VALUES ?x {{ {ox.NamedNode(iri)} }}").get(iri, ()))


@dataclass
class ItemCoverage:
    item: FrameworkItem
    status: str
    direct_status: str
    evidence: list[Satisfier]
    candidates: list[CandidateEvidence] = field(default_factory=list)  # to review; never counted
    leaves_total: int = 0
    leaves_full: int = 0
    leaves_partial: int = 0

    @property
    def covered_fraction(self) -> float | None:
        return self.leaves_full / self.leaves_total if self.leaves_total else None


@dataclass
class LevelSummary:
    kind: str
    full: int = 0
    partial: int = 0
    none: int = 0

    @property
    def total(self) -> int:
        return self.full + self.partial + self.none

    def percent(self, status: str) -> float:
        return 100.0 * getattr(self, status) / self.total if self.total else 0.0


@dataclass
class CoverageReport:
    target: str
    have: HaveSpec
    implemented: int
    parent_is_union_of_children: bool
    items: list[ItemCoverage] = field(default_factory=list)

    def leaves(self) -> list[ItemCoverage]:
        return [i for i in self.items if i.leaves_total == 0]

    def by_kind(self) -> list[LevelSummary]:
        summaries: dict[str, LevelSummary] = {}
        for item in self.items:
            summary = summaries.setdefault(item.item.info.kind, LevelSummary(item.item.info.kind))
            setattr(summary, item.status, getattr(summary, item.status) + 1)
        return list(summaries.values())

    def overall(self) -> LevelSummary:
        summary = LevelSummary("all leaf items")
        for leaf in self.leaves():
            setattr(summary, leaf.status, getattr(summary, leaf.status) + 1)
        return summary

    def top_level(self) -> list[ItemCoverage]:
        return [i for i in self.items if i.item.parent is None]


def _best(statuses: Iterable[str]) -> str:
    return max(statuses, key=STATUS_ORDER.__getitem__, default="none")


def coverage(store: GraphStore, have: HaveSpec, target: str, *, visibility: Visibility = PUBLIC) -> CoverageReport:
    """Status, evidence and roll-up of every item of ``target`` given the implemented controls."""
    implemented = have.resolve(store)
    framework = framework_items(store, target)
    satisfiers = satisfiers_in_framework(store, target, frameworks=have.frameworks(), visibility=visibility)
    candidates = candidate_evidence(store, target, implemented)
    report = CoverageReport(target, have, len(implemented), framework.parent_is_union_of_children)
    by_iri: dict[str, ItemCoverage] = {}
    for item in framework.items:
        evidence = [s for s in satisfiers.get(item.info.iri, []) if s.control.iri in implemented]
        # An item that is itself implemented (same framework in --have) is covered by definition.
        direct = "full" if item.info.iri in implemented else _best(s.coverage for s in evidence)
        by_iri[item.info.iri] = ItemCoverage(item, direct, direct, evidence, candidates.get(item.info.iri, []))
    children = framework.children()
    _roll_up(by_iri, children, framework)
    report.items = [by_iri[i.info.iri] for i in framework.items]
    return report


def _roll_up(by_iri: dict[str, ItemCoverage], children: dict[str, list[str]], framework: FrameworkItems) -> None:
    done: set[str] = set()

    def visit(iri: str) -> None:
        if iri in done:
            return
        done.add(iri)
        node = by_iri[iri]
        kids = children.get(iri, [])
        if not kids:
            return
        for kid in kids:
            visit(kid)
        for kid in kids:
            child = by_iri[kid]
            if child.leaves_total:
                node.leaves_total += child.leaves_total
                node.leaves_full += child.leaves_full
                node.leaves_partial += child.leaves_partial
            else:
                node.leaves_total += 1
                node.leaves_full += child.status == "full"
                node.leaves_partial += child.status == "partial"
        kid_status = [by_iri[k].status for k in kids]
        if framework.parent_is_union_of_children and all(s == "full" for s in kid_status):
            node.status = "full"
        elif node.status == "none" and any(s != "none" for s in kid_status):
            node.status = "partial"

    for item in framework.items:
        visit(item.info.iri)


def status_counts(items: Sequence[ItemCoverage]) -> Counter[str]:
    return Counter(i.status for i in items)
