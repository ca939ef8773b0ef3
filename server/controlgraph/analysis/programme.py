"""Unified control set for a multi-certification programme: implement once, comply many.

Given target frameworks and a hub framework (ISO/IEC 27002:2022 by default), choose a small set
of hub controls that fully covers as many target items as possible, with the residual gaps per
target. Choosing the smallest such set is set cover (NP-hard); the greedy choice used here (take
the hub control that fully covers the most still-uncovered items, repeat) is within a factor
H(k) <= 1 + ln k of the optimum, k being the most items one hub control covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from controlgraph.analysis.coverage import FrameworkItem, framework_items
from controlgraph.analysis.satisfiers import ControlInfo, satisfiers_in_framework
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import PUBLIC, Visibility


@dataclass
class HubChoice:
    control: ControlInfo
    covers: dict[str, list[str]]  # target slug -> refs of the items it fully covers (newly, when chosen)
    partially: dict[str, list[str]]  # target slug -> refs it covers partially


@dataclass
class TargetGaps:
    slug: str
    leaf_items: int
    fully_covered: int
    partial_only: list[str] = field(default_factory=list)  # refs only partially coverable by the hub
    uncovered: list[str] = field(default_factory=list)  # refs with no hub mapping at all

    @property
    def percent_full(self) -> float:
        return 100.0 * self.fully_covered / self.leaf_items if self.leaf_items else 0.0


@dataclass
class UnifiedControlSet:
    hub: str
    targets: list[str]
    chosen: list[HubChoice]
    gaps: list[TargetGaps]
    bound: str = "greedy set cover: at most H(k) <= 1 + ln k times the smallest possible set"


def _leaves(items: Sequence[FrameworkItem]) -> list[FrameworkItem]:
    parents = {i.parent for i in items if i.parent is not None}
    return [i for i in items if i.info.iri not in parents]


def unified_control_set(
    store: GraphStore, targets: Sequence[str], hub: str = "iso27002-2022", *, visibility: Visibility = PUBLIC
) -> UnifiedControlSet:
    hub_items = {i.info.iri: i.info for i in framework_items(store, hub).items}
    full_by_hub: dict[str, set[tuple[str, str]]] = {iri: set() for iri in hub_items}
    partial_by_hub: dict[str, set[tuple[str, str]]] = {iri: set() for iri in hub_items}
    leaves_by_target: dict[str, list[FrameworkItem]] = {}
    for target in targets:
        leaves = _leaves(framework_items(store, target).items)
        leaves_by_target[target] = leaves
        satisfiers = satisfiers_in_framework(store, target, frameworks=[hub], visibility=visibility)
        for leaf in leaves:
            for s in satisfiers.get(leaf.info.iri, []):
                bucket = full_by_hub if s.coverage == "full" else partial_by_hub
                bucket[s.control.iri].add((target, leaf.info.iri))

    uncovered = {(t, leaf.info.iri) for t, leaves in leaves_by_target.items() for leaf in leaves}
    ref_of = {leaf.info.iri: leaf.info.ref for leaves in leaves_by_target.values() for leaf in leaves}
    chosen: list[HubChoice] = []
    while True:
        best = max(sorted(full_by_hub), key=lambda h: len(full_by_hub[h] & uncovered), default=None)
        if best is None or not full_by_hub[best] & uncovered:
            break
        gained = full_by_hub[best] & uncovered
        uncovered -= gained
        chosen.append(HubChoice(
            hub_items[best],
            _group(gained, ref_of),
            _group(partial_by_hub[best], ref_of),
        ))

    partially_reachable = {pair for pairs in partial_by_hub.values() for pair in pairs}
    gaps = []
    for target, leaves in leaves_by_target.items():
        missing = [leaf for leaf in leaves if (target, leaf.info.iri) in uncovered]
        gaps.append(TargetGaps(
            target,
            len(leaves),
            len(leaves) - len(missing),
            [m.info.ref for m in missing if (target, m.info.iri) in partially_reachable],
            [m.info.ref for m in missing if (target, m.info.iri) not in partially_reachable],
        ))
    return UnifiedControlSet(hub, list(targets), chosen, gaps)


def _group(pairs: set[tuple[str, str]], ref_of: dict[str, str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for target, iri in sorted(pairs):
        grouped.setdefault(target, []).append(ref_of[iri])
    return grouped
