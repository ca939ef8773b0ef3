"""Plain values of pyoxigraph terms (no rdflib: most commands never need it loaded)."""

from __future__ import annotations

import pyoxigraph as ox


def term_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> str:
    """The IRI, blank node id or lexical value of a term (quoted triples in N-Triples form)."""
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term.value
    return str(term)
