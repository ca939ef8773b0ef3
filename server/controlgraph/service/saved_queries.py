"""Saved queries: ``queries/*.rq`` files with a header of comments naming their title and parameters.

The header is the run of ``#`` lines at the top of the file (``queries/README.md`` has the
syntax)::

    # title: Controls that satisfy a control
    # description: Every control mapped to the given one, read from its side.
    # param: control control = nist-csf-2.0:PR.AA-01 -- the control to satisfy

A parameter is the SPARQL variable of the same name, bound after its value is read as its type:
``control`` (``slug:ID`` or a control IRI), ``framework`` (a slug), ``iri``, ``string`` or ``integer``.
The bound terms open the query's WHERE group as a one-row ``VALUES`` clause written from the parsed
RDF terms (:func:`bound_text`), never from the text given, so a value cannot change what the query
does. pyoxigraph's planner then knows the parameters are bound and starts from them; its
substitutions bind the same variables only while evaluating, after a plan made as if they were free
(``satisfiers``: 150 ms with substitutions, 3 ms with ``VALUES``, same rows). A query whose plan is
better the other way (a grouped sub-SELECT the parameters must reach) says ``# bind: substitution``.

Where a query writes a parameter as ``$name`` (the same SPARQL variable as ``?name``), the bound term itself
is written there (:func:`inline_params`): a group pyoxigraph evaluates on its own (a ``MINUS``) then starts
from the constant instead of matching every value and joining afterwards (``without-successor``: 110 ms ->
17 ms on the in-memory graph). The ``VALUES`` clause still binds ``?name`` for the rest of the query, so the
rows are the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from controlgraph.data.datasets import data_root, queries_dir
from controlgraph.errors import ConfigurationError, InputError, NotFound
from controlgraph.service.sparql_access import Rows, run_read_query
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.store.read_cache import cached
from controlgraph.store.remote import bind_with_values
from controlgraph.vocabulary import CG, XSD, framework_iri, parse_control_ref

PARAM_TYPES = ("control", "framework", "iri", "string", "integer")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HEADER_LINE = re.compile(r"^#\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*?)\s*$")
# ``$name`` outside strings, IRIs and comments (those are matched first and kept as they are).
_DOLLAR_VARIABLE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
    r"|\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
)
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)\s*(?:=\s*(?P<default>.*?))?\s*(?:--\s*(?P<doc>.*))?$"
)


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str
    default: str | None
    description: str

    def bind(self, raw: str, query: str, frameworks: frozenset[str]) -> ox.NamedNode | ox.Literal:
        """The RDF term for a value given as text; InputError when the value does not fit the type."""
        where = f"query {query!r}, parameter {self.name!r} ({self.type})"
        text = raw.strip()
        try:
            if self.type == "control":
                return ox.NamedNode(parse_control_ref(text).iri)
            if self.type == "framework":
                if text not in frameworks:
                    known = ", ".join(sorted(frameworks))
                    raise InputError(f"{where}: unknown framework {text!r}; known: {known}")
                return ox.NamedNode(framework_iri(text))
            if self.type == "iri":
                return ox.NamedNode(text)
            if self.type == "integer":
                return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
            return ox.Literal(raw)
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None


BIND_MODES = ("values", "substitution")


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    params: tuple[QueryParam, ...]
    sparql: str
    path: Path
    bind: str = "values"  # how parameters are bound: a VALUES clause, or the store's substitutions

    def metadata(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params": [{"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                       for p in self.params],
        }


def parse_saved_query(path: Path) -> SavedQuery:
    name = path.stem
    if not _NAME.match(name):
        raise InputError("a saved query's file name must be lower-case letters, digits and dashes", path=str(path))
    text = path.read_text(encoding="utf-8")
    title, description, params, bind = "", [], [], "values"
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        header = _HEADER_LINE.match(line)
        if header is None:
            continue  # a plain comment inside the header
        key, value = header.group("key"), header.group("value")
        if key == "title":
            title = value
        elif key == "description":
            description.append(value)
        elif key == "param":
            params.append(_parse_param(value, path, number))
        elif key == "bind":
            if value not in BIND_MODES:
                raise InputError(f"unknown bind mode {value!r}; expected {' or '.join(BIND_MODES)}",
                                 path=str(path), line=number)
            bind = value
        else:
            raise InputError(f"unknown header key {key!r} (expected title, description, param or bind)",
                             path=str(path), line=number)
    if not title:
        raise InputError("no '# title:' line in the header", path=str(path))
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise InputError("a parameter is declared twice", path=str(path))
    return SavedQuery(name, title, " ".join(description), tuple(params), text, path, bind)


def _parse_param(value: str, path: Path, line: int) -> QueryParam:
    match = _PARAM.match(value)
    if match is None:
        raise InputError(f"cannot read parameter {value!r}; write 'NAME TYPE [= DEFAULT] [-- description]'",
                         path=str(path), line=line)
    kind = match.group("type")
    if kind not in PARAM_TYPES:
        raise InputError(f"unknown parameter type {kind!r}; expected one of {', '.join(PARAM_TYPES)}",
                         path=str(path), line=line)
    default = match.group("default")
    return QueryParam(match.group("name"), kind, default if default else None, (match.group("doc") or "").strip())


def load_saved_queries(directory: Path) -> dict[str, SavedQuery]:
    if not directory.is_dir():
        raise ConfigurationError(f"{directory}: no saved queries folder here")
    queries = [parse_saved_query(p) for p in sorted(directory.glob("*.rq"))]
    return {q.name: q for q in queries}


def shipped_queries(settings: Settings) -> dict[str, SavedQuery]:
    return load_saved_queries(queries_dir(data_root(settings.data_dir)))


def known_frameworks(store: GraphStore) -> frozenset[str]:
    """The framework slugs in the graph (kept in the store's read cache until its next write)."""

    def compute() -> frozenset[str]:
        rows = store.query(f"SELECT ?slug WHERE {{ ?f a <{CG}Framework> ; <{CG}slug> ?slug }}")
        assert isinstance(rows, ox.QuerySolutions)
        return frozenset(s["slug"].value for s in rows if s["slug"] is not None)

    return cached(store, ("saved_queries.known_frameworks",), compute)


def lookup(queries: Mapping[str, SavedQuery], name: str) -> SavedQuery:
    """The saved query of that name; the name is only ever matched against the loaded set."""
    found = queries.get(name)
    if found is None:
        raise NotFound(f"no saved query {name!r}; known: {', '.join(sorted(queries))}")
    return found


def bind_params(
    query: SavedQuery, given: Mapping[str, str], frameworks: frozenset[str]
) -> dict[str, ox.NamedNode | ox.Literal]:
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        takes = ", ".join(declared) or "no parameters"
        raise InputError(f"query {query.name!r}: unknown parameter {unknown[0]!r} (it takes {takes})")
    bound = {}
    for param in query.params:
        raw = given.get(param.name, param.default)
        if raw is None:
            raise InputError(f"query {query.name!r}: parameter {param.name!r} ({param.type}) is required")
        bound[param.name] = param.bind(raw, query.name, frameworks)
    return bound


def bound_text(
    query: SavedQuery, bound: Mapping[str, ox.NamedNode | ox.Literal]
) -> tuple[str, dict[str, ox.NamedNode | ox.Literal]]:
    """The text to run and the substitutions to run it with: by default the parameters open the WHERE
    group as a ``VALUES`` clause (no substitutions left); ``# bind: substitution`` keeps the text as is."""
    text = inline_params(query.sparql, bound)
    if query.bind == "substitution":
        return text, dict(bound)
    return bind_with_values(text, bound), {}


def inline_params(sparql: str, bound: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """``sparql`` with each ``$name`` of a bound parameter written as its term (N-Triples form, escaped by
    pyoxigraph: never text from the caller); ``?name`` and every other ``$variable`` are left as they are."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        return str(bound[name]) if name is not None and name in bound else match.group(0)

    return _DOLLAR_VARIABLE.sub(replace, sparql)


def run_saved_query(
    store: GraphStore, settings: Settings, queries: Mapping[str, SavedQuery], name: str, given: Mapping[str, str]
) -> bool | list[ox.Triple] | Rows:
    """Run a saved query in-process (CLI, tests) with the usual limits."""
    query = lookup(queries, name)
    text, substitutions = bound_text(query, bind_params(query, given, known_frameworks(store)))
    return run_read_query(store, text, settings, substitutions)
