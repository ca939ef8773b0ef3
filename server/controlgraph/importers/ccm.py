"""Importer ``ccm``: the CSA Cloud Controls Matrix JSON bundle a user downloaded from CSA.

Reads the bundle folder (the one holding ``CCM/``, or ``CCM/`` itself):

* ``CCM/primary-dataset.json``: domains and controls. Each control's specification becomes
  ``cg:statement`` (official text, from the user's own copy) on the control
  ``csa-ccm-4:<id>``. When the graph already holds the ``csa-ccm-4`` catalog (the shipped
  ``mappings/csa-ccm-4.ttl``), the framework node is left alone (its provenance is single-valued)
  and only the statements are added; otherwise the whole catalog is emitted as well, with the
  bundle's provenance.
* In both cases, the facts the CSA licence keeps out of the shipped catalog: CCM-Lite membership
  (``cg:memberOf "CCM-Lite"``) and, from ``CCM/applicability/ownership.json``, the typical owner per
  service model, as ``cg:responsiblePartyIaaS`` / ``PaaS`` / ``SaaS`` (the ontology's responsibility
  vocabulary, shared with ISO/IEC 27017) and as the readable ``cg:responsibility`` text
  ``IaaS: <owner>; PaaS: <owner>; SaaS: <owner>``.
* ``CCM/mappings/<target>/mappings.json``: CSA's gap analysis against other frameworks, read
  into one official mapping set per target framework present in the graph
  (``csa-ccm-4--<slug>--csa-gap-analysis``). Folders whose framework the graph does not hold
  (NIST SP 800-53, PCI DSS, CIS, AICPA TSC, ISF SoGP, CCM v3) are reported as skipped.
  Reference strings are read by :mod:`controlgraph.importers.ccm_references`.

What a gap level says, and how each pair is read
------------------------------------------------
Each CCM control lists the target references that together address it, and one gap level for
the whole list: ``No Gap`` (the references, taken together, cover everything the CCM control
asks for), ``Partial Gap`` (they cover part of it; the addendum says what is missing) or
``Full Gap`` (nothing covers it; the references read ``No Mapping``). The subject of every
mapping is the CCM control, the object the referenced item.

The relation of record stays ``intersects-with`` (relation source ``defaulted``: CSA types no
pair), the gap level is kept as ``cg:gapLevel`` (the addendum as the comment), and the mapping
records how the engine reads it (``cg:reading``, see reasoning/readings.py), decided here because
only the importer sees the control's whole reference list across the target standards:

- ``No Gap`` with a single referenced item: ``contained`` ({equal, subset-of}): CSA says that item
  covers the control (a 27001:2013 Annex A item and the 27002:2013 control of the same number
  count as one item);
- ``No Gap`` with several: ``covered-by-union``: the control is contained in their union, not in
  any single one, so each pair only overlaps. A ``No Gap`` list whose references were all read into
  one framework also becomes a cover-set statement (``cg:CoverSet``): implementing all of them
  covers the control fully (analysis/cover_sets.py);
- ``Partial Gap``: ``partial`` ({superset-of, intersects-with}): overlap, not contained.

``Full Gap`` yields no mapping at all: not being mapped is not evidence of being unrelated.

Repairs and rejections: a gap level written with Greek look-alike letters (``Νο Gap``) is read
as Latin; an addendum filed under another key is taken as the addendum; unknown gap levels,
unknown CCM ids and references to items the graph does not hold are rejected, each with its
reason, and the rest of the file is still imported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from controlgraph.data.authoring import (
    ControlRecord,
    CoverSetRecord,
    FrameworkMeta,
    MappingRecord,
    MappingSetMeta,
    Provenance,
)
from controlgraph.data.literals import brief
from controlgraph.errors import InputError
from controlgraph.importers.ccm_references import (
    TARGET_FOLDERS,
    ParsedReference,
    is_placeholder,
    latin_lookalikes,
    parse_reference,
)
from controlgraph.importers.context import GraphContext, ImportOptions
from controlgraph.importers.dataset_builder import GAP_LEVEL, READING, STATEMENT, DatasetBuilder
from controlgraph.importers.input_files import (
    existing_folder,
    expect_dict,
    expect_list,
    expect_str,
    load_json,
)
from controlgraph.pipeline.imports import ImportedDataset
from controlgraph.vocabulary import CG, Authority, Rationale, Relation

KIND = "ccm"
CCM_SLUG = "csa-ccm-4"
PUBLISHER = "Cloud Security Alliance"
DEFAULT_SOURCE = "https://cloudsecurityalliance.org/artifacts/cloud-controls-matrix-v4/"
LICENCE = (
    "CSA CCM licence (https://cloudsecurityalliance.org/license): personal, non-commercial use; no "
    "modification or redistribution. Imported from the user's own copy of the CSA bundle."
)
# Release dates of the CCM versions whose bundle carries none.
RELEASE_DATES = {"4.0.12": dt.date(2024, 6, 3)}
# Mapping folder -> how its references read and which framework they name (None: per reference).
GAP_LEVELS = {"no gap": "No Gap", "partial gap": "Partial Gap", "full gap": "Full Gap"}
_CONTROL_ID = re.compile(r"^[A-Z&]{2,4}-\d{2}$")
_EXPECTED_KEYS = {"control_id", "references", "gap_level", "addendum"}


@dataclass(frozen=True)
class CcmControl:
    domain: str
    notation: str
    title: str
    specification: str
    is_lite: bool


def read_ccm(path: Path, context: GraphContext, options: ImportOptions) -> ImportedDataset:
    folder = existing_folder(path, "the CSA CCM JSON bundle, holding CCM/primary-dataset.json")
    ccm_dir = folder / "CCM" if (folder / "CCM").is_dir() else folder
    primary_path = ccm_dir / "primary-dataset.json"
    what = "CCM primary dataset (CCM/primary-dataset.json)"
    primary = expect_dict(load_json(primary_path, what, within=folder), str(primary_path), "the CCM dataset")
    version = expect_str(primary.get("version"), f"{primary_path}: /version", "the CCM version")
    if not version.startswith("4."):
        raise InputError(f"CCM version {brief(version)} is not a v4 release; this importer reads CCM v4",
                         path=str(primary_path))
    builder = DatasetBuilder(KIND, f"csa-ccm-{version}", str(path))
    source = _source(primary.get("url"), str(primary_path), builder)
    issued = RELEASE_DATES.get(version)
    if issued is None:
        issued = dt.datetime.fromtimestamp(primary_path.stat().st_mtime, dt.UTC).date()
        builder.repair(str(primary_path), version, f"no release date known for CCM {version}; dated by the file")
    provenance = Provenance(PUBLISHER, str(source), version, issued, LICENCE)

    domains, controls = _read_primary(primary, primary_path, builder)
    known: frozenset[str]
    if context.has_framework(CCM_SLUG, ignoring=builder.graph):
        known = context.notations(CCM_SLUG, ignoring=builder.graph)
        for c in controls:
            if c.notation not in known:
                builder.reject(str(primary_path), c.notation, f"control is not in {CCM_SLUG} in the graph")
        controls = [c for c in controls if c.notation in known]
    else:
        _add_catalog(builder, provenance, domains, controls)
        known = frozenset({c.notation for c in controls} | set(domains))
    ownership = _read_ownership(ccm_dir / "applicability" / "ownership.json", builder, folder)
    _add_applicability(builder, controls, ownership)
    for c in controls:
        if c.specification:
            builder.add_text(CCM_SLUG, c.notation, STATEMENT, c.specification)
            builder.count("control statements")

    mappings_dir = ccm_dir / "mappings"
    for target in _subfolders(mappings_dir):
        _read_mapping_folder(target, builder, context, provenance, known, folder)
    return builder.finish()


def _read_primary(
    primary: dict[str, Any], where: Path, builder: DatasetBuilder
) -> tuple[dict[str, str], list[CcmControl]]:
    domains: dict[str, str] = {}
    controls: list[CcmControl] = []
    for i, domain in enumerate(expect_list(primary.get("domains"), f"{where}: /domains", "the CCM domains")):
        pointer = f"{where}#/domains/{i}"
        domain = expect_dict(domain, pointer, "a CCM domain")
        domain_id = expect_str(domain.get("id"), f"{pointer}/id", "a domain id")
        domains[domain_id] = expect_str(domain.get("title"), f"{pointer}/title", "a domain title")
        for j, control in enumerate(expect_list(domain.get("controls"), f"{pointer}/controls", "controls")):
            at = f"{pointer}/controls/{j}"
            control = expect_dict(control, at, "a CCM control")
            notation = expect_str(control.get("id"), f"{at}/id", "a control id")
            if not _CONTROL_ID.match(notation) or not notation.startswith(domain_id + "-"):
                builder.reject(at, notation, f"not a control id of domain {domain_id}")
                continue
            spec = control.get("specification")
            controls.append(CcmControl(
                domain_id,
                notation,
                expect_str(control.get("title"), f"{at}/title", "a control title"),
                spec.strip() if isinstance(spec, str) else "",
                control.get("is_lite") is True,
            ))
            builder.count("controls read")
    if not controls:
        raise InputError(f"{where}: no controls found under /domains/*/controls")
    return domains, controls


def _subfolders(folder: Path) -> list[Path]:
    """The folders in ``folder`` (none when it is missing or cannot be listed)."""
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    except OSError:
        return []


def _exists(path: Path) -> bool:
    try:
        return path.exists() or path.is_symlink()
    except OSError:
        return True  # there, but not readable: reading it says why


def _read_ownership(path: Path, builder: DatasetBuilder, bundle: Path) -> dict[str, list[tuple[str, str]]]:
    """Control id -> [(service model, owner)] in file order, as CSA spells them ('SaaS', 'CSP-Owned')."""
    if not _exists(path):
        builder.reject(str(path), "", "no ownership file; the controls are imported without ownership")
        return {}
    what = "the CCM ownership applicability"
    data = expect_dict(load_json(path, what, within=bundle), str(path), "the ownership data")
    per_control: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for i, model in enumerate(expect_list(data.get("content"), f"{path}: /content", "service models")):
        model = expect_dict(model, f"{path}#/content/{i}", "a service model")
        name = expect_str(model.get("title"), f"{path}#/content/{i}/title", "a service model name").strip()
        for entry in expect_list(model.get("content"), f"{path}#/content/{i}/content", "ownership rows"):
            if isinstance(entry, dict) and isinstance(entry.get("control_id"), str) and entry.get("value"):
                per_control[entry["control_id"].strip()].append((name, str(entry["value"]).strip()))
    return dict(per_control)


# CSA's ownership values -> the ontology's responsible parties; service model -> per-model property.
OWNERS = {
    "CSC-Owned": CG + "CloudServiceCustomer",
    "CSP-Owned": CG + "CloudServiceProvider",
    "Shared": CG + "SharedResponsibility",
}
MODEL_PROPERTIES = {
    "IaaS": CG + "responsiblePartyIaaS",
    "PaaS": CG + "responsiblePartyPaaS",
    "SaaS": CG + "responsiblePartySaaS",
}


def _add_applicability(
    builder: DatasetBuilder, controls: list[CcmControl], ownership: dict[str, list[tuple[str, str]]]
) -> None:
    """CCM-Lite membership and typical ownership: from the user's bundle only (never shipped)."""
    for c in controls:
        if c.is_lite:
            builder.add_fact(CCM_SLUG, c.notation, CG + "memberOf", ox.Literal("CCM-Lite"))
            builder.count("controls in CCM-Lite")
        owners = ownership.get(c.notation, [])
        readable = []
        for model, owner in owners:
            if model not in MODEL_PROPERTIES or owner not in OWNERS:
                builder.reject("applicability/ownership.json", f"{c.notation} {model}={owner}",
                               "unknown service model or ownership value")
                continue
            builder.add_fact(CCM_SLUG, c.notation, MODEL_PROPERTIES[model], ox.NamedNode(OWNERS[owner]))
            readable.append(f"{model}: {owner}")
        if readable:
            builder.add_fact(CCM_SLUG, c.notation, CG + "responsibility", ox.Literal("; ".join(readable)))
            builder.count("controls with ownership")


def _add_catalog(
    builder: DatasetBuilder,
    provenance: Provenance,
    domains: dict[str, str],
    controls: list[CcmControl],
) -> None:
    meta = FrameworkMeta(
        slug=CCM_SLUG,
        title="CSA Cloud Controls Matrix v4",
        provenance=provenance,
        description="Imported from the user's copy of the CSA CCM JSON bundle: domains and controls.",
        parent_is_union_of_children=True,
    )
    records: list[ControlRecord] = []
    for domain_id, title in domains.items():
        records.append(ControlRecord(domain_id, title, "domain"))
        for c in (c for c in controls if c.domain == domain_id):
            records.append(ControlRecord(c.notation, c.title, "control", parent=domain_id))
    builder.add_catalog(meta, records)


def _read_mapping_folder(
    folder: Path,
    builder: DatasetBuilder,
    context: GraphContext,
    provenance: Provenance,
    ccm_known: frozenset[str],
    bundle: Path,
) -> None:
    path = folder / "mappings.json"
    if not _exists(path):
        builder.reject(str(folder), folder.name, "mapping folder without mappings.json")
        return
    style, fixed_slug = TARGET_FOLDERS.get(folder.name, ("", None))
    if not style or (fixed_slug is not None and not context.has_framework(fixed_slug, ignoring=builder.graph)):
        builder.reject(str(path), folder.name, "skipped: framework not in the graph")
        builder.count("mapping folders skipped")
        return
    blocks = expect_list(load_json(path, "a CCM mapping file", within=bundle), str(path), "mapping blocks")
    pairs: dict[tuple[str, str, str], MappingRecord] = {}
    covers: dict[tuple[str, str], CoverSetRecord] = {}
    target_title = ""
    for b, block in enumerate(blocks):
        block = expect_dict(block, f"{path}#/{b}", "a mapping block")
        target_title = str(block["name"]) if isinstance(block.get("name"), str) else folder.name
        for m, row in enumerate(expect_list(block.get("mappings"), f"{path}#/{b}/mappings", "mappings")):
            _read_mapping_row(f"{path}#/{b}/mappings/{m}", row, style, fixed_slug, builder, context,
                              ccm_known, pairs, covers)
    by_slug: dict[str, list[MappingRecord]] = defaultdict(list)
    for (_, slug, _), record in pairs.items():
        by_slug[slug].append(record)
    for slug, records in sorted(by_slug.items()):
        meta = MappingSetMeta(
            set_id=f"{CCM_SLUG}--{slug}--csa-gap-analysis",
            title=f"CSA CCM v4 to {slug} (CSA gap analysis, {target_title})",
            provenance=provenance,
            authority=Authority.OFFICIAL,
            subject_framework=CCM_SLUG,
            object_framework=slug,
            description=(
                "CSA's mapping of each CCM control to the target items that together address it, with a gap "
                "level per control, kept as cg:gapLevel. Pairs are untyped (recorded as intersects-with, relation "
                "source defaulted); cg:reading says what the gap level makes of each (contained, "
                "covered-by-union, partial). A 'No Gap' list whose references were all read is also "
                "a cover-set statement (cg:CoverSet): the CCM control is contained in the union of its references."
            ),
        )
        builder.add_mapping_set(meta, records, [c for (_, s), c in sorted(covers.items()) if s == slug])


def _read_mapping_row(
    at: str,
    row: Any,
    style: str,
    fixed_slug: str | None,
    builder: DatasetBuilder,
    context: GraphContext,
    ccm_known: frozenset[str],
    pairs: dict[tuple[str, str, str], MappingRecord],
    covers: dict[tuple[str, str], CoverSetRecord],
) -> None:
    if not isinstance(row, dict):
        builder.reject(at, brief(row, 80), "mapping row is not an object")
        return
    cid = row.get("control_id")
    if not isinstance(cid, str) or cid not in ccm_known:
        shown = cid[:80] if isinstance(cid, str) else brief(cid)
        builder.reject(f"{at}/control_id", shown, f"not a control of {CCM_SLUG} in the graph")
        return
    gap_raw = row.get("gap_level")
    gap_text = gap_raw[:80] if isinstance(gap_raw, str) else brief(gap_raw)
    gap = GAP_LEVELS.get(latin_lookalikes(gap_raw).strip().casefold()) if isinstance(gap_raw, str) else None
    if gap is None:
        builder.reject(f"{at}/gap_level", gap_text, f"unknown gap level; {cid}'s references skipped")
        return
    if gap != gap_raw:
        builder.repair(f"{at}/gap_level", gap_text, f"gap level read as {gap!r} (look-alike letters or case)")
    addendum = _addendum(at, row, builder)
    references = row.get("references")
    if not isinstance(references, list):
        builder.reject(f"{at}/references", brief(references, 80), "references is not a list")
        return
    union: set[tuple[str, str]] = set()
    complete = True  # every reference of the list read: only then does "No Gap" speak of their union
    for r, raw in enumerate(references):
        where = f"{at}/references/{r}"
        builder.count("references read")
        if not isinstance(raw, str) or not raw.strip():
            builder.reject(where, brief(raw), "empty or non-text reference")
            complete = False
            continue
        if is_placeholder(raw):
            builder.reject(where, raw, "placeholder for 'no counterpart', not a reference (no mapping made)")
            complete = False
            continue
        if gap == "Full Gap":
            builder.reject(where, raw, "reference listed under gap level Full Gap contradicts it; not mapped")
            continue
        parsed = parse_reference(raw, style, fixed_slug)
        found = _add_pairs(where, raw, cid, gap, addendum, parsed, builder, context, pairs)
        if found is None:
            complete = False
        else:
            union |= found
    slugs = {slug for slug, _ in union}
    if gap == "No Gap" and complete and len(slugs) == 1:
        slug = slugs.pop()
        if (cid, slug) in covers:
            builder.repair(at, cid, f"a second 'No Gap' list of {cid} to {slug}; the first is kept as its cover set")
        else:
            covers[(cid, slug)] = CoverSetRecord((CCM_SLUG, cid), tuple(sorted(union)), comment=addendum)
            builder.count("cover sets")
    _set_readings(cid, pairs)


def _same_item(slug: str, notation: str) -> tuple[str, str]:
    """27001:2013 Annex A items are the 27002:2013 controls (A.9.2.1 is 9.2.1): one reference, not two."""
    if slug == "iso27001-2013" and notation.startswith("A."):
        return "iso27002-2013", notation[2:]
    return slug, notation


def _set_readings(cid: str, pairs: dict[tuple[str, str, str], MappingRecord]) -> None:
    """Record how the engine reads each pair of ``cid``, from the gap level of its whole reference list.

    "No Gap" with a single item: contained in it; with several: contained in their union (each pair
    overlaps); "Partial Gap": overlaps and is not contained (reasoning/readings.py).
    """
    keys = [k for k in pairs if k[0] == cid]
    items = {_same_item(slug, notation) for _, slug, notation in keys}
    for key in keys:
        record = pairs[key]
        gap = record.extra.get(GAP_LEVEL)
        reading = {"No Gap": "contained" if len(items) == 1 else "covered-by-union", "Partial Gap": "partial"}.get(
            str(gap), "overlap")
        pairs[key] = dataclasses.replace(record, extra={**record.extra, READING: reading})


def _source(url: Any, where: str, builder: DatasetBuilder) -> str:
    """The bundle's ``url`` when it is an http(s) IRI (pyoxigraph's parser decides), else CSA's page, reported."""
    if url is None:
        return DEFAULT_SOURCE
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        try:
            return ox.NamedNode(url).value
        except ValueError:
            pass
    builder.repair(f"{where}: /url", brief(url, 80), f"not an http(s) address; source recorded as {DEFAULT_SOURCE}")
    return DEFAULT_SOURCE


def _addendum(at: str, row: dict[str, Any], builder: DatasetBuilder) -> str:
    text = latin_lookalikes(str(row.get("addendum") or "")).strip()
    for key in sorted(set(row) - _EXPECTED_KEYS):
        value = row[key]
        if isinstance(value, str) and value.strip() and not text:
            builder.repair(f"{at}/{key}", key, "addendum found under its heading as key; read as the addendum")
            text = f"{key}: {value.strip()}"
        else:
            builder.reject(f"{at}/{key}", key, "unexpected field ignored")
    return "" if text.upper() in ("", "N/A", "NA") else text


def _add_pairs(
    where: str,
    raw: str,
    cid: str,
    gap: str,
    addendum: str,
    parsed: ParsedReference,
    builder: DatasetBuilder,
    context: GraphContext,
    pairs: dict[tuple[str, str, str], MappingRecord],
) -> set[tuple[str, str]] | None:
    """Add the pairs of one reference; the (slug, notation) targets it names, or None if any was left out."""
    if parsed.rejected:
        builder.reject(where, raw, parsed.rejected)
        return None
    for reason in parsed.repairs:
        builder.repair(where, raw, reason)
    found: set[tuple[str, str]] | None = set()
    for slug, notation in parsed.targets:
        if not context.has_framework(slug, ignoring=builder.graph):
            builder.reject(where, raw, f"skipped: framework {slug} not in the graph")
            found = None
            continue
        if notation not in context.notations(slug, ignoring=builder.graph):
            builder.reject(where, raw, f"{slug} has no item {notation} in the graph")
            found = None
            continue
        if found is not None:
            found.add((slug, notation))
        key = (cid, slug, notation)
        points = f"The CCM reference cites point(s) {parsed.points} of {notation}." if parsed.points else ""
        previous = pairs.get(key)
        if previous is not None:
            builder.repair(where, raw, f"duplicate of an earlier reference of {cid} to {slug}:{notation}; merged")
            if points and points not in previous.comment:
                pairs[key] = _record(cid, slug, notation, gap, " ".join(filter(None, [previous.comment, points])))
            continue
        pairs[key] = _record(cid, slug, notation, gap, " ".join(filter(None, [addendum, points])))
    return found


def _record(cid: str, slug: str, notation: str, gap: str, comment: str) -> MappingRecord:
    return MappingRecord(
        subject=(CCM_SLUG, cid),
        object=(slug, notation),
        relation=Relation.INTERSECTS_WITH,
        rationale=Rationale.SEMANTIC,
        comment=comment,
        relation_source="defaulted",
        extra={GAP_LEVEL: gap},
    )
