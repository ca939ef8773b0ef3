"""Crosswalk as an OSCAL 1.2 mapping collection (JSON).

One ``mapping`` per framework pair, one ``map`` per crosswalk row. The relation becomes the OSCAL
relationship (equal-to, subset-of, superset-of, intersects-with, no-relationship), read with the
``--from`` item as source, the row's rationale its ``matching-rationale``. What OSCAL has no field
for (coverage, asserted or inferred, strength, justification, confidence, authority) travels as
``props`` in the controlgraph namespace. A cover-set statement ("X is covered by the union of Y1..Yn")
is one ``subset-of`` map with X as its source and all Yi as its targets (prop ``cover-set``); each
mapping set is a back-matter resource (publisher and licence in its remarks) that its maps link to,
and an inferred map's remarks give its explanation path. A pair several sets assert is one map with a
``mapping-set`` prop and a reference link per set (its remarks name each set's relation when they differ).
Candidate links (with ``--candidates``) are maps with props ``basis`` = ``candidate``, ``coverage`` =
``unproven``, ``probability`` (calibrated: the chance a publisher maps the pair) and ``possible-relations``;
their relationship is the one relation left when the possibility set has one, else ``intersects-with`` read
as "they overlap somehow" (``possible-relations`` is the exact statement), and their remarks give the chain.

Identifiers are name-based UUIDs (version 5) of the graph's IRIs, so the same map keeps its UUID
from one export to the next; the collection's UUID changes with its content, as OSCAL asks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from controlgraph import __version__
from controlgraph.analysis.candidate_links import CandidateRow
from controlgraph.analysis.cover_sets import CoverSet
from controlgraph.analysis.crosswalk import CrosswalkRow
from controlgraph.errors import NotFound
from controlgraph.exports.crosswalk_table import CrosswalkExport, explanation, possible_text, provenance
from controlgraph.vocabulary import CG, MAPPING_SET, Relation, control_ref_from_iri, framework_iri

OSCAL_VERSION = "1.2.3"
PROP_NS = CG.rstrip("#")
RELATIONSHIP: dict[Relation, str] = {
    Relation.EQUAL: "equal-to",
    Relation.SUBSET_OF: "subset-of",
    Relation.SUPERSET_OF: "superset-of",
    Relation.INTERSECTS_WITH: "intersects-with",
    Relation.NOT_RELATED: "no-relationship",
}


def _uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def map_uuid(row: CrosswalkRow) -> str:
    m = row.mapping
    return _uuid(f"{m.mapping or ''}|{row.source.iri}|{m.relation.value}|{m.control.iri}")


def _prop(name: str, value: object) -> dict[str, str]:
    return {"name": name, "ns": PROP_NS, "value": str(value)}


def _map(row: CrosswalkRow, set_resources: dict[str, str], parties: Mapping[str, str]) -> dict[str, Any]:
    m = row.mapping
    props = [_prop("coverage", m.coverage), _prop("basis", "inferred" if m.inferred else "asserted")]
    for name, value in (("strength", m.strength), ("confidence", m.confidence), ("justification", m.justification),
                        ("mapping-set", m.mapping_set), ("authority", m.authority),
                        ("source-responsibility", parties.get(row.source.iri)),
                        ("target-responsibility", parties.get(m.control.iri))):
        if value is not None:
            props.append(_prop(name, value))
    entry: dict[str, Any] = {"uuid": map_uuid(row)}
    if m.rationale:
        entry["matching-rationale"] = m.rationale
    entry |= {
        "relationship": RELATIONSHIP[m.relation],
        "sources": [{"type": "control", "id-ref": row.source.notation}],
        "targets": [{"type": "control", "id-ref": m.control.notation}],
        "props": props,
    }
    others = m.sources[1:]
    props += [_prop("mapping-set", s.mapping_set) for s in others if s.mapping_set]
    links = []
    if m.mapping:
        links.append({"href": m.mapping, "rel": "canonical"})
    for s in (m, *others):
        if s.mapping_set:
            links.append({"href": f"#{set_resources[s.mapping_set]}", "rel": "reference"})
    if links:
        entry["links"] = links
    stated = (f"Asserted by {len(m.sources)} mapping sets: "
              + "; ".join(f"{s.mapping_set} ({s.relation.value})" for s in m.sources)) if others else None
    remarks = [text for text in (m.comment, stated, (f"Explanation path: {explanation(row)}" if m.inferred else None))
               if text]
    if remarks:
        entry["remarks"] = "\n\n".join(remarks)
    return entry


def _candidate_map(row: CandidateRow) -> dict[str, Any]:
    """A candidate link as a map: unproven, with its probability and the relations still possible."""
    c = row.candidate
    left = [r for r in Relation if r in c.possibilities]
    props = [_prop("coverage", "unproven"), _prop("basis", "candidate"),
             _prop("possible-relations", possible_text(row))]
    if c.probability is not None:
        props.append(_prop("probability", repr(c.probability)))
    entry: dict[str, Any] = {
        "uuid": _uuid(c.iri),
        "relationship": RELATIONSHIP[left[0] if len(left) == 1 else Relation.INTERSECTS_WITH],
        "sources": [{"type": "control", "id-ref": row.source.notation}],
        "targets": [{"type": "control", "id-ref": row.target.notation}],
        "props": props,
        "links": [{"href": c.iri, "rel": "canonical"}],
        "remarks": f"Candidate, not proven: {c.path_count} chain(s) of mappings join the pair; relations still "
                   f"possible: {possible_text(row)}. First chain: {' '.join(c.path) or 'none recorded'}",
    }
    return entry


def _cover_map(statement: CoverSet, set_resources: dict[str, str]) -> dict[str, Any]:
    """A cover-set statement as one map: the source is a subset of the union of several targets."""
    props = [_prop("coverage", "full"), _prop("basis", "asserted"), _prop("cover-set", "true"),
             _prop("mapping-set", statement.mapping_set)]
    if statement.confidence is not None:
        props.append(_prop("confidence", statement.confidence))
    entry: dict[str, Any] = {
        "uuid": _uuid(statement.node),
        "relationship": RELATIONSHIP[Relation.SUBSET_OF],
        "sources": [{"type": "control", "id-ref": _notation(statement.subject)}],
        "targets": [{"type": "control", "id-ref": _notation(y)} for y in statement.covered_by],
        "props": props,
    }
    links = [{"href": statement.node, "rel": "canonical"}]
    if statement.mapping_set in set_resources:
        links.append({"href": f"#{set_resources[statement.mapping_set]}", "rel": "reference"})
    entry["links"] = links
    remarks = ["Cover set: the source is contained in the union of the targets taken together, not in any one."]
    if statement.comment:
        remarks.append(statement.comment)
    entry["remarks"] = "\n\n".join(remarks)
    return entry


def _notation(iri: str) -> str:
    ref = control_ref_from_iri(iri)
    return ref.notation if ref else iri


def crosswalk_oscal(export: CrosswalkExport, *, generated: dt.datetime | None = None) -> dict[str, Any]:
    """The mapping collection as a JSON-ready dict; :func:`crosswalk_oscal_json` gives the text."""
    if not export.rows and not export.candidates:
        raise NotFound(f"no mappings from {export.source} to {', '.join(export.targets)}: an OSCAL mapping "
                       "collection needs at least one (try --inferred)")
    when = (generated or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    sources = provenance(export.rows)
    resources = {p.set_id: _uuid(MAPPING_SET + p.set_id) for p in sources}
    rationales = Counter(r.mapping.rationale for r in export.rows if r.mapping.rationale)
    inferred = any(r.mapping.inferred for r in export.rows) or bool(export.candidates)
    mappings = []
    for target in export.targets:
        rows = export.rows_for(target)
        covers = export.cover_sets_for(target)
        likely = export.candidates_for(target)
        if rows or covers or likely:
            mappings.append({
                "uuid": _uuid(f"{framework_iri(export.source)}|{framework_iri(target)}"),
                "source-resource": {"type": "catalog", "href": framework_iri(export.source)},
                "target-resource": {"type": "catalog", "href": framework_iri(target)},
                "maps": [_map(r, resources, export.responsibility) for r in rows]
                + [_cover_map(c, resources) for c in covers] + [_candidate_map(c) for c in likely],
            })
    digest = hashlib.sha256(json.dumps(mappings, sort_keys=True).encode()).hexdigest()
    collection: dict[str, Any] = {
        "uuid": _uuid(f"{MAPPING_SET}crosswalk/{digest}"),
        "metadata": {
            "title": f"Crosswalk from {export.source} to {', '.join(export.targets)}",
            "last-modified": when,
            "version": __version__,
            "oscal-version": OSCAL_VERSION,
            "props": [_prop("generator", f"controlgraph {__version__}")],
        },
        "provenance": {
            # Asserted mappings are curated by people; inferred ones are computed from them.
            "method": "hybrid" if inferred else "human",
            "matching-rationale": rationales.most_common(1)[0][0] if rationales else "semantic",
            "status": "complete",
            "mapping-description": (
                f"Every mapping controlgraph holds between {export.source} and {', '.join(export.targets)}"
                f"{', with relations inferred by sound composition' if inferred else ''}. Each map reads "
                "source relation target (NIST IR 8477); its matching-rationale overrides this default."),
        },
        "mappings": mappings,
        "back-matter": {"resources": [
            {
                "uuid": resources[p.set_id],
                "title": p.title or p.set_id,
                "props": [_prop("authority", p.authority)] if p.authority else [_prop("authority", "unknown")],
                "rlinks": [{"href": MAPPING_SET + p.set_id}],
                "remarks": f"Publisher: {p.publisher or 'not recorded'}\n\nLicence: {p.licence or 'not recorded'}",
            }
            for p in sources
        ]},
    }
    if not collection["back-matter"]["resources"]:
        del collection["back-matter"]
    return {"mapping-collection": collection}


def crosswalk_oscal_json(export: CrosswalkExport, *, generated: dt.datetime | None = None) -> str:
    return json.dumps(crosswalk_oscal(export, generated=generated), indent=2, ensure_ascii=False) + "\n"
