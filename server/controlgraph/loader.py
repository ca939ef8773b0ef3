"""Parse dataset files into triples, with errors that name the file and line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from controlgraph.datasets import DatasetFile
from controlgraph.errors import InputError

_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}


@dataclass
class LoadedDataset:
    source: DatasetFile
    triples: list[ox.Triple]


@dataclass
class LoadedData:
    """Every dataset of a build, and where each subject came from (to locate violations)."""

    datasets: list[LoadedDataset] = field(default_factory=list)
    subject_origin: dict[str, str] = field(default_factory=dict)

    def add(self, dataset: LoadedDataset) -> None:
        self.datasets.append(dataset)
        label = str(dataset.source.path)
        for t in dataset.triples:
            self.subject_origin.setdefault(str(t.subject), label)

    def by_role(self, *roles: str) -> list[LoadedDataset]:
        return [d for d in self.datasets if d.source.role in roles]

    def graphs(self) -> dict[str, list[ox.Triple]]:
        merged: dict[str, list[ox.Triple]] = {}
        for d in self.datasets:
            merged.setdefault(d.source.graph, []).extend(d.triples)
        return merged

    def triple_count(self) -> int:
        return sum(len(d.triples) for d in self.datasets)


def parse_file(path: Path) -> list[ox.Triple]:
    """Triples of one RDF file; a syntax error names the file and the line."""
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"unsupported file type {path.suffix!r} (expected one of {sorted(_FORMATS)})", path=str(path))
    try:
        quads = list(ox.parse(path=str(path), format=fmt))
    except SyntaxError as exc:
        raise InputError(_syntax_message(exc), path=str(path), line=exc.lineno) from exc
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read: {exc}", path=str(path)) from exc
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def parse_bytes(data: bytes, fmt: ox.RdfFormat, *, label: str) -> list[ox.Triple]:
    try:
        return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(input=data, format=fmt)]
    except SyntaxError as exc:
        raise InputError(_syntax_message(exc), path=label, line=exc.lineno) from exc


def _syntax_message(exc: SyntaxError) -> str:
    text = str(exc.msg if exc.msg else exc)
    # pyoxigraph says "Parser error between line 3 column 11 and ...: <what>"; keep the what.
    return "malformed RDF: " + text.split(": ", 1)[-1] if text.startswith("Parser error") else text


def load_files(files: Iterable[DatasetFile]) -> LoadedData:
    loaded = LoadedData()
    for f in files:
        loaded.add(LoadedDataset(f, parse_file(f.path)))
    return loaded
