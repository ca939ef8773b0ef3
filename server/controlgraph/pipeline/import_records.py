"""The imports a store holds: list them from their records, remove one (and refresh inference).

Every import writes a record about its named graph inside it (:meth:`ImportedDataset.record`):
kind, source and its SHA-256, date, counts and how many rows were rejected or repaired. An import
made before records existed is listed by its graph with what the record would hold left empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pyoxigraph as ox

from controlgraph.errors import ImportRejected, NotFound
from controlgraph.pipeline.build_reuse import forget_reuse
from controlgraph.pipeline.imports import SHARED_WRITES, Progress
from controlgraph.reasoning.inputs import store_evidence
from controlgraph.reasoning.materialise import composition_write
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CG, DCTERMS, IMPORT_GRAPH, SKOS

_RECORDS = f"""
SELECT ?g ?p ?o WHERE {{
    GRAPH ?g {{ ?g ?p ?o . FILTER (?p IN (<{CG}importKind>, <{CG}importSource>, <{CG}importSha256>,
        <{CG}importCounts>, <{CG}importRejected>, <{CG}importRepaired>, <{DCTERMS}created>)) }}
}}
"""
_DEPENDENTS = """
SELECT DISTINCT ?other WHERE {{
    GRAPH <{graph}> {{ ?node a ?type . FILTER (?type IN (<{cg}Control>, <{cg}Framework>, <{cg}MappingSet>)) }}
    GRAPH ?other {{ ?s ?p ?node . FILTER (?p IN (<{skos}inScheme>, <{skos}broader>, <{cg}mappingSubject>,
        <{cg}mappingObject>, <{cg}inMappingSet>, <{cg}subjectFramework>, <{cg}objectFramework>)) }}
    FILTER (?other != <{graph}> && STRSTARTS(STR(?other), "{imports}"))
}}
"""


@dataclass
class ImportRecord:
    name: str  # the graph's local name, the ID `imports remove` takes
    graph: str
    kind: str = ""
    source: str = ""
    sha256: str = ""
    created: str = ""
    rejected: int = 0
    repaired: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def list_imports(store: GraphStore) -> list[ImportRecord]:
    records = {g: ImportRecord(g[len(IMPORT_GRAPH):], g) for g in store.graph_names() if g.startswith(IMPORT_GRAPH)}
    result = store.query(_RECORDS)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        record = records.get(row["g"].value)
        if record is None:
            continue
        key, value = row["p"].value, row["o"].value
        if key == CG + "importKind":
            record.kind = value
        elif key == CG + "importSource":
            record.source = value
        elif key == CG + "importSha256":
            record.sha256 = value
        elif key == DCTERMS + "created":
            record.created = value
        elif key == CG + "importRejected":
            record.rejected = int(value)
        elif key == CG + "importRepaired":
            record.repaired = int(value)
        elif key == CG + "importCounts":
            try:
                counts = json.loads(value)
                record.counts = {str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {}
            except (ValueError, TypeError, AttributeError):
                record.counts = {}
    return sorted(records.values(), key=lambda r: (r.created, r.name))


def remove_import(store: GraphStore, name: str, *, max_hops: int = 3, progress: Progress | None = None) -> int:
    """Drop the import ``name`` and refresh inferred relations; refuse while another import builds on it.

    Returns the number of definite relations inferred afterwards.
    """
    with SHARED_WRITES:
        return _remove_import(store, name, max_hops=max_hops, progress=progress)


def _remove_import(store: GraphStore, name: str, *, max_hops: int, progress: Progress | None) -> int:
    graph = IMPORT_GRAPH + name
    if graph not in store.graph_names():
        raise NotFound(f"no import {name!r}; `controlgraph imports` lists them")
    result = store.query(_DEPENDENTS.format(graph=graph, cg=CG, skos=SKOS, imports=IMPORT_GRAPH))
    assert isinstance(result, ox.QuerySolutions)
    dependents = sorted(row["other"].value[len(IMPORT_GRAPH):] for row in result)
    if dependents:
        raise ImportRejected(f"import {name!r} defines items that {', '.join(dependents)} refer to; "
                             "remove those first")
    if progress is not None:
        progress("refreshing inferred relations without it")
    derived, stats = composition_write(store, store_evidence(store, leave_out=[graph]), max_hops=max_hops)
    store.replace_graphs({**derived.replace, **forget_reuse(store)}, remove=[graph], delete=derived.delete,
                         append=derived.append)
    return stats.get("definite", 0)
