"""Writing a mapping set of the graph as SSSOM/TSV that ``sssom validate`` accepts.

The metadata block carries the set's provenance (title, description, version, publication date,
licence, publisher as ``creator_label``, source address as ``mapping_provider``, the frameworks as
``subject_source``/``object_source``, authority), a ``curie_map`` with one prefix per framework, and
the declarations of the extension slots. Each mapping becomes one row, sorted by subject and object.
A cover-set statement marks the rows of its members (see :mod:`.slots`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
import yaml

from controlgraph.errors import NotFound
from controlgraph.sssom_tsv.slots import (
    CARRIED_SLOTS,
    COVER_SET_ONLY,
    COVER_SET_ONLY_JUSTIFICATION,
    EXT_AUTHORITY,
    EXT_COVER_SET,
    EXT_COVER_SET_COMMENT,
    EXT_COVER_SET_CONFIDENCE,
    EXT_LICENCE_STATEMENT,
    EXT_RATIONALE,
    EXT_RELATION,
    EXT_RELATION_SOURCE,
    EXT_STRENGTH,
    EXTENSIONS,
    LICENCE_FRAGMENT,
    LINKML,
    MULTIVALUE_SEPARATOR,
    OPTIONAL_EXTENSIONS,
    RELATION_PREDICATE,
    PrefixMap,
)
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import (
    CG,
    CONTROL,
    DCTERMS,
    FRAMEWORK,
    MAPPING_SET,
    OWL,
    PROV,
    RDF,
    RDFS,
    SEMAPV,
    SKOS,
    SSSOM,
    XSD,
    Relation,
    mapping_set_iri,
)

_SET_STATEMENTS = "SELECT ?set ?p ?o WHERE { ?set ?p ?o }"
_MAPPING_STATEMENTS = f"SELECT ?set ?m ?p ?o WHERE {{ ?m <{CG}inMappingSet> ?set ; ?p ?o }}"
_LABELS = f"""
SELECT ?set ?c ?label WHERE {{
    ?m <{CG}inMappingSet> ?set .
    {{ ?m <{CG}mappingSubject> ?c }} UNION {{ ?m <{CG}mappingObject> ?c }}
    UNION {{ ?m <{CG}coverSubject> ?c }} UNION {{ ?m <{CG}coveredBy> ?c }}
    ?c <{SKOS}prefLabel> ?label .
}}"""
# Namespaces every export declares, besides one prefix per framework whose controls it names.
_BASE_PREFIXES = {"cg": CG, "fw": FRAMEWORK, "skos": SKOS, "semapv": SEMAPV, "xsd": XSD, "linkml": LINKML}
# Prefixes for other namespaces a file may need (authors' ORCIDs, the sets named in mapping_source).
_WELL_KNOWN = {"orcid": "https://orcid.org/", "wikidata": "http://www.wikidata.org/entity/", "ms": MAPPING_SET}


@dataclass
class _Node:
    """The statements about one node, by property."""

    values: dict[str, list[ox.NamedNode | ox.Literal]] = field(default_factory=lambda: defaultdict(list))

    def all(self, prop: str) -> list[str]:
        return sorted({v.value for v in self.values.get(prop, [])})

    def first(self, prop: str) -> str:
        found = self.all(prop)
        return found[0] if found else ""

    def term(self, prop: str) -> ox.NamedNode | ox.Literal | None:
        found = sorted(self.values.get(prop, []), key=str)
        return found[0] if found else None


Statements = Mapping[str, Sequence[ox.NamedNode | ox.Literal]]


@dataclass(frozen=True)
class CoverStatement:
    """A cover-set statement to write: ``subject`` is covered by the union of ``members`` (IRIs)."""

    node: str
    subject: str
    members: tuple[str, ...]
    confidence: str = ""
    comment: str = ""
    mapping_set: str = ""  # a crosswalk: the IRI of the set it belongs to, matched against mapping_source

    @classmethod
    def of(cls, node: str, statements: Statements, mapping_set: str = "") -> CoverStatement:
        values = _node(statements)
        confidence = values.first(SSSOM + "confidence")
        return cls(node, values.first(CG + "coverSubject"), tuple(values.all(CG + "coveredBy")),
                   str(float(confidence)) if confidence else "", " ".join(values.all(RDFS + "comment")), mapping_set)


def _node(statements: Statements) -> _Node:
    node = _Node()
    for prop, values in statements.items():
        node.values[prop].extend(values)
    return node


def _statements(store: GraphStore, query: str, set_iri: str) -> Iterable[ox.QuerySolution]:
    # ?set is projected because pyoxigraph binds only projected variables.
    result = store.query(query, substitutions={"set": ox.NamedNode(set_iri)})
    assert isinstance(result, ox.QuerySolutions)
    return result


def _natural_key(text: str) -> list[tuple[int, int | str]]:
    """Sort ``A.5.2`` before ``A.5.10``."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part]


def _set_iri(mapping_set_id: str) -> str:
    if "://" in mapping_set_id:
        return mapping_set_id
    try:
        return mapping_set_iri(mapping_set_id)
    except ValueError:
        raise NotFound(f"no mapping set {mapping_set_id!r} (give a set id such as "
                       "iso27001-2022--iso27002-2022, or the set's IRI)") from None


def _prefix_map(iris: Iterable[str]) -> PrefixMap:
    """Our namespaces, one prefix per framework, and a prefix for any other namespace in ``iris``."""
    prefixes = dict(_BASE_PREFIXES)
    others: set[str] = set()
    for iri in iris:
        if iri.startswith(CONTROL):
            slug = iri[len(CONTROL):].partition("/")[0]
            prefixes[slug] = f"{CONTROL}{slug}/"
        elif not any(iri.startswith(ns) for ns in prefixes.values()):
            known = next((ns for ns in _WELL_KNOWN.values() if iri.startswith(ns)), None)
            others.add(known or iri[: max(iri.rfind("/"), iri.rfind("#")) + 1])
    by_namespace = {ns: p for p, ns in _WELL_KNOWN.items()}
    for number, namespace in enumerate(sorted(others), start=1):
        prefixes[by_namespace.get(namespace, f"ns{number}")] = namespace
    return PrefixMap(prefixes)


def _metadata(set_iri: str, node: _Node, prefixes: PrefixMap, used: set[str]) -> dict[str, object]:
    meta: dict[str, object] = {
        "curie_map": prefixes.declared,
        "mapping_set_id": set_iri,
        "mapping_set_title": node.first(DCTERMS + "title"),
    }
    if description := node.first(DCTERMS + "description"):
        meta["mapping_set_description"] = description
    meta["mapping_set_version"] = node.first(OWL + "versionInfo")
    if issued := node.first(DCTERMS + "issued"):
        meta["publication_date"] = dt.date.fromisoformat(issued)
    licence = node.term(DCTERMS + "license")
    if isinstance(licence, ox.NamedNode):
        meta["license"] = licence.value
    elif licence is not None:  # a statement of terms: SSSOM wants an IRI, so name the statement
        meta["license"] = set_iri + LICENCE_FRAGMENT
        meta[EXT_LICENCE_STATEMENT.name] = licence.value
    meta["creator_label"] = node.all(DCTERMS + "publisher")
    if source := node.first(DCTERMS + "source"):
        meta["mapping_provider"] = source
    if derived := node.all(PROV + "wasDerivedFrom"):
        meta["mapping_set_source"] = derived
    for key, prop in (("subject_source", "subjectFramework"), ("object_source", "objectFramework")):
        if framework := node.first(CG + prop):
            meta[key] = prefixes.contract(framework)
    if authority := node.first(CG + "authority"):
        meta[EXT_AUTHORITY.name] = prefixes.contract(authority)
    meta["extension_definitions"] = [
        {"slot_name": e.name, "property": prefixes.contract(e.property), "type_hint": e.type_hint}
        for e in (*EXTENSIONS, *(e for e in OPTIONAL_EXTENSIONS if e.name in used))
    ]
    return meta


def _row(node: _Node, labels: Mapping[str, str], prefixes: PrefixMap) -> dict[str, str]:
    subject, obj = node.first(CG + "mappingSubject"), node.first(CG + "mappingObject")
    relation = Relation.from_iri(node.first(CG + "relation"))
    predicate, modifier = RELATION_PREDICATE[relation]
    confidence = node.first(SSSOM + "confidence")
    row = {
        "subject_id": prefixes.contract(subject),
        "subject_label": labels.get(subject, ""),
        "predicate_id": predicate,
        "predicate_modifier": modifier,
        "object_id": prefixes.contract(obj),
        "object_label": labels.get(obj, ""),
        "mapping_justification": prefixes.contract(node.first(SSSOM + "mapping_justification")),
        "confidence": str(float(confidence)) if confidence else "",
        "comment": " ".join(node.all(RDFS + "comment")),
        # A candidate with several relations still possible states none of them (cg:possibleRelations lists them).
        EXT_RELATION.name: prefixes.contract(relation.iri) if len(node.all(CG + "possibleRelations")) < 2 else "",
        EXT_RATIONALE.name: prefixes.contract(node.first(CG + "rationale")),
        EXT_STRENGTH.name: node.first(CG + "strength"),
        EXT_RELATION_SOURCE.name: node.first(CG + "relationSource") or "stated",
        **{e.name: node.first(e.property) for e in OPTIONAL_EXTENSIONS},
    }
    for slot in CARRIED_SLOTS:
        values = node.all(slot.property)
        row[slot.name] = MULTIVALUE_SEPARATOR.join(prefixes.contract(v) if slot.kind == "iri" else v for v in values)
    return row


def write_sssom(store: GraphStore, mapping_set_id: str) -> str:
    """The SSSOM/TSV text of a mapping set of the graph, named by set id or IRI."""
    set_iri = _set_iri(mapping_set_id)
    set_node = _Node()
    for solution in _statements(store, _SET_STATEMENTS, set_iri):
        set_node.values[solution["p"].value].append(solution["o"])
    if CG + "MappingSet" not in set_node.all(RDF + "type"):
        raise NotFound(f"no mapping set {set_iri} in the graph")
    nodes: dict[str, _Node] = defaultdict(_Node)
    for solution in _statements(store, _MAPPING_STATEMENTS, set_iri):
        nodes[solution["m"].value].values[solution["p"].value].append(solution["o"])
    mappings = [n.values for n in nodes.values() if CG + "Mapping" in n.all(RDF + "type")]
    covers = [CoverStatement.of(iri, n.values) for iri, n in sorted(nodes.items())
              if CG + "CoverSet" in n.all(RDF + "type")]
    labels: dict[str, str] = {}
    for solution in sorted(_statements(store, _LABELS, set_iri), key=lambda s: (s["c"].value, str(s["label"]))):
        labels.setdefault(solution["c"].value, solution["label"].value)
    return sssom_text(set_iri, set_node.values, mappings, labels, covers)


def sssom_text(set_iri: str, set_statements: Statements, mappings: Iterable[Statements],
               labels: Mapping[str, str], cover_sets: Sequence[CoverStatement] = ()) -> str:
    """SSSOM/TSV of a mapping set given as its statements and its mappings' statements (values by property IRI).

    :func:`write_sssom` passes one set of the graph; other exports (a crosswalk drawing on several
    sets) pass a selection of their own, so there is one SSSOM writer.
    """
    set_node = _node(set_statements)
    nodes = [_node(m) for m in mappings]
    named = [CG + "mappingSubject", CG + "mappingObject", *(s.property for s in CARRIED_SLOTS if s.kind == "iri")]
    prefixes = _prefix_map([*(v for n in nodes for prop in named for v in n.all(prop)),
                            *(c.node for c in cover_sets)])
    rows = [_row(n, labels, prefixes) for n in nodes]
    keys = [(n.first(CG + "mappingSubject"), n.first(CG + "mappingObject"), n.first(SSSOM + "mapping_source"))
            for n in nodes]
    rows += _mark_cover_sets(rows, keys, cover_sets, labels, prefixes)
    rows.sort(key=lambda r: (_natural_key(r["subject_id"]), _natural_key(r["object_id"])))
    used = {c for r in rows for c, v in r.items() if v}
    columns = ["subject_id", "subject_label", "predicate_id", "predicate_modifier", "object_id", "object_label",
               "mapping_justification", "confidence", "comment", *(s.name for s in CARRIED_SLOTS),
               *(e.name for e in EXTENSIONS if not e.on_set), *(e.name for e in OPTIONAL_EXTENSIONS)]
    optional = {"predicate_modifier", *(s.name for s in CARRIED_SLOTS), *(e.name for e in OPTIONAL_EXTENSIONS)}
    columns = [c for c in columns if c not in optional or c in used]
    meta = _metadata(set_iri, set_node, prefixes, used)
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1_000_000, default_flow_style=False)
    out = io.StringIO()
    out.writelines(f"# {line}\n" for line in header.splitlines())
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([r.get(c, "") for c in columns] for r in rows)
    return out.getvalue()


def _mark_cover_sets(rows: list[dict[str, str]], keys: Sequence[tuple[str, str, str]],
                     cover_sets: Sequence[CoverStatement], labels: Mapping[str, str],
                     prefixes: PrefixMap) -> list[dict[str, str]]:
    """Mark the row X -> Yi of each member of each cover set; the rows to add for members with none."""
    where: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for index, (subject, obj, source) in enumerate(keys):
        where[(subject, obj)].append((source, index))
    added: list[dict[str, str]] = []
    for statement in cover_sets:
        marks = {EXT_COVER_SET.name: prefixes.contract(statement.node),
                 EXT_COVER_SET_CONFIDENCE.name: statement.confidence, EXT_COVER_SET_COMMENT.name: statement.comment}
        for member in statement.members:
            found = next((i for source, i in where.get((statement.subject, member), [])
                          if not statement.mapping_set or source == statement.mapping_set), None)
            if found is not None:
                rows[found].update(marks)
                continue
            added.append({
                "subject_id": prefixes.contract(statement.subject), "subject_label": labels.get(statement.subject, ""),
                "predicate_id": "skos:relatedMatch", "object_id": prefixes.contract(member),
                "object_label": labels.get(member, ""),
                "mapping_justification": prefixes.contract(COVER_SET_ONLY_JUSTIFICATION),
                EXT_RELATION_SOURCE.name: COVER_SET_ONLY,
                "mapping_source": prefixes.contract(statement.mapping_set) if statement.mapping_set else "",
                **marks,
            })
    return added
