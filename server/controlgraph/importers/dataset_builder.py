"""Assemble an :class:`ImportedDataset`: statements on controls, catalogs and mapping sets as triples.

Catalogs and mapping sets go through :mod:`controlgraph.data.authoring`, the same code that writes the
shipped ``mappings/*.ttl`` files, so an imported dataset has exactly the shape (and the stable,
blank-node-free IRIs) of a shipped one, and importing a file twice yields the same triples. The
dataset is built as terms, never as Turtle text: a value from the file (an address, a licence, a
comment) is an IRI checked by pyoxigraph or a literal, so it cannot add statements of its own. A value
that is not a valid IRI, or a literal over :data:`controlgraph.data.literals.MAX_LITERAL_CHARS`, refuses
the import with its place.
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
    catalog_triples,
    mapping_set_triples,
)
from controlgraph.data.literals import brief, check_literal_lengths
from controlgraph.errors import ImportRejected
from controlgraph.pipeline.imports import ImportedDataset, RowIssue
from controlgraph.vocabulary import CG, control_iri

STATEMENT = CG + "statement"
IMPLEMENTATION_EXAMPLE = CG + "implementationExample"
GAP_LEVEL = CG + "gapLevel"
READING = CG + "reading"


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

    def add_triples(self, triples: Sequence[ox.Triple]) -> None:
        """Statements built as terms by a reader (registry URNs, flags); duplicates are dropped."""
        self._add(triples)

    def add_text(self, slug: str, notation: str, predicate: str, text: str) -> None:
        """An official text (statement, implementation example) on a control, in English."""
        try:
            literal = ox.Literal(text, language="en")
        except ValueError:  # a lone surrogate: no RDF text can hold it
            raise ImportRejected(f"{self.dataset.source_path}: {slug}:{brief(notation)}: text "
                                 f"{brief(text)} is not storable text") from None
        self._add([ox.Triple(ox.NamedNode(control_iri(slug, notation)), ox.NamedNode(predicate), literal)])

    def add_fact(self, slug: str, notation: str, predicate: str, value: ox.Literal | ox.NamedNode) -> None:
        """One fact about a control (a plain value or an IRI of the controlled vocabularies)."""
        self._add([ox.Triple(ox.NamedNode(control_iri(slug, notation)), ox.NamedNode(predicate), value)])

    def add_catalog(self, meta: FrameworkMeta, controls: Sequence[ControlRecord]) -> None:
        try:
            triples = catalog_triples(meta, controls)
        except ValueError as exc:
            raise ImportRejected(f"{self.dataset.source_path}: {exc}") from None
        self._add(triples)
        self.count(f"{meta.slug} items (new catalog)", len(controls))

    def add_mapping_set(self, meta: MappingSetMeta, mappings: Sequence[MappingRecord],
                        cover_sets: Sequence[CoverSetRecord] = ()) -> None:
        if not mappings:
            return
        try:
            triples = mapping_set_triples(meta, mappings, cover_sets)
        except ValueError as exc:
            raise ImportRejected(f"{self.dataset.source_path}: {exc}") from None
        self._add(triples)
        self.count("mapping sets")
        self.count(f"mappings in {meta.set_id}", len(mappings))

    def finish(self) -> ImportedDataset:
        if not self.dataset.triples:
            raise ImportRejected(f"{self.dataset.source_path}: nothing usable found in the file")
        check_literal_lengths(self.dataset.triples, self.dataset.source_path)
        return self.dataset
