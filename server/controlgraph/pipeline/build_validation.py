"""The build's SHACL validation, proportional to what changed since the store's last build.

pyshacl over the whole shipped graph is most of a build. A build records, in the build graph, the
content hash of every shipped dataset it validated (and a hash of what a validation result depends on
besides the data: the shapes, the ontology, the versions of controlgraph and pyshacl). The next build
into the same store compares:

- same basis and every dataset unchanged: nothing to validate. The store's asserted graphs are what
  the last build validated, plus user graphs that every import and tenant write validated in context;
- same basis, some datasets changed (or added, or removed): the difference between each such dataset's
  graph in the store and its file is the change, validated with
  :func:`controlgraph.data.validation.validate_change` (the focus nodes it can affect, the whole new
  graph as context);
- anything else (a fresh store, new shapes or ontology, another version): a full validation.

Either way the violations reported are those of a full validation of the new data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib.metadata import version

import pyoxigraph as ox

from controlgraph import __version__
from controlgraph.data.datasets import SHAPES_GRAPH
from controlgraph.data.loader import LoadedData
from controlgraph.data.terms import term_value
from controlgraph.data.validation import ValidationReport, validate_change, validate_triples
from controlgraph.data.validation_scope import triple_difference
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CG, DIRECT_PREDICATES, ONTOLOGY_GRAPH, graph_iri

BUILD_GRAPH = graph_iri("build")
VALIDATION_BASIS = CG + "validationBasis"
VALIDATED_INPUT = CG + "validatedInput"  # "<graph IRI> <sha256 of its files>"
SHIPPED_ROLES = ("ontology", "shapes", "data")

_RECORD_QUERY = f"""SELECT ?p ?o WHERE {{
  GRAPH <{BUILD_GRAPH}> {{ <{BUILD_GRAPH}> ?p ?o . FILTER (?p IN (<{VALIDATION_BASIS}>, <{VALIDATED_INPUT}>)) }}
}}"""


@dataclass
class BuildValidation:
    report: ValidationReport
    mode: str  # "full", "changed" or "unchanged"
    changed_graphs: list[str] = field(default_factory=list)
    record: list[ox.Triple] = field(default_factory=list)  # for the build graph, when the data conform
    digests: dict[str, str] = field(default_factory=dict)  # of the shipped graphs (:func:`input_digests`)


def input_digests(loaded: LoadedData) -> dict[str, str]:
    """The content hash of each shipped graph: SHA-256 over its files (path name and bytes, in order)."""
    parts: dict[str, list[bytes]] = {}
    for dataset in sorted(loaded.by_role(*SHIPPED_ROLES), key=lambda d: str(d.source.path)):
        path = dataset.source.path
        parts.setdefault(dataset.source.graph, []).append(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return {graph: hashlib.sha256(b"".join(chunks)).hexdigest() for graph, chunks in parts.items()}


def basis_digest(digests: dict[str, str]) -> str:
    """What a validation result depends on besides the data graphs."""
    parts = [__version__, version("pyshacl"), digests.get(SHAPES_GRAPH, ""), digests.get(ONTOLOGY_GRAPH, "")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def recorded(store: GraphStore) -> tuple[str | None, dict[str, str]]:
    """The basis and the dataset hashes the store's last build recorded (``None`` when there are none)."""
    basis: str | None = None
    inputs: dict[str, str] = {}
    for row in store.query(_RECORD_QUERY):  # type: ignore[union-attr]
        value = term_value(row[1])
        if term_value(row[0]) == VALIDATION_BASIS:
            basis = value
        elif " " in value:
            graph, digest = value.rsplit(" ", 1)
            inputs[graph] = digest
    return basis, inputs


def record_triples(basis: str, digests: dict[str, str]) -> list[ox.Triple]:
    node = ox.NamedNode(BUILD_GRAPH)
    triples = [ox.Triple(node, ox.NamedNode(VALIDATION_BASIS), ox.Literal(basis))]
    predicate = ox.NamedNode(VALIDATED_INPUT)
    triples += [ox.Triple(node, predicate, ox.Literal(f"{g} {d}")) for g, d in sorted(digests.items())]
    return triples


def _asserted(triples: list[ox.Triple]) -> list[ox.Triple]:
    return [t for t in triples if t.predicate.value not in DIRECT_PREDICATES]


def validate_build(loaded: LoadedData, store: GraphStore) -> BuildValidation:
    """Validate the loaded data (shipped and carried-over user graphs) as a full validation would."""
    digests = input_digests(loaded)
    basis = basis_digest(digests)
    record = record_triples(basis, digests)
    shapes = [t for d in loaded.by_role("shapes") for t in d.triples]
    data = [t for d in loaded.datasets if d.source.role != "shapes" for t in d.triples]
    old_basis, old = recorded(store)
    if old_basis != basis:
        return BuildValidation(validate_triples(data, shapes, origin=loaded.subject_origin), "full", record=record,
                               digests=digests)
    changed = sorted(g for g in digests.keys() | old.keys() if digests.get(g) != old.get(g))
    if not changed:
        return BuildValidation(ValidationReport([]), "unchanged", record=record, digests=digests)
    graphs = loaded.graphs()
    delta: list[ox.Triple] = []
    for graph in changed:
        new = graphs.get(graph, [])
        delta += triple_difference(_asserted(store.graph_triples(graph)), _asserted(new))
        delta += [t for t in new if t.predicate.value in DIRECT_PREDICATES]  # stored beside derived ones: recheck
    report = validate_change(data, shapes, delta, origin=loaded.subject_origin)
    return BuildValidation(report, "changed", changed, record, digests)
