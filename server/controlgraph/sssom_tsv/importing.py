"""Importing an SSSOM/TSV file into the store: read it against the graph's controls, then commit."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from controlgraph.errors import ImportRejected
from controlgraph.pipeline.imports import CommitOutcome, ImportedDataset, commit_import
from controlgraph.sssom_tsv.reading import read_sssom
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CG

_CONTROLS = f"SELECT DISTINCT ?c WHERE {{ ?c a <{CG}Control> }}"


def control_iris(store: GraphStore) -> set[str]:
    """The IRIs of every control the store holds."""
    result = store.query(_CONTROLS)
    assert isinstance(result, ox.QuerySolutions)
    return {solution["c"].value for solution in result}


def import_sssom(
    store: GraphStore, path: Path | str, *, keep_going: bool = False
) -> tuple[ImportedDataset, CommitOutcome]:
    """Read an SSSOM/TSV file and commit it as the user's named graph ``graph/import/sssom-<slug>``.

    A rejected row stops the import with nothing written, naming the first such row, unless
    ``keep_going``: then the usable rows are imported and the rejected ones come back in the report.
    Importing the same file twice leaves the store as it was.
    """
    dataset = read_sssom(path, known_controls=control_iris(store))
    require_usable(dataset, every_row=not keep_going)
    return dataset, commit_import(store, dataset)


def require_usable(dataset: ImportedDataset, *, every_row: bool = True) -> None:
    """Refuse a dataset with no mappings, or (``every_row``) with any rejected row, naming the first."""
    rejected = dataset.rejected
    if rejected and every_row:
        more = f" (and {len(rejected) - 1} more rejected row(s))" if len(rejected) > 1 else ""
        file, _, line = rejected[0].source.rpartition("#")
        raise ImportRejected(f"{file}:{line}: {rejected[0].reason}{more}; nothing was imported")
    if not dataset.counts.get("mappings") and not dataset.counts.get("cover_sets"):
        raise ImportRejected(f"{dataset.source_path}: no usable mapping rows; nothing was imported")
