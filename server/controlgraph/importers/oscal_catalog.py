"""Importer ``oscal-catalog``: an OSCAL catalog (JSON) supplied by the user.

The item tree is read at every depth (:mod:`controlgraph.importers.oscal_tree`): groups (``cg:kind
"domain"`` for CCM families, else ``"group"``), controls, and controls inside controls (SP 800-53
enhancements, CCM's CAIQ questions) as children of their control; notations from the plain ``label``
(SP 800-53 as ``AC-2(1)``, the notation every mapping source uses, so the same control imported from
OSCAL and from a CISO Assistant library is the same item); statements from the ``statement`` part and
all its nested parts, parameters as ``[Assignment: ...]`` / ``[Selection: ...]`` placeholders;
withdrawn controls kept and marked ``cg:withdrawn true``.

The framework slug comes from ``--framework SLUG``, else from the catalog title
(:data:`TITLE_SLUGS`: "Cloud Controls Matrix" (Lite) 4.x -> ``csa-ccm-4``; any "SP 800-53 Revision 5"
catalog or baseline -> ``nist-sp-800-53-rev5``); a catalog of unknown title without ``--framework`` is
rejected. When the graph already holds the framework only statements and withdrawn marks are added (the
framework node and its provenance are left alone); items the graph does not have are rejected, except
nested controls, which are counted (CCM's CAIQ questions are not items of the shipped catalog).
Otherwise the whole catalog is emitted, with the catalog's metadata as provenance.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from controlgraph.data.authoring import FrameworkMeta, Provenance
from controlgraph.errors import ImportRejected, InputError
from controlgraph.importers.context import GraphContext, ImportOptions
from controlgraph.importers.dataset_builder import STATEMENT, DatasetBuilder
from controlgraph.importers.input_files import expect_dict, expect_list, expect_str, load_json
from controlgraph.importers.oscal_tree import read_tree
from controlgraph.pipeline.imports import ImportedDataset
from controlgraph.vocabulary import CG, XSD, control_iri, framework_iri

KIND = "oscal-catalog"
TITLE_SLUGS = {"cloud controls matrix": "csa-ccm-4", "cloud controls matrix lite": "csa-ccm-4"}
_SP800_53_REV5 = re.compile(r"\b(SP|Special Publication)\s*800-53,?\s*(Rev\.?|Revision)\s*5\b", re.IGNORECASE)
WITHDRAWN = CG + "withdrawn"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")


def read_oscal_catalog(path: Path, context: GraphContext, options: ImportOptions) -> ImportedDataset:
    document = expect_dict(load_json(path, "an OSCAL catalog (JSON)"), str(path), "an OSCAL document")
    catalog = expect_dict(document.get("catalog"), f"{path}: /catalog", "an OSCAL catalog")
    metadata = expect_dict(catalog.get("metadata"), f"{path}: /catalog/metadata", "catalog metadata")
    title = expect_str(metadata.get("title"), f"{path}: /catalog/metadata/title", "a catalog title")
    version = expect_str(metadata.get("version"), f"{path}: /catalog/metadata/version", "a catalog version")
    slug = _framework_slug(path, title, version, options)
    name = re.sub(r"[^a-z0-9.\-]+", "-", f"oscal-{slug}-{title}-{version}".lower())
    builder = DatasetBuilder(KIND, name, str(path))

    groups = expect_list(catalog.get("groups"), f"{path}: /catalog/groups", "control groups")
    tree = read_tree(str(path), slug, groups, builder)
    if not any(r.kind != "group" and r.kind != "domain" for r in tree.records):
        raise InputError("no controls found under /catalog/groups/*/controls", path=str(path))
    statements, withdrawn = tree.statements, tree.withdrawn
    if context.has_framework(slug, ignoring=builder.graph):
        known = context.notations(slug, ignoring=builder.graph)
        missing = [r.notation for r in tree.records if r.notation not in known]
        for notation in missing:
            if notation in tree.nested:
                builder.count("nested controls not in the graph's catalog (no statement added)")
            else:
                builder.reject(str(path), notation, f"not an item of {slug} in the graph")
        statements = {n: t for n, t in statements.items() if n in known}
        withdrawn = {n for n in withdrawn if n in known}
    else:
        meta = FrameworkMeta(slug, title, _provenance(path, metadata, version),
                             description=f"Imported from the user's OSCAL catalog {path.name}.")
        builder.add_catalog(meta, tree.records)
    for notation, text in statements.items():
        builder.add_text(slug, notation, STATEMENT, text)
        builder.count("statements")
    true = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
    builder.add_triples([ox.Triple(ox.NamedNode(control_iri(slug, n)), ox.NamedNode(WITHDRAWN), true)
                         for n in sorted(withdrawn)])
    return builder.finish()


def _framework_slug(path: Path, title: str, version: str, options: ImportOptions) -> str:
    if options.framework:
        if not _SLUG.match(options.framework):
            raise InputError(f"--framework {options.framework!r} is not a framework slug (e.g. csa-ccm-4)")
        framework_iri(options.framework)
        return options.framework
    slug = TITLE_SLUGS.get(title.strip().lower())
    if slug is None and _SP800_53_REV5.search(title):
        return "nist-sp-800-53-rev5"
    if slug is None or (slug == "csa-ccm-4" and not version.startswith("4.")):
        raise ImportRejected(f"{path}: cannot tell which framework the catalog {title!r} {version} is; "
                             "pass --framework SLUG")
    return slug


def _provenance(path: Path, metadata: dict[str, Any], version: str) -> Provenance:
    stamp = metadata.get("published") or metadata.get("last-modified")
    try:
        issued = dt.datetime.fromisoformat(str(stamp)).date()
    except ValueError:
        raise InputError("catalog metadata has no readable 'published' or 'last-modified' date", path=str(path)) \
            from None
    links = _list_field(metadata, "links")
    source = next((link["href"] for link in links if isinstance(link, dict) and _web_iri(link.get("href"))),
                  path.resolve().as_uri())
    parties = _list_field(metadata, "parties")
    publisher = next((p["name"] for p in parties if isinstance(p, dict) and isinstance(p.get("name"), str)
                      and p["name"].strip()), "unknown publisher")
    return Provenance(publisher, source, version, issued,
                      "As stated by the catalog's publisher; imported from the user's own copy.")


def _web_iri(value: Any) -> bool:
    """Whether ``value`` is an http(s) IRI (pyoxigraph's parser decides; a link that is not one is skipped)."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return False
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


def _list_field(node: dict[str, Any], key: str) -> list[Any]:
    value = node.get(key)
    return value if isinstance(value, list) else []
