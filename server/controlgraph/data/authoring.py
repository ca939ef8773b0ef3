"""Write framework catalogs and mapping sets as readable, deterministic Turtle.

The files in ``mappings/`` are produced through this module (by the generators in
``scripts/`` or by hand-kept curation sources), so every dataset has the same shape:
one dataset per file, its provenance on the framework or mapping-set node, and stable
IRIs from :mod:`controlgraph.vocabulary`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from controlgraph.vocabulary import (
    CG,
    CONTROL,
    DCTERMS,
    FRAMEWORK,
    MAPPING,
    MAPPING_SET,
    OWL,
    PREFIXES,
    RDFS,
    SEMAPV,
    SKOS,
    SSSOM,
    XSD,
    Authority,
    Rationale,
    Relation,
    control_iri,
    framework_iri,
    mapping_iri,
    mapping_set_iri,
)


@dataclass(frozen=True)
class Provenance:
    """Where a dataset comes from. Every shipped dataset carries all five facts."""

    publisher: str
    source: str  # an http(s) address of the source document or file
    version: str
    issued: dt.date
    licence: str  # an address of the licence or a short statement of terms


@dataclass(frozen=True)
class FrameworkMeta:
    slug: str
    title: str
    provenance: Provenance
    description: str = ""
    supersedes: str | None = None  # slug of the earlier edition
    parent_is_union_of_children: bool = False
    not_shipped: str = ""


@dataclass(frozen=True)
class ControlRecord:
    notation: str
    title: str
    kind: str
    parent: str | None = None  # notation of the parent item in the same framework
    summary: str = ""  # our own words, never the source's text
    title_origin: str = "official"  # or "project" where the source has no short title
    order: int | None = None
    address: str | None = None
    responsibility: str | None = None
    member_of: Sequence[str] = ()
    close_matches: Sequence[str] = ()  # IRIs of concepts elsewhere (e.g. W3C DPV)
    hierarchy: str | None = None  # UnionOfChildren, AnyChild or OwnRequirements; None: the framework's default
    applies_to: Sequence[str] = ()  # whom the item binds (cg:appliesTo); children inherit


@dataclass(frozen=True)
class MappingSetMeta:
    set_id: str
    title: str
    provenance: Provenance
    authority: Authority
    subject_framework: str  # slug
    object_framework: str  # slug
    description: str = ""
    justification: str = "ManualMappingCuration"  # default semapv term for its mappings


@dataclass(frozen=True)
class MappingRecord:
    subject: tuple[str, str]  # (slug, notation)
    object: tuple[str, str]
    relation: Relation
    rationale: Rationale = Rationale.SEMANTIC
    strength: int | None = None
    justification: str | None = None  # semapv term; defaults to the set's
    confidence: float | None = None
    comment: str = ""
    relation_source: str = "stated"  # or "defaulted" where the source gives no type
    extra: dict[str, str] = field(default_factory=dict)


def turtle_string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


_PN_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")


def turtle_iri(iri: str) -> str:
    """A prefixed name where one is valid Turtle, else the full IRI."""
    for prefix, ns in (("fw", FRAMEWORK), ("ms", MAPPING_SET), ("cg", CG)):
        if iri.startswith(ns) and _PN_LOCAL.match(iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def _header(comment_lines: Iterable[str]) -> list[str]:
    lines = [f"# {line}" if line else "#" for line in comment_lines]
    used = ("cg", "skos", "dcterms", "rdfs", "owl", "xsd", "sssom", "semapv", "fw", "ms")
    lines += [f"@prefix {p}: <{PREFIXES[p]}> ." for p in used]
    return [*lines, ""]


def _provenance_lines(p: Provenance) -> list[str]:
    return [
        f"    dcterms:publisher {turtle_string(p.publisher)} ;",
        f"    dcterms:source <{p.source}> ;",
        f"    owl:versionInfo {turtle_string(p.version)} ;",
        f'    dcterms:issued "{p.issued.isoformat()}"^^xsd:date ;',
        f"    dcterms:license {_licence(p.licence)} ;",
    ]


def _licence(licence: str) -> str:
    return f"<{licence}>" if licence.startswith(("http://", "https://")) else turtle_string(licence)


def _statement(subject: str, lines: list[str]) -> list[str]:
    body = [*lines]
    body[-1] = body[-1].rstrip(" ;") + " ."
    return [turtle_iri(subject), *body, ""]


def catalog_turtle(meta: FrameworkMeta, controls: Sequence[ControlRecord], header: Sequence[str] = ()) -> str:
    """Turtle text of one framework catalog."""
    fw = framework_iri(meta.slug)
    notations = [c.notation for c in controls]
    duplicates = sorted({n for n in notations if notations.count(n) > 1})
    if duplicates:
        raise ValueError(f"{meta.slug}: duplicate notations {duplicates}")
    known = set(notations)
    out = _header(header or [f"{meta.title}: catalog of identifiers, official short titles and hierarchy."])
    fw_lines = [
        "    a cg:Framework ;",
        f"    cg:slug {turtle_string(meta.slug)} ;",
        f"    dcterms:title {turtle_string(meta.title)}@en ;",
        *_provenance_lines(meta.provenance),
        f"    cg:parentIsUnionOfChildren {'true' if meta.parent_is_union_of_children else 'false'} ;",
    ]
    if meta.description:
        fw_lines.append(f"    dcterms:description {turtle_string(meta.description)}@en ;")
    if meta.supersedes:
        fw_lines.append(f"    cg:supersedes {turtle_iri(framework_iri(meta.supersedes))} ;")
    if meta.not_shipped:
        fw_lines.append(f"    cg:notShipped {turtle_string(meta.not_shipped)}@en ;")
    out += _statement(fw, fw_lines)
    for position, c in enumerate(controls, start=1):
        if c.parent is not None and c.parent not in known:
            raise ValueError(f"{meta.slug}:{c.notation}: parent {c.parent!r} is not in the catalog")
        lines = [
            "    a cg:Control ;",
            f"    skos:inScheme {turtle_iri(fw)} ;",
            f"    skos:notation {turtle_string(c.notation)} ;",
            f"    skos:prefLabel {turtle_string(c.title)}@en ;",
            f"    cg:kind {turtle_string(c.kind)} ;",
            f"    cg:order {c.order if c.order is not None else position} ;",
        ]
        if c.title_origin != "official":
            lines.append(f"    cg:titleOrigin {turtle_string(c.title_origin)} ;")
        if c.parent is not None:
            lines.append(f"    skos:broader <{control_iri(meta.slug, c.parent)}> ;")
        else:
            lines.append(f"    skos:topConceptOf {turtle_iri(fw)} ;")
        if c.summary:
            lines.append(f"    cg:summary {turtle_string(c.summary)}@en ;")
        if c.address:
            lines.append(f"    cg:address <{c.address}> ;")
        if c.responsibility:
            lines.append(f"    cg:responsibility {turtle_string(c.responsibility)} ;")
        lines += [f"    cg:memberOf {turtle_string(m)} ;" for m in c.member_of]
        if c.hierarchy:
            lines.append(f"    cg:hierarchy cg:{c.hierarchy} ;")
        lines += [f"    cg:appliesTo {turtle_string(a)} ;" for a in c.applies_to]
        lines += [f"    skos:closeMatch <{iri}> ;" for iri in c.close_matches]
        out += _statement(control_iri(meta.slug, c.notation), lines)
    return "\n".join(out)


@dataclass(frozen=True)
class CoverSetRecord:
    """"``subject`` is covered by the union of ``covered_by``": a cg:CoverSet statement in a mapping set."""

    subject: tuple[str, str]  # (slug, notation)
    covered_by: tuple[tuple[str, str], ...]
    confidence: float | None = None
    comment: str = ""


def cover_set_iri(set_id: str, subject: str) -> str:
    """One cover-set statement per subject within a set."""
    digest = hashlib.sha256(f"cover\n{subject}".encode()).hexdigest()[:16]
    return f"{MAPPING}{set_id}/cover/{digest}"


def _cover_set_lines(set_iri: str, record: CoverSetRecord) -> list[str]:
    lines = [
        "    a cg:CoverSet ;",
        f"    cg:inMappingSet {turtle_iri(set_iri)} ;",
        f"    cg:coverSubject <{control_iri(*record.subject)}> ;",
    ]
    lines += [f"    cg:coveredBy <{control_iri(*y)}> ;" for y in sorted(set(record.covered_by))]
    if record.confidence is not None:
        lines.append(f'    sssom:confidence "{record.confidence}"^^xsd:double ;')
    if record.comment:
        lines.append(f"    rdfs:comment {turtle_string(record.comment)}@en ;")
    return lines


def mapping_set_turtle(
    meta: MappingSetMeta, mappings: Sequence[MappingRecord], header: Sequence[str] = (),
    cover_sets: Sequence[CoverSetRecord] = (),
) -> str:
    """Turtle text of one mapping set: the set node, one node per mapping, then its cover-set statements."""
    ms = mapping_set_iri(meta.set_id)
    out = _header(header or [f"{meta.title}: mapping set."])
    set_lines = [
        "    a cg:MappingSet ;",
        f"    dcterms:title {turtle_string(meta.title)}@en ;",
        *_provenance_lines(meta.provenance),
        f"    cg:authority {turtle_iri(meta.authority.iri)} ;",
        f"    cg:subjectFramework {turtle_iri(framework_iri(meta.subject_framework))} ;",
        f"    cg:objectFramework {turtle_iri(framework_iri(meta.object_framework))} ;",
        f"    sssom:mapping_justification <{SEMAPV}{meta.justification}> ;",
    ]
    if meta.description:
        set_lines.append(f"    dcterms:description {turtle_string(meta.description)}@en ;")
    out += _statement(ms, set_lines)
    seen: dict[tuple[str, str], MappingRecord] = {}
    for m in mappings:
        subject = control_iri(*m.subject)
        obj = control_iri(*m.object)
        if (subject, obj) in seen:
            raise ValueError(
                f"{meta.set_id}: pair {m.subject[0]}:{m.subject[1]} -> {m.object[0]}:{m.object[1]} appears twice"
            )
        seen[(subject, obj)] = m
        lines = [
            "    a cg:Mapping ;",
            f"    cg:inMappingSet {turtle_iri(ms)} ;",
            f"    cg:mappingSubject <{subject}> ;",
            f"    cg:mappingObject <{obj}> ;",
            f"    cg:relation {turtle_iri(m.relation.iri)} ;",
            f"    cg:rationale {turtle_iri(m.rationale.iri)} ;",
            f"    sssom:mapping_justification <{SEMAPV}{m.justification or meta.justification}> ;",
        ]
        if m.relation_source != "stated":
            lines.append(f"    cg:relationSource {turtle_string(m.relation_source)} ;")
        if m.strength is not None:
            lines.append(f"    cg:strength {m.strength} ;")
        if m.confidence is not None:
            lines.append(f'    sssom:confidence "{m.confidence}"^^xsd:double ;')
        if m.comment:
            lines.append(f"    rdfs:comment {turtle_string(m.comment)}@en ;")
        for key, value in sorted(m.extra.items()):
            lines.append(f"    <{key}> {turtle_string(value)} ;")
        out += _statement(mapping_iri(meta.set_id, subject, obj), lines)
    subjects: set[tuple[str, str]] = set()
    for record in cover_sets:
        if record.subject in subjects:
            raise ValueError(f"{meta.set_id}: two cover sets for {record.subject[0]}:{record.subject[1]}")
        subjects.add(record.subject)
        out += _statement(cover_set_iri(meta.set_id, control_iri(*record.subject)), _cover_set_lines(ms, record))
    return "\n".join(out)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


__all__ = [
    "CONTROL",
    "DCTERMS",
    "OWL",
    "RDFS",
    "SKOS",
    "SSSOM",
    "XSD",
    "ControlRecord",
    "CoverSetRecord",
    "FrameworkMeta",
    "MappingRecord",
    "MappingSetMeta",
    "Provenance",
    "catalog_turtle",
    "mapping_set_turtle",
    "write_text",
]
