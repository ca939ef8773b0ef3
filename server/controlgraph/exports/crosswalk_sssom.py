"""Crosswalk as SSSOM/TSV, written by the project's one SSSOM writer (:func:`.sssom_tsv.writing.sssom_text`).

The file is a derived mapping set: subjects are items of the ``--from`` framework, objects items of
the targets. A mapping stored the other way round (``B subset-of A``) is written turned
(``A superset-of B``). Each row names the set it was published in (``mapping_source``); an inferred
row's ``see_also`` lists the asserted mappings it was chained from; a relation entailed by the
ontology's axioms, which has no mapping node, is written with ``semapv:MappingChaining``.
The set's licence statement lists the terms of every source set. Cover-set statements mark the rows
of their members (``cover_set``); whose obligation each end is travels in ``subject_responsibility``
and ``object_responsibility``. A pair several sets assert is written once per set (SSSOM rows are
statements, each with its own source and confidence); a reader groups them by subject and object.

With candidates, each candidate link is a row too: ``confidence`` is its calibrated probability (that a
publisher maps the pair), ``mapping_justification`` is ``semapv:CompositeMatching`` (chains of mappings and
text similarity weighed by the build's model), ``relation_source`` is ``candidate`` and the comment says it is
unproven. The predicate says no more than the possibility set: its relation's predicate when one relation is
left, else ``skos:relatedMatch`` with ``ir8477_relation`` left empty; ``see_also`` lists the first chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pyoxigraph as ox

from controlgraph import __version__
from controlgraph.analysis.candidate_links import CandidateRow
from controlgraph.analysis.crosswalk import CrosswalkRow
from controlgraph.exports.crosswalk_table import CrosswalkExport, per_source, possible_text, provenance
from controlgraph.sssom_tsv.slots import EXT_OBJECT_RESPONSIBILITY, EXT_SUBJECT_RESPONSIBILITY
from controlgraph.sssom_tsv.writing import CoverStatement, Statements, sssom_text
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import (
    CG,
    DCTERMS,
    MAPPING_SET,
    OWL,
    PROV,
    RDF,
    RDFS,
    SEMAPV,
    SSSOM,
    XSD,
    Relation,
    framework_iri,
    mapping_set_iri,
)

Term = ox.NamedNode | ox.Literal
_NODE_QUERY = "SELECT ?m ?p ?o WHERE { VALUES ?m { %s } ?m ?p ?o }"
_SUBJECT, _OBJECT, _RELATION = CG + "mappingSubject", CG + "mappingObject", CG + "relation"


def crosswalk_set_id(export: CrosswalkExport) -> str:
    return "--".join(("crosswalk", export.source, *export.targets))


def mapping_nodes(store: GraphStore, rows: Sequence[CrosswalkRow]) -> dict[str, dict[str, list[Term]]]:
    """The statements of every mapping node the rows name, by node IRI then property IRI."""
    iris = sorted({r.mapping.mapping for r in rows if r.mapping.mapping})
    nodes: dict[str, dict[str, list[Term]]] = {}
    for start in range(0, len(iris), 500):
        # The IRIs come from the store itself, never from a request, so listing them is safe.
        values = " ".join(f"<{iri}>" for iri in iris[start:start + 500])
        for solution in store.query(_NODE_QUERY % values):  # type: ignore[union-attr]
            term = solution["o"]
            if isinstance(term, ox.NamedNode | ox.Literal):
                nodes.setdefault(solution["m"].value, {}).setdefault(solution["p"].value, []).append(term)
    return nodes


def _oriented(row: CrosswalkRow, node: dict[str, list[Term]] | None, parties: Mapping[str, str]
              ) -> dict[str, list[Term]]:
    """The row's mapping as statements with the crosswalk's source item as subject."""
    m = row.mapping
    statements = {p: list(v) for p, v in (node or {}).items()}
    for slot, iri in ((EXT_SUBJECT_RESPONSIBILITY, row.source.iri), (EXT_OBJECT_RESPONSIBILITY, m.control.iri)):
        if iri in parties:
            statements[slot.property] = [ox.Literal(parties[iri])]
    statements[_SUBJECT] = [ox.NamedNode(row.source.iri)]
    statements[_OBJECT] = [ox.NamedNode(m.control.iri)]
    statements[_RELATION] = [ox.NamedNode(m.relation.iri)]
    if node is None:
        statements[SSSOM + "mapping_justification"] = [ox.NamedNode(SEMAPV + "MappingChaining")]
    if m.mapping_set:
        statements[SSSOM + "mapping_source"] = [ox.NamedNode(MAPPING_SET + m.mapping_set)]
    if m.path:
        statements[RDFS + "seeAlso"] = [ox.NamedNode(iri) for iri in m.path]
    return statements


def _candidate(row: CandidateRow) -> dict[str, list[Term]]:
    """A candidate link as SSSOM statements: only what the possibility set and the model say."""
    c = row.candidate
    left = [r for r in Relation if r in c.possibilities]
    statements: dict[str, list[Term]] = {
        _SUBJECT: [ox.NamedNode(row.source.iri)],
        _OBJECT: [ox.NamedNode(row.target.iri)],
        _RELATION: [ox.NamedNode((left[0] if len(left) == 1 else Relation.INTERSECTS_WITH).iri)],
        CG + "possibleRelations": [ox.NamedNode(r.iri) for r in left],
        SSSOM + "mapping_justification": [ox.NamedNode(SEMAPV + "CompositeMatching")],
        CG + "relationSource": [ox.Literal("candidate")],
        RDFS + "comment": [ox.Literal(
            (f"Candidate, not proven: inferred from {c.path_count} chain(s) of mappings"
             if c.path_count else "Candidate, not proven: proposed by the similarity of the two texts (no chain)")
            + f"; relations still possible: {possible_text(row)}. Confidence is the calibrated probability that "
            "a publisher maps the pair.")],
    }
    if c.probability is not None:
        statements[SSSOM + "confidence"] = [ox.Literal(repr(c.probability), datatype=ox.NamedNode(XSD + "double"))]
    if c.path:
        statements[RDFS + "seeAlso"] = [ox.NamedNode(iri) for iri in c.path]
    return statements


def _set_statements(export: CrosswalkExport, issued: dt.date) -> Statements:
    sources = provenance(export.rows)
    targets = ", ".join(export.targets)
    terms = "; ".join(f"{p.set_id}: {p.licence or 'no licence recorded'}" for p in sources)
    statements: dict[str, list[Term]] = {
        RDF + "type": [ox.NamedNode(CG + "MappingSet")],
        DCTERMS + "title": [ox.Literal(f"Crosswalk from {export.source} to {targets}")],
        DCTERMS + "description": [ox.Literal(
            f"Mappings between {export.source} and {targets} gathered from {len(sources)} mapping set(s) of "
            f"controlgraph {__version__}; inferred relations {'included' if export.include_inferred else 'left out'}"
            + (f"; candidate links at least {export.min_probability:g} probable included (justification "
               "semapv:CompositeMatching, relation_source candidate, confidence their calibrated probability)"
               if export.with_candidates else "")
            + ". Each row's mapping_source names the set it was published in; a pair several sets assert has one "
            "row per set.")],
        OWL + "versionInfo": [ox.Literal(f"{__version__}+{issued.isoformat()}")],
        DCTERMS + "issued": [ox.Literal(issued.isoformat(), datatype=ox.NamedNode(XSD + "date"))],
        DCTERMS + "license": [ox.Literal(f"Each mapping keeps the terms of its mapping set. {terms}".strip())],
        DCTERMS + "publisher": [ox.Literal(p) for p in sorted({p.publisher for p in sources if p.publisher})]
        or [ox.Literal("controlgraph")],
        PROV + "wasDerivedFrom": [ox.NamedNode(MAPPING_SET + p.set_id) for p in sources],
        CG + "subjectFramework": [ox.NamedNode(framework_iri(export.source))],
    }
    if len(export.targets) == 1:
        statements[CG + "objectFramework"] = [ox.NamedNode(framework_iri(export.targets[0]))]
    return statements


def crosswalk_sssom(store: GraphStore, export: CrosswalkExport, *, issued: dt.date | None = None) -> str:
    rows = per_source(export.rows)
    nodes = mapping_nodes(store, rows)
    mappings = [_oriented(r, nodes.get(r.mapping.mapping) if r.mapping.mapping else None, export.responsibility)
                for r in rows]
    mappings += [_candidate(c) for c in export.candidates]
    labels = {r.source.iri: r.source.title for r in rows}
    labels.update({r.mapping.control.iri: r.mapping.control.title for r in rows})
    labels.update({c.source.iri: c.source.title for c in export.candidates})
    labels.update({c.target.iri: c.target.title for c in export.candidates})
    set_iri = mapping_set_iri(crosswalk_set_id(export))
    covers = [CoverStatement(c.node, c.subject, c.covered_by, "" if c.confidence is None else str(float(c.confidence)),
                             c.comment or "", MAPPING_SET + c.mapping_set) for c in export.cover_sets]
    return sssom_text(set_iri, _set_statements(export, issued or dt.date.today()), mappings, labels, covers)


def relation_of(statements: dict[str, list[Term]]) -> Relation:
    return Relation.from_iri(statements[_RELATION][0].value)
