"""A crosswalk: every mapping between two frameworks, oriented from one to the other.

A pair several sets assert is one row, with every asserting set in ``mapping.sources`` (analysis/sources.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from controlgraph.analysis.coverage import framework_items
from controlgraph.analysis.satisfiers import ControlInfo, Satisfier, satisfiers_in_framework
from controlgraph.analysis.sources import by_pair
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import PUBLIC, Visibility


@dataclass(frozen=True)
class CrosswalkRow:
    source: ControlInfo  # item of the "from" framework
    mapping: Satisfier  # read as "source relation mapping.control"


def crosswalk(
    store: GraphStore, source: str, target: str, *, include_inferred: bool = False, visibility: Visibility = PUBLIC
) -> list[CrosswalkRow]:
    """Rows in the reading order of ``source``, then by target identifier; asserted before inferred."""
    items = framework_items(store, source)
    framework_items(store, target)  # an unknown target is an error, not an empty crosswalk
    found = satisfiers_in_framework(store, source, frameworks=[target], include_inferred=include_inferred,
                                    include_not_related=True, visibility=visibility)
    rows = []
    for item in items.items:
        for s in by_pair(found.get(item.info.iri, [])):
            rows.append(CrosswalkRow(item.info, s))
    return rows
