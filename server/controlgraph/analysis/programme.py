"""Programme for a multi-certification effort: implement once, comply many.

Given target frameworks and a pool of hub controls (a framework, or FRAMEWORK:ID patterns such as
``iso27001-2022:A.*``), pick hub controls one at a time, each time the one that adds the most proven
(full) coverage across all targets, ties broken by the expected coverage it adds (partial and likely
evidence, hub-weighted: analysis/coverage.py); stop when nothing more is gained. Choosing the smallest
set is set cover (NP-hard); the greedy choice is within a factor H(k) <= 1 + ln k of the optimum for the
proven part, k being the most items one control covers. The plan is then measured with the same coverage
as ``controlgraph coverage``: per target the four levels, the expected coverage, the gaps with the
evidence they have, and the candidate links a person should review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from controlgraph.analysis.coverage import (
    DEFAULT_LIKELY_THRESHOLD,
    CoverageReport,
    ItemCoverage,
    LevelSummary,
    coverage_of_implemented,
)
from controlgraph.analysis.items import ANY_CHILD, UNION, HaveSpec, framework_items
from controlgraph.analysis.likelihood import describe_sources
from controlgraph.analysis.satisfiers import ControlInfo, describe_controls
from controlgraph.errors import InputError
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import PUBLIC, Visibility


@dataclass
class HubChoice:
    control: ControlInfo
    covers: dict[str, list[str]]  # target slug -> refs of the items it newly covers fully when chosen
    partially: dict[str, list[str]]  # target slug -> refs it newly meets in part (partial or likely)
    expected_gain: float = 0.0  # expected coverage it added, in items, across targets


@dataclass
class TargetGaps:
    slug: str
    leaf_items: int  # assessable items counted (within the scope asked for)
    fully_covered: int
    partial_only: list[str] = field(default_factory=list)  # refs met in part only
    uncovered: list[str] = field(default_factory=list)  # refs with no proven evidence (likely or none)
    summary: LevelSummary | None = None
    report: CoverageReport | None = None

    @property
    def percent_full(self) -> float:
        return 100.0 * self.fully_covered / self.leaf_items if self.leaf_items else 0.0

    def gap_items(self) -> list[ItemCoverage]:
        """The assessable items not fully covered: none first, then likely, then partial; reading order within."""
        if self.report is None:
            return []
        rank = {"none": 0, "likely": 1, "partial": 2}
        gaps = [i for i in self.report.leaves() if i.status != "full"]
        return sorted(gaps, key=lambda i: rank[i.status])


@dataclass
class UnifiedControlSet:
    hub: str
    targets: list[str]
    chosen: list[HubChoice]
    gaps: list[TargetGaps]
    bound: str = "greedy: most proven coverage first, then expected coverage; at most H(k) <= 1 + ln k times " \
                 "the smallest set for the proven part"
    probability_source: str = ""
    pool: int = 0  # hub controls to choose from


@dataclass
class _Unit:
    target: str
    ref: str
    full_by: set[str]  # controls fully covering it alone
    cover_sets: list[frozenset[str]]  # sets of controls covering it together
    part: dict[str, float]  # control -> value of its partial or likely evidence (hub-weighted)

    def value(self, chosen: set[str]) -> tuple[int, float]:
        if self.full_by & chosen or any(s <= chosen for s in self.cover_sets):
            return 1, 1.0
        return 0, max((v for c, v in self.part.items() if c in chosen), default=0.0)


def _units(report: CoverageReport, pool: set[str]) -> list[_Unit]:
    """Per assessable item, what each pool control would contribute (from the coverage of the whole pool)."""
    kids: dict[str, list[ItemCoverage]] = {}
    for i in report.items:
        if i.item.parent is not None:
            kids.setdefault(i.item.parent, []).append(i)
    weights = {h.control: h.weight for h in report.hubs}

    def direct(node: ItemCoverage) -> tuple[set[str], list[frozenset[str]], dict[str, float]]:
        full = {s.control.iri for s in node.evidence if s.coverage == "full"}
        full |= {c.control for c in node.candidates if c.proven == "full"}
        if node.item.info.iri in pool:
            full.add(node.item.info.iri)
        covers = [frozenset(cs.met_by.values()) for cs in node.cover_sets]
        part: dict[str, float] = {}
        for s in node.evidence:
            if s.coverage == "partial":
                part[s.control.iri] = max(part.get(s.control.iri, 0.0), weights.get(s.control.iri, 1.0))
        for c in node.candidates:
            w = weights.get(c.control, 1.0)
            value = w if c.proven else (c.probability * w if c.probability >= report.likely_threshold else 0.0)
            if value:
                part[c.control] = max(part.get(c.control, 0.0), value)
        return full, covers, part

    def gather(node: ItemCoverage) -> tuple[set[str], list[frozenset[str]], dict[str, float]]:
        full, covers, part = direct(node)
        children = kids.get(node.item.info.iri, [])
        if not children:
            return full, covers, part
        gathered = [gather(k) for k in children]
        for k_full, _, k_part in gathered:
            for c in k_full:
                part[c] = max(part.get(c, 0.0), 1.0)
            for c, v in k_part.items():
                part[c] = max(part.get(c, 0.0), v)
        if node.item.hierarchy == ANY_CHILD:
            for k_full, k_covers, _ in gathered:
                full |= k_full
                covers += k_covers
        elif node.item.hierarchy == UNION:
            full |= set.intersection(*(g[0] for g in gathered))
        return full, covers, part

    units = []
    for node in report.leaves():
        full, covers, part = gather(node)
        for c in full:
            part.pop(c, None)
        kept = {c: v for c, v in part.items() if c in pool}
        units.append(_Unit(report.target, node.item.info.ref, full & pool, covers, kept))
    return units


def unified_control_set(
    store: GraphStore,
    targets: Sequence[str],
    hub: str = "iso27002-2022",
    *,
    visibility: Visibility = PUBLIC,
    scopes: dict[str, str] | None = None,
    role: str | None = None,
    likely_threshold: float = DEFAULT_LIKELY_THRESHOLD,
    hub_share: float | None = None,
    max_controls: int | None = None,
) -> UnifiedControlSet:
    """Pick hub controls from ``hub`` (a framework or patterns) for ``targets``; measure the plan per target.

    ``max_controls`` stops the plan after that many picks (a first phase). ``scopes`` maps a target to its
    scope (e.g. ``{"gdpr": "controller"}``); ``role`` applies to the targets
    that record responsibility and is ignored for the others.
    """
    if not targets:
        raise InputError("targets: name at least one framework")
    spec = HaveSpec.parse([hub])
    pool = spec.resolve(store)
    slugs = spec.frameworks()
    scopes = scopes or {}

    def measure(target: str, chosen: set[str]) -> CoverageReport:
        has_roles = any(i.responsibility for i in framework_items(store, target).items)
        return coverage_of_implemented(store, chosen, target, have=spec, frameworks=slugs, visibility=visibility,
                                       scope=scopes.get(target), role=role if has_roles else None,
                                       likely_threshold=likely_threshold, hub_share=hub_share)

    units = [u for t in targets for u in _units(measure(t, pool), pool)]
    touching: dict[str, list[_Unit]] = {}
    for u in units:
        for c in u.full_by | set(u.part) | {c for s in u.cover_sets for c in s}:
            touching.setdefault(c, []).append(u)
    chosen: set[str] = set()
    current = {id(u): u.value(chosen) for u in units}
    picks: list[HubChoice] = []
    infos = describe_controls(store, pool)
    while max_controls is None or len(picks) < max_controls:
        best: tuple[int, float, str] | None = None
        for c in sorted(touching):
            if c in chosen:
                continue
            trial = chosen | {c}
            full_gain, expected_gain = 0, 0.0
            for u in touching[c]:
                f, e = u.value(trial)
                full_gain += f - current[id(u)][0]
                expected_gain += e - current[id(u)][1]
            if full_gain > 0 or expected_gain > 1e-9:
                key = (full_gain, expected_gain, c)
                if best is None or (key[0], key[1]) > (best[0], best[1]):
                    best = key
        if best is None:
            break
        c = best[2]
        chosen.add(c)
        covers: dict[str, list[str]] = {}
        partially: dict[str, list[str]] = {}
        for u in touching[c]:
            before, after = current[id(u)], u.value(chosen)
            if after[0] > before[0]:
                covers.setdefault(u.target, []).append(u.ref)
            elif after[1] > before[1]:
                partially.setdefault(u.target, []).append(u.ref)
            current[id(u)] = after
        picks.append(HubChoice(infos[c], covers, partially, best[1]))

    gaps = []
    sources: list[str] = []
    for target in targets:
        report = measure(target, chosen)
        summary = report.overall()
        leaves = report.leaves()
        gaps.append(TargetGaps(
            target, summary.total, summary.full,
            [i.item.info.ref for i in leaves if i.status == "partial"],
            [i.item.info.ref for i in leaves if i.status in ("likely", "none")],
            summary, report,
        ))
        sources.append(report.probability_sources)
    source = "; ".join(sorted({s for s in sources if s != describe_sources([])})) or describe_sources([])
    return UnifiedControlSet(hub, list(targets), picks, gaps, probability_source=source, pool=len(pool))
