"""A fast proof that data conform to the shapes, so pyshacl runs only when something may be wrong.

pyshacl is the validator of record (:mod:`controlgraph.data.validation`), but it walks the graph
through rdflib, which costs seconds on the shipped data and tens of milliseconds per tenant write.
Almost every validation finds nothing. :func:`certainly_conforms` reads the shapes graph (not a
copy of the shapes in code) and evaluates the SHACL Core subset the project's shapes use, over
plain dictionaries of pyoxigraph terms; SPARQL-based constraints run on pyoxigraph's engine.

It answers ``True`` only when it can show that pyshacl would report no result at all. Anything it is
unsure of answers ``False``, and the caller runs pyshacl, whose report is then the answer:

- a shapes graph using a SHACL term outside the supported set (``sh:node``, ``sh:or``, paths other
  than one predicate, ...) or an implicit class target: ``False`` for every input;
- a value the check cannot judge with certainty (a datatype whose lexical space it does not check, a
  comparison between non-numeric literals): counted as a violation.

So the check can make a validation slower (never wrong) by doubting, and wrong only by missing a
violation; ``tests/test_shape_check.py`` compares it with pyshacl on the bad-input corpus and on
random edits of the shipped data, both ways.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from controlgraph.vocabulary import RDF, RDFS, SH, XSD

_TYPE = RDF + "type"
_SUBCLASS = RDFS + "subClassOf"
_FIRST, _REST, _NIL = RDF + "first", RDF + "rest", RDF + "nil"

# Shape terms whose meaning the check implements; any other sh: term in the shapes graph disables it.
_CONSTRAINTS = {SH + n for n in ("minCount", "maxCount", "datatype", "pattern", "flags", "nodeKind", "class", "in",
                                 "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "disjoint")}
_SUPPORTED = _CONSTRAINTS | {SH + n for n in (
    "targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "property", "path", "sparql", "select",
    "prefixes", "declare", "prefix", "namespace", "message", "severity", "name", "description", "order", "group",
)}
_SHAPE_TYPES = {SH + "NodeShape", SH + "PropertyShape", SH + "SPARQLConstraint", SH + "PrefixDeclaration"}

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


class _Unsupported(Exception):
    """The shapes use something the check does not implement."""


def _integer(text: str) -> bool:
    return re.fullmatch(r"[+-]?[0-9]+", text) is not None


def _decimal(text: str) -> bool:
    return re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text) is not None


def _double(text: str) -> bool:
    return re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", text) is not None


def _date(text: str) -> bool:
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) is None:
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


# Datatypes whose lexical forms the check can judge; values of any other datatype count as doubtful.
_LEXICAL: dict[str, Callable[[str], bool]] = {
    XSD + "string": lambda text: True,
    XSD + "integer": _integer,
    XSD + "decimal": _decimal,
    XSD + "double": _double,
    XSD + "float": _double,
    XSD + "boolean": lambda text: text in ("true", "false", "1", "0"),
    XSD + "date": _date,
}
_NUMERIC = {XSD + "integer", XSD + "decimal", XSD + "double", XSD + "float"}


def _number(term: Term) -> Decimal | None:
    """The value of a well-formed numeric literal (finite), else None."""
    if not isinstance(term, ox.Literal) or term.datatype.value not in _NUMERIC:
        return None
    if not _LEXICAL[term.datatype.value](term.value):
        return None
    try:
        return Decimal(term.value)
    except InvalidOperation:
        return None


@dataclass
class _Property:
    path: str
    checks: list[Callable[[Term, list[Term], _Data], bool]] = field(default_factory=list)


@dataclass
class _Shape:
    target_classes: list[str] = field(default_factory=list)
    target_subjects_of: list[str] = field(default_factory=list)
    target_objects_of: list[str] = field(default_factory=list)
    target_nodes: list[Term] = field(default_factory=list)
    properties: list[_Property] = field(default_factory=list)
    sparql: list[str] = field(default_factory=list)  # SELECT queries, $this as ?this, prefixes prepended


class _Data:
    """The data graph indexed by subject, predicate and object, with the class hierarchy."""

    def __init__(self, triples: Sequence[ox.Triple]) -> None:
        self.triples = triples
        self.out: defaultdict[Term, defaultdict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.by_predicate: defaultdict[str, list[ox.Triple]] = defaultdict(list)
        for t in triples:
            self.out[t.subject][t.predicate.value].append(t.object)
            self.by_predicate[t.predicate.value].append(t)
        self._subclasses: dict[str, set[str]] = {}
        self._store: ox.Store | None = None

    def subclasses(self, cls: str) -> set[str]:
        """``cls`` and every class below it through ``rdfs:subClassOf`` in the data."""
        found = self._subclasses.get(cls)
        if found is None:
            below: defaultdict[str, set[str]] = defaultdict(set)
            for t in self.by_predicate.get(_SUBCLASS, ()):
                below[t.object.value].add(t.subject.value)  # type: ignore[union-attr]
            found, todo = {cls}, [cls]
            while todo:
                for sub in below.get(todo.pop(), ()):
                    if sub not in found:
                        found.add(sub)
                        todo.append(sub)
            self._subclasses[cls] = found
        return found

    def is_instance(self, node: Term, cls: str) -> bool:
        if isinstance(node, ox.Literal):
            return False
        classes = self.subclasses(cls)
        edges = self.out.get(node)
        types = edges.get(_TYPE, []) if edges is not None else []
        return any(isinstance(c, ox.NamedNode) and c.value in classes for c in types)

    def store(self) -> ox.Store:
        if self._store is None:
            self._store = ox.Store()
            self._store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in self.triples)
        return self._store

    def focus(self, shape: _Shape) -> set[Term]:
        nodes: set[Term] = set(shape.target_nodes)
        for cls in shape.target_classes:
            classes = self.subclasses(cls)
            nodes.update(t.subject for t in self.by_predicate.get(_TYPE, ())
                         if isinstance(t.object, ox.NamedNode) and t.object.value in classes)
        for predicate in shape.target_subjects_of:
            nodes.update(t.subject for t in self.by_predicate.get(predicate, ()))
        for predicate in shape.target_objects_of:
            nodes.update(t.object for t in self.by_predicate.get(predicate, ()))
        return nodes


class _ShapesGraph:
    def __init__(self, triples: Sequence[ox.Triple]) -> None:
        self.out: defaultdict[Term, defaultdict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.out[t.subject][t.predicate.value].append(t.object)

    def values(self, node: Term, predicate: str) -> list[Term]:
        edges = self.out.get(node)
        return edges.get(predicate, []) if edges is not None else []

    def one(self, node: Term, predicate: str) -> Term:
        found = self.values(node, predicate)
        if len(found) != 1:
            raise _Unsupported(f"{predicate} given {len(found)} times")
        return found[0]

    def items(self, head: Term) -> list[Term]:
        out: list[Term] = []
        while not (isinstance(head, ox.NamedNode) and head.value == _NIL):
            out.append(self.one(head, _FIRST))
            head = self.one(head, _REST)
            if len(out) > 10_000:
                raise _Unsupported("list too long")
        return out


def _iri(term: Term) -> str:
    if not isinstance(term, ox.NamedNode):
        raise _Unsupported(f"{term} is not an IRI")
    return term.value


def _count(limit: int, at_least: bool) -> Callable[[Term, list[Term], _Data], bool]:
    if at_least:
        return lambda focus, values, data: len(set(values)) >= limit
    return lambda focus, values, data: len(set(values)) <= limit


def _each(test: Callable[[Term, _Data], bool]) -> Callable[[Term, list[Term], _Data], bool]:
    return lambda focus, values, data: all(test(v, data) for v in values)


def _datatype_ok(datatype: str) -> Callable[[Term, _Data], bool]:
    lexical = _LEXICAL.get(datatype)
    return lambda v, data: (lexical is not None and isinstance(v, ox.Literal) and v.language is None
                            and v.datatype.value == datatype and lexical(v.value))


def _node_kind_ok(kind: str) -> Callable[[Term, _Data], bool]:
    allowed = {
        "IRI": (ox.NamedNode,), "BlankNode": (ox.BlankNode,), "Literal": (ox.Literal,),
        "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode), "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
        "IRIOrLiteral": (ox.NamedNode, ox.Literal),
    }.get(kind.removeprefix(SH))
    if allowed is None:
        raise _Unsupported(f"node kind {kind}")
    return lambda v, data: isinstance(v, allowed)


def _pattern_ok(pattern: str, flags: str) -> Callable[[Term, _Data], bool]:
    if set(flags) - {"i"}:
        raise _Unsupported(f"regex flags {flags}")
    regex = re.compile(pattern, re.IGNORECASE if flags else 0)
    return lambda v, data: not isinstance(v, ox.BlankNode | ox.Triple) and regex.search(v.value) is not None


def _range_ok(bound: Term, test: Callable[[Decimal, Decimal], bool]) -> Callable[[Term, _Data], bool]:
    limit = _number(bound)
    if limit is None:
        raise _Unsupported(f"range bound {bound}")

    def ok(v: Term, data: _Data) -> bool:
        value = _number(v)
        return value is not None and test(value, limit)

    return ok


def _property(shapes: _ShapesGraph, node: Term) -> _Property:
    prop = _Property(_iri(shapes.one(node, SH + "path")))
    flags = shapes.values(node, SH + "flags")
    for predicate, values in shapes.out[node].items():
        for value in values:
            prop.checks.extend(_constraint(shapes, predicate, value, flags))
    return prop


def _constraint(shapes: _ShapesGraph, predicate: str, value: Term,
                flags: list[Term]) -> list[Callable[[Term, list[Term], _Data], bool]]:
    name = predicate.removeprefix(SH)
    if name in ("minCount", "maxCount"):
        limit = _number(value)
        if limit is None or limit != int(limit):
            raise _Unsupported(f"count {value}")
        return [_count(int(limit), name == "minCount")]
    if name == "datatype":
        return [_each(_datatype_ok(_iri(value)))]
    if name == "nodeKind":
        return [_each(_node_kind_ok(_iri(value)))]
    if name == "class":
        cls = _iri(value)
        return [_each(lambda v, data: data.is_instance(v, cls))]
    if name == "in":
        allowed = set(shapes.items(value))
        return [_each(lambda v, data: v in allowed)]
    if name == "pattern":
        if not isinstance(value, ox.Literal) or len(flags) > 1:
            raise _Unsupported("pattern")
        flag = flags[0] if flags else ox.Literal("")
        if not isinstance(flag, ox.Literal):
            raise _Unsupported("sh:flags")
        return [_each(_pattern_ok(value.value, flag.value))]
    if name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
        tests: dict[str, Callable[[Decimal, Decimal], bool]] = {
            "minInclusive": lambda a, b: a >= b, "maxInclusive": lambda a, b: a <= b,
            "minExclusive": lambda a, b: a > b, "maxExclusive": lambda a, b: a < b,
        }
        return [_each(_range_ok(value, tests[name]))]
    if name == "disjoint":
        other = _iri(value)
        return [lambda focus, values, data: not set(values) & set(data.out.get(focus, {}).get(other, ()))]
    if name in ("path", "flags", "message", "severity", "name", "description", "order", "group"):
        return []  # no check of their own
    raise _Unsupported(f"{predicate} in a property shape")


def _prefixes(shapes: _ShapesGraph, node: Term) -> str:
    lines = []
    for source in shapes.values(node, SH + "prefixes"):
        for declaration in shapes.values(source, SH + "declare"):
            prefix = shapes.one(declaration, SH + "prefix")
            namespace = shapes.one(declaration, SH + "namespace")
            lines.append(f"PREFIX {prefix.value}: <{namespace.value}>")  # type: ignore[union-attr]
    return "\n".join(lines) + "\n"


def _compile(triples: Sequence[ox.Triple]) -> dict[Term, _Shape]:
    for t in triples:
        if t.predicate.value.startswith(SH) and t.predicate.value not in _SUPPORTED:
            raise _Unsupported(f"shape term {t.predicate.value}")
        if t.predicate.value == _TYPE and isinstance(t.object, ox.NamedNode):
            if t.object.value.startswith(SH) and t.object.value not in _SHAPE_TYPES:
                raise _Unsupported(f"shape type {t.object.value}")
            if t.object.value in (RDFS + "Class", "http://www.w3.org/2002/07/owl#Class"):
                raise _Unsupported("implicit class target")
    shapes = _ShapesGraph(triples)
    compiled: dict[Term, _Shape] = {}
    for node, edges in shapes.out.items():
        targets = {p: edges.get(SH + p, []) for p in ("targetClass", "targetSubjectsOf", "targetObjectsOf",
                                                       "targetNode")}
        if not any(targets.values()):
            continue  # checks nothing by itself; a property shape is read where sh:property names it
        if SH + "path" in edges:
            raise _Unsupported("a property shape with targets of its own")
        if edges.keys() & _CONSTRAINTS:
            raise _Unsupported("node-level constraints")
        shape = _Shape([_iri(c) for c in targets["targetClass"]], [_iri(p) for p in targets["targetSubjectsOf"]],
                       [_iri(p) for p in targets["targetObjectsOf"]], list(targets["targetNode"]))
        shape.properties = [_property(shapes, p) for p in edges.get(SH + "property", [])]
        for constraint in edges.get(SH + "sparql", []):
            select = shapes.one(constraint, SH + "select")
            if not isinstance(select, ox.Literal):
                raise _Unsupported("sh:select")
            shape.sparql.append(_prefixes(shapes, constraint) + select.value.replace("$this", "?this"))
        compiled[node] = shape
    return compiled


_cache: dict[str, dict[Term, _Shape] | None] = {}
_cache_lock = threading.Lock()


def compiled_shapes(shapes: Sequence[ox.Triple]) -> dict[Term, _Shape] | None:
    """The shapes as checks (cached by content), or None when they use something unsupported."""
    key = hashlib.sha256("\n".join(sorted(map(str, shapes))).encode()).hexdigest()
    with _cache_lock:
        if key not in _cache:
            try:
                _cache[key] = _compile(shapes)
            except _Unsupported:
                _cache[key] = None
        return _cache[key]


def certainly_conforms(data: Sequence[ox.Triple], shapes: Sequence[ox.Triple], *,
                       focus: Collection[str] | None = None) -> bool:
    """True when pyshacl would report no result for ``data`` (limited to ``focus`` IRIs when given).

    False means "not shown": run pyshacl.
    """
    compiled = compiled_shapes(shapes)
    if compiled is None:
        return False
    graph = _Data(data)
    wanted = None if focus is None else {ox.NamedNode(iri) for iri in focus}
    for shape in compiled.values():
        nodes = graph.focus(shape)
        if wanted is not None:
            nodes &= wanted
        if not nodes:
            continue
        for prop in shape.properties:
            for node in nodes:
                edges = graph.out.get(node)
                values = edges.get(prop.path, []) if edges is not None else []
                if not all(check(node, values, graph) for check in prop.checks):
                    return False
        for query in shape.sparql:
            for row in graph.store().query(query):  # type: ignore[union-attr]
                try:
                    this = row["this"]
                except (KeyError, IndexError):
                    return False  # the query does not say which focus node a row is about
                if this is None or this in nodes:
                    return False
    return True
