"""Importers: read a user-supplied official file into a dataset of its own named graph.

Each importer is a pure reader ``(path, context, options) -> ImportedDataset``: it reads the
file(s), never the store, and reports every row it rejected or repaired with the reason.
:func:`import_file` takes the graph snapshot the readers need, runs one, and commits the result
with :func:`controlgraph.pipeline.imports.commit_import` (validated in context, written atomically).

========================  ===========================================================
kind                      reads
========================  ===========================================================
``ccm``                   the CSA CCM JSON bundle folder (controls, gap-analysis mappings)
``csf-xlsx``              a NIST CSF 2.0 Reference Tool export (.xlsx)
``ciso-yaml``             a CISO Assistant library (framework or mapping set, YAML)
``oscal-catalog``         an OSCAL catalog (JSON)
``sssom``                 an SSSOM/TSV mapping set with its metadata block (any rejected row stops it)
========================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from controlgraph.errors import InputError
from controlgraph.importers.ccm import read_ccm
from controlgraph.importers.ciso_yaml import read_ciso_yaml
from controlgraph.importers.context import GraphContext, ImportOptions
from controlgraph.importers.csf_xlsx import read_csf_xlsx
from controlgraph.importers.oscal_catalog import read_oscal_catalog
from controlgraph.importers.sssom import read_sssom_file
from controlgraph.pipeline.imports import CommitOutcome, ImportedDataset, commit_import
from controlgraph.store.base import GraphStore

Reader = Callable[[Path, GraphContext, ImportOptions], ImportedDataset]

IMPORTERS: dict[str, Reader] = {
    "ccm": read_ccm,
    "csf-xlsx": read_csf_xlsx,
    "ciso-yaml": read_ciso_yaml,
    "oscal-catalog": read_oscal_catalog,
    "sssom": read_sssom_file,
}


def read_file(kind: str, path: Path, context: GraphContext, options: ImportOptions | None = None) -> ImportedDataset:
    reader = IMPORTERS.get(kind)
    if reader is None:
        raise InputError(f"unknown import kind {kind!r}; expected one of {', '.join(sorted(IMPORTERS))}")
    return reader(path, context, options or ImportOptions())


def import_file(
    store: GraphStore, kind: str, path: Path, options: ImportOptions | None = None
) -> tuple[ImportedDataset, CommitOutcome]:
    """Read ``path`` with the ``kind`` importer and commit it; a failure leaves the store as it was."""
    dataset = read_file(kind, path, GraphContext.from_store(store), options)
    return dataset, commit_import(store, dataset)


__all__ = ["IMPORTERS", "GraphContext", "ImportOptions", "Reader", "import_file", "read_file"]
