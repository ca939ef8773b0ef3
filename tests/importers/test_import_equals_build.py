"""An import refreshes the inferred graphs as a rebuild with the same inputs would.

An import scores candidates with the probability model the last build fitted (it does not refit);
``build`` refits it on the published sets. So definite relations, conflicts and which candidates
exist with which possibilities and chains are the same; a candidate's probability may differ by the
refit (bounded here), and an "any" candidate whose probability sits at the storage floor may be kept
by one and not the other.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from controlgraph.importers import import_file
from controlgraph.pipeline.build import build
from controlgraph.reasoning.materialise import stored_model
from controlgraph.reasoning.pair_features import FEATURES
from controlgraph.reasoning.probability_model import ProbabilityModel
from controlgraph.reasoning.results_rdf import CANDIDATES_GRAPH, CONFLICTS_GRAPH, RESULT_DIGEST
from controlgraph.settings import Settings
from controlgraph.sssom_tsv import write_sssom
from controlgraph.vocabulary import CG, INFERRED_GRAPH, RELATION_IRIS

SET = "nist-csf-2.0--iso27001-2022--olir"
PROBABILITY = CG + "probability"
TOLERANCE = 0.05


def _rows(store: Any, rows: int, folder: Path) -> Path:
    lines = write_sssom(store, SET).splitlines()
    header = [ln.replace(SET, "equal-to-build") if "mapping_set_id" in ln else ln for ln in lines if ln.startswith("#")]
    table = [ln for ln in lines if not ln.startswith("#")]
    path = folder / "rows.sssom.tsv"
    path.write_text("\n".join([*header, *table[: rows + 1]]) + "\n", encoding="utf-8")
    return path


def _nodes(triples: list[ox.Triple]) -> dict[str, dict[str, set[str]]]:
    """Candidate nodes: node -> predicate -> values (N-Triples text)."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for t in triples:
        out[str(t.subject)][t.predicate.value].add(str(t.object))
    return out


def _probability(values: dict[str, set[str]]) -> float:
    (text,) = values[PROBABILITY]
    return float(ox.Literal(text.split('"')[1]).value)


def test_an_import_gives_the_inferred_graphs_a_rebuild_gives(copy_built: Any, tmp_path: Path) -> None:
    store = copy_built()
    dataset, outcome = import_file(store, "sssom", _rows(store, 12, tmp_path))
    assert outcome.changed and outcome.inferred_relations >= 0 and dataset.counts["mappings"] == 12
    imported = {g: store.graph_triples(g) for g in (INFERRED_GRAPH, CANDIDATES_GRAPH, CONFLICTS_GRAPH)}

    built = build(Settings.from_env({}, store="memory"), store)  # carries the import graph over, refits
    assert built.carried_over_graphs == [outcome.graph]
    rebuilt = {g: store.graph_triples(g) for g in imported}

    # Definite relations (with their chains, strength, confidence) and conflicts: the same, triple for triple.
    assert set(imported[INFERRED_GRAPH]) == set(rebuilt[INFERRED_GRAPH])
    assert set(imported[CONFLICTS_GRAPH]) == set(rebuilt[CONFLICTS_GRAPH])
    definite = {(t.subject.value, t.predicate.value, t.object.value) for t in imported[INFERRED_GRAPH]
                if t.predicate.value in RELATION_IRIS}
    assert definite  # the comparison is not vacuous

    # Candidates: everything but the probability the same; probabilities within the refit's reach.
    ours, theirs = _nodes(imported[CANDIDATES_GRAPH]), _nodes(rebuilt[CANDIDATES_GRAPH])
    common = ours.keys() & theirs.keys()
    assert len(common) > 1000
    for node in common:
        a, b = ours[node], theirs[node]
        # The digest says what the node says, its probability included.
        assert ({p: v for p, v in a.items() if p not in (PROBABILITY, RESULT_DIGEST)}
                == {p: v for p, v in b.items() if p not in (PROBABILITY, RESULT_DIGEST)})
        assert abs(_probability(a) - _probability(b)) <= TOLERANCE, node
    floor = Settings().candidate_probability_floor
    for only, side in ((ours.keys() - theirs.keys(), ours), (theirs.keys() - ours.keys(), theirs)):
        for node in only:  # kept by one side only: an "any" candidate at the floor
            assert len(side[node][CG + "possibleRelations"]) == len(RELATION_IRIS)
            assert abs(_probability(side[node]) - floor) <= TOLERANCE, node


def test_the_model_a_build_stores_reads_back_whole(built_store: Any) -> None:
    model = stored_model(built_store)
    assert model is not None and model.features == FEATURES and model.trained_on
    assert ProbabilityModel.from_json(model.to_json()) == model
