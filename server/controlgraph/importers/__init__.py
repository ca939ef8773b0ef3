"""Importers: read a user-supplied official file into a dataset of its own named graph.

Each importer is a pure reader ``(path, context, options) -> ImportedDataset``: it reads the
file(s), never the store, and reports every row it rejected or repaired with the reason.
:func:`import_file` takes the graph snapshot the readers need, runs one, and commits the result
with :func:`controlgraph.pipeline.imports.commit_import` (validated in context, written atomically).

========================  ===========================================================
kind                      reads
========================  ===========================================================
``ccm``                   the CSA CCM JSON bundle folder, or a zip/tar of it (controls, gap analysis)
``csf-xlsx``              a NIST CSF 2.0 Reference Tool export (.xlsx)
``ciso-yaml``             a CISO Assistant library (any framework, or a mapping set, YAML)
``oscal-catalog``         an OSCAL catalog (JSON), at every depth
``oscal-mapping``         an OSCAL mapping collection (JSON), e.g. CSA's or the project's own export
``sssom``                 an SSSOM/TSV mapping set with its metadata block (any rejected row stops it)
========================  ===========================================================
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from controlgraph.errors import InputError
from controlgraph.importers.archives import is_archive, unpack_archive
from controlgraph.importers.context import GraphContext, ImportOptions
from controlgraph.importers.input_files import MAX_INPUT_BYTES, read_bytes
from controlgraph.pipeline.imports import CommitOutcome, ImportedDataset, Progress, commit_import
from controlgraph.store.base import GraphStore

FOLDER_KINDS = frozenset({"ccm"})  # kinds that read a folder (or an archive of one)

Reader = Callable[[Path, GraphContext, ImportOptions], ImportedDataset]

# kind -> (module, reader): a reader's module (openpyxl for csf-xlsx, the CCM tables) is imported when
# its kind is asked for, so an SSSOM import does not load the others.
IMPORTERS: dict[str, tuple[str, str]] = {
    "ccm": ("controlgraph.importers.ccm", "read_ccm"),
    "csf-xlsx": ("controlgraph.importers.csf_xlsx", "read_csf_xlsx"),
    "ciso-yaml": ("controlgraph.importers.ciso_yaml", "read_ciso_yaml"),
    "oscal-catalog": ("controlgraph.importers.oscal_catalog", "read_oscal_catalog"),
    "oscal-mapping": ("controlgraph.importers.oscal_mapping", "read_oscal_mapping"),
    "sssom": ("controlgraph.importers.sssom", "read_sssom_file"),
}


def reader_of(kind: str) -> Reader:
    """The reader of ``kind``; an unknown kind is bad input."""
    if kind not in IMPORTERS:
        raise InputError(f"unknown import kind {kind!r}; expected one of {', '.join(sorted(IMPORTERS))}")
    module, name = IMPORTERS[kind]
    reader: Reader = getattr(importlib.import_module(module), name)
    return reader


def read_file(kind: str, path: Path, context: GraphContext, options: ImportOptions | None = None) -> ImportedDataset:
    return reader_of(kind)(path, context, options or ImportOptions())


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
    store: GraphStore, kind: str, path: Path, options: ImportOptions | None = None, progress: Progress | None = None,
    *, shown_as: str | None = None,
) -> tuple[ImportedDataset, CommitOutcome]:
    """Read ``path`` with the ``kind`` importer and commit it; a failure leaves the store as it was.

    The same source read again (same graph) replaces the earlier import of it. A folder kind (``ccm``)
    also takes the folder as a zip or tar archive (:mod:`.archives`), unpacked into a private
    temporary folder; the import then reads as the archive (its name in the record and the issues,
    the sha256 of the unpacked files, so a folder and its archive are the same source). ``shown_as``
    names the source instead of ``path`` (an upload saved under a temporary folder).
    """
    if progress is not None:
        progress(f"reading {path} ({kind})")
    shown = shown_as or str(path)
    if kind in FOLDER_KINDS and is_archive(path):
        with tempfile.TemporaryDirectory(prefix="controlgraph-bundle-") as tmp:
            folder = unpack_archive(read_bytes(path, "a zip or tar archive of the bundle"), Path(tmp) / "bundle",
                                    name=shown, max_bytes=MAX_INPUT_BYTES)
            dataset = _shown_as(read_file(kind, folder, GraphContext.from_store(store), options), str(folder), shown)
            dataset.source_sha256 = source_sha256(folder)
    else:
        dataset = read_file(kind, path, GraphContext.from_store(store), options)
        if shown_as is not None:
            dataset = _shown_as(dataset, str(path), shown_as)
        dataset.source_sha256 = source_sha256(path)
    return dataset, commit_import(store, dataset, progress)


def _shown_as(dataset: ImportedDataset, prefix: str, shown: str) -> ImportedDataset:
    """Name ``shown`` wherever the dataset names ``prefix`` (a temporary file or folder): record, issues, texts."""

    def renamed(term: ox.Literal) -> ox.Literal:
        if prefix not in term.value:
            return term
        value = term.value.replace(prefix, shown)
        return ox.Literal(value, language=term.language) if term.language else ox.Literal(value, datatype=term.datatype)

    dataset.triples = [ox.Triple(t.subject, t.predicate, renamed(t.object)) if isinstance(t.object, ox.Literal) else t
                       for t in dataset.triples]
    dataset.issues = [
        dataclasses.replace(i, source=i.source.replace(prefix, shown), value=i.value.replace(prefix, shown))
        for i in dataset.issues
    ]
    dataset.source_path = dataset.source_path.replace(prefix, shown)
    return dataset


__all__ = ["FOLDER_KINDS", "IMPORTERS", "GraphContext", "ImportOptions", "Reader", "import_file", "read_file",
           "source_sha256"]
