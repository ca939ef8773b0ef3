"""pyshacl's report: the validator of record, over rdflib graphs (see :mod:`controlgraph.data.validation`)."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping

import pyoxigraph as ox
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH

from controlgraph.data import rdflib_query_cache
from controlgraph.data.datasets import DatasetFile
from controlgraph.data.interop import XSD_STRING, rdflib_graph, to_rdflib
from controlgraph.data.loader import iter_file
from controlgraph.data.validation import ValidationReport
from controlgraph.errors import Violation
from controlgraph.vocabulary import PREFIXES

# rdflib's SPARQL parser (pyparsing, used by pyshacl's SPARQL constraints) is not thread-safe: two
# validations at once in one process (two tenants writing) failed with "Param.postParse2() missing 1
# required positional argument". Validations in a process run one at a time.
_PYSHACL_LOCK = threading.Lock()
rdflib_query_cache.install()  # the shapes' SPARQL constraints are parsed once, not per validation


def validate_with_pyshacl(
    data: Iterable[ox.Triple],
    shapes: Iterable[ox.Triple],
    *,
    origin: Mapping[str, str] | None = None,
    focus: Collection[str] | None = None,
) -> ValidationReport:
    """pyshacl's report, always run (:func:`validate_triples` without the fast check)."""
    if focus is not None and not focus:
        return ValidationReport([])
    return _validate_graph(rdflib_graph(data), rdflib_graph(shapes), origin, focus)


def validate_files(files: Iterable[DatasetFile]) -> ValidationReport:
    """A full validation of data files (and the shapes among them), read straight into one rdflib graph.

    pyoxigraph parses (and syntax-checks) each file as a stream; each triple goes into the graph pyshacl
    reads with its IRIs shared (one object per distinct IRI), and only the subjects' files are kept
    beside it. No list of the triples is held, so the graph is the one copy of the data in memory.
    """
    data, shapes = rdflib.Graph(), rdflib.Graph()
    origin: dict[str, str] = {}
    iris: dict[str, rdflib.URIRef] = {}

    def term(node: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Identifier:
        if isinstance(node, ox.NamedNode):
            found = iris.get(node.value)
            if found is None:
                found = iris[node.value] = rdflib.URIRef(node.value)
            return found
        if isinstance(node, ox.Literal) and not node.language and node.datatype.value != XSD_STRING:
            return rdflib.Literal(node.value, datatype=term(node.datatype))
        return to_rdflib(node)

    for f in files:
        graph = shapes if f.role == "shapes" else data
        label = str(f.path)
        for t in iter_file(f.path):
            subject = t.subject
            assert not isinstance(subject, ox.Triple)  # RDF-star is not read from dataset files
            origin.setdefault(str(subject), label)
            graph.add((term(subject), term(t.predicate), term(t.object)))  # type: ignore[arg-type]
    return _validate_graph(data, shapes, origin, None)


def _validate_graph(data_graph: rdflib.Graph, shapes_graph: rdflib.Graph, origin: Mapping[str, str] | None,
                    focus: Collection[str] | None) -> ValidationReport:
    with _PYSHACL_LOCK:
        _conforms, results, _text = pyshacl_validate(
            data_graph,
            shacl_graph=shapes_graph,
            inference="none",
            advanced=False,
            allow_warnings=True,
            # With no shapes named (use_shapes), pyshacl keeps each shape's own targets, filtered to these.
            focus_nodes=sorted(focus) if focus is not None else None,
        )
    assert isinstance(results, rdflib.Graph)
    violations = [_violation(results, r, origin or {}) for r in results.subjects(rdflib.RDF.type, SH.ValidationResult)]
    violations.sort(key=lambda v: (v.path, v.focus_node, v.constraint, v.message))
    return ValidationReport(violations)


_COMPACT = [(str(SH), "sh:"), ("https://w3id.org/controlgraph/shapes#", "cgsh:")] + [
    (ns, f"{prefix}:") for prefix, ns in PREFIXES.items() if prefix not in ("fw", "ms")
]


def _short(node: rdflib.term.Node | None) -> str:
    """Compact IRIs of the vocabularies (cg:strength); literals as their plain value."""
    if node is None:
        return ""
    if isinstance(node, rdflib.URIRef):
        text = str(node)
        for ns, prefix in _COMPACT:
            if text.startswith(ns):
                return prefix + text[len(ns):]
        return f"<{text}>"
    if isinstance(node, rdflib.Literal):
        return str(node)
    return node.n3()


def _violation(results: rdflib.Graph, result: rdflib.term.Node, origin: Mapping[str, str]) -> Violation:
    focus = results.value(result, SH.focusNode)
    shape = results.value(result, SH.sourceShape)
    component = results.value(result, SH.sourceConstraintComponent)
    path = results.value(result, SH.resultPath)
    message = results.value(result, SH.resultMessage)
    value = results.value(result, SH.value)
    severity = results.value(result, SH.resultSeverity)
    constraint = _short(component)
    if isinstance(shape, rdflib.URIRef):
        constraint = f"{_short(shape)}/{constraint}"
    if path is not None:
        constraint += f" on {_short(path)}"
    focus_text = focus.n3() if focus is not None else "?"
    return Violation(
        path=origin.get(focus_text, "<graph>"),
        focus_node=focus_text,
        constraint=constraint,
        message=str(message) if message is not None else "constraint not met",
        severity=_short(severity).removeprefix("sh:") or "Violation",
        value=_short(value) if value is not None else None,
    )
