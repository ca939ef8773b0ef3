"""The SPARQL update operations that make a named graph of a pyoxigraph store hold given triples.

Rewriting a whole graph for every small change (a tenant's graph grows with its audit trail, an import
changes a few inferred relations among 250,000) leaves RocksDB a tombstone per deleted quad, and turning
every stored quad into a Python object to compare costs seconds. So only what differs is written, found
without reading the graph whole when few triples differ. Blank nodes cannot be named in ``DELETE DATA``:
a graph holding any is dropped and written whole.

A write too large for one transaction is made as a new store instead: :func:`rewritten_sections` gives every
quad the store holds once the same changes are applied, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import pyoxigraph as ox

from controlgraph.store.base import Triples

# Differences (at least) found by look-ups before the graph is read whole instead.
MOST_LOOKED_UP = 2_000


def insert_data(graph: str, triples: Triples, *, operation: str = "INSERT DATA") -> str:
    """``operation`` (``INSERT DATA`` or ``DELETE DATA``) of ``triples`` in ``graph``; terms written by pyoxigraph."""
    body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    return f"{operation} {{ GRAPH <{graph}> {{\n{body}\n}} }}"


def has_graph(store: ox.Store, graph: str) -> bool:
    return any(True for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def graph_changes(store: ox.Store, graph: str, triples: Triples) -> list[str]:
    """The update operations making ``graph`` hold exactly ``triples``: only what differs.

    The new triples are looked up one by one (what is missing is added), and the stored triples are
    counted per subject in the store; only the subjects holding more than the wanted triples they already
    hold are read, to find what to delete. Past a twentieth of the graph (an import of a whole bundle
    reshuffles the candidates), the look-ups stop and the graph is read whole, which is then cheaper.
    """
    if not triples:
        return [f"DROP SILENT GRAPH <{graph}>"] if has_graph(store, graph) else []
    wanted = set(triples)
    name = ox.NamedNode(graph)
    most = max(MOST_LOOKED_UP, len(wanted) // 20)
    missing = []
    for t in wanted:
        s, o = t.subject, t.object
        if isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode):
            return _changes_read_whole(store, graph, wanted)
        if ox.Quad(s, t.predicate, o, name) not in store:
            missing.append(t)
            if len(missing) > most:
                return _changes_read_whole(store, graph, wanted)
    stale = _stale_triples(store, graph, wanted, missing, most)
    if stale is None:
        return _changes_read_whole(store, graph, wanted)
    operations = []
    if stale:
        operations.append(insert_data(graph, stale, operation="DELETE DATA"))
    if missing:
        operations.append(insert_data(graph, missing))
    return operations


def write_operations(store: ox.Store, graphs: Mapping[str, Triples], remove: Sequence[str],
                     append: Mapping[str, Triples], delete: Mapping[str, Triples]) -> list[tuple[str, str]]:
    """The update operations of one write, each with the graph it changes, in the order a transaction runs them:
    ``remove`` drops graphs (unless replaced), ``graphs`` replace theirs (only what differs), then ``delete``
    takes triples out and ``append`` adds them (neither reads the graph)."""
    operations: list[tuple[str, str]] = []
    for graph in remove:
        if graph not in graphs and has_graph(store, graph):
            operations.append((graph, f"DROP SILENT GRAPH <{graph}>"))
    for graph, triples in graphs.items():
        operations += [(graph, op) for op in graph_changes(store, graph, triples)]
    operations += [(graph, insert_data(graph, triples, operation="DELETE DATA")) for graph, triples in delete.items()]
    operations += [(graph, insert_data(graph, triples)) for graph, triples in append.items()]
    return operations


def _changes_read_whole(store: ox.Store, graph: str, wanted: set[ox.Triple]) -> list[str]:
    """The operations found by reading the graph whole; one with blank nodes is dropped and rewritten."""
    current = {ox.Triple(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in current | wanted):
        if current == wanted:
            return []
        return [f"DROP SILENT GRAPH <{graph}>", insert_data(graph, list(wanted))]
    operations = []
    if current - wanted:
        operations.append(insert_data(graph, list(current - wanted), operation="DELETE DATA"))
    if wanted - current:
        operations.append(insert_data(graph, list(wanted - current)))
    return operations


def _stale_triples(store: ox.Store, graph: str, wanted: set[ox.Triple], missing: Sequence[ox.Triple],
                   most: int) -> list[ox.Triple] | None:
    """The triples of ``graph`` not in ``wanted``, given the ``missing`` ones (wanted, not stored);
    None when a stale triple has a blank node, or more than ``most`` subjects hold stale triples
    (the graph is then read whole)."""
    present = len(wanted) - len(missing)
    if _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == present:
        return []  # every stored triple is a wanted one
    held: dict[ox.NamedNode | ox.BlankNode | ox.Triple, int] = {}
    for t in wanted:
        held[t.subject] = held.get(t.subject, 0) + 1
    for t in missing:
        held[t.subject] -= 1
    per_subject = store.query(f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} GROUP BY ?s")
    assert isinstance(per_subject, ox.QuerySolutions)
    name = ox.NamedNode(graph)
    stale: list[ox.Triple] = []
    read = 0
    for row in per_subject:
        subject, n = row[0], row[1]
        assert isinstance(n, ox.Literal)
        if int(n.value) == held.get(subject, 0):
            continue
        read += 1
        if isinstance(subject, ox.BlankNode) or read > most:
            return None
        for q in store.quads_for_pattern(subject, None, None, name):
            t = ox.Triple(q.subject, q.predicate, q.object)
            if t not in wanted:
                if isinstance(q.object, ox.BlankNode):
                    return None
                stale.append(t)
    return stale


def _count(store: ox.Store, sparql: str) -> int:
    result = store.query(sparql)
    assert isinstance(result, ox.QuerySolutions)
    value = next(iter(result))[0]
    assert isinstance(value, ox.Literal)
    return int(value.value)


# A graph's name (None: the default graph) and quads of it: how a bulk write streams, so that a reader of
# the stream (the query workers' file, snapshot_copies.SharedCapture) sorts by graph once per run of quads.
Section = tuple[str | None, Iterable[ox.Quad]]


def graph_sections(graphs: Mapping[str, Triples]) -> Iterator[Section]:
    """The triples of each named graph as quads."""
    for graph, triples in graphs.items():
        name = ox.NamedNode(graph)
        yield graph, (ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)


def rewritten_sections(live: ox.Store, graphs: Mapping[str, Triples], remove: Sequence[str],
                       append: Mapping[str, Triples], delete: Mapping[str, Triples]) -> Iterator[Section]:
    """Every quad of ``live`` once a write is applied, as a transaction applies it: ``graphs`` replace
    theirs and ``remove`` drops graphs, then ``delete`` takes triples out (of a replaced graph's new
    content too), then ``append`` adds. For a write made as a new store instead of a transaction."""
    replaced = {*graphs, *remove}
    held = {g.value for g in live.named_graphs() if isinstance(g, ox.NamedNode)}
    yield None, live.quads_for_pattern(None, None, None, ox.DefaultGraph())
    for graph in sorted(held - replaced):
        gone = set(delete.get(graph, ()))
        quads = live.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        yield graph, (q for q in quads if ox.Triple(q.subject, q.predicate, q.object) not in gone) if gone else quads
    for graph, triples in graphs.items():
        gone = set(delete.get(graph, ()))
        yield from graph_sections({graph: [t for t in triples if t not in gone] if gone else triples})
    yield from graph_sections(append)


def flattened(sections: Iterable[Section]) -> Iterator[ox.Quad]:
    for _, quads in sections:
        yield from quads
