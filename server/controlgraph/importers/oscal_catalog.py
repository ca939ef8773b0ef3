"""Importer ``oscal-catalog``: an OSCAL catalog (JSON) supplied by the user.

``catalog.groups`` are the framework's top-level items (``cg:kind "domain"`` for CCM families,
else ``"group"``), ``groups[].controls`` its controls; a control's notation is its ``label``
property (``A&A-01``), else its ``id``. The ``statement`` part's prose becomes ``cg:statement``.
Nested controls (CCM's CAIQ questions, OSCAL enhancements) are counted and not imported.

The framework slug comes from ``--framework SLUG``, else from the catalog title
(:data:`TITLE_SLUGS`: "Cloud Controls Matrix" and "Cloud Controls Matrix Lite" version 4.x ->
``csa-ccm-4``); a catalog of unknown title without ``--framework`` is rejected. As with the other
importers, when the graph already holds the framework only statements are added (the framework
node and its provenance are left alone) and items the graph does not have are rejected;
otherwise the catalog is emitted too, with the catalog's metadata as provenance.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from controlgraph.data.authoring import ControlRecord, FrameworkMeta, Provenance
from controlgraph.data.literals import brief
from controlgraph.errors import ImportRejected, InputError
from controlgraph.importers.context import GraphContext, ImportOptions
from controlgraph.importers.dataset_builder import STATEMENT, DatasetBuilder
from controlgraph.importers.input_files import expect_dict, expect_list, expect_str, load_json
from controlgraph.pipeline.imports import ImportedDataset
from controlgraph.vocabulary import framework_iri

KIND = "oscal-catalog"
TITLE_SLUGS = {"cloud controls matrix": "csa-ccm-4", "cloud controls matrix lite": "csa-ccm-4"}
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
    records, statements = _read_groups(path, slug, groups, builder)
    if not records:
        raise InputError("no controls found under /catalog/groups/*/controls", path=str(path))

    if context.has_framework(slug, ignoring=builder.graph):
        known = context.notations(slug, ignoring=builder.graph)
        for notation in [n for n in statements if n not in known]:
            builder.reject(str(path), notation, f"not an item of {slug} in the graph")
            del statements[notation]
    else:
        meta = FrameworkMeta(slug, title, _provenance(path, metadata, version),
                             description=f"Imported from the user's OSCAL catalog {path.name}.")
        builder.add_catalog(meta, records)
    for notation, text in statements.items():
        builder.add_text(slug, notation, STATEMENT, text)
        builder.count("statements")
    return builder.finish()


def _framework_slug(path: Path, title: str, version: str, options: ImportOptions) -> str:
    if options.framework:
        if not _SLUG.match(options.framework):
            raise InputError(f"--framework {options.framework!r} is not a framework slug (e.g. csa-ccm-4)")
        framework_iri(options.framework)
        return options.framework
    slug = TITLE_SLUGS.get(title.strip().lower())
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


def _label(node: dict[str, Any]) -> str:
    props = _list_field(node, "props")
    for prop in props:
        if isinstance(prop, dict) and prop.get("name") == "label" and isinstance(prop.get("value"), str):
            return str(prop["value"]).strip()
    return str(node.get("id") or "").strip()


def _statement(node: dict[str, Any]) -> str:
    parts = _list_field(node, "parts")
    texts = [str(p["prose"]).strip() for p in parts
             if isinstance(p, dict) and p.get("name") == "statement" and isinstance(p.get("prose"), str)]
    return "\n\n".join(t for t in texts if t)


def _read_groups(
    path: Path, slug: str, groups: list[Any], builder: DatasetBuilder
) -> tuple[list[ControlRecord], dict[str, str]]:
    records: list[ControlRecord] = []
    statements: dict[str, str] = {}
    group_kind = "domain" if slug == "csa-ccm-4" else "group"
    seen: set[str] = set()
    for g, group in enumerate(groups):
        at = f"{path}#/catalog/groups/{g}"
        group = expect_dict(group, at, "a control group")
        group_notation = _label(group)
        if not group_notation or group_notation in seen:
            builder.reject(at, group_notation, "group without an identifier, or a repeated one; skipped")
            continue
        seen.add(group_notation)
        records.append(ControlRecord(group_notation, str(group.get("title") or group_notation).strip(), group_kind))
        for c, control in enumerate(expect_list(group.get("controls", []), f"{at}/controls", "controls")):
            where = f"{at}/controls/{c}"
            if not isinstance(control, dict):
                builder.reject(where, brief(control), "control is not an object")
                continue
            notation = _label(control)
            if not notation or notation in seen:
                builder.reject(where, notation, "control without an identifier, or a repeated one; skipped")
                continue
            seen.add(notation)
            title = str(control.get("title") or "").strip()
            if not title:
                builder.reject(where, notation, "control without a title; skipped")
                continue
            records.append(ControlRecord(notation, title, "control", parent=group_notation))
            builder.count("controls read")
            text = _statement(control)
            if text:
                statements[notation] = text
            nested = control.get("controls")
            if isinstance(nested, list) and nested:
                builder.count("nested controls not imported (e.g. CAIQ questions)", len(nested))
    return records, statements
