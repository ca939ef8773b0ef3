"""A rebuild with nothing changed keeps the store's inferred graphs instead of recomputing them.

Reasoning (composition, the probability model's leave-one-set-out fit, the result graphs) and
writing its 260,000 triples are most of a build once validation is skipped for unchanged datasets
(:mod:`.build_validation`). Their result depends only on the shared asserted graphs and the settings,
so a build records, in the build graph, a hash of those inputs (the shipped files' content hashes,
the content of carried-over shared graphs such as imports, ``max_hops``, the probability floor and the
software version), the inference counts and the graphs it wrote.

The next build into the same store reuses the stored result when validation found nothing changed,
the recorded hash equals the new one, and the store holds exactly the graphs the build wrote (plus
carried-over ones). Only the build graph is then written. Anything that rewrites the inferred graphs
outside a build (an import, a removed import) first drops the record (:func:`forget_reuse`), so a
later build reasons again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from controlgraph import __version__
from controlgraph.data.terms import term_value
from controlgraph.reasoning.inputs import NOT_SHARED
from controlgraph.reasoning.probability_model import ProbabilityModel
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CG, graph_iri

BUILD_GRAPH = graph_iri("build")
REASONING_INPUT = CG + "reasoningInput"
INFERENCE_STATS = CG + "inferenceStats"
BUILT_GRAPH = CG + "builtGraph"
ASSERTED_MAPPINGS = CG + "assertedMappings"
PROBABILITY_MODEL = CG + "probabilityModel"
_RECORD = (REASONING_INPUT, INFERENCE_STATS, BUILT_GRAPH)


@dataclass
class StoredReasoning:
    """What the last build recorded about its reasoning, read back from the build graph."""

    key: str
    inference: dict[str, int]
    asserted_mappings: int
    model: ProbabilityModel | None
    graphs: set[str]


def reasoning_key(settings: Settings, digests: Mapping[str, str], kept: Mapping[str, Sequence[ox.Triple]]) -> str:
    """A hash of everything the build's reasoning reads: shipped file hashes, carried-over shared graphs, settings."""
    h = hashlib.sha256()
    h.update(f"{__version__}\n{settings.max_hops}\n{settings.candidate_probability_floor!r}\n".encode())
    for graph, digest in sorted(digests.items()):
        h.update(f"{graph} {digest}\n".encode())
    for graph, triples in sorted(kept.items()):
        if graph.startswith(NOT_SHARED):
            continue  # tenants' graphs never feed inference
        h.update(f"{graph}\n".encode())
        h.update("\n".join(sorted(map(str, triples))).encode())
    return h.hexdigest()


def record_triples(key: str, inference: Mapping[str, int], graphs: Sequence[str]) -> list[ox.Triple]:
    node = ox.NamedNode(BUILD_GRAPH)
    triples = [
        ox.Triple(node, ox.NamedNode(REASONING_INPUT), ox.Literal(key)),
        ox.Triple(node, ox.NamedNode(INFERENCE_STATS), ox.Literal(json.dumps(dict(inference), sort_keys=True))),
    ]
    triples += [ox.Triple(node, ox.NamedNode(BUILT_GRAPH), ox.Literal(g)) for g in sorted(set(graphs))]
    return triples


def stored_reasoning(store: GraphStore) -> StoredReasoning | None:
    """The reasoning record of the store's last build, or None when there is none (or it was forgotten)."""
    values: dict[str, list[str]] = {}
    for t in store.graph_triples(BUILD_GRAPH):
        if isinstance(t.subject, ox.NamedNode) and t.subject.value == BUILD_GRAPH:
            values.setdefault(t.predicate.value, []).append(term_value(t.object))
    if not all(values.get(p) for p in (REASONING_INPUT, INFERENCE_STATS, BUILT_GRAPH, ASSERTED_MAPPINGS)):
        return None
    try:
        inference = {str(k): int(v) for k, v in json.loads(values[INFERENCE_STATS][0]).items()}
        models = values.get(PROBABILITY_MODEL, [])
        model = ProbabilityModel.from_json(json.loads(models[0])) if models else None
        asserted = int(values[ASSERTED_MAPPINGS][0])
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return StoredReasoning(values[REASONING_INPUT][0], inference, asserted, model, set(values[BUILT_GRAPH]))


def reusable(store: GraphStore, key: str, carried: Sequence[str]) -> StoredReasoning | None:
    """The stored reasoning when it was computed from the same inputs and the store holds what the build wrote."""
    stored = stored_reasoning(store)
    if stored is None or stored.key != key:
        return None
    if set(store.graph_names()) != stored.graphs | set(carried):
        return None
    return stored


def forget_reuse(store: GraphStore) -> dict[str, list[ox.Triple]]:
    """The build graph without its reasoning record: write it with any change to the inferred graphs."""
    triples = store.graph_triples(BUILD_GRAPH)
    kept = [t for t in triples if t.predicate.value not in _RECORD]
    return {BUILD_GRAPH: kept} if len(kept) != len(triples) else {}
