"""Hub controls: implemented controls linked to a large share of a target's items.

When one framework maps almost everything to a few items (a published NIS2 annex mapping sends about
80% of its items to four CSF subcategories), implementing those few "partially covers" most of the
target, which says little. A control linked (full, partial or likely) to at least ``hub_share`` of the
target's assessable items is a hub: coverage output flags it, and its partial or likely evidence weighs
``hub_share / share`` in expected coverage (a control linked to 40% of the items with a hub share of 10%
weighs a quarter). Full coverage through a hub is proven containment and keeps its full weight.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from controlgraph.analysis.coverage import ItemCoverage

DEFAULT_HUB_SHARE = 0.1
MIN_UNITS = 10  # below this many assessable items a share says nothing


@dataclass(frozen=True)
class HubInfo:
    control: str  # IRI
    items: int  # assessable items it is linked to
    share: float  # of the target's assessable items
    weight: float  # of its partial and likely evidence in expected coverage


def hub_weights(
    nodes: Iterable[ItemCoverage], threshold: float, hub_share: float | None = None
) -> tuple[list[HubInfo], dict[str, float]]:
    """The hubs among the controls behind the evidence, most linked first, and each hub's weight."""
    share_limit = DEFAULT_HUB_SHARE if hub_share is None else hub_share
    units = [n for n in nodes if n.assessable]
    if len(units) < MIN_UNITS or share_limit <= 0:
        return [], {}
    linked: dict[str, int] = {}
    for node in units:
        controls = {s.control.iri for s in node.evidence}
        controls |= {c.control for c in node.candidates if c.proven or c.probability >= threshold}
        for control in controls:
            linked[control] = linked.get(control, 0) + 1
    hubs = []
    for control, count in linked.items():
        share = count / len(units)
        if share >= share_limit and count > 1:
            hubs.append(HubInfo(control, count, share, min(1.0, share_limit / share)))
    hubs.sort(key=lambda h: (-h.items, h.control))
    return hubs, {h.control: h.weight for h in hubs}
