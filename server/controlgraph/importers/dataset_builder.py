"""Assemble an :class:`ImportedDataset`: statements on controls, catalogs and mapping sets as triples.

Catalogs and mapping sets go through :mod:`controlgraph.data.authoring`, the same code that writes the
shipped ``mappings/*.ttl`` files, so an imported dataset has exactly the shape (and the stable,
blank-node-free IRIs) of a shipped one, and importing a file twice yields the same triples.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from controlgraph.data.authoring import (
    ControlRecord,
    CoverSetRecord,
    FrameworkMeta,
    MappingRecord,
    MappingSetMeta,
    catalog_turtle,
    mapping_set_turtle,
)
from controlgraph.errors import ImportRejected
from controlgraph.pipeline.imports import ImportedDataset, RowIssue
from controlgraph.vocabulary import CG, control_iri

STATEMENT = CG + "statement"
IMPLEMENTATION_EXAMPLE = CG + "implementationExample"
GAP_LEVEL = CG + "gapLevel"


def _turtle_triples(text: str, what: str) -> list[ox.Triple]:
    try:
        return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(text, ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:  # a value the authoring layer could not escape: our bug, but say where
        raise ImportRejected(f"{what}: could not be written as RDF: {exc}") from None


class DatasetBuilder:
    """Collects the triples, counts and row issues of one import."""

    def __init__(self, kind: str, name: str, source_path: str) -> None:
        self.dataset = ImportedDataset(kind=kind, name=name, source_path=source_path, triples=[])
        self._seen: set[ox.Triple] = set()

    @property
    def graph(self) -> str:
        return self.dataset.graph

    # ------------------------------------------------------------------ report

    def count(self, what: str, n: int = 1) -> None:
        self.dataset.counts[what] = self.dataset.counts.get(what, 0) + n

    def reject(self, source: str, value: str, reason: str) -> None:
        self.dataset.issues.append(RowIssue(source, value, "rejected", reason))

    def repair(self, source: str, value: str, reason: str) -> None:
        self.dataset.issues.append(RowIssue(source, value, "repaired", reason))

    # ------------------------------------------------------------------ triples

    def _add(self, triples: Sequence[ox.Triple]) -> None:
        for t in triples:
            if t not in self._seen:
                self._seen.add(t)
                self.dataset.triples.append(t)

    def add_text(self, slug: str, notation: str, predicate: str, text: str) -> None:
        """An official text (statement, implementation example) on a control, in English."""
        literal = ox.Literal(text, language="en")
        self._add([ox.Triple(ox.NamedNode(control_iri(slug, notation)), ox.NamedNode(predicate), literal)])

    def add_catalog(self, meta: FrameworkMeta, controls: Sequence[ControlRecord]) -> None:
        try:
            text = catalog_turtle(meta, controls)
        except ValueError as exc:
            raise ImportRejected(f"{self.dataset.source_path}: {exc}") from None
        self._add(_turtle_triples(text, f"catalog {meta.slug}"))
        self.count(f"{meta.slug} items (new catalog)", len(controls))

    def add_mapping_set(self, meta: MappingSetMeta, mappings: Sequence[MappingRecord],
                        cover_sets: Sequence[CoverSetRecord] = ()) -> None:
        if not mappings:
            return
        try:
            text = mapping_set_turtle(meta, mappings, cover_sets=cover_sets)
        except ValueError as exc:
            raise ImportRejected(f"{self.dataset.source_path}: {exc}") from None
        self._add(_turtle_triples(text, f"mapping set {meta.set_id}"))
        self.count("mapping sets")
        self.count(f"mappings in {meta.set_id}", len(mappings))

    def finish(self) -> ImportedDataset:
        if not self.dataset.triples:
            raise ImportRejected(f"{self.dataset.source_path}: nothing usable found in the file")
        return self.dataset
