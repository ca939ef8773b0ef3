"""How GDPR provisions read for coverage: hierarchy kind per parent, and whom each provision binds.

Kept apart from the outline reader so the generator only calls :func:`with_semantics`. Both tables are
the project's reading of the Regulation's structure (no text of it), documented in docs/reasoning.md:

- ``HIERARCHY``: parents that are not simply the union of their children. Art. 28(3) and 32(1) add
  requirements in their opening words (32(1) lists its measures "inter alia"); the others are either-or
  lists (lawful bases, exceptions, grounds, conditions, safeguards, derogations): one child suffices.
- ``APPLIES_TO``: the addressees, set on the highest item they hold for; an item without a value takes
  its nearest ancestor's. Chapter I sets out subject-matter, scope and definitions, chapters VI-VII bind
  supervisory authorities and the Board, X-XI the Union legislator: no organisation implements them, so
  the controller and processor scopes leave them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from controlgraph.data.authoring import ControlRecord

HIERARCHY: dict[str, str] = {
    "Art.28(3)": "OwnRequirements",
    "Art.32(1)": "OwnRequirements",
    "Art.6(1)": "AnyChild",
    "Art.9(2)": "AnyChild",
    "Art.17(1)": "AnyChild",
    "Art.34(3)": "AnyChild",
    "Art.46(2)": "AnyChild",
    "Art.49(1)": "AnyChild",
}

_BOTH = ("controller", "processor")
_CONTROLLER = ("controller",)

APPLIES_TO: dict[str, tuple[str, ...]] = {
    "Ch.I": ("definitions and scope",),
    "Ch.II": _CONTROLLER,
    "Ch.III": _CONTROLLER,
    "Ch.IV": _BOTH,
    "Art.24": _CONTROLLER,
    "Art.25": _CONTROLLER,
    "Art.26": _CONTROLLER,
    "Art.30(1)": _CONTROLLER,
    "Art.30(2)": ("processor",),
    "Art.33(1)": _CONTROLLER,
    "Art.33(2)": ("processor",),
    "Art.33(3)": _CONTROLLER,
    "Art.33(4)": _CONTROLLER,
    "Art.33(5)": _CONTROLLER,
    "Art.34": _CONTROLLER,
    "Art.35": _CONTROLLER,
    "Art.36": _CONTROLLER,
    "Ch.V": _BOTH,
    "Ch.VI": ("supervisory authority",),
    "Ch.VII": ("supervisory authority",),
    "Ch.VIII": _BOTH,
    "Ch.IX": _BOTH,
    "Ch.X": ("legislator",),
    "Ch.XI": ("legislator",),
}


def with_semantics(records: Sequence[ControlRecord]) -> list[ControlRecord]:
    """The records with ``hierarchy`` and ``applies_to`` set from the tables; every key must exist."""
    notations = {r.notation for r in records}
    unknown = sorted((set(HIERARCHY) | set(APPLIES_TO)) - notations)
    if unknown:
        raise ValueError(f"gdpr semantics name items not in the catalog: {unknown}")
    parents = {r.parent for r in records if r.parent is not None}
    childless = sorted(n for n in HIERARCHY if n not in parents)
    if childless:
        raise ValueError(f"gdpr hierarchy kinds set on items without children: {childless}")
    return [
        replace(r, hierarchy=HIERARCHY.get(r.notation), applies_to=APPLIES_TO.get(r.notation, ()))
        for r in records
    ]
