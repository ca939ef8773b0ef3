"""The ``sssom`` importer: a user's SSSOM/TSV mapping set, read by :mod:`controlgraph.sssom_tsv`.

An SSSOM file is a mapping set its author curated row by row, so a partial import would drop
mappings silently: any rejected row stops this importer, naming the row and the reason, unless
``keep_going`` (``--keep-going``): then the usable rows are imported and each rejected one reported.
"""

from __future__ import annotations

from pathlib import Path

from controlgraph.importers.context import GraphContext, ImportOptions
from controlgraph.pipeline.imports import ImportedDataset
from controlgraph.sssom_tsv import read_sssom, require_usable
from controlgraph.vocabulary import control_iri


def read_sssom_file(path: Path, context: GraphContext, options: ImportOptions) -> ImportedDataset:
    known = {
        control_iri(slug, notation)
        for slug, graphs in context.frameworks.items()
        for notations in graphs.values()
        for notation in notations
    }
    dataset = read_sssom(path, known_controls=known)
    require_usable(dataset, every_row=not options.keep_going)
    return dataset
