"""Whose obligation a control is (cloud shared responsibility), as one readable text per control for exports.

ISO/IEC 27017 controls carry ``cg:responsibleParty`` (cloud service customer, cloud service provider,
or shared); an imported CSA CCM bundle adds the owner per service model (``cg:responsiblePartyIaaS``
...) with a readable ``cg:responsibility`` ("IaaS: CSP-Owned; PaaS: Shared; SaaS: CSP-Owned"). The
text wins where both exist; otherwise the party's label. Only a control's own statements count here
(coverage's ``--role`` inherits them from ancestors; an export states what the data says).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import sparql_prefixes

_QUERY = sparql_prefixes() + """
SELECT ?c ?text ?label WHERE {
  VALUES ?c { %s }
  { ?c cg:responsibility ?text } UNION { ?c cg:responsibleParty ?party . ?party rdfs:label ?label }
}"""


def responsibilities(store: GraphStore, controls: Iterable[str]) -> dict[str, str]:
    """Control IRI -> its responsibility text, for the controls that record one."""
    iris = sorted(set(controls))
    texts: dict[str, set[str]] = {}
    labels: dict[str, set[str]] = {}
    for start in range(0, len(iris), 500):
        # The IRIs come from the store (controls of crosswalk rows or catalogs), never from a request.
        values = " ".join(f"<{iri}>" for iri in iris[start:start + 500])
        for row in store.query(_QUERY % values):  # type: ignore[union-attr]
            control = row["c"].value  # type: ignore[index]
            for name, into in (("text", texts), ("label", labels)):
                term = row[name]  # type: ignore[index]
                if isinstance(term, ox.Literal):
                    into.setdefault(control, set()).add(term.value)
    return {c: "; ".join(sorted(texts.get(c) or labels[c])) for c in iris if c in texts or c in labels}
