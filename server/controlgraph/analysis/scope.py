"""Which items of a framework count: a scope (whom the item binds) and a role (whose guidance it is).

- ``scope`` reads ``cg:appliesTo`` (inherited from the nearest ancestor that states it). ``controller``
  or ``processor`` keeps the items binding that addressee; ``organisation`` keeps those binding either.
  Items binding only supervisory authorities or the legislator (GDPR chapters VI, VII, X, XI) drop out.
  Items with no addressee anywhere above them bind everyone and stay.
- ``role`` reads ``cg:responsibility`` (inherited likewise): ``customer`` keeps the items whose guidance is
  for the cloud service customer, ``provider`` those for the provider; "both" or "shared" is both. An item
  without responsibility data stays, and the report counts such items so nobody mistakes them for checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from controlgraph.analysis.items import FrameworkItem, FrameworkItems
from controlgraph.errors import InputError

SCOPES = ("controller", "processor", "organisation")
ROLES = ("customer", "provider")
_ROLE_WORDS = {
    "customer": ("customer", "csc", "both", "shared"),
    "provider": ("provider", "csp", "both", "shared"),
}


@dataclass(frozen=True)
class ScopeResult:
    items: tuple[FrameworkItem, ...]  # the items that count, in reading order
    scope: str | None
    role: str | None
    left_out: int  # items the scope or role removed
    without_role_data: int  # items kept for a role only because they carry no responsibility data


def parse_scopes(values: Sequence[str]) -> dict[str, str]:
    """``TARGET=SCOPE`` pairs (the programme's per-target scopes) as a dict; a clear error for anything else."""
    found = {}
    for value in values:
        target, sep, scope = value.partition("=")
        if not sep or scope.strip() not in SCOPES:
            raise InputError(f"scope {value!r}: write TARGET=SCOPE with SCOPE one of {', '.join(SCOPES)}")
        found[target.strip()] = scope.strip()
    return found


def applies(item: FrameworkItem, scope: str) -> bool:
    if not item.applies_to:
        return True
    if scope == "organisation":
        return any(a in ("controller", "processor") for a in item.applies_to)
    return scope in item.applies_to


def for_role(item: FrameworkItem, role: str) -> bool | None:
    """True or False from the item's responsibility text; None when it has none."""
    if item.responsibility is None:
        return None
    text = item.responsibility.lower()
    return any(word in text for word in _ROLE_WORDS[role])


def scoped_items(framework: FrameworkItems, scope: str | None = None, role: str | None = None) -> ScopeResult:
    """The items of ``framework`` that count under ``scope`` and ``role`` (None: no restriction)."""
    items: Sequence[FrameworkItem] = framework.items
    if scope is not None:
        if scope not in SCOPES:
            raise InputError(f"unknown scope {scope!r}: one of {', '.join(SCOPES)}")
        if not any(i.applies_to for i in items):
            raise InputError(f"{framework.slug} records no addressees (cg:appliesTo): --scope does not apply to it")
        items = [i for i in items if applies(i, scope)]
    without = 0
    if role is not None:
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
        if not any(i.responsibility for i in items):
            raise InputError(f"{framework.slug} records no responsibility (cg:responsibility): --role does not apply "
                             "to it")
        kept = []
        for item in items:
            verdict = for_role(item, role)
            if verdict is None:
                without += 1
            if verdict is not False:
                kept.append(item)
        items = kept
    kept_iris = {i.info.iri for i in items}
    # A kept item whose parent was left out hangs from its nearest kept ancestor (or becomes a top item).
    by_iri = {i.info.iri: i for i in framework.items}
    reparented = []
    for item in items:
        parent = item.parent
        while parent is not None and parent not in kept_iris:
            parent = by_iri[parent].parent if parent in by_iri else None
        reparented.append(item if parent == item.parent else _with_parent(item, parent))
    return ScopeResult(tuple(reparented), scope, role, len(framework.items) - len(items), without)


def _with_parent(item: FrameworkItem, parent: str | None) -> FrameworkItem:
    return FrameworkItem(item.info, parent, item.order, item.hierarchy, item.applies_to, item.responsibility,
                         item.hierarchy_stated)
