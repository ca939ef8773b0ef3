"""The algebra of the five IR 8477 relations: possibility sets, composition and inverse.

A possibility set says which relations may still hold between two controls. It is a 5-bit mask
(one bit per :class:`Relation`) because the composition engine intersects and composes millions
of them; :func:`relations` and :func:`of` convert to and from ``frozenset[Relation]``.

Composition follows the table of DESIGN.md section 2: each control is a non-empty set of
requirements, and ``compose(r1, r2)`` is every relation A-C can have when A-B is ``r1`` and B-C is
``r2``. A test derives the same table by brute force over all triples of non-empty subsets of a
small universe (the table is stable from four atoms up).
"""

from __future__ import annotations

from collections.abc import Iterable

from controlgraph.vocabulary import Relation

Possibilities = int
"""A bitmask over the five relations; 0 is the empty set (a contradiction), :data:`ANY` all five."""

_ORDER: tuple[Relation, ...] = tuple(Relation)
_BIT: dict[Relation, int] = {rel: 1 << i for i, rel in enumerate(_ORDER)}

NONE: Possibilities = 0
ANY: Possibilities = (1 << len(_ORDER)) - 1
_SINGLE: dict[Possibilities, Relation] = {bit: rel for rel, bit in _BIT.items()}
_RELATIONS: tuple[frozenset[Relation], ...] = tuple(
    frozenset(rel for rel in _ORDER if mask & _BIT[rel]) for mask in range(ANY + 1)
)

EQ = Relation.EQUAL
SUB = Relation.SUBSET_OF
SUP = Relation.SUPERSET_OF
INT = Relation.INTERSECTS_WITH
NR = Relation.NOT_RELATED


def of(*rels: Relation) -> Possibilities:
    mask = 0
    for rel in rels:
        mask |= _BIT[rel]
    return mask


def of_all(rels: Iterable[Relation]) -> Possibilities:
    return of(*rels)


def relations(mask: Possibilities) -> frozenset[Relation]:
    return _RELATIONS[mask]


def single(mask: Possibilities) -> Relation | None:
    """The one relation left, or None when zero or several remain."""
    return _SINGLE.get(mask)


def size(mask: Possibilities) -> int:
    return mask.bit_count()


def describe(mask: Possibilities) -> str:
    """``{subset-of, intersects-with}``, ``any`` or ``{}`` (a contradiction)."""
    if mask == ANY:
        return "any"
    return "{" + ", ".join(rel.value for rel in _ORDER if mask & _BIT[rel]) + "}"


# DESIGN.md section 2, row = relation of A to B, column = relation of B to C.
_TABLE: dict[Relation, dict[Relation, Possibilities]] = {
    EQ: {EQ: of(EQ), SUB: of(SUB), SUP: of(SUP), INT: of(INT), NR: of(NR)},
    SUB: {EQ: of(SUB), SUB: of(SUB), SUP: ANY, INT: of(SUB, INT, NR), NR: of(NR)},
    SUP: {EQ: of(SUP), SUB: of(EQ, SUB, SUP, INT), SUP: of(SUP), INT: of(SUP, INT), NR: of(SUP, INT, NR)},
    INT: {EQ: of(INT), SUB: of(SUB, INT), SUP: of(SUP, INT, NR), INT: ANY, NR: of(SUP, INT, NR)},
    NR: {EQ: of(NR), SUB: of(SUB, INT, NR), SUP: of(NR), INT: of(SUB, INT, NR), NR: ANY},
}


def compose_relations(first: Relation, second: Relation) -> frozenset[Relation]:
    """What A-C can be when A-B is ``first`` and B-C is ``second``."""
    return relations(_TABLE[first][second])


def _compose_slow(first: Possibilities, second: Possibilities) -> Possibilities:
    out = 0
    for r1 in relations(first):
        for r2 in relations(second):
            out |= _TABLE[r1][r2]
    return out


# Every pair of masks composed once, so the engine's inner loop is one list lookup.
COMPOSE: tuple[tuple[Possibilities, ...], ...] = tuple(
    tuple(_compose_slow(a, b) for b in range(ANY + 1)) for a in range(ANY + 1)
)
INVERSE: tuple[Possibilities, ...] = tuple(of_all(rel.inverse for rel in relations(m)) for m in range(ANY + 1))


def compose(first: Possibilities, second: Possibilities) -> Possibilities:
    """Composition of possibility sets: the union of the compositions of their members."""
    return COMPOSE[first][second]


def inverse(mask: Possibilities) -> Possibilities:
    """The possibilities of C-A given those of A-C."""
    return INVERSE[mask]


def admits_overlap(mask: Possibilities) -> bool:
    """True when some remaining relation means the two controls share requirements."""
    return bool(mask & ~_BIT[NR])
