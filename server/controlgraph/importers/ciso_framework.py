"""A CISO Assistant framework library read as a new catalog (any framework the graph does not hold).

The framework gets a slug from ``--framework SLUG``, else from its ``ref_id``
(``NIST-SP-800-53-rev5`` -> ``nist-sp-800-53-rev5``), else from the tail of its URN. Every
requirement node becomes an item at its own depth: ``parent_urn`` is kept as ``skos:broader`` (a
parent the library does not define, or one that was rejected, is replaced by the nearest ancestor
kept, and reported). An item's notation is its ``ref_id`` (else the tail of its URN), its title the
node's ``name`` (official); a node with no name is titled by its notation and marked
``cg:titleOrigin "project"``. ``assessable`` becomes ``cg:assessable``; ``description`` becomes
``cg:statement`` in the import's own graph (the user's file, never shipped data).

Every URN (the framework's and each node's) is recorded as ``cg:sourceUrn`` on the node it names: the
registry through which a later mapping library finds these items, whichever route brought them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from controlgraph.data.authoring import ControlRecord, FrameworkMeta, Provenance
from controlgraph.errors import ImportRejected, InputError
from controlgraph.importers.dataset_builder import STATEMENT, DatasetBuilder
from controlgraph.importers.input_files import expect_list
from controlgraph.vocabulary import CG, XSD, control_iri, framework_iri

SOURCE_URN = CG + "sourceUrn"
ASSESSABLE = CG + "assessable"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")
MAX_DEPTH = 64  # a parent chain longer than this is a cycle or a hostile file


def slug_from_ref_id(ref_id: str) -> str:
    """``NIST-SP-800-53-rev5`` -> ``nist-sp-800-53-rev5``: lower case, runs of other characters as ``-``."""
    return re.sub(r"[^a-z0-9.]+", "-", ref_id.strip().lower()).strip("-.")


def framework_slug(path: Path, framework: dict[str, Any], chosen: str | None) -> str:
    if chosen:
        if not _SLUG.match(chosen):
            raise InputError(f"--framework {chosen!r} is not a framework slug (lower case, digits, '.', '-')")
        return chosen
    ref_id, urn = framework.get("ref_id"), framework.get("urn")
    slug = slug_from_ref_id(ref_id) if isinstance(ref_id, str) else ""
    if not _SLUG.match(slug) and isinstance(urn, str):
        slug = slug_from_ref_id(urn.rsplit(":", 1)[-1])  # urn:intuitem:risk:framework:pci-dss-4.0 -> pci-dss-4.0
    if not _SLUG.match(slug):
        raise ImportRejected(f"{path}: objects.framework has no usable ref_id or URN to name it; "
                             "pass --framework SLUG")
    return slug


def _boolean(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=_XSD_BOOLEAN)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value) if isinstance(value, int | float) else ""


def read_new_framework(
    path: Path, framework: dict[str, Any], provenance: Provenance, slug: str, builder: DatasetBuilder
) -> None:
    """Emit the whole catalog of ``framework`` under ``slug``, with statements and the URN registry."""
    urn = _text(framework.get("urn"))
    nodes = expect_list(framework.get("requirement_nodes"), f"{path}: requirement_nodes", "requirement nodes")
    by_urn: dict[str, str] = {}  # node URN -> notation kept
    parent_urn: dict[str, str] = {}
    kept: list[tuple[str, dict[str, Any], str]] = []  # (urn, node, notation)
    used: set[str] = set()
    for i, node in enumerate(nodes):
        where = f"{path}#requirement_nodes[{i}]"
        node_urn = _text(node.get("urn")) if isinstance(node, dict) else ""
        if not node_urn:
            builder.reject(where, type(node).__name__, "requirement node without a URN")
            continue
        assert isinstance(node, dict)
        builder.count("requirement nodes read")
        notation = _text(node.get("ref_id")) or node_urn.rsplit(":", 1)[-1]
        if notation in used or node_urn in by_urn:
            tail = node_urn.rsplit(":", 1)[-1]
            if tail and tail not in used and node_urn not in by_urn:
                builder.repair(where, notation[:200], f"ref_id repeated; named by its URN tail {tail!r}")
                notation = tail
            else:
                builder.reject(where, node_urn[:200], "repeats an earlier node's URN or identifier; skipped")
                continue
        by_urn[node_urn] = notation
        used.add(notation)
        parent = _text(node.get("parent_urn"))
        if parent:
            parent_urn[node_urn] = parent
        kept.append((node_urn, node, notation))
    records: list[ControlRecord] = []
    extra: list[ox.Triple] = []
    for order, (node_urn, node, notation) in enumerate(kept, start=1):
        up = _kept_ancestor(node_urn, parent_urn, by_urn)
        if parent_urn.get(node_urn) and up != by_urn.get(parent_urn[node_urn]):
            builder.repair(f"{path}#{node_urn[:200]}", parent_urn[node_urn][:200],
                           "parent not defined in the library (or skipped); attached to the nearest kept ancestor"
                           if up else "parent not defined in the library; item kept at the top")
        name = _text(node.get("name"))
        assessable = node.get("assessable") is True
        records.append(ControlRecord(
            notation, name or notation, "requirement" if assessable else "group", parent=up, order=order,
            title_origin="official" if name else "project",
        ))
        subject = ox.NamedNode(control_iri(slug, notation))
        extra += [ox.Triple(subject, ox.NamedNode(SOURCE_URN), ox.Literal(node_urn)),
                  ox.Triple(subject, ox.NamedNode(ASSESSABLE), _boolean(assessable))]
        description = _text(node.get("description"))
        if description:
            builder.add_text(slug, notation, STATEMENT, description)
            builder.count("statements")
        builder.count("assessable items" if assessable else "grouping items")
    if not records:
        raise InputError("the framework has no requirement node with a URN", path=str(path))
    title = _text(framework.get("name")) or slug
    description = f"Imported from the user's CISO Assistant library {path.name}."
    builder.add_catalog(FrameworkMeta(slug, title, provenance, description=description), records)
    if urn:
        extra.append(ox.Triple(ox.NamedNode(framework_iri(slug)), ox.NamedNode(SOURCE_URN), ox.Literal(urn)))
    builder.add_triples(extra)


def _kept_ancestor(node_urn: str, parent_urn: dict[str, str], by_urn: dict[str, str]) -> str | None:
    """Notation of the nearest ancestor kept (walking ``parent_urn``), or None at the top or on a cycle."""
    current = node_urn
    for _ in range(MAX_DEPTH):
        up = parent_urn.get(current)
        if up is None or up == node_urn:
            return None
        if up in by_urn and up != node_urn:
            return by_urn[up]
        current = up
    return None


def registry_triples(slug: str, framework_urn: str, notations_by_urn: dict[str, str]) -> list[ox.Triple]:
    """The URN registry for a framework the graph already holds (its items named by URN in the library)."""
    triples = [ox.Triple(ox.NamedNode(framework_iri(slug)), ox.NamedNode(SOURCE_URN), ox.Literal(framework_urn))]
    triples += [ox.Triple(ox.NamedNode(control_iri(slug, n)), ox.NamedNode(SOURCE_URN), ox.Literal(u))
                for u, n in sorted(notations_by_urn.items())]
    return triples
