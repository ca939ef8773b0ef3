"""Parse dataset files into triples, with errors that name the file and line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from controlgraph.data.datasets import DatasetFile
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


# RDF/XML may declare entities; pyoxigraph expands nested ones (a "billion laughs" file took over a minute),
# so entity declarations are limited to plain text values (as ontology editors write them, e.g.
# <!ENTITY owl "http://www.w3.org/2002/07/owl#">) and their total expansion is capped.
_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(%\s*)?([^\s\"']+)\s+(\"[^\"]*\"|'[^']*'|\S+)", re.DOTALL)
_MAX_ENTITY_EXPANSION = 4 * 1024 * 1024
_MAX_TOKEN_BYTES = 16 * 1024 * 1024  # pyoxigraph's parser buffer: no literal or IRI may be longer
MAX_RDF_FILE_BYTES = 512 * 1024 * 1024  # far above any dataset file; a bound on what one file may make us hold


def check_xml_entities(data: bytes, label: str) -> None:
    expansion = 0
    for match in _ENTITY_DECL.finditer(data):
        parameter, name, value = match.group(1), match.group(2), match.group(3)
        if parameter or value[:1] not in (b'"', b"'"):
            raise InputError("XML parameter or external entities are not accepted", path=label)
        if b"&" in value or b"%" in value:
            raise InputError(f"XML entity {name.decode(errors='replace')!r} refers to other entities; "
                             "nested entities are not accepted", path=label)
        expansion += (len(value) - 2) * data.count(b"&" + name + b";")
        if expansion > _MAX_ENTITY_EXPANSION:
            raise InputError(f"XML entities expand to more than {_MAX_ENTITY_EXPANSION:,} bytes", path=label)


def parse_file(path: Path) -> list[ox.Triple]:
    """Triples of one RDF file; a syntax error names the file and the line."""
    return list(iter_file(path))


def iter_file(path: Path) -> Iterator[ox.Triple]:
    """The triples of one RDF file as pyoxigraph reads them (nothing held); errors as :func:`parse_file`'s."""
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"unsupported file type {path.suffix!r} (expected one of {sorted(_FORMATS)})", path=str(path))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from None
    if size > MAX_RDF_FILE_BYTES:
        raise InputError(f"file is {size:,} bytes, more than the {MAX_RDF_FILE_BYTES:,} accepted", path=str(path))
    try:
        if fmt == ox.RdfFormat.RDF_XML:
            check_xml_entities(path.read_bytes(), str(path))
        for q in ox.parse(path=str(path), format=fmt):
            yield ox.Triple(q.subject, q.predicate, q.object)
    except SyntaxError as exc:
        raise InputError(_syntax_message(exc), path=str(path), line=exc.lineno) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or 'input/output error'}", path=str(path)) from None
    except ValueError as exc:
        raise InputError(f"cannot read: {exc}", path=str(path)) from exc
    except MemoryError as exc:
        raise _token_too_long(exc, str(path)) from None


def _token_too_long(exc: MemoryError, label: str) -> InputError:
    """pyoxigraph's refusal of one token (a literal, an IRI) over its 16 MiB buffer, as bad input."""
    if "buffer maximal size" not in str(exc):
        raise exc  # the machine is out of memory: not the input's fault, not ours to hide
    return InputError(f"a single literal or IRI is longer than the parser accepts ({_MAX_TOKEN_BYTES:,} bytes)",
                      path=label)


def parse_bytes(data: bytes, fmt: ox.RdfFormat, *, label: str) -> list[ox.Triple]:
    if fmt == ox.RdfFormat.RDF_XML:
        check_xml_entities(data, label)
    try:
        return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(input=data, format=fmt)]
    except SyntaxError as exc:
        raise InputError(_syntax_message(exc), path=label, line=exc.lineno) from exc
    except MemoryError as exc:
        raise _token_too_long(exc, label) from None


def _syntax_message(exc: SyntaxError) -> str:
    text = str(exc.msg if exc.msg else exc)
    # pyoxigraph says "Parser error between line 3 column 11 and ...: <what>"; keep the what.
    return "malformed RDF: " + text.split(": ", 1)[-1] if text.startswith("Parser error") else text


def load_files(files: Iterable[DatasetFile]) -> LoadedData:
    loaded = LoadedData()
    for f in files:
        loaded.add(LoadedDataset(f, parse_file(f.path)))
    return loaded
