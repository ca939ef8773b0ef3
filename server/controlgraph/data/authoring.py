"""Framework catalogs and mapping sets as triples, and as readable, deterministic Turtle.

The files in ``mappings/`` are produced through this module (by the generators in
``scripts/`` or by hand-kept curation sources), and importers build their datasets with it, so every
dataset has the same shape: one dataset per file, its provenance on the framework or mapping-set
node, and stable IRIs from :mod:`controlgraph.vocabulary`.

Graphs are built as pyoxigraph terms (:func:`catalog_triples`, :func:`mapping_set_triples`): every IRI
taken from a value is checked by pyoxigraph's IRI parser (an address such as ``http://x> <p> <o`` is
refused with a ``ValueError`` naming the field), and text is a literal whatever it holds. The Turtle is
written from those terms (:func:`turtle_text`), never assembled from the raw values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from controlgraph.data.literals import brief
from controlgraph.vocabulary import (
    CG,
    CONTROL,
    DCTERMS,
    FRAMEWORK,
    MAPPING,
    MAPPING_SET,
    OWL,
    PREFIXES,
    RDF,
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
    source: str  # an IRI of the source document or file (an http(s) address where there is one)
    version: str
    issued: dt.date
    licence: str  # an address of the licence or a short statement of terms


PAV_AUTHORED_BY = "http://purl.org/pav/authoredBy"  # the property SSSOM's author_id maps to

RESPONSIBLE_PARTIES = {  # whose obligation a control or mapping is (ontology: cg:ResponsibleParty), by short name
    "customer": CG + "CloudServiceCustomer",
    "provider": CG + "CloudServiceProvider",
    "shared": CG + "SharedResponsibility",
}


@dataclass(frozen=True)
class LinkSource:
    """An external vocabulary a catalog's items link to (e.g. W3C DPV via skos:closeMatch), with provenance."""

    iri: str
    title: str
    provenance: Provenance
    link_property: str  # full IRI, e.g. SKOS closeMatch


@dataclass(frozen=True)
class FrameworkMeta:
    slug: str
    title: str
    provenance: Provenance
    description: str = ""
    supersedes: str | None = None  # slug of the earlier edition
    parent_is_union_of_children: bool = False
    not_shipped: str = ""
    link_sources: Sequence[LinkSource] = ()


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
    responsible_party: str | None = None  # a key of RESPONSIBLE_PARTIES


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
    responsible_party: str | None = None  # a key of RESPONSIBLE_PARTIES: whose obligation the mapping concerns
    author_ids: Sequence[str] = ()  # IRIs of who decided the mapping (SSSOM author_id, pav:authoredBy)
    reviewer_ids: Sequence[str] = ()  # IRIs of who reviewed it (SSSOM reviewer_id)


def turtle_string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


_PN_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


def turtle_iri(iri: str) -> str:
    """A prefixed name where one is valid Turtle, else the full IRI (checked: it cannot break out of ``<>``)."""
    for prefix, ns in (("fw", FRAMEWORK), ("ms", MAPPING_SET), ("cg", CG)):
        if iri.startswith(ns) and _PN_LOCAL.match(iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return str(ox.NamedNode(iri))


# ---------------------------------------------------------------------------------------------- terms
# Every value, wherever it comes from (a generator's source file or a user's import), becomes a pyoxigraph
# term here: an IRI is checked by pyoxigraph's IRI parser, a text is a literal, so no value can change the
# shape of the graph. The Turtle text below is written from these terms, never from the raw values.

_TYPE = ox.NamedNode(RDF + "type")
_PREDICATE_NAMES: dict[str, str] = {}


def _p(prefix: str, local: str) -> ox.NamedNode:
    iri = PREFIXES[prefix] + local
    _PREDICATE_NAMES[iri] = f"{prefix}:{local}"
    return ox.NamedNode(iri)


P_SLUG, P_TITLE, P_PUBLISHER, P_SOURCE = _p("cg", "slug"), _p("dcterms", "title"), _p("dcterms", "publisher"), \
    _p("dcterms", "source")
P_VERSION, P_ISSUED, P_LICENSE = _p("owl", "versionInfo"), _p("dcterms", "issued"), _p("dcterms", "license")
P_UNION, P_DESCRIPTION = _p("cg", "parentIsUnionOfChildren"), _p("dcterms", "description")
P_SUPERSEDES, P_NOT_SHIPPED, P_IN_SCHEME = _p("cg", "supersedes"), _p("cg", "notShipped"), _p("skos", "inScheme")
P_NOTATION, P_LABEL, P_KIND, P_ORDER = _p("skos", "notation"), _p("skos", "prefLabel"), _p("cg", "kind"), \
    _p("cg", "order")
P_TITLE_ORIGIN, P_BROADER, P_TOP = _p("cg", "titleOrigin"), _p("skos", "broader"), _p("skos", "topConceptOf")
P_SUMMARY, P_ADDRESS, P_RESPONSIBILITY = _p("cg", "summary"), _p("cg", "address"), _p("cg", "responsibility")
P_MEMBER_OF, P_CLOSE_MATCH, P_AUTHORITY = _p("cg", "memberOf"), _p("skos", "closeMatch"), _p("cg", "authority")
P_SUBJECT_FW, P_OBJECT_FW = _p("cg", "subjectFramework"), _p("cg", "objectFramework")
P_JUSTIFICATION, P_IN_SET = _p("sssom", "mapping_justification"), _p("cg", "inMappingSet")
P_SUBJECT, P_OBJECT, P_RELATION = _p("cg", "mappingSubject"), _p("cg", "mappingObject"), _p("cg", "relation")
P_RATIONALE, P_RELATION_SOURCE, P_STRENGTH = _p("cg", "rationale"), _p("cg", "relationSource"), \
    _p("cg", "strength")
P_CONFIDENCE, P_COMMENT = _p("sssom", "confidence"), _p("rdfs", "comment")
P_HIERARCHY, P_APPLIES_TO = _p("cg", "hierarchy"), _p("cg", "appliesTo")
P_COVER_SUBJECT, P_COVERED_BY = _p("cg", "coverSubject"), _p("cg", "coveredBy")
P_PARTY, P_LINK_SOURCE, P_LINK_PROPERTY = _p("cg", "responsibleParty"), _p("cg", "linkSource"), _p("cg", "linkProperty")
P_AUTHORED_BY, P_REVIEWER = ox.NamedNode(PAV_AUTHORED_BY), _p("sssom", "reviewer_id")


def _party(name: str, what: str) -> ox.NamedNode:
    if name not in RESPONSIBLE_PARTIES:
        raise ValueError(f"{what}: responsible party {brief(name)} is not one of {', '.join(RESPONSIBLE_PARTIES)}")
    return ox.NamedNode(RESPONSIBLE_PARTIES[name])


def _iri(value: str, what: str, *, web: bool = False) -> ox.NamedNode:
    """``value`` as an IRI; ``ValueError`` naming ``what`` if it is not one (or, with ``web``, not http(s))."""
    try:
        node = ox.NamedNode(value)
    except (ValueError, TypeError):
        raise ValueError(f"{what} {brief(value, 120)} is not a valid IRI") from None
    if web and not value.startswith(("http://", "https://")):
        raise ValueError(f"{what} {brief(value, 120)} is not an http(s) address")
    return node


def _text(value: str, what: str, language: str | None = None) -> ox.Literal:
    try:
        return ox.Literal(value, language=language) if language else ox.Literal(value)
    except (ValueError, TypeError):  # e.g. a lone surrogate, which no RDF text can hold
        raise ValueError(f"{what} {brief(value)} is not storable text") from None


def _typed(lexical: str, datatype: str) -> ox.Literal:
    return ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))


def _integer(value: int, what: str) -> ox.Literal:
    if type(value) is not int:
        raise ValueError(f"{what} {brief(value)} is not an integer")
    return _typed(str(value), "integer")


def _provenance_triples(node: ox.NamedNode, p: Provenance, what: str) -> list[ox.Triple]:
    licence: ox.NamedNode | ox.Literal
    try:  # an address of the licence, or a statement of terms (which may well start with an address)
        licence = _iri(p.licence, f"{what}: licence", web=True)
    except ValueError:
        licence = _text(p.licence, f"{what}: licence")
    return [
        ox.Triple(node, P_PUBLISHER, _text(p.publisher, f"{what}: publisher")),
        ox.Triple(node, P_SOURCE, _iri(p.source, f"{what}: source")),
        ox.Triple(node, P_VERSION, _text(p.version, f"{what}: version")),
        ox.Triple(node, P_ISSUED, _typed(p.issued.isoformat(), "date")),
        ox.Triple(node, P_LICENSE, licence),
    ]


def catalog_triples(meta: FrameworkMeta, controls: Sequence[ControlRecord]) -> list[ox.Triple]:
    """The triples of one framework catalog: the framework node, then each item in order."""
    fw = ox.NamedNode(framework_iri(meta.slug))
    notations = [c.notation for c in controls]
    duplicates = sorted({n for n in notations if notations.count(n) > 1})
    if duplicates:
        raise ValueError(f"{meta.slug}: duplicate notations {duplicates}")
    known = set(notations)
    out = [
        ox.Triple(fw, _TYPE, ox.NamedNode(CG + "Framework")),
        ox.Triple(fw, P_SLUG, _text(meta.slug, "slug")),
        ox.Triple(fw, P_TITLE, _text(meta.title, f"{meta.slug}: title", "en")),
        *_provenance_triples(fw, meta.provenance, meta.slug),
        ox.Triple(fw, P_UNION, _typed("true" if meta.parent_is_union_of_children else "false", "boolean")),
    ]
    if meta.description:
        out.append(ox.Triple(fw, P_DESCRIPTION, _text(meta.description, f"{meta.slug}: description", "en")))
    if meta.supersedes:
        out.append(ox.Triple(fw, P_SUPERSEDES, ox.NamedNode(framework_iri(meta.supersedes))))
    if meta.not_shipped:
        out.append(ox.Triple(fw, P_NOT_SHIPPED, _text(meta.not_shipped, f"{meta.slug}: notShipped", "en")))
    for source in meta.link_sources:
        where = f"{meta.slug}: link source"
        node = _iri(source.iri, where)
        out += [
            ox.Triple(fw, P_LINK_SOURCE, node),
            ox.Triple(node, _TYPE, ox.NamedNode(CG + "LinkSource")),
            ox.Triple(node, P_TITLE, _text(source.title, f"{where}: title", "en")),
            *_provenance_triples(node, source.provenance, where),
            ox.Triple(node, P_LINK_PROPERTY, _iri(source.link_property, f"{where}: property")),
        ]
    for position, c in enumerate(controls, start=1):
        what = f"{meta.slug}:{brief(c.notation)}"
        if c.parent is not None and c.parent not in known:
            raise ValueError(f"{what}: parent {brief(c.parent)} is not in the catalog")
        node = _iri(control_iri(meta.slug, c.notation), f"{what}: identifier")
        out += [
            ox.Triple(node, _TYPE, ox.NamedNode(CG + "Control")),
            ox.Triple(node, P_IN_SCHEME, fw),
            ox.Triple(node, P_NOTATION, _text(c.notation, f"{what}: notation")),
            ox.Triple(node, P_LABEL, _text(c.title, f"{what}: title", "en")),
            ox.Triple(node, P_KIND, _text(c.kind, f"{what}: kind")),
            ox.Triple(node, P_ORDER, _integer(c.order if c.order is not None else position, f"{what}: order")),
        ]
        if c.title_origin != "official":
            out.append(ox.Triple(node, P_TITLE_ORIGIN, _text(c.title_origin, f"{what}: title origin")))
        if c.parent is not None:
            out.append(ox.Triple(node, P_BROADER, _iri(control_iri(meta.slug, c.parent), f"{what}: parent")))
        else:
            out.append(ox.Triple(node, P_TOP, fw))
        if c.summary:
            out.append(ox.Triple(node, P_SUMMARY, _text(c.summary, f"{what}: summary", "en")))
        if c.address:
            out.append(ox.Triple(node, P_ADDRESS, _iri(c.address, f"{what}: address", web=True)))
        if c.responsibility:
            out.append(ox.Triple(node, P_RESPONSIBILITY, _text(c.responsibility, f"{what}: responsibility")))
        if c.responsible_party:
            out.append(ox.Triple(node, P_PARTY, _party(c.responsible_party, what)))
        out += [ox.Triple(node, P_MEMBER_OF, _text(m, f"{what}: memberOf")) for m in c.member_of]
        if c.hierarchy:
            out.append(ox.Triple(node, P_HIERARCHY, _iri(CG + c.hierarchy, f"{what}: hierarchy")))
        out += [ox.Triple(node, P_APPLIES_TO, _text(a, f"{what}: appliesTo")) for a in c.applies_to]
        out += [ox.Triple(node, P_CLOSE_MATCH, _iri(iri, f"{what}: closeMatch")) for iri in c.close_matches]
    return out


def _confidence(value: float, what: str) -> ox.Literal:
    if type(value) not in (int, float):
        raise ValueError(f"{what}: confidence {brief(value)} is not a number")
    return _typed(str(value), "double")


def _cover_set_triples(ms: ox.NamedNode, set_id: str, record: CoverSetRecord) -> list[ox.Triple]:
    subject = control_iri(*record.subject)
    what = f"{set_id}: cover set of {record.subject[0]}:{brief(record.subject[1])}"
    node = ox.NamedNode(cover_set_iri(set_id, subject))
    out = [
        ox.Triple(node, _TYPE, ox.NamedNode(CG + "CoverSet")),
        ox.Triple(node, P_IN_SET, ms),
        ox.Triple(node, P_COVER_SUBJECT, _iri(subject, f"{what}: subject")),
    ]
    out += [ox.Triple(node, P_COVERED_BY, _iri(control_iri(*y), f"{what}: member"))
            for y in sorted(set(record.covered_by))]
    if record.confidence is not None:
        out.append(ox.Triple(node, P_CONFIDENCE, _confidence(record.confidence, what)))
    if record.comment:
        out.append(ox.Triple(node, P_COMMENT, _text(record.comment, f"{what}: comment", "en")))
    return out


def mapping_set_triples(meta: MappingSetMeta, mappings: Sequence[MappingRecord],
                        cover_sets: Sequence[CoverSetRecord] = ()) -> list[ox.Triple]:
    """The triples of one mapping set: the set node, one node per mapping, then its cover-set statements."""
    ms = ox.NamedNode(mapping_set_iri(meta.set_id))
    what = meta.set_id
    out = [
        ox.Triple(ms, _TYPE, ox.NamedNode(CG + "MappingSet")),
        ox.Triple(ms, P_TITLE, _text(meta.title, f"{what}: title", "en")),
        *_provenance_triples(ms, meta.provenance, what),
        ox.Triple(ms, P_AUTHORITY, ox.NamedNode(meta.authority.iri)),
        ox.Triple(ms, P_SUBJECT_FW, ox.NamedNode(framework_iri(meta.subject_framework))),
        ox.Triple(ms, P_OBJECT_FW, ox.NamedNode(framework_iri(meta.object_framework))),
        ox.Triple(ms, P_JUSTIFICATION, _iri(SEMAPV + meta.justification, f"{what}: justification")),
    ]
    if meta.description:
        out.append(ox.Triple(ms, P_DESCRIPTION, _text(meta.description, f"{what}: description", "en")))
    seen: set[tuple[str, str]] = set()
    for m in mappings:
        subject = control_iri(*m.subject)
        obj = control_iri(*m.object)
        pair = f"{m.subject[0]}:{brief(m.subject[1])} -> {m.object[0]}:{brief(m.object[1])}"
        if (subject, obj) in seen:
            raise ValueError(f"{what}: pair {pair} appears twice")
        seen.add((subject, obj))
        node = ox.NamedNode(mapping_iri(meta.set_id, subject, obj))
        out += [
            ox.Triple(node, _TYPE, ox.NamedNode(CG + "Mapping")),
            ox.Triple(node, P_IN_SET, ms),
            ox.Triple(node, P_SUBJECT, _iri(subject, f"{what}: {pair}: subject")),
            ox.Triple(node, P_OBJECT, _iri(obj, f"{what}: {pair}: object")),
            ox.Triple(node, P_RELATION, ox.NamedNode(m.relation.iri)),
            ox.Triple(node, P_RATIONALE, ox.NamedNode(m.rationale.iri)),
            ox.Triple(node, P_JUSTIFICATION,
                      _iri(SEMAPV + (m.justification or meta.justification), f"{what}: {pair}: justification")),
        ]
        if m.relation_source != "stated":
            out.append(ox.Triple(node, P_RELATION_SOURCE, _text(m.relation_source, f"{what}: {pair}: source")))
        if m.strength is not None:
            out.append(ox.Triple(node, P_STRENGTH, _integer(m.strength, f"{what}: {pair}: strength")))
        if m.confidence is not None:
            out.append(ox.Triple(node, P_CONFIDENCE, _confidence(m.confidence, f"{what}: {pair}")))
        if m.comment:
            out.append(ox.Triple(node, P_COMMENT, _text(m.comment, f"{what}: {pair}: comment", "en")))
        if m.responsible_party:
            out.append(ox.Triple(node, P_PARTY, _party(m.responsible_party, f"{what}: {pair}")))
        out += [ox.Triple(node, P_AUTHORED_BY, _iri(a, f"{what}: {pair}: author")) for a in m.author_ids]
        out += [ox.Triple(node, P_REVIEWER, _iri(r, f"{what}: {pair}: reviewer")) for r in m.reviewer_ids]
        for key, value in sorted(m.extra.items()):
            out.append(ox.Triple(node, _iri(key, f"{what}: property"), _text(value, f"{what}: {pair}: value")))
    subjects: set[tuple[str, str]] = set()
    for record in cover_sets:
        if record.subject in subjects:
            raise ValueError(f"{what}: two cover sets for {record.subject[0]}:{brief(record.subject[1])}")
        subjects.add(record.subject)
        out += _cover_set_triples(ms, meta.set_id, record)
    return out


# ---------------------------------------------------------------------------------------------- Turtle text


def _term_turtle(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return turtle_iri(term.value)
    if not isinstance(term, ox.Literal):
        raise ValueError(f"authoring writes IRIs and literals only, not {type(term).__name__}")
    if term.language:
        return f"{turtle_string(term.value)}@{term.language}"
    datatype = term.datatype.value
    if datatype == XSD + "string":
        return turtle_string(term.value)
    if (datatype == XSD + "integer" and _INTEGER.match(term.value)) or (
        datatype == XSD + "boolean" and term.value in ("true", "false")
    ):
        return term.value
    if datatype.startswith(XSD) and _PN_LOCAL.match(datatype[len(XSD):]):
        return f"{turtle_string(term.value)}^^xsd:{datatype[len(XSD):]}"
    return f"{turtle_string(term.value)}^^{ox.NamedNode(datatype)!s}"


def _header(comment_lines: Iterable[str]) -> list[str]:
    # A comment ends at a line break: none may end it early and start a statement.
    flat = (re.sub(r"[\r\n]+", " ", line) for line in comment_lines)
    lines = [f"# {line}" if line else "#" for line in flat]
    used = ("cg", "skos", "dcterms", "rdfs", "owl", "xsd", "sssom", "semapv", "fw", "ms")
    lines += [f"@prefix {p}: <{PREFIXES[p]}> ." for p in used]
    return [*lines, ""]


def turtle_text(triples: Sequence[ox.Triple], header: Iterable[str]) -> str:
    """Readable Turtle of ``triples``: one statement per subject, in the order subjects first appear."""
    by_subject: dict[str, list[ox.Triple]] = {}
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode):
            raise ValueError("authoring writes statements about IRIs only")
        by_subject.setdefault(t.subject.value, []).append(t)
    out = _header(header)
    for subject, statements in by_subject.items():
        body = []
        for t in statements:
            predicate = "a" if t.predicate == _TYPE else _PREDICATE_NAMES.get(t.predicate.value, str(t.predicate))
            body.append(f"    {predicate} {_term_turtle(t.object)} ;")
        body[-1] = body[-1].rstrip(" ;") + " ."
        out += [turtle_iri(subject), *body, ""]
    return "\n".join(out)


def catalog_turtle(meta: FrameworkMeta, controls: Sequence[ControlRecord], header: Sequence[str] = ()) -> str:
    """Turtle text of one framework catalog."""
    default = f"{meta.title}: catalog of identifiers, official short titles and hierarchy."
    return turtle_text(catalog_triples(meta, controls), header or [default])


def mapping_set_turtle(
    meta: MappingSetMeta, mappings: Sequence[MappingRecord], header: Sequence[str] = (),
    cover_sets: Sequence[CoverSetRecord] = (),
) -> str:
    """Turtle text of one mapping set: the set node, one node per mapping, then its cover-set statements."""
    return turtle_text(mapping_set_triples(meta, mappings, cover_sets), header or [f"{meta.title}: mapping set."])


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


__all__ = [
    "CONTROL",
    "DCTERMS",
    "OWL",
    "RDFS",
    "RESPONSIBLE_PARTIES",
    "SKOS",
    "SSSOM",
    "XSD",
    "ControlRecord",
    "CoverSetRecord",
    "FrameworkMeta",
    "LinkSource",
    "MappingRecord",
    "MappingSetMeta",
    "Provenance",
    "catalog_triples",
    "catalog_turtle",
    "mapping_set_triples",
    "mapping_set_turtle",
    "turtle_text",
    "write_text",
]
