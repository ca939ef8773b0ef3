"""Satisfiers of a parent rolled up from its children, following the parent's hierarchy kind.

Mappings often sit on paragraphs and points (GDPR Art. 32(1)(a)), not on the article asked about. Each
satisfier of an item beneath X is reported for X too, marked with the item it was mapped to, and with the
coverage it gives X: a control fully covering X's children covers X fully only where X is the union of its
children (all of them covered) or an either-or list (one covered); for a parent with requirements of its
own, or a framework that does not say, children prove overlap (partial) at most.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from controlgraph.analysis.items import ANY_CHILD, UNION, FrameworkItem, framework_items
from controlgraph.analysis.satisfiers import Satisfier, find_satisfiers, notation_key, satisfiers_of_controls
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import PUBLIC, Visibility
from controlgraph.vocabulary import ControlRef


def satisfiers_with_roll_up(
    store: GraphStore,
    ref: ControlRef,
    *,
    frameworks: Collection[str] = (),
    include_inferred: bool = True,
    include_partial: bool = True,
    visibility: Visibility = PUBLIC,
) -> list[Satisfier]:
    """The satisfiers of X, then those of the items beneath it rolled up to X (``rolled_up_from`` set)."""
    direct = find_satisfiers(store, ref, frameworks=frameworks, include_inferred=include_inferred,
                             include_partial=True, visibility=visibility)
    items = {i.info.iri: i for i in framework_items(store, ref.slug).items}
    kids: dict[str, list[str]] = {}
    for item in items.values():
        if item.parent is not None:
            kids.setdefault(item.parent, []).append(item.info.iri)
    beneath: list[str] = []
    stack = list(kids.get(ref.iri, []))
    while stack:
        node = stack.pop()
        beneath.append(node)
        stack.extend(kids.get(node, []))
    found = satisfiers_of_controls(store, beneath, frameworks=frameworks, include_inferred=include_inferred,
                                   include_partial=True, visibility=visibility) if beneath else {}
    found[ref.iri] = direct
    memo: dict[str, set[str]] = {}

    def full_by(iri: str) -> set[str]:
        """Controls that fully cover ``iri``: directly, or through its children as its kind allows."""
        if iri not in memo:
            own = {s.control.iri for s in found.get(iri, []) if s.coverage == "full"}
            children = kids.get(iri, [])
            kind = items[iri].hierarchy if iri in items else None
            if children and kind == UNION:
                sets = [full_by(c) for c in children]
                own |= set.intersection(*sets)
            elif children and kind == ANY_CHILD:
                own |= set().union(*(full_by(c) for c in children))
            memo[iri] = own
        return memo[iri]

    whole = full_by(ref.iri)
    shown = {(s.control.iri, s.mapping) for s in direct}
    rolled: list[Satisfier] = []
    for iri in beneath:
        child: FrameworkItem = items[iri]
        for s in found.get(iri, []):
            if (s.control.iri, s.mapping) in shown:
                continue
            coverage = "full" if s.control.iri in whole else ("partial" if s.coverage != "none" else "none")
            rolled.append(replace(s, coverage=coverage, rolled_up_from=child.info))
    order = {"full": 0, "partial": 1, "none": 2}
    rolled.sort(key=lambda s: (order[s.coverage], s.control.framework, notation_key(s.control.notation),
                               notation_key(s.rolled_up_from.notation if s.rolled_up_from else "")))
    out = direct + rolled
    if not include_partial:
        out = [s for s in out if s.coverage == "full"]
    return out
