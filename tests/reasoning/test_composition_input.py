"""Reading asserted mappings with their provenance from the shipped data, and chaining them."""

from __future__ import annotations

from controlgraph.data.datasets import data_root, shipped_datasets
from controlgraph.data.loader import load_files
from controlgraph.reasoning.composition import compose_mappings
from controlgraph.reasoning.inputs import asserted_mappings
from controlgraph.reasoning.materialise import asserted_edges


def test_shipped_mappings_read_with_provenance_and_chain_without_conflict() -> None:
    loaded = load_files(shipped_datasets(data_root()))
    triples = [t for d in loaded.datasets for t in d.triples]
    mappings = asserted_mappings(triples)
    plain = asserted_edges(triples)
    assert [(m.mapping, m.subject, m.relation, m.object) for m in mappings] == [
        (e.mapping, e.subject, e.relation, e.object) for e in plain
    ]
    assert all(m.publisher and m.mapping_set and m.rationale for m in mappings)
    assert any(m.strength is not None for m in mappings) and any(m.confidence is not None for m in mappings)

    result = compose_mappings(mappings, max_hops=3)
    assert result.conflicts == []
    assert result.definite and result.candidates
    # Some sets carry a strength: chains made only of rated mappings keep the weakest one.
    assert any(d.strength is not None for d in result.definite)
    assert all(d.confidence is None or 0 <= d.confidence <= 1 for d in result.definite)
    assert result.candidates == sorted(result.candidates, key=lambda c: (-c.score, c.subject, c.object))
