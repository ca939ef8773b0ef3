"""Custom mappings a tenant writes from its GRC tool: create, update, retract, import SSSOM.

Everything a tenant writes lives in its own named graph (``graph/tenant/<name>``), but its audit trail:
- one ``cg:MappingSet`` node, ``ms:tenant-<name>`` (authority ``cg:User``, the tenant as publisher,
  its revision, the number of changes so far, as version), holding the mappings made one by one;
- one set per imported SSSOM file, ``ms:tenant-<name>--<file's set name>``, authority always ``cg:User``
  whatever the file claims;
- the mapping nodes, minted under ``id/mapping/tenant-<name>...``, so a tenant's triples only ever
  describe the tenant's own nodes (reads may then drop a hidden graph's rows by the mapping's graph);
- an audit record per change (``id/audit/<name>/...``, a ``prov:Entity``): who (``prov:wasAttributedTo``),
  when (``prov:generatedAtTime``), the action (``dcterms:type``), the mapping or set (``dcterms:subject``)
  and what it said (``rdfs:comment``). Records go to the tenant's audit graph (``graph/tenant/<name>/audit``),
  which a change only adds to, so a write costs the same however long the history (stores written before
  kept theirs in the tenant graph: they stay there, written back as they are).

Each change rebuilds the tenant graph's content and hands it, with its audit record, to
:func:`controlgraph.service.tenant_commit.commit_tenant_graph`, which validates what changed with SHACL in the
context of the shared graphs it touches and writes both in one transaction (or raises and writes nothing).
Changes of one tenant are serialised within the process, so none is lost to a race.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from controlgraph.analysis.satisfiers import control_info
from controlgraph.data.authoring import cover_set_iri
from controlgraph.data.terms import term_value
from controlgraph.errors import ImportRejected, InputError, NotFound
from controlgraph.pipeline.imports import RowIssue
from controlgraph.service.tenant_commit import commit_tenant_graph
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import tenant_agent, tenant_audit_graph, tenant_graph
from controlgraph.vocabulary import (
    CG,
    DCTERMS,
    ID,
    MAPPING,
    MAPPING_SET,
    OWL,
    PROV,
    RDF,
    RDFS,
    SEMAPV,
    SSSOM,
    XSD,
    Authority,
    Rationale,
    Relation,
    mapping_iri,
    mapping_set_iri,
    parse_control_ref,
)

AUDIT = ID + "audit/"
_JUSTIFICATION_RE = re.compile(r"^[A-Za-z]{1,80}$")
_REVISION_RE = re.compile(r"^revision ([0-9]{1,12})$")
_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_locks_guard = threading.Lock()

_N = ox.NamedNode


def custom_set_id(tenant: str) -> str:
    return f"tenant-{tenant}"


def custom_set_iri(tenant: str) -> str:
    return mapping_set_iri(custom_set_id(tenant))


@dataclass(frozen=True)
class MappingDraft:
    """A new custom mapping: ``subject relation object`` with the facts a curator gives."""

    subject: str  # slug:ID or control IRI
    object: str
    relation: Relation
    rationale: Rationale = Rationale.SEMANTIC
    strength: int | None = None
    confidence: float | None = None
    comment: str | None = None
    justification: str = "ManualMappingCuration"


@dataclass(frozen=True)
class MappingPatch:
    """Changes to a custom mapping; a field left None stays as it is (``clear`` names fields to remove)."""

    relation: Relation | None = None
    rationale: Rationale | None = None
    strength: int | None = None
    confidence: float | None = None
    comment: str | None = None
    clear: tuple[str, ...] = ()  # of "strength", "confidence", "comment"


@dataclass(frozen=True)
class ChangeOutcome:
    action: str  # create, update, retract, import-sssom
    node: str  # the mapping (or, for an import, the mapping set) changed
    audit: str
    mappings: int = 1
    issues: tuple[RowIssue, ...] = ()


def _tenant_lock(tenant: str) -> threading.Lock:
    with _locks_guard:
        return _locks[tenant]


def _by_subject(triples: Iterable[ox.Triple]) -> dict[str, list[ox.Triple]]:
    grouped: dict[str, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        grouped[term_value(t.subject)].append(t)
    return grouped


def _value(triples: Sequence[ox.Triple], predicate: str) -> str | None:
    return next((term_value(t.object) for t in triples if t.predicate.value == predicate), None)


def _control_iri(store: GraphStore, text: str, role: str) -> str:
    try:
        ref = parse_control_ref(text)
    except ValueError as exc:
        raise InputError(f"{role}: {exc}") from None
    control_info(store, ref)  # NotFound names the control
    return ref.iri


def _mapping_triples(node: str, set_iri: str, subject: str, obj: str, draft: MappingDraft) -> list[ox.Triple]:
    if not _JUSTIFICATION_RE.match(draft.justification):
        raise InputError(f"justification {draft.justification!r} is not a semapv term name such as "
                         "ManualMappingCuration")
    m = _N(node)
    out = [
        ox.Triple(m, _N(RDF + "type"), _N(CG + "Mapping")),
        ox.Triple(m, _N(CG + "inMappingSet"), _N(set_iri)),
        ox.Triple(m, _N(CG + "mappingSubject"), _N(subject)),
        ox.Triple(m, _N(CG + "mappingObject"), _N(obj)),
        ox.Triple(m, _N(CG + "relation"), _N(draft.relation.iri)),
        ox.Triple(m, _N(CG + "rationale"), _N(draft.rationale.iri)),
        ox.Triple(m, _N(SSSOM + "mapping_justification"), _N(SEMAPV + draft.justification)),
    ]
    if draft.strength is not None:
        out.append(ox.Triple(m, _N(CG + "strength"), ox.Literal(str(draft.strength), datatype=_N(XSD + "integer"))))
    if draft.confidence is not None:
        out.append(ox.Triple(m, _N(SSSOM + "confidence"),
                             ox.Literal(repr(float(draft.confidence)), datatype=_N(XSD + "double"))))
    if draft.comment:
        out.append(ox.Triple(m, _N(RDFS + "comment"), ox.Literal(draft.comment)))
    return out


def _draft_of(triples: Sequence[ox.Triple]) -> MappingDraft:
    """Read a stored custom mapping node back as a draft (for updates)."""
    strength = _value(triples, CG + "strength")
    confidence = _value(triples, SSSOM + "confidence")
    rationale_iri = _value(triples, CG + "rationale")
    justification = _value(triples, SSSOM + "mapping_justification") or SEMAPV + "ManualMappingCuration"
    return MappingDraft(
        subject=str(_value(triples, CG + "mappingSubject")),
        object=str(_value(triples, CG + "mappingObject")),
        relation=Relation.from_iri(str(_value(triples, CG + "relation"))),
        rationale=next((r for r in Rationale if r.iri == rationale_iri), Rationale.SEMANTIC),
        strength=int(strength) if strength is not None else None,
        confidence=float(confidence) if confidence is not None else None,
        comment=_value(triples, RDFS + "comment"),
        justification=justification.rsplit("/", 1)[-1],
    )


def _describe(draft: MappingDraft) -> str:
    extras = []
    if draft.strength is not None:
        extras.append(f"strength {draft.strength}")
    if draft.confidence is not None:
        extras.append(f"confidence {draft.confidence:g}")
    tail = f" ({', '.join(extras)})" if extras else ""
    return f"<{draft.subject}> {draft.relation.value} <{draft.object}>{tail}"


def _set_triples(tenant: str, revision: int, today: dt.date) -> list[ox.Triple]:
    s = _N(custom_set_iri(tenant))
    return [
        ox.Triple(s, _N(RDF + "type"), _N(CG + "MappingSet")),
        ox.Triple(s, _N(DCTERMS + "title"), ox.Literal(f"Custom mappings of tenant {tenant}", language="en")),
        ox.Triple(s, _N(DCTERMS + "publisher"), ox.Literal(tenant)),
        ox.Triple(s, _N(DCTERMS + "source"), _N(tenant_agent(tenant))),
        ox.Triple(s, _N(OWL + "versionInfo"), ox.Literal(f"revision {revision}")),
        ox.Triple(s, _N(DCTERMS + "issued"), ox.Literal(today.isoformat(), datatype=_N(XSD + "date"))),
        ox.Triple(s, _N(DCTERMS + "license"), ox.Literal("the tenant's own")),
        ox.Triple(s, _N(CG + "authority"), _N(Authority.USER.iri)),
        ox.Triple(s, _N(SSSOM + "mapping_justification"), _N(SEMAPV + "ManualMappingCuration")),
    ]


def _audit_triples(tenant: str, action: str, node: str, what: str, now: dt.datetime) -> tuple[str, list[ox.Triple]]:
    iri = f"{AUDIT}{tenant}/{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}"
    a = _N(iri)
    return iri, [
        ox.Triple(a, _N(RDF + "type"), _N(PROV + "Entity")),
        ox.Triple(a, _N(DCTERMS + "type"), ox.Literal(action)),
        ox.Triple(a, _N(PROV + "wasAttributedTo"), _N(tenant_agent(tenant))),
        ox.Triple(a, _N(PROV + "generatedAtTime"), ox.Literal(now.isoformat(), datatype=_N(XSD + "dateTime"))),
        ox.Triple(a, _N(DCTERMS + "subject"), _N(node)),
        ox.Triple(a, _N(RDFS + "comment"), ox.Literal(what)),
    ]


class _TenantGraph:
    """The tenant graph's current content, edited in memory and committed as one validated write."""

    def __init__(self, store: GraphStore, tenant: str) -> None:
        self.store = store
        self.tenant = tenant
        self.graph = tenant_graph(tenant)
        self.previous = store.graph_triples(self.graph)
        self.nodes = _by_subject(self.previous)
        own_set = self.nodes.pop(custom_set_iri(tenant), [])  # rewritten with the new revision on commit
        found = _REVISION_RE.match(_value(own_set, OWL + "versionInfo") or "")
        self.revision = int(found.group(1)) if found else 0

    def mapping(self, iri: str) -> list[ox.Triple]:
        node = self.nodes.get(iri)
        if node is None or not any(t.predicate.value == RDF + "type" and term_value(t.object) == CG + "Mapping"
                                   for t in node):
            raise NotFound(f"no custom mapping <{iri}> in your graph")
        return node

    def find_pair(self, set_iri: str, subject: str, obj: str) -> str | None:
        for iri, triples in self.nodes.items():
            if (_value(triples, CG + "inMappingSet") == set_iri and _value(triples, CG + "mappingSubject") == subject
                    and _value(triples, CG + "mappingObject") == obj):
                return iri
        return None

    def commit(self, action: str, node: str, what: str, now: dt.datetime | None = None) -> str:
        moment = now or dt.datetime.now(dt.UTC)
        audit_iri, audit = _audit_triples(self.tenant, action, node, what, moment)
        past_audit: list[ox.Triple] = []
        content: list[ox.Triple] = []
        for triples in self.nodes.values():
            if any(t.predicate.value == PROV + "wasAttributedTo" for t in triples):
                past_audit += triples
            else:
                content += triples
        content += _set_triples(self.tenant, self.revision + 1, moment.date())
        # Audit records of older stores never change and no shape reads them: written back unvalidated.
        commit_tenant_graph(self.store, self.graph, content, label=f"custom mappings of tenant {self.tenant}",
                            validated_before=past_audit, previous=self.previous,
                            append={tenant_audit_graph(self.tenant): audit})
        return audit_iri


def create_mapping(store: GraphStore, tenant: str, draft: MappingDraft) -> ChangeOutcome:
    """Add ``draft`` to the tenant's mapping set; an already mapped pair is an input error (update it)."""
    subject = _control_iri(store, draft.subject, "subject")
    obj = _control_iri(store, draft.object, "object")
    set_iri = custom_set_iri(tenant)
    node = mapping_iri(custom_set_id(tenant), subject, obj)
    with _tenant_lock(tenant):
        graph = _TenantGraph(store, tenant)
        existing = graph.find_pair(set_iri, subject, obj)
        if existing is not None:
            raise InputError(f"{draft.subject} and {draft.object} are already mapped by <{existing}>; "
                             "update or retract that mapping")
        stored = replace(draft, subject=subject, object=obj)
        graph.nodes[node] = _mapping_triples(node, set_iri, subject, obj, stored)
        audit = graph.commit("create", node, _describe(stored))
    return ChangeOutcome("create", node, audit)


def update_mapping(store: GraphStore, tenant: str, iri: str, patch: MappingPatch) -> ChangeOutcome:
    """Change the relation or facts of one of the tenant's mappings (subject and object stay)."""
    unknown = set(patch.clear) - {"strength", "confidence", "comment"}
    if unknown:
        raise InputError(f"cannot clear {', '.join(sorted(unknown))}; only strength, confidence and comment")
    with _tenant_lock(tenant):
        graph = _TenantGraph(store, tenant)
        triples = graph.mapping(iri)
        before = _draft_of(triples)
        changes = {k: v for k, v in vars(patch).items() if k != "clear" and v is not None}
        changes.update({name: None for name in patch.clear})
        after = replace(before, **changes)
        graph.nodes[iri] = _mapping_triples(iri, str(_value(triples, CG + "inMappingSet")), after.subject,
                                            after.object, after)
        audit = graph.commit("update", iri, f"{_describe(before)} became {_describe(after)}")
    return ChangeOutcome("update", iri, audit)


def retract_mapping(store: GraphStore, tenant: str, iri: str) -> ChangeOutcome:
    """Remove one of the tenant's mappings or cover-set statements; its audit trail stays."""
    with _tenant_lock(tenant):
        graph = _TenantGraph(store, tenant)
        node = graph.nodes.get(iri, [])
        if any(t.predicate.value == RDF + "type" and term_value(t.object) == CG + "CoverSet" for t in node):
            what = _describe_cover_set(node)
        else:
            what = _describe(_draft_of(graph.mapping(iri)))
        del graph.nodes[iri]
        audit = graph.commit("retract", iri, f"retracted {what}")
    return ChangeOutcome("retract", iri, audit)


def create_cover_set(store: GraphStore, tenant: str, subject: str, covered_by: Sequence[str],
                     confidence: float | None = None, comment: str | None = None) -> ChangeOutcome:
    """State that ``subject`` is covered by the union of ``covered_by`` (a ``cg:CoverSet`` in the tenant's set).

    One statement per subject: a second one is an input error (retract the first). SHACL checks it on commit.
    """
    x = _control_iri(store, subject, "subject")
    members = sorted({_control_iri(store, y, "coveredBy") for y in covered_by})
    if not members:
        raise InputError("coveredBy: name at least one control")
    if x in members:
        raise InputError("coveredBy lists the subject itself")
    if confidence is not None and not 0.0 <= confidence <= 1.0:
        raise InputError("confidence must be from 0 to 1")
    set_iri = custom_set_iri(tenant)
    node = cover_set_iri(custom_set_id(tenant), x)
    n = _N(node)
    triples = [ox.Triple(n, _N(RDF + "type"), _N(CG + "CoverSet")),
               ox.Triple(n, _N(CG + "inMappingSet"), _N(set_iri)),
               ox.Triple(n, _N(CG + "coverSubject"), _N(x))]
    triples += [ox.Triple(n, _N(CG + "coveredBy"), _N(y)) for y in members]
    if confidence is not None:
        triples.append(ox.Triple(n, _N(SSSOM + "confidence"), ox.Literal(repr(float(confidence)),
                                                                          datatype=_N(XSD + "double"))))
    if comment:
        triples.append(ox.Triple(n, _N(RDFS + "comment"), ox.Literal(comment)))
    with _tenant_lock(tenant):
        graph = _TenantGraph(store, tenant)
        if node in graph.nodes:
            raise InputError(f"{subject} already has a cover set <{node}>; retract it first")
        graph.nodes[node] = triples
        audit = graph.commit("create", node, _describe_cover_set(triples))
    return ChangeOutcome("create", node, audit)


def _describe_cover_set(triples: Sequence[ox.Triple]) -> str:
    members = sorted(term_value(t.object) for t in triples if t.predicate.value == CG + "coveredBy")
    return f"<{_value(triples, CG + 'coverSubject')}> covered by the union of " + ", ".join(f"<{m}>" for m in members)


def import_sssom_text(store: GraphStore, tenant: str, text: str, *, keep_going: bool = False) -> ChangeOutcome:
    """Read SSSOM/TSV text as one more mapping set of the tenant's, replacing an earlier import of the same set."""
    from controlgraph.sssom_tsv import control_iris, read_sssom

    shown = "sssom upload"
    with tempfile.TemporaryDirectory(prefix="controlgraph-sssom-") as folder:
        path = Path(folder) / "upload.sssom.tsv"
        path.write_text(text, encoding="utf-8")
        try:
            dataset = read_sssom(path, known_controls=control_iris(store))
        except InputError as exc:
            raise InputError(str(exc).replace(str(path), shown)) from None
    issues = tuple(RowIssue(i.source.replace(str(path), shown), i.value, i.action, i.reason) for i in dataset.issues)
    rejected = [i for i in issues if i.action == "rejected"]
    if rejected and not keep_going:
        more = f" (and {len(rejected) - 1} more rejected row(s))" if len(rejected) > 1 else ""
        where, _, line = rejected[0].source.rpartition("#")
        raise ImportRejected(f"{where}:{line}: {rejected[0].reason}{more}; nothing was imported")
    if not dataset.counts.get("mappings") and not dataset.counts.get("cover_sets"):
        raise ImportRejected(f"{shown}: no usable mapping rows; nothing was imported")
    set_id = f"{custom_set_id(tenant)}--{dataset.name}"
    set_iri = mapping_set_iri(set_id)
    imported = _rehome(dataset.triples, mapping_set_iri(dataset.name), set_id)
    with _tenant_lock(tenant):
        graph = _TenantGraph(store, tenant)
        for iri in [i for i, ts in graph.nodes.items() if iri_in_set(ts, set_iri) or i == set_iri]:
            del graph.nodes[iri]
        graph.nodes.update(imported)
        count = dataset.counts["mappings"]
        covers = f" and {dataset.counts['cover_sets']} cover set(s)" if dataset.counts.get("cover_sets") else ""
        audit = graph.commit("import-sssom", set_iri, f"imported {count} mapping(s){covers} as <{set_iri}>")
    return ChangeOutcome("import-sssom", set_iri, audit, count, issues)


def iri_in_set(triples: Sequence[ox.Triple], set_iri: str) -> bool:
    return _value(triples, CG + "inMappingSet") == set_iri


def _rehome(triples: Sequence[ox.Triple], old_set: str, set_id: str) -> dict[str, list[ox.Triple]]:
    """The imported set and its mappings under the tenant's IRIs, with authority forced to user."""
    nodes = _by_subject(triples)
    renamed = {old_set: mapping_set_iri(set_id)}
    for iri, ts in nodes.items():
        if iri.startswith(MAPPING) and _value(ts, CG + "coverSubject") is not None:
            renamed[iri] = cover_set_iri(set_id, str(_value(ts, CG + "coverSubject")))
        elif iri.startswith(MAPPING):
            renamed[iri] = mapping_iri(set_id, str(_value(ts, CG + "mappingSubject")),
                                       str(_value(ts, CG + "mappingObject")))
    out: dict[str, list[ox.Triple]] = {}
    for iri, ts in nodes.items():
        if iri not in renamed:
            raise ImportRejected(f"sssom upload: unexpected node <{iri}> in the imported data; nothing was imported")
        new = _N(renamed[iri])
        kept = []
        for t in ts:
            if t.predicate.value == CG + "authority":
                continue
            target = t.object
            if isinstance(target, ox.NamedNode) and target.value in renamed:
                target = _N(renamed[target.value])
            kept.append(ox.Triple(new, t.predicate, target))
        if iri == old_set:
            # A tenant publishes as a user, whatever authority its file claims.
            kept.append(ox.Triple(new, _N(CG + "authority"), _N(Authority.USER.iri)))
        out[renamed[iri]] = kept
    assert all(i.startswith((MAPPING, MAPPING_SET)) for i in out)
    return out
