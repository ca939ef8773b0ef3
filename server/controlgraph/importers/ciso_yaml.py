"""Importer ``ciso-yaml``: a CISO Assistant library (YAML) supplied by the user.

A library holds a framework (``objects.framework.requirement_nodes``) or one or more mapping
sets (``objects.requirement_mapping_set`` / ``requirement_mapping_sets``). It is read as plain YAML
data (:mod:`controlgraph.data.safe_yaml`): a tag that would build a Python object, an anchor or an alias
is refused with its position. Values are only ever turned into text when they are text already (a
number or a date where text belongs is read as its short form; anything else is refused or reported
with :func:`controlgraph.data.literals.brief`), so no value is rendered whole into a message.

Frameworks are named by URN: the graph's registry (``cg:sourceUrn``, written by earlier imports)
is asked first, then :data:`FRAMEWORK_SLUGS` for the shipped catalogs. A framework library of any
framework the graph does not hold becomes a new catalog (:mod:`controlgraph.importers.ciso_framework`).
Items of a registered framework are found by their node URN; items of the shipped catalogs are named by
the tail of their URN, normalised:

* ISO/IEC 27001 (2022, 2013): ``a.5.1`` -> ``A.5.1``, clauses ``4.1`` as they are; the
  structural nodes ``core`` and ``annex-a`` are not items.
* NIST CSF: ``gv.oc-01`` -> ``GV.OC-01`` (2.0, two digits), ``id.am-1`` -> ``ID.AM-1`` (1.1).
* GDPR: ``chapter-iv`` -> ``Ch.IV``, ``article-32`` -> ``Art.32``, ``32.1`` -> ``Art.32(1)``,
  ``32.1.b`` -> ``Art.32(1)(b)`` (the notations of ``mappings/gdpr.ttl``); recitals, the
  preamble, sections and unnumbered sub-paragraphs are not items of the catalog and are
  reported.

Framework library of a framework the graph already holds: each item's ``description`` becomes
``cg:statement`` (the user's file, the user's graph), and the library's URNs are registered. For
GDPR only paragraphs and points carry text; chapter and article descriptions are their titles and
are not copied as statements.

Mapping set: one ``<source>--<target>--ciso-assistant`` set per library mapping set, both
frameworks must be in the graph. Direction is kept: the *source* requirement is the mapping
subject, the *target* the object (whichever route brought either framework into the graph), and
``relationship`` reads "source R target" (``equal``, ``subset`` -> subset-of, ``superset`` ->
superset-of, ``intersect`` -> intersects-with,
``not_related`` -> not-related). ``rationale`` and ``strength_of_relationship`` carry over; a
mapping without a rationale is read as semantic and reported. Authority: ``official`` when the
library's provider is NIST (NIST's own published mappings), otherwise ``third-party``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from controlgraph.data.authoring import MappingRecord, MappingSetMeta, Provenance
from controlgraph.data.literals import brief
from controlgraph.errors import ImportRejected, InputError
from controlgraph.importers.ccm_references import parse_csf_reference
from controlgraph.importers.ciso_framework import framework_slug, read_new_framework, registry_triples
from controlgraph.importers.context import GraphContext, ImportOptions
from controlgraph.importers.dataset_builder import STATEMENT, DatasetBuilder
from controlgraph.importers.input_files import expect_dict, expect_list, expect_str, load_yaml
from controlgraph.pipeline.imports import ImportedDataset
from controlgraph.vocabulary import FRAMEWORK, Authority, Rationale, Relation, control_ref_from_iri

KIND = "ciso-yaml"
SOURCE = "https://github.com/intuitem/ciso-assistant-community"
FRAMEWORK_SLUGS = {
    "urn:intuitem:risk:framework:iso27001-2022": "iso27001-2022",
    "urn:intuitem:risk:framework:iso27001-2013": "iso27001-2013",
    "urn:intuitem:risk:framework:nist-csf-2.0": "nist-csf-2.0",
    "urn:intuitem:risk:framework:nist-csf-1.1": "nist-csf-1.1",
    "urn:intuitem:risk:framework:gdpr": "gdpr",
}
RELATIONSHIPS = {
    "equal": Relation.EQUAL,
    "subset": Relation.SUBSET_OF,
    "superset": Relation.SUPERSET_OF,
    "intersect": Relation.INTERSECTS_WITH,
    "not_related": Relation.NOT_RELATED,
}
RATIONALES = {r.value: r for r in Rationale}
_ISO_ITEM = re.compile(r"^(a\.)?\d+(\.\d+)*$")
_ROMAN = re.compile(r"^[ivxlc]+$")


def read_ciso_yaml(path: Path, context: GraphContext, options: ImportOptions) -> ImportedDataset:
    library = expect_dict(load_yaml(path, "a CISO Assistant library"), str(path), "a CISO Assistant library")
    urn = expect_str(library.get("urn"), f"{path}: urn", "the library URN")
    objects = expect_dict(library.get("objects"), f"{path}: objects", "the library objects")
    name = re.sub(r"[^a-z0-9.\-]+", "-", urn.rsplit(":", 1)[-1].lower()).strip("-") or "library"
    builder = DatasetBuilder(KIND, f"ciso-assistant-{name}", str(path))
    provenance = _provenance(path, library)
    if "framework" in objects:
        framework = expect_dict(objects["framework"], f"{path}: objects.framework", "a framework")
        slug = _registered_slug(framework.get("urn"), context, builder)
        if slug is None or not context.has_framework(slug, ignoring=builder.graph):
            slug = framework_slug(path, framework, options.framework)
        if context.has_framework(slug, ignoring=builder.graph):
            _read_framework(path, framework, slug, builder, context)
        else:
            read_new_framework(path, framework, provenance, slug, builder)
    sets = objects.get("requirement_mapping_sets", objects.get("requirement_mapping_set"))
    if sets is not None:
        for i, mapping_set in enumerate(sets if isinstance(sets, list) else [sets]):
            where = f"{path}#objects.requirement_mapping_sets[{i}]"
            _read_mapping_set(where, expect_dict(mapping_set, where, "a mapping set"), library, provenance,
                              builder, context)
    if "framework" not in objects and sets is None:
        raise InputError("no framework and no requirement mapping set under 'objects'", path=str(path))
    return builder.finish()


def _text(value: Any, default: str = "") -> str:
    """A scalar as text (strings, numbers, dates); anything else (a list, an object) as ``default``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float | dt.date):
        return str(value)
    return default


def _shown(value: Any) -> str:
    """A value as a row report shows it: text as it is (cut at 200 characters), anything else described."""
    return value[:200] if isinstance(value, str) else str(value) if isinstance(value, int | None) else brief(value)


def _provenance(path: Path, library: dict[str, Any]) -> Provenance:
    issued = library.get("publication_date")
    if isinstance(issued, str):
        try:
            issued = dt.date.fromisoformat(issued)
        except ValueError:
            issued = None
    if not isinstance(issued, dt.date):
        raise InputError("the library has no publication_date (YYYY-MM-DD)", path=str(path))
    provider = _text(library.get("provider")) or "unknown provider"
    packager = _text(library.get("packager")) or "unknown packager"
    return Provenance(
        publisher=f"{provider} (packaged by {packager} as CISO Assistant library {library['urn']})",
        source=SOURCE,
        version=_text(library.get("version")) or "unversioned",
        issued=issued,
        licence=f"{_text(library.get('copyright')) or 'see the library'}; "
        "CISO Assistant libraries (AGPL-3.0 repository)",
    )


def framework_slug_of(urn: str, registered: str | None) -> str | None:
    """The slug a framework URN names: the IRI the graph's registry gives it (``registered``), else the
    shipped catalogs' URNs."""
    if registered is not None and registered.startswith(FRAMEWORK):
        return registered[len(FRAMEWORK):]
    return FRAMEWORK_SLUGS.get(urn.strip())


def _registered_slug(urn: Any, context: GraphContext, builder: DatasetBuilder) -> str | None:
    if not isinstance(urn, str):
        return None
    return framework_slug_of(urn, context.resolve_urn(urn, ignoring=builder.graph))


def _slug_of(urn: Any, where: str, context: GraphContext, builder: DatasetBuilder) -> str:
    slug = _registered_slug(urn, context, builder)
    if slug is None:
        raise ImportRejected(f"{where}: framework {brief(urn)} is not in the graph; import its framework "
                             "library first (any CISO Assistant framework library is accepted)")
    return slug


def _node_notation(slug: str, urn: str, context: GraphContext, builder: DatasetBuilder) -> tuple[str | None, str]:
    """(notation, why not) of a requirement node URN: the registry first, else the shipped naming rules."""
    iri = context.resolve_urn(urn, ignoring=builder.graph)
    ref = control_ref_from_iri(iri) if iri is not None else None
    if ref is not None and ref.slug == slug:
        return ref.notation, ""
    if slug in FRAMEWORK_SLUGS.values():
        return item_notation(slug, urn.rsplit(":", 1)[-1])
    return None, f"no item of {slug} in the graph was registered with this URN"


def item_notation(slug: str, tail: str) -> tuple[str | None, str]:
    """(notation, why not): the catalog notation a requirement-node URN tail names, or the reason none."""
    tail = tail.strip().lower()
    if slug.startswith("iso27001"):
        if tail in ("core", "annex-a"):
            return None, "structural node, not an item"
        return (tail.upper(), "") if _ISO_ITEM.match(tail) else (None, "not an ISO clause or control number")
    if slug.startswith("nist-csf"):
        parsed = parse_csf_reference(tail.upper(), slug)
        return (None, parsed.rejected) if parsed.rejected else (parsed.targets[0][1], "")
    # GDPR
    if match := re.fullmatch(r"article-(\d+)", tail):
        return f"Art.{match[1]}", ""
    if (match := re.fullmatch(r"chapter-([ivxlc]+)", tail)) and _ROMAN.match(match[1]):
        return f"Ch.{match[1].upper()}", ""
    if match := re.fullmatch(r"(\d+)\.(\d+)(?:\.([a-z]{1,2}))?", tail):
        point = f"({match[3]})" if match[3] else ""
        return f"Art.{match[1]}({match[2]}){point}", ""
    if tail.startswith(("recital", "preambule")):
        return None, "recitals are not items of the gdpr catalog"
    return None, "no article, paragraph or point number (a section or an unnumbered sub-paragraph)"


def _read_framework(
    path: Path, framework: dict[str, Any], slug: str, builder: DatasetBuilder, context: GraphContext
) -> None:
    """Statements for a framework the graph holds, and the library's URNs registered for its items."""
    known = context.notations(slug, ignoring=builder.graph)
    registered: dict[str, str] = {}
    nodes = expect_list(framework.get("requirement_nodes"), f"{path}: requirement_nodes", "requirement nodes")
    for i, node in enumerate(nodes):
        where = f"{path}#requirement_nodes[{i}]"
        if not isinstance(node, dict) or not isinstance(node.get("urn"), str):
            builder.reject(where, brief(node), "requirement node without a URN")
            continue
        builder.count("requirement nodes read")
        if slug in FRAMEWORK_SLUGS.values():
            notation, why_not = item_notation(slug, node["urn"].rsplit(":", 1)[-1])
        else:
            ref_id = node.get("ref_id")
            notation = ref_id.strip() if isinstance(ref_id, str) and ref_id.strip() else node["urn"].rsplit(":", 1)[-1]
            why_not = ""
        if notation is None:
            if why_not != "structural node, not an item":
                builder.reject(where, node["urn"][:200], why_not)
            continue
        if notation not in known:
            builder.reject(where, node["urn"][:200], f"{slug} has no item {notation} in the graph")
            continue
        registered[node["urn"]] = notation
        description = node.get("description")
        if slug == "gdpr" and "(" not in notation:
            continue  # chapter and article descriptions are their titles, already in the catalog
        if isinstance(description, str) and description.strip():
            builder.add_text(slug, notation, STATEMENT, description.strip())
            builder.count("statements")
    urn = framework.get("urn")
    if isinstance(urn, str) and urn.strip():
        builder.add_triples(registry_triples(slug, urn.strip(), registered))


def _read_mapping_set(
    where: str,
    mapping_set: dict[str, Any],
    library: dict[str, Any],
    provenance: Provenance,
    builder: DatasetBuilder,
    context: GraphContext,
) -> None:
    source = _slug_of(mapping_set.get("source_framework_urn"), f"{where}.source_framework_urn", context, builder)
    target = _slug_of(mapping_set.get("target_framework_urn"), f"{where}.target_framework_urn", context, builder)
    for slug in (source, target):
        if not context.has_framework(slug, ignoring=builder.graph):
            raise ImportRejected(f"{where}: framework {slug} is not in the graph; load its catalog first")
    known = {s: context.notations(s, ignoring=builder.graph) for s in (source, target)}
    records: dict[tuple[str, str], MappingRecord] = {}
    defaulted_rationale = 0
    rows = expect_list(mapping_set.get("requirement_mappings"), f"{where}.requirement_mappings", "mappings")
    for i, row in enumerate(rows):
        at = f"{where}.requirement_mappings[{i}]"
        builder.count("requirement mappings read")
        if not isinstance(row, dict):
            builder.reject(at, brief(row), "mapping is not a mapping of fields")
            continue
        ends: list[str] = []
        for key, slug in (("source_requirement_urn", source), ("target_requirement_urn", target)):
            urn = _text(row.get(key))
            notation, why_not = _node_notation(slug, urn, context, builder)
            if notation is None:
                builder.reject(at, _shown(row.get(key)), why_not)
            elif notation not in known[slug]:
                builder.reject(at, urn[:200], f"{slug} has no item {notation} in the graph")
            else:
                ends.append(notation)
        if len(ends) != 2:
            continue
        relation = RELATIONSHIPS.get(_text(row.get("relationship")).strip().lower())
        if relation is None:
            builder.reject(at, _shown(row.get("relationship")), "unknown relationship")
            continue
        rationale = RATIONALES.get(_text(row.get("rationale")).strip().lower())
        if rationale is None:
            defaulted_rationale += 1
            rationale = Rationale.SEMANTIC
        strength = row.get("strength_of_relationship")
        if strength is not None and (not isinstance(strength, int) or not 0 <= strength <= 10):
            builder.reject(at, _shown(strength), "strength is not an integer from 0 to 10; mapping kept without it")
            strength = None
        pair = (ends[0], ends[1])
        if pair in records:
            if records[pair].relation == relation:
                builder.repair(at, f"{ends[0]} -> {ends[1]}", "same pair and relationship as an earlier row; merged")
            else:
                builder.reject(at, f"{ends[0]} -> {ends[1]}", "pair mapped earlier in the set with another "
                               f"relationship ({records[pair].relation.value}); this row dropped")
            continue
        annotation = row.get("annotation")
        records[pair] = MappingRecord(
            subject=(source, ends[0]), object=(target, ends[1]), relation=relation, rationale=rationale,
            strength=strength, comment=annotation.strip() if isinstance(annotation, str) else "",
        )
    if defaulted_rationale:
        builder.repair(where, str(defaulted_rationale), "mappings without a rationale read as semantic")
    provider = _text(library.get("provider"))
    meta = MappingSetMeta(
        set_id=f"{source}--{target}--ciso-assistant",
        title=_text(mapping_set.get("name")) or f"{source} to {target}",
        provenance=provenance,
        authority=Authority.OFFICIAL if provider.strip().upper() == "NIST" else Authority.THIRD_PARTY,
        subject_framework=source,
        object_framework=target,
        description=_text(mapping_set.get("description")),
    )
    builder.add_mapping_set(meta, list(records.values()))
