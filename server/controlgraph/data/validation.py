"""SHACL validation: pyshacl is the validator of record, run only when the fast check cannot prove conformance.

Like pySHACL itself, validation returns a report; the caller decides what a violation means
(a build stops, ``controlgraph validate`` prints and exits 1). pyshacl and rdflib live in
:mod:`controlgraph.data.pyshacl_report`, imported only when pyshacl runs: most validations (a build of
unchanged data, an import of a few mappings, a tenant write) are answered by the fast check.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from controlgraph.data.datasets import DatasetFile
from controlgraph.data.loader import iter_file
from controlgraph.data.shape_check import certainly_conforms
from controlgraph.data.validation_scope import LinkIndex, affected_nodes
from controlgraph.errors import Violation

# pyshacl keeps the focus nodes in a list and scans it once per target of every shape: the work grows with
# (focus nodes x targets in the context). Above this product (a few seconds of scans) a full validation is
# cheaper: a large import (a whole framework) is validated in full, a few mappings by their scope.
_MAX_FOCUS_FILTER_WORK = 1_500_000


@dataclass(frozen=True)
class ValidationReport:
    violations: list[Violation]

    @property
    def conforms(self) -> bool:
        return not any(v.severity == "Violation" for v in self.violations)


def validate_triples(
    data: Iterable[ox.Triple],
    shapes: Iterable[ox.Triple],
    *,
    origin: Mapping[str, str] | None = None,
    focus: Collection[str] | None = None,
) -> ValidationReport:
    """Validate ``data`` against ``shapes``; ``origin`` maps a node (N-Triples form) to its source file.

    ``focus`` (IRIs) limits the validation to those focus nodes, with all of ``data`` as context; an
    empty collection validates nothing. ``None`` (the default) validates every target.

    Data that :func:`~controlgraph.data.shape_check.certainly_conforms` shows to conform get pyshacl's
    answer for them, an empty report, without running it; pyshacl reports whenever there may be a result.
    """
    if focus is not None and not focus:
        return ValidationReport([])
    data = list(data)
    shapes = list(shapes)
    if certainly_conforms(data, shapes, focus=focus):
        return ValidationReport([])
    from controlgraph.data.pyshacl_report import validate_with_pyshacl

    return validate_with_pyshacl(data, shapes, origin=origin, focus=focus)


def files_certainly_conform(files: Iterable[DatasetFile]) -> bool:
    """True when the fast check shows that pyshacl would report nothing for ``files`` read together (the
    shapes files as shapes, every other file as data): what ``controlgraph validate`` asks first. False:
    run pyshacl (:func:`~controlgraph.data.pyshacl_report.validate_files`), whose report is the answer.

    Syntax errors are raised here, as when pyshacl's path reads the files (:func:`iter_file`)."""
    data: list[ox.Triple] = []
    shapes: list[ox.Triple] = []
    for f in files:
        (shapes if f.role == "shapes" else data).extend(iter_file(f.path))
    return certainly_conforms(data, shapes)


def validate_change(
    data: Sequence[ox.Triple],
    shapes: Iterable[ox.Triple],
    changed: Iterable[ox.Triple],
    *,
    origin: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Validate what ``changed`` (triples added to or removed from a graph that conformed) can affect.

    ``data`` is the whole graph after the change; the triples the shapes read from the focus nodes are
    the context handed to pyshacl. Reports the violations a full validation
    of ``data`` reports, given that the graph before the change conformed (see
    :mod:`controlgraph.data.validation_scope` for which focus nodes that takes).
    """
    delta = list(changed)
    scope = affected_nodes(delta, LinkIndex().add(data).add(delta))
    if scope.full:
        return validate_triples(data, shapes, origin=origin)
    context = scope.context_triples(data)
    if len(scope.nodes) * len({t.subject for t in context}) > _MAX_FOCUS_FILTER_WORK:
        return validate_triples(data, shapes, origin=origin)  # a large change: the full validation is cheaper
    return validate_triples(context, shapes, origin=origin, focus=scope.nodes)
