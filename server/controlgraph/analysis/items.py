"""The items of a framework in reading order, with what coverage needs to know of each, and what is implemented.

Each item carries its effective hierarchy kind (how it relates to its children), whom it binds
(``cg:appliesTo``) and whose guidance it is (``cg:responsibility``); the last two are inherited from
the nearest ancestor that states them.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from controlgraph.analysis.satisfiers import ControlInfo
from controlgraph.errors import InputError, NotFound
from controlgraph.store.base import GraphStore
from controlgraph.store.read_cache import cached
from controlgraph.vocabulary import CG, framework_iri, parse_control_ref, sparql_prefixes

UNION = "union"  # the parent asks for exactly what its children ask for together
ANY_CHILD = "any"  # an either-or list: one child suffices
OWN = "own"  # requirements of its own beyond its children
UNSPECIFIED = "unspecified"  # the framework does not say parents are unions and the item says nothing
HIERARCHY_KINDS = {CG + "UnionOfChildren": UNION, CG + "AnyChild": ANY_CHILD, CG + "OwnRequirements": OWN}

_ITEMS_QUERY = sparql_prefixes() + """
SELECT ?fw ?c ?notation ?title ?kind ?parent ?order ?union ?hierarchy ?applies ?responsibility WHERE {
  ?fw cg:slug ?slug .
  OPTIONAL { ?fw cg:parentIsUnionOfChildren ?union }
  ?c skos:inScheme ?fw ; skos:notation ?notation ; skos:prefLabel ?title ; cg:kind ?kind .
  OPTIONAL { ?c skos:broader ?parent }
  OPTIONAL { ?c cg:order ?order }
  OPTIONAL { ?c cg:hierarchy ?hierarchy }
  OPTIONAL { ?c cg:appliesTo ?applies }
  OPTIONAL { ?c cg:responsibility ?responsibilityText }
  OPTIONAL { ?c cg:responsibleParty ?party . ?party rdfs:label ?partyLabel }
  BIND(COALESCE(?responsibilityText, STR(?partyLabel)) AS ?responsibility)
}"""


@dataclass(frozen=True)
class FrameworkItem:
    info: ControlInfo
    parent: str | None
    order: int
    hierarchy: str = UNSPECIFIED  # effective kind when the item has children (UNION, ANY_CHILD, OWN, UNSPECIFIED)
    applies_to: tuple[str, ...] = ()  # effective (own or nearest ancestor's)
    responsibility: str | None = None  # effective (own or nearest ancestor's)
    hierarchy_stated: bool = False  # set on the item itself, not the framework's default


@dataclass(frozen=True)
class FrameworkItems:
    slug: str
    parent_is_union_of_children: bool
    items: tuple[FrameworkItem, ...]  # in reading order
    _children: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def children(self) -> dict[str, list[str]]:
        if not self._children:
            for item in self.items:
                if item.parent is not None:
                    self._children.setdefault(item.parent, []).append(item.info.iri)
        return self._children


def framework_items(store: GraphStore, slug: str) -> FrameworkItems:
    """Every item of a framework in reading order (cached until the store changes)."""
    try:
        framework_iri(slug)
    except ValueError:  # found by schemathesis: not a slug at all was an internal error, not "no such framework"
        raise NotFound(f"no framework {slug!r} in the graph") from None
    return cached(store, ("framework_items", slug), lambda: _framework_items(store, slug))


def _value(row: ox.QuerySolution, name: str) -> str | None:
    term = row[name]
    return None if term is None else str(term.value)


def _framework_items(store: GraphStore, slug: str) -> FrameworkItems:
    rows = list(store.query(_ITEMS_QUERY, substitutions={"fw": ox.NamedNode(framework_iri(slug))}))  # type: ignore[arg-type]
    if not rows:
        raise NotFound(f"no framework {slug!r} in the graph")
    union = any(_value(r, "union") == "true" for r in rows)  # type: ignore[arg-type]
    default = UNION if union else UNSPECIFIED
    base: dict[str, dict[str, object]] = {}
    applies: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        iri = str(_value(r, "c"))  # type: ignore[arg-type]
        entry = base.setdefault(iri, {
            "info": ControlInfo(iri, slug, str(_value(r, "notation")), str(_value(r, "title")),  # type: ignore[arg-type]
                                str(_value(r, "kind"))),  # type: ignore[arg-type]
            "parent": _value(r, "parent"),  # type: ignore[arg-type]
            "order": int(_value(r, "order") or 0),  # type: ignore[arg-type]
            "hierarchy": _value(r, "hierarchy"),  # type: ignore[arg-type]
            "responsibility": _value(r, "responsibility"),  # type: ignore[arg-type]
        })
        value = _value(r, "applies")  # type: ignore[arg-type]
        if value:
            applies[iri].add(value)
        assert entry is not None

    def inherited(iri: str) -> tuple[tuple[str, ...], str | None]:
        names: tuple[str, ...] = ()
        responsibility: str | None = None
        node: str | None = iri
        seen: set[str] = set()
        while node is not None and node in base and node not in seen:
            seen.add(node)
            if not names and applies.get(node):
                names = tuple(sorted(applies[node]))
            if responsibility is None and base[node]["responsibility"] is not None:
                responsibility = str(base[node]["responsibility"])
            parent = base[node]["parent"]
            node = str(parent) if parent is not None else None
        return names, responsibility

    items = []
    for iri, entry in base.items():
        names, responsibility = inherited(iri)
        stated = entry["hierarchy"]
        info = entry["info"]
        assert isinstance(info, ControlInfo)
        parent = entry["parent"]
        order = entry["order"]
        assert isinstance(order, int)
        items.append(FrameworkItem(
            info, str(parent) if parent is not None else None, order,
            HIERARCHY_KINDS.get(str(stated), default) if stated is not None else default,
            names, responsibility, stated is not None,
        ))
    items.sort(key=lambda i: (i.order, i.info.notation))
    return FrameworkItems(slug, union, tuple(items))


@dataclass(frozen=True)
class HaveSpec:
    """What an organisation implements: whole frameworks and/or controls (``slug:ID``, globs allowed)."""

    patterns: tuple[str, ...]

    @classmethod
    def parse(cls, values: Iterable[str]) -> HaveSpec:
        patterns: list[str] = []
        for value in values:
            if value.startswith("@"):
                patterns += _read_have_file(Path(value[1:]))
            else:
                patterns += [p.strip() for p in value.split(",") if p.strip()]
        if not patterns:
            raise InputError("nothing implemented: give frameworks or controls to --have")
        return cls(tuple(patterns))

    def frameworks(self) -> set[str]:
        return {p.split(":", 1)[0] for p in self.patterns}

    def resolve(self, store: GraphStore) -> set[str]:
        """The IRIs of every implemented control."""
        chosen: set[str] = set()
        for slug in sorted(self.frameworks()):
            items = framework_items(store, slug).items
            for pattern in (p for p in self.patterns if p.split(":", 1)[0] == slug):
                if ":" not in pattern:
                    chosen |= {i.info.iri for i in items}
                    continue
                notation = parse_control_ref(pattern).notation
                matched = {i.info.iri for i in items if fnmatch.fnmatchcase(i.info.notation, notation)}
                if not matched:
                    raise NotFound(f"--have {pattern}: no such control in {slug}")
                chosen |= matched
        return chosen


def _read_have_file(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from None
    patterns = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if ":" not in text and not text.replace("-", "").replace(".", "").isalnum():
            raise InputError(f"not a framework slug or FRAMEWORK:ID: {text!r}", path=str(path), line=number)
        patterns.append(text)
    return patterns
