"""Every framework the mission names is connected to every other through mapping sets."""

from __future__ import annotations

from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import sparql_prefixes

MISSION = {"iso27001-2022", "iso27002-2022", "iso27001-2013", "iso27002-2013", "iso27017-2015", "iso27018-2019",
           "gdpr", "nist-csf-2.0", "nist-csf-1.1", "csa-ccm-4"}

# Framework pairs joined by at least one mapping, read from the mappings themselves (not the set's
# declared frameworks), so an empty or mislabelled set does not count as a link.
PAIRS = sparql_prefixes() + """
SELECT DISTINCT ?a ?b WHERE {
  ?m a cg:Mapping ; cg:mappingSubject ?s ; cg:mappingObject ?o .
  FILTER NOT EXISTS { ?m a cg:InferredMapping }
  ?s skos:inScheme/cg:slug ?a . ?o skos:inScheme/cg:slug ?b .
}"""


def test_every_framework_reaches_every_other(built_store: EmbeddedStore) -> None:
    neighbours: dict[str, set[str]] = {}
    for row in built_store.query(PAIRS):  # type: ignore[union-attr]
        a, b = row["a"].value, row["b"].value  # type: ignore[union-attr]
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    assert set(neighbours) >= MISSION, sorted(MISSION - set(neighbours))
    for start in sorted(MISSION):
        seen, frontier = {start}, [start]
        while frontier:
            for nxt in neighbours.get(frontier.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert seen >= MISSION, f"from {start} no mapping path reaches {sorted(MISSION - seen)}"


def test_curated_sets_link_gdpr_directly_to_iso_and_csf(built_store: EmbeddedStore) -> None:
    direct = {(row["a"].value, row["b"].value) for row in built_store.query(PAIRS)}  # type: ignore[union-attr]
    assert {("gdpr", "iso27002-2022"), ("gdpr", "nist-csf-2.0"), ("iso27018-2019", "gdpr"),
            ("iso27017-2015", "iso27002-2022"), ("iso27017-2015", "nist-csf-2.0")} <= direct
