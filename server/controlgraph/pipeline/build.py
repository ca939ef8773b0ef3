"""The build pipeline: load, validate, reason, store.

Every phase runs in memory first; the store is written only once everything conforms, in one
atomic step, so a failed build leaves the previous store exactly as it was. Graphs a build does
not own (imports, tenants' custom mappings) are carried over into the new store.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyoxigraph as ox

from controlgraph import __version__
from controlgraph.data.datasets import DatasetFile, data_root, shipped_datasets
from controlgraph.data.loader import LoadedData, LoadedDataset, load_files
from controlgraph.data.terms import term_value
from controlgraph.data.validation import ValidationReport, validate_triples
from controlgraph.errors import ValidationFailed
from controlgraph.pipeline.build_reuse import reasoning_key, record_triples, reusable
from controlgraph.pipeline.build_validation import BUILD_GRAPH, validate_build
from controlgraph.reasoning.inputs import shared_graphs
from controlgraph.reasoning.materialise import asserted_edges, composition_graphs, direct_triples, stored_model
from controlgraph.reasoning.probability_model import ProbabilityModel
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import (
    CG,
    DCTERMS,
    GRAPH,
    IMPORT_GRAPH,
    RDF,
    TENANT_GRAPH,
    Authority,
)

PHASES = ("load", "validate", "reason", "store")

Progress = Callable[[str, str], None]  # (phase, message)


@dataclass
class FrameworkSummary:
    slug: str
    title: str
    controls: int
    kinds: dict[str, int]


@dataclass
class MappingSetSummary:
    set_id: str
    title: str
    authority: str
    mappings: int


@dataclass
class BuildResult:
    seconds: dict[str, float] = field(default_factory=dict)
    frameworks: list[FrameworkSummary] = field(default_factory=list)
    mapping_sets: list[MappingSetSummary] = field(default_factory=list)
    asserted_mappings: int = 0
    inference: dict[str, int] = field(default_factory=dict)  # the composition engine's counts
    triples: int = 0
    carried_over_graphs: list[str] = field(default_factory=list)
    # "full", "changed" (only what the changed datasets can affect) or "unchanged" (nothing to validate)
    validation: str = "full"
    changed_datasets: list[str] = field(default_factory=list)
    model: ProbabilityModel | None = None  # the candidates' probability model, fitted on the published sets
    reasoning: str = "computed"  # or "kept": inputs unchanged since the store's last build (:mod:`.build_reuse`)


def carried_over(store: GraphStore) -> dict[str, list[ox.Triple]]:
    """Graphs that belong to users, not to the build: imports and tenants' mappings."""
    owned_by_users = [g for g in store.graph_names() if g.startswith((IMPORT_GRAPH, TENANT_GRAPH))]
    return {g: store.graph_triples(g) for g in owned_by_users}


def user_datasets(graphs: dict[str, list[ox.Triple]]) -> list[LoadedDataset]:
    return [
        LoadedDataset(DatasetFile(g[len(GRAPH):], _graph_label(g), g, "user"), triples)  # type: ignore[arg-type]
        for g, triples in sorted(graphs.items())
    ]


def _graph_label(graph: str) -> str:
    return f"<graph {graph[len(GRAPH):]}>"


def validate_loaded(loaded: LoadedData) -> ValidationReport:
    """A full validation of the loaded data (a build validates only what changed: :mod:`.build_validation`)."""
    shapes = [t for d in loaded.by_role("shapes") for t in d.triples]
    data = [t for d in loaded.datasets if d.source.role != "shapes" for t in d.triples]
    return validate_triples(data, shapes, origin=loaded.subject_origin)


def build(
    settings: Settings,
    store: GraphStore,
    *,
    files: Sequence[DatasetFile] | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the graph from the data files into ``store``; raise before writing anything if invalid."""
    with _collector_paused():
        return _build(settings, store, files, progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a build: it allocates millions of small objects (parsed
    triples, the engine's walks and results, the result graphs), and each allocation-triggered full
    collection rescans all of them to free almost nothing (about 0.8 s of a fresh build's 6 s of CPU).
    Cycles made meanwhile are collected when it resumes."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _build(
    settings: Settings, store: GraphStore, files: Sequence[DatasetFile] | None, progress: Progress | None
) -> BuildResult:
    say = progress or (lambda phase, message: None)
    result = BuildResult()
    clock = time.perf_counter()

    say("load", "reading datasets")
    sources = list(files) if files is not None else shipped_datasets(data_root(settings.data_dir))
    loaded = load_files(sources)
    kept = carried_over(store)
    for dataset in user_datasets(kept):
        loaded.add(dataset)
    result.carried_over_graphs = sorted(kept)
    result.seconds["load"] = time.perf_counter() - clock

    clock = time.perf_counter()
    say("validate", f"checking {loaded.triple_count():,} triples against the SHACL shapes")
    validation = validate_build(loaded, store)
    report = validation.report
    result.validation, result.changed_datasets = validation.mode, validation.changed_graphs
    if not report.conforms:
        raise ValidationFailed([v for v in report.violations if v.severity == "Violation"])
    result.seconds["validate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    key = reasoning_key(settings, validation.digests, kept)
    stored = reusable(store, key, list(kept)) if validation.mode == "unchanged" else None
    if stored is not None:
        say("reason", "nothing changed since the last build: keeping its inferred relations")
        result.inference, result.model, result.reasoning = stored.inference, stored.model, "kept"
        result.asserted_mappings = stored.asserted_mappings
        _summarise(loaded, result)
        build_graph = _build_metadata(result) + validation.record + record_triples(
            key, stored.inference, sorted(stored.graphs))
        result.seconds["reason"] = time.perf_counter() - clock
        clock = time.perf_counter()
        say("store", f"writing the build record to {store.location}")
        store.replace_graphs({BUILD_GRAPH: build_graph})
        result.triples = store.quad_count()
        result.seconds["store"] = time.perf_counter() - clock
        return result

    say("reason", "materialising relations and their closure")
    graphs = loaded.graphs()
    edges_by_graph = {g: asserted_edges(triples) for g, triples in graphs.items()}
    for g, edges in edges_by_graph.items():
        graphs[g] = graphs[g] + direct_triples(edges)
    derived, stats, model = composition_graphs(
        shared_graphs(graphs), max_hops=settings.max_hops, probability_floor=settings.candidate_probability_floor,
        previous_model=stored_model(store),
    )
    graphs.update(derived)
    result.inference = stats
    result.model = model
    result.asserted_mappings = sum(len(e) for e in edges_by_graph.values())
    _summarise(loaded, result)
    written = [g for g, triples in graphs.items() if triples and g not in kept] + [BUILD_GRAPH]
    graphs[BUILD_GRAPH] = _build_metadata(result) + validation.record + record_triples(key, stats, written)
    result.seconds["reason"] = time.perf_counter() - clock

    clock = time.perf_counter()
    say("store", f"writing {sum(len(t) for t in graphs.values()):,} triples to {store.location}")
    store.replace_everything(graphs)
    result.triples = store.quad_count()
    result.seconds["store"] = time.perf_counter() - clock
    return result


def _values(triples: Iterable[ox.Triple], predicate: str) -> dict[str, str]:
    return {str(t.subject): term_value(t.object) for t in triples if t.predicate.value == predicate}


def _summarise(loaded: LoadedData, result: BuildResult) -> None:
    for dataset in loaded.by_role("data", "user"):
        types = _values(dataset.triples, RDF + "type")
        titles = _values(dataset.triples, DCTERMS + "title")
        for node, cls in types.items():
            if cls == CG + "Framework":
                slug = _values(dataset.triples, CG + "slug").get(node, node)
                kinds = Counter(
                    kind for n, kind in _values(dataset.triples, CG + "kind").items() if types.get(n) == CG + "Control"
                )
                controls = sum(1 for c in types.values() if c == CG + "Control")
                result.frameworks.append(FrameworkSummary(slug, titles.get(node, slug), controls, dict(kinds)))
            elif cls == CG + "MappingSet":
                authority = _values(dataset.triples, CG + "authority").get(node, "")
                in_set = _values(dataset.triples, CG + "inMappingSet")  # a dataset may hold several sets
                count = sum(1 for m, c in types.items() if c == CG + "Mapping" and in_set.get(m) == node.strip("<>"))
                set_id = node.strip("<>").rsplit("/", 1)[-1]
                result.mapping_sets.append(
                    MappingSetSummary(set_id, titles.get(node, set_id), _authority_slug(authority), count)
                )
    result.frameworks.sort(key=lambda f: f.slug)
    result.mapping_sets.sort(key=lambda m: m.set_id)


def _authority_slug(iri: str) -> str:
    try:
        return Authority.from_iri(iri).value
    except ValueError:
        return iri


def _build_metadata(result: BuildResult) -> list[ox.Triple]:
    node = ox.NamedNode(BUILD_GRAPH)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return [
        ox.Triple(node, ox.NamedNode(RDF + "type"), ox.NamedNode(CG + "Build")),
        ox.Triple(node, ox.NamedNode(DCTERMS + "created"), ox.Literal(now, datatype=ox.NamedNode(XSD_DATETIME))),
        ox.Triple(node, ox.NamedNode(CG + "softwareVersion"), ox.Literal(__version__)),
        ox.Triple(
            node,
            ox.NamedNode(CG + "assertedMappings"),
            ox.Literal(str(result.asserted_mappings), datatype=ox.NamedNode(XSD_INTEGER)),
        ),
        *(
            [ox.Triple(node, ox.NamedNode(CG + "probabilityModel"), ox.Literal(json.dumps(result.model.to_json()))),
             ox.Triple(node, ox.NamedNode(CG + "operatingThreshold"),
                       ox.Literal(str(result.model.threshold), datatype=ox.NamedNode(XSD_DECIMAL)))]
            if result.model is not None
            else []
        ),
    ]


XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
