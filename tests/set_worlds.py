"""Test support: controls as sets of atomic requirements (bitmasks), and their true IR 8477 relation."""

from __future__ import annotations

from controlgraph.vocabulary import Relation


def true_relation(a: int, b: int) -> Relation:
    """The IR 8477 relation of two non-empty sets given as bitmasks of atoms."""
    if a == b:
        return Relation.EQUAL
    if a & b == a:
        return Relation.SUBSET_OF
    if a & b == b:
        return Relation.SUPERSET_OF
    if a & b:
        return Relation.INTERSECTS_WITH
    return Relation.NOT_RELATED
