"""Importer ``oscal-mapping``: an OSCAL mapping collection (JSON, OSCAL 1.1/1.2, and CSA's 1.0.5-era file).

Each ``mapping`` names its two catalogs in ``source-resource`` / ``target-resource``; a catalog is
recognised (:func:`resource_slug`) when its ``href`` is a framework IRI of the graph (the project's own
export), is registered as a source URN in the graph, or is a known publisher address (CSA's CCM v4, NIST's
SP 800-53 rev 5 catalog). A mapping whose catalog the graph does not hold is skipped with one report line.

Each ``map`` becomes one mapping per (source, target) pair of the map, source as subject. Item ids are
matched to notations of the framework in the graph: exactly, else as SP 800-53 writes them (``ca-2.1`` ->
``CA-2(1)``), else ignoring case and punctuation when that names one item only (CSA's ``A_A-01`` ->
``A&A-01``). Relationships: ``equal-to`` / ``equivalent-to`` -> equal, ``subset-of``, ``superset-of``,
``intersects-with``, ``no-relationship`` -> not-related. A map with several targets (or sources) relates
the source to their union, so pairwise only what follows is kept: source equal-to or superset-of a union
-> superset-of each target; a union equal-to or subset-of a target -> each source subset-of it; any other
many-to-many reading -> intersects-with, reported as defaulted. ``matching-rationale`` gives the rationale
(else the collection's provenance, else semantic, reported). The project's own props (strength,
confidence, authority) are read back, so an export imports as it was written; maps the export marked
``basis: inferred`` are derived results, not assertions, and are counted, not imported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from controlgraph.data.authoring import MappingRecord, MappingSetMeta, Provenance
from controlgraph.importers.context import GraphContext, ImportOptions
from controlgraph.importers.dataset_builder import DatasetBuilder
from controlgraph.importers.input_files import expect_dict, expect_list, load_json
from controlgraph.importers.oscal_tree import sp800_53_notation
from controlgraph.pipeline.imports import ImportedDataset
from controlgraph.vocabulary import CG, FRAMEWORK, Authority, Rationale, Relation

KIND = "oscal-mapping"
PROP_NS = CG.rstrip("#")
RELATIONSHIPS = {
    "equal-to": Relation.EQUAL, "equivalent-to": Relation.EQUAL, "subset-of": Relation.SUBSET_OF,
    "superset-of": Relation.SUPERSET_OF, "intersects-with": Relation.INTERSECTS_WITH,
    "no-relationship": Relation.NOT_RELATED,
}
KNOWN_HREFS = (  # (pattern in a catalog address, slug)
    (re.compile(r"cloudsecurityalliance\.org/artifacts/cloud-controls-matrix-v4", re.I), "csa-ccm-4"),
    (re.compile(r"SP800-53/rev5/.*catalog", re.I), "nist-sp-800-53-rev5"),
)
AUTHORITIES = {a.value: a for a in Authority}
RATIONALES = {r.value: r for r in Rationale}


def resource_slug(resource: Any, context: GraphContext, ignoring: str) -> str | None:
    href = resource.get("href") if isinstance(resource, dict) else None
    if not isinstance(href, str) or not href.strip():
        return None
    href = href.strip()
    if href.startswith(FRAMEWORK) and href[len(FRAMEWORK):] in context.frameworks:
        return href[len(FRAMEWORK):]
    iri = context.resolve_urn(href, ignoring=ignoring)
    if iri is not None and iri.startswith(FRAMEWORK):
        return iri[len(FRAMEWORK):]
    return next((slug for pattern, slug in KNOWN_HREFS if pattern.search(href)), None)


class _Items:
    """Item ids of a mapping -> notations of a framework in the graph."""

    def __init__(self, slug: str, notations: frozenset[str]) -> None:
        self.slug, self.notations = slug, notations
        loose: dict[str, list[str]] = defaultdict(list)
        for n in notations:
            loose[self._key(n)].append(n)
        self.loose = {k: v[0] for k, v in loose.items() if len(v) == 1}

    @staticmethod
    def _key(text: str) -> str:
        return re.sub(r"[^0-9a-z]+", "", text.casefold())

    def find(self, raw: str) -> str | None:
        raw = raw.strip()
        if raw in self.notations:
            return raw
        if self.slug.startswith("nist-sp-800-53"):
            normalised = sp800_53_notation(raw)
            return normalised if normalised in self.notations else None
        return self.loose.get(self._key(raw))


def _ids(entries: Any) -> list[str]:
    return [e["id-ref"] for e in (entries if isinstance(entries, list) else [])
            if isinstance(e, dict) and isinstance(e.get("id-ref"), str) and e["id-ref"].strip()]


def _props(node: dict[str, Any]) -> dict[str, str]:
    found = node.get("props")
    return {p["name"]: p["value"] for p in (found if isinstance(found, list) else [])
            if isinstance(p, dict) and p.get("ns") == PROP_NS and isinstance(p.get("name"), str)
            and isinstance(p.get("value"), str)}


def _pairwise(relation: Relation, sources: int, targets: int) -> tuple[Relation, str]:
    """The relation each (source, target) pair of a map with several ends has, and how it was read."""
    if sources == 1 and targets == 1:
        return relation, "stated"
    if sources == 1 and relation in (Relation.EQUAL, Relation.SUPERSET_OF):
        return Relation.SUPERSET_OF, "stated"
    if targets == 1 and relation in (Relation.EQUAL, Relation.SUBSET_OF):
        return Relation.SUBSET_OF, "stated"
    if relation is Relation.NOT_RELATED:
        return relation, "stated"
    return Relation.INTERSECTS_WITH, "defaulted"


def _issued(metadata: dict[str, Any]) -> dt.date:
    for key in ("published", "last-modified"):
        try:
            return dt.datetime.fromisoformat(str(metadata.get(key))).date()
        except ValueError:
            continue
    return dt.date(1970, 1, 1)


def read_oscal_mapping(path: Path, context: GraphContext, options: ImportOptions) -> ImportedDataset:
    document = expect_dict(load_json(path, "an OSCAL mapping collection (JSON)"), str(path), "an OSCAL document")
    collection = expect_dict(document.get("mapping-collection"), f"{path}: /mapping-collection",
                             "an OSCAL mapping collection")
    metadata = expect_dict(collection.get("metadata"), f"{path}: /mapping-collection/metadata", "metadata")
    title = metadata.get("title") if isinstance(metadata.get("title"), str) else path.stem
    version = str(metadata.get("version") or "unversioned")
    short = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:60] or "collection"
    builder = DatasetBuilder(KIND, f"oscal-mapping-{short}", str(path))
    found_parties = metadata.get("parties")
    parties: list[Any] = found_parties if isinstance(found_parties, list) else []
    publisher = next((p["name"] for p in parties if isinstance(p, dict) and isinstance(p.get("name"), str)),
                     "publisher not stated in the collection")
    found_provenance = collection.get("provenance")
    provenance_node: dict[str, Any] = found_provenance if isinstance(found_provenance, dict) else {}
    default_rationale = RATIONALES.get(str(provenance_node.get("matching-rationale", "")).lower())
    provenance = Provenance(str(publisher), path.resolve().as_uri(), version, _issued(metadata),
                            "As stated by the collection's publisher; imported from the user's own copy.")
    mappings = expect_list(collection.get("mappings"), f"{path}: /mapping-collection/mappings", "mappings")
    for m, mapping in enumerate(mappings):
        at = f"{path}#/mapping-collection/mappings/{m}"
        if not isinstance(mapping, dict):
            builder.reject(at, type(mapping).__name__, "mapping is not an object")
            continue
        ends = [resource_slug(mapping.get(k), context, builder.graph) for k in ("source-resource", "target-resource")]
        if ends[0] is None or ends[1] is None or not all(context.has_framework(e, ignoring=builder.graph)
                                                         for e in ends if e):
            href = [str((mapping.get(k) or {}).get("href", "?"))[:200] for k in ("source-resource", "target-resource")
                    if isinstance(mapping.get(k), dict)]
            builder.reject(at, " -> ".join(href), "a catalog of this mapping is not in the graph; mapping skipped")
            continue
        source, target = ends[0], ends[1]
        _read_maps(at, mapping, (source, target), str(title), provenance, default_rationale, builder, context)
    return builder.finish()


def _read_maps(
    at: str, mapping: dict[str, Any], frameworks: tuple[str, str], title: str, provenance: Provenance,
    default_rationale: Rationale | None, builder: DatasetBuilder, context: GraphContext,
) -> None:
    source, target = frameworks
    items = {s: _Items(s, context.notations(s, ignoring=builder.graph)) for s in frameworks}
    records: dict[tuple[str, str], MappingRecord] = {}
    authorities: set[str] = set()
    defaulted = 0
    for i, entry in enumerate(expect_list(mapping.get("maps"), f"{at}/maps", "maps")):
        where = f"{at}/maps/{i}"
        builder.count("maps read")
        if not isinstance(entry, dict):
            builder.reject(where, type(entry).__name__, "map is not an object")
            continue
        props = _props(entry)
        if props.get("basis") == "inferred":
            builder.count("inferred maps of a controlgraph export (derived, not imported)")
            continue
        raw_relation = entry.get("relationship")
        if isinstance(raw_relation, dict):
            raw_relation = raw_relation.get("type")
        relation = RELATIONSHIPS.get(str(raw_relation).strip().lower())
        if relation is None:
            builder.reject(where, str(raw_relation)[:80], "unknown relationship")
            continue
        found: list[list[str]] = []
        for key, slug in (("sources", source), ("targets", target)):
            resolved = []
            for raw in _ids(entry.get(key)):
                notation = items[slug].find(raw)
                if notation is None:
                    builder.reject(where, raw[:200], f"{slug} has no item {raw[:80]!r} in the graph")
                else:
                    resolved.append(notation)
            found.append(resolved)
        if not found[0] or not found[1]:
            continue
        pair_relation, how = _pairwise(relation, len(found[0]), len(found[1]))
        if how == "defaulted":
            builder.repair(where, str(raw_relation), f"{len(found[0])} sources to {len(found[1])} targets: "
                           "each pair read as intersects-with")
        rationale = RATIONALES.get(str(entry.get("matching-rationale", "")).lower()) or default_rationale
        if rationale is None:
            defaulted += 1
            rationale = Rationale.SEMANTIC
        strength = int(props["strength"]) if props.get("strength", "").isdigit() else None
        try:
            confidence = float(props["confidence"]) if "confidence" in props else None
        except ValueError:
            confidence = None
        if "authority" in props:
            authorities.add(props["authority"])
        remarks = entry.get("remarks")
        for s in found[0]:
            for t in found[1]:
                if (s, t) in records and records[(s, t)].relation != pair_relation:
                    builder.reject(where, f"{s} -> {t}", "pair mapped earlier with another relationship; first kept")
                    continue
                records.setdefault((s, t), MappingRecord(
                    subject=(source, s), object=(target, t), relation=pair_relation, rationale=rationale,
                    strength=strength if strength is not None and strength <= 10 else None,
                    confidence=confidence if confidence is not None and 0 <= confidence <= 1 else None,
                    comment=remarks.strip() if isinstance(remarks, str) else "", relation_source=how,
                ))
    if defaulted:
        builder.repair(at, str(defaulted), "maps without a matching-rationale read as semantic")
    authority = AUTHORITIES.get(next(iter(authorities))) if len(authorities) == 1 else None
    meta = MappingSetMeta(
        set_id=f"{source}--{target}--{builder.dataset.name}"[:120].rstrip("-."),
        title=f"{title}: {source} to {target}", provenance=provenance,
        authority=authority or Authority.THIRD_PARTY, subject_framework=source, object_framework=target,
    )
    builder.add_mapping_set(meta, list(records.values()))
