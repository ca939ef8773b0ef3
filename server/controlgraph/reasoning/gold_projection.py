"""Inferred pairs seen at the granularity a gold set maps at.

Publishers do not all map at one level of a framework's tree: CSA maps CCM controls to SOC 2's criteria
(CC6.1) while CISO Assistant's SOC 2 -> ISO set maps from their points of focus (CC6.1.1), and a GDPR set
may name articles where others name paragraphs. A pair the engine infers to an item beneath a control the
gold maps (``a`` to CC6.1.1) answers the gold's question about that control (``a`` to CC6.1): the item is
part of it, so whatever ``a`` shares with the item it shares with the control. The satisfiers of a control
are rolled up from the items beneath it the same way (:mod:`analysis.rollup`).

A :class:`GoldProjection` lifts each end of a pair to itself when the gold names it, else to its nearest
ancestor the gold names on that side (none: the pair is outside what the gold can judge). It never goes
down: a pair inferred to a control says nothing about which of its items a publisher would name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

Pair = tuple[str, str]
# Deep enough for any framework tree met (CISO Assistant libraries nest five or six levels); a cycle in
# the hierarchy (bad input) stops here instead of looping.
MAX_LEVELS = 12


def ancestors(parent_of: Callable[[str], str | None], control: str) -> list[str]:
    """``control``'s parent, its parent's, and so on (at most :data:`MAX_LEVELS`, a cycle ends the line)."""
    out: list[str] = []
    current = parent_of(control)
    while current is not None and current != control and current not in out and len(out) < MAX_LEVELS:
        out.append(current)
        current = parent_of(current)
    return out


class GoldProjection:
    """Lift pairs to the controls a gold set names on each side (see the module docstring)."""

    def __init__(self, gold: Collection[Pair], parent_of: Callable[[str], str | None] | None) -> None:
        self.subjects = frozenset(a for a, _ in gold)
        self.objects = frozenset(c for _, c in gold)
        self._parent_of = parent_of
        self._lifted: dict[tuple[str, bool], str | None] = {}

    def _lift(self, control: str, subject_side: bool) -> str | None:
        key = (control, subject_side)
        if key not in self._lifted:
            named = self.subjects if subject_side else self.objects
            line = [control, *ancestors(self._parent_of, control)] if self._parent_of is not None else [control]
            self._lifted[key] = next((c for c in line if c in named), None)
        return self._lifted[key]

    def subject(self, control: str) -> str | None:
        """``control`` or its nearest ancestor among the gold's subjects."""
        return self._lift(control, True)

    def object(self, control: str) -> str | None:
        """``control`` or its nearest ancestor among the gold's objects."""
        return self._lift(control, False)

    def __call__(self, pair: Pair) -> Pair | None:
        """The pair as the gold would name it, or None when the gold names neither end nor an ancestor."""
        a = self.subject(pair[0])
        if a is None:
            return None
        c = self.object(pair[1])
        return None if c is None else (a, c)
