"""Committing a user's dataset (an importer's output, an SSSOM file) into the store.

Importers are pure readers: they turn a file into an :class:`ImportedDataset` (triples plus a
report of every row loaded, rejected or repaired). :func:`commit_import` then validates the
dataset together with what the store already holds, refreshes the inferred relations, and writes
the dataset's named graph and the inferred graph in one atomic store call. A dataset that does
not conform raises :class:`ValidationFailed` and nothing is written; importing the same file twice
leaves the store as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from controlgraph.data.datasets import SHAPES_GRAPH
from controlgraph.data.literals import check_literal_lengths
from controlgraph.data.validation import validate_change
from controlgraph.data.validation_scope import triple_difference
from controlgraph.errors import ImportRejected, ValidationFailed
from controlgraph.pipeline.build_reuse import forget_reuse
from controlgraph.reasoning.inputs import NOT_SHARED
from controlgraph.reasoning.materialise import asserted_edges, composition_write, direct_triples
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CG, DCTERMS, DIRECT_PREDICATES, IMPORT_GRAPH, SKOS, TENANT_GRAPH, XSD

Progress = Callable[[str], None]
RECORD_PREDICATES = frozenset(CG + p for p in ("importKind", "importSource", "importSha256", "importCounts",
                                              "importRejected", "importRepaired")) | {DCTERMS + "created"}


@dataclass(frozen=True)
class RowIssue:
    """A source row an importer rejected or repaired, and why."""

    source: str  # file and row (or JSON pointer) of the offending input
    value: str
    action: str  # "rejected" or "repaired"
    reason: str

    def one_line(self) -> str:
        return f"{self.source}: {self.action}: {self.reason} ({self.value})"


@dataclass
class ImportedDataset:
    """What an importer read from a user's file, ready to commit."""

    kind: str  # importer name, e.g. "ccm"
    name: str  # graph local name, e.g. "ccm-4.0.12"; the graph is <.../graph/import/NAME>
    source_path: str
    triples: list[ox.Triple]
    counts: dict[str, int] = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)
    source_sha256: str = ""  # of the file (or of a folder's files, in name order) the dataset was read from

    @property
    def graph(self) -> str:
        return IMPORT_GRAPH + self.name

    @property
    def rejected(self) -> list[RowIssue]:
        return [i for i in self.issues if i.action == "rejected"]

    @property
    def repaired(self) -> list[RowIssue]:
        return [i for i in self.issues if i.action == "repaired"]

    def record(self, when: dt.datetime | None = None) -> list[ox.Triple]:
        """The import's record, stated about its graph inside it: what, from where, when, how much."""
        node = ox.NamedNode(self.graph)
        stamp = (when or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()

        def text(value: str) -> ox.Literal:
            return ox.Literal(value)

        def integer(value: int) -> ox.Literal:
            return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))

        return [
            ox.Triple(node, ox.NamedNode(CG + "importKind"), text(self.kind)),
            ox.Triple(node, ox.NamedNode(CG + "importSource"), text(self.source_path)),
            ox.Triple(node, ox.NamedNode(CG + "importSha256"), text(self.source_sha256 or "not recorded")),
            ox.Triple(node, ox.NamedNode(CG + "importCounts"), text(json.dumps(self.counts, sort_keys=True))),
            ox.Triple(node, ox.NamedNode(CG + "importRejected"), integer(len(self.rejected))),
            ox.Triple(node, ox.NamedNode(CG + "importRepaired"), integer(len(self.repaired))),
            ox.Triple(node, ox.NamedNode(DCTERMS + "created"),
                      ox.Literal(stamp, datatype=ox.NamedNode(XSD + "dateTime"))),
        ]


@dataclass(frozen=True)
class CommitOutcome:
    graph: str
    triples: int
    changed: bool
    inferred_relations: int  # definite relations inferred after the commit; -1 when inference was not rerun


def _without_relation_triples(triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    """Drop materialised ``A rel B`` triples; they are re-derived from the mapping nodes."""
    return [t for t in triples if t.predicate.value not in DIRECT_PREDICATES]


def _without_record(graph: str, triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    node = ox.NamedNode(graph)
    return [t for t in triples if not (t.subject == node and t.predicate.value in RECORD_PREDICATES)]


def _say(progress: Progress | None, started: float, message: str) -> None:
    if progress is not None:
        progress(f"{time.monotonic() - started:6.1f}s  {message}")


# One import (or removal) at a time in a process: each reads the inferred graphs' digests, composes, and
# writes only what differs from what it read, so two at once could each rewrite a node the other changed.
# (Another process cannot write meanwhile: the embedded store is locked by the process that opened it.)
SHARED_WRITES = threading.RLock()


def commit_dataset(
    store: GraphStore, graph: str, triples: Sequence[ox.Triple], *, label: str, max_hops: int = 3,
    record: Sequence[ox.Triple] = (), progress: Progress | None = None,
) -> CommitOutcome:
    """Validate ``triples`` as the new content of ``graph`` in context, then write atomically.

    The store conformed before; only the focus nodes the difference between the graph's old and new content
    can affect are validated, with every shared graph as context (the violations a full validation reports).
    ``record`` (the import's record) is written with the content when the content changed; it does not
    count as a change by itself.
    """
    with SHARED_WRITES:
        return _commit_dataset(store, graph, triples, label=label, max_hops=max_hops, record=record,
                               progress=progress)


def _commit_dataset(
    store: GraphStore, graph: str, triples: Sequence[ox.Triple], *, label: str, max_hops: int,
    record: Sequence[ox.Triple], progress: Progress | None,
) -> CommitOutcome:
    started = time.monotonic()
    if not triples:
        raise ImportRejected(f"{label}: nothing to import")
    check_literal_lengths(triples, label)
    new_content = _without_relation_triples(triples)
    previous = _without_record(graph, store.graph_triples(graph))
    written = new_content + direct_triples(asserted_edges(new_content))
    if set(map(str, written)) == set(map(str, previous)):
        # The store holds exactly this content already, validated in context when it was written (and
        # every write since was validated with it as context): nothing to validate, infer or write.
        return CommitOutcome(graph, len(written), False, 0)
    context: dict[str, list[ox.Triple]] = {}
    for name in store.graph_names():
        # Tenants' custom mappings are private: they neither constrain another dataset nor show up in its
        # violation messages (the graph being written is the new content, not context).
        if name in (graph, SHAPES_GRAPH) or name.startswith(NOT_SHARED):
            continue
        context[name] = _without_relation_triples(store.graph_triples(name))
    shapes = store.graph_triples(SHAPES_GRAPH)
    data = [*(t for ts in context.values() for t in ts), *new_content]
    _say(progress, started, f"validating {len(new_content):,} triples in the context of {len(data):,}")
    origin = {str(t.subject): label for t in new_content}
    report = validate_change(data, shapes, triple_difference(_without_relation_triples(previous), new_content),
                             origin=origin)
    if not report.conforms:
        raise ValidationFailed([v for v in report.violations if v.severity == "Violation"])

    # Inference is shared: tenants' graphs never feed it (they are left out of the context above).
    shared = [t for ts in context.values() for t in ts]
    if not graph.startswith(TENANT_GRAPH):
        shared += new_content
    if not _can_change_inference(new_content, previous, shared):
        _say(progress, started, f"writing {len(written):,} triples (no mapping involved: inferred relations kept)")
        store.replace_graphs({graph: [*written, *record]})
        return CommitOutcome(graph, len(written), True, -1)
    _say(progress, started, "refreshing inferred relations (scored with the last build's probability model)")
    derived, stats = composition_write(store, shared, max_hops=max_hops)
    changed = f"{derived.changed:,} inferred nodes changed" if derived.changed >= 0 else "the inferred graphs"
    _say(progress, started, f"writing {len(written):,} triples and {changed}")
    store.replace_graphs({graph: [*written, *record], **derived.replace, **forget_reuse(store)},
                         delete=derived.delete, append=derived.append)
    return CommitOutcome(graph, len(written), True, stats.get("definite", 0))


_MAPPING_EDGES = frozenset({CG + "mappingSubject", CG + "mappingObject", CG + "relation"})


def _can_change_inference(new: Sequence[ox.Triple], previous: Sequence[ox.Triple], shared: Sequence[ox.Triple]) -> bool:
    """Whether the composition engine's input changes: mappings added or removed, or the hierarchy
    (``skos:broader``) of a control some mapping names. Catalogs and texts alone leave it as it was."""
    if any(t.predicate.value in _MAPPING_EDGES for t in (*new, *previous)):
        return True
    hierarchy = {t.subject for t in (*new, *previous) if t.predicate.value == SKOS + "broader"}
    if not hierarchy:
        return False
    return any(t.predicate.value in _MAPPING_EDGES and t.object in hierarchy for t in shared)


def commit_import(store: GraphStore, dataset: ImportedDataset, progress: Progress | None = None) -> CommitOutcome:
    return commit_dataset(store, dataset.graph, dataset.triples, label=dataset.source_path,
                          record=dataset.record(), progress=progress)
