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
``ciso-yaml``             a CISO Assistant library (any framework, or a mapping set, YAML)
``oscal-catalog``         an OSCAL catalog (JSON), at every depth
``oscal-mapping``         an OSCAL mapping collection (JSON), e.g. CSA's or the project's own export
``sssom``                 an SSSOM/TSV mapping set with its metadata block (any rejected row stops it)
========================  ===========================================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from controlgraph.errors import InputError
from controlgraph.importers.ccm import read_ccm
from controlgraph.importers.ciso_yaml import read_ciso_yaml
from controlgraph.importers.context import GraphContext, ImportOptions
from controlgraph.importers.csf_xlsx import read_csf_xlsx
from controlgraph.importers.oscal_catalog import read_oscal_catalog
from controlgraph.importers.oscal_mapping import read_oscal_mapping
from controlgraph.importers.sssom import read_sssom_file
from controlgraph.pipeline.imports import CommitOutcome, ImportedDataset, Progress, commit_import
from controlgraph.store.base import GraphStore

Reader = Callable[[Path, GraphContext, ImportOptions], ImportedDataset]

IMPORTERS: dict[str, Reader] = {
    "ccm": read_ccm,
    "csf-xlsx": read_csf_xlsx,
    "ciso-yaml": read_ciso_yaml,
    "oscal-catalog": read_oscal_catalog,
    "oscal-mapping": read_oscal_mapping,
    "sssom": read_sssom_file,
}


def read_file(kind: str, path: Path, context: GraphContext, options: ImportOptions | None = None) -> ImportedDataset:
    reader = IMPORTERS.get(kind)
    if reader is None:
        raise InputError(f"unknown import kind {kind!r}; expected one of {', '.join(sorted(IMPORTERS))}")
    return reader(path, context, options or ImportOptions())


def source_sha256(path: Path) -> str:
    """SHA-256 of a file, or of a folder's regular files (relative name and content, in name order)."""
    digest = hashlib.sha256()
    if path.is_dir():
        for member in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
            digest.update(str(member.relative_to(path)).encode("utf-8") + b"\0")
            digest.update(member.read_bytes())
    elif path.is_file():
        digest.update(path.read_bytes())
    return digest.hexdigest()


def import_file(
    store: GraphStore, kind: str, path: Path, options: ImportOptions | None = None, progress: Progress | None = None
) -> tuple[ImportedDataset, CommitOutcome]:
    """Read ``path`` with the ``kind`` importer and commit it; a failure leaves the store as it was.

    The same source read again (same graph) replaces the earlier import of it.
    """
    if progress is not None:
        progress(f"reading {path} ({kind})")
    dataset = read_file(kind, path, GraphContext.from_store(store), options)
    dataset.source_sha256 = source_sha256(path)
    return dataset, commit_import(store, dataset, progress)


__all__ = ["IMPORTERS", "GraphContext", "ImportOptions", "Reader", "import_file", "read_file", "source_sha256"]
