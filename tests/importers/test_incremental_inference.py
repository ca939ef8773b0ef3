"""An import rewrites only the inferred nodes that changed (by their ``cg:resultDigest``), and the store then
holds exactly what writing the whole result would: after an import, on a store whose inferred graphs carry
no digests (written before them, rewritten whole), and after the import's removal."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from controlgraph.importers import import_file
from controlgraph.pipeline.import_records import remove_import
from controlgraph.reasoning.inputs import store_evidence
from controlgraph.reasoning.materialise import composition_graphs, composition_write, stored_model
from controlgraph.reasoning.results_rdf import CANDIDATES_GRAPH, CONFLICTS_GRAPH, RESULT_DIGEST
from controlgraph.sssom_tsv import write_sssom
from controlgraph.vocabulary import INFERRED_GRAPH

DERIVED = (INFERRED_GRAPH, CANDIDATES_GRAPH, CONFLICTS_GRAPH)
SET = "nist-csf-2.0--iso27001-2022--olir"


def _subset(store: Any, folder: Path, rows: slice, shift: int = 0) -> Path:
    """Some rows of a shipped set as a new set; ``shift`` pairs each subject with another row's object
    (pairs no set maps, so new chains)."""
    lines = write_sssom(store, SET).splitlines()
    header = [ln.replace(SET, "incremental") if "mapping_set_id" in ln else ln for ln in lines if ln.startswith("#")]
    table = [ln for ln in lines if not ln.startswith("#")]
    body = [row.split("\t") for row in table[1:][rows]]
    if shift:
        o = table[0].split("\t").index("object_id")
        objects = [cells[o] for cells in body]
        for i, cells in enumerate(body):
            cells[o] = objects[(i + shift) % len(objects)]
        body = list({(cells[0], cells[o]): cells for cells in body}.values())  # a pair once
    path = folder / "incremental.sssom.tsv"
    path.write_text("\n".join([*header, table[0], *("\t".join(cells) for cells in body)]) + "\n", encoding="utf-8")
    return path


def _whole(store: Any) -> dict[str, set[ox.Triple]]:
    """The derived graphs as writing the whole result for the store's present data would make them."""
    graphs, _, _ = composition_graphs(store_evidence(store), max_hops=3, model=stored_model(store))
    return {g: set(graphs[g]) for g in DERIVED}


def _held(store: Any) -> dict[str, set[ox.Triple]]:
    return {g: set(store.graph_triples(g)) for g in DERIVED}


def test_an_import_and_its_removal_leave_what_a_whole_write_would(copy_built: Any, tmp_path: Path) -> None:
    store = copy_built()
    before = _held(store)
    assert all(any(t.predicate.value == RESULT_DIGEST for t in before[g]) for g in (INFERRED_GRAPH, CANDIDATES_GRAPH))
    rows = _subset(store, tmp_path, slice(0, 40), shift=7)

    # CSF -> ISO pairs no set maps: new links between the two hubs, so inferred nodes change.
    dataset, outcome = import_file(store, "sssom", rows)
    assert outcome.changed and dataset.counts["mappings"] > 30
    after = _held(store)
    assert after == _whole(store)
    assert after != before  # the comparison is not vacuous: the import changed inferred nodes

    # The same import into a store whose inferred graphs carry no digests (written before them): rewritten
    # whole, no node of the old write left beside the new one.
    undigested = copy_built()
    undigested.replace_graphs({}, delete={g: [t for t in before[g] if t.predicate.value == RESULT_DIGEST]
                                          for g in DERIVED})
    import_file(undigested, "sssom", rows)
    assert _held(undigested) == after

    remove_import(store, dataset.name)
    assert _held(store) == before


def test_imports_at_the_same_time_leave_what_a_whole_write_would(copy_built: Any, tmp_path: Path) -> None:
    """Two imports from two threads (a server's admin routes): each writes what differs from what it read, so
    they take turns (``pipeline.imports.SHARED_WRITES``); the store ends as one whole write of both."""
    store = copy_built()
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    files = [_subset(store, first, slice(0, 20), shift=3), _subset(store, second, slice(40, 60), shift=5)]
    files[1].write_text(files[1].read_text("utf-8").replace("/incremental", "/incremental-second"), "utf-8")
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda path: import_file(store, "sssom", path)[1], files))
    assert all(o.changed for o in outcomes) and len({o.graph for o in outcomes}) == 2
    assert _held(store) == _whole(store)


def test_a_store_others_may_write_to_gets_whole_graphs(copy_built: Any) -> None:
    """A remote store (``sole_writer`` False: another process may write between the read and the write) is
    never sent a write computed from what was read: the inferred graphs are replaced whole."""
    store = copy_built()
    shared = store_evidence(store)
    own, _ = composition_write(store, shared, max_hops=3)
    assert not own.replace and own.unchanged > 1000  # the embedded store: only what differs (here nothing)
    store.sole_writer = False  # as RemoteStore declares
    whole, _ = composition_write(store, shared, max_hops=3)
    assert set(whole.replace) == set(DERIVED) and not whole.delete and not whole.append
    assert set(whole.replace[CANDIDATES_GRAPH]) == set(store.graph_triples(CANDIDATES_GRAPH))


def test_a_graph_mostly_changed_is_written_whole(copy_built: Any) -> None:
    """Past a quarter of a graph's nodes changed, the write replaces the graph whole (the store may then write a
    new generation) instead of reading back the stale nodes, and the graph ends as a whole write. (A graph
    little changed is written node by node: the test above, whose store is unchanged.)"""
    store = copy_built()
    full = set(store.graph_triples(CANDIDATES_GRAPH))
    digests = sorted((t for t in full if t.predicate.value == RESULT_DIGEST), key=str)
    lost = digests[: int(len(digests) * 0.4)]  # nodes whose stored digest is missing count as changed
    store.replace_graphs({}, delete={CANDIDATES_GRAPH: lost})
    write, _ = composition_write(store, store_evidence(store), max_hops=3)
    assert write.changed >= len(lost)
    assert set(write.replace) == {CANDIDATES_GRAPH} and CANDIDATES_GRAPH not in write.delete
    assert set(write.replace[CANDIDATES_GRAPH]) == full
    store.replace_graphs(write.replace, delete=write.delete, append=write.append)
    assert set(store.graph_triples(CANDIDATES_GRAPH)) == full
