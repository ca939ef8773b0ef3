"""A tenant's write is validated by what it changed, and its audit record only ever added to its audit graph.

:mod:`controlgraph.service.tenant_commit` validates the changed nodes, and the mapping sets holding a mapping
on a changed pair, against triples read by pattern (not the whole graph): these are the cases where a
violation lies outside the node written, which that scope must still catch.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from controlgraph.analysis.mapping_lookup import audit_records
from controlgraph.errors import ValidationFailed
from controlgraph.service import custom_mappings as custom
from controlgraph.service.custom_mappings import MappingDraft, MappingPatch
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import tenant_agent, tenant_audit_graph, tenant_graph
from controlgraph.vocabulary import DCTERMS, PROV, RDF, RDFS, XSD, Relation

SHIPPED_EQUAL = ("iso27002-2013:12.3.1", "iso27001-2013:A.12.3.1")  # the shipped 27001/27002 set says equal
PAIR = ("iso27002-2022:5.15", "nist-csf-2.0:PR.AA-05")


@pytest.fixture(scope="module")
def store(built_store) -> EmbeddedStore:  # type: ignore[no-untyped-def]
    copy = built_store.copy()
    return copy


def _quads(store: EmbeddedStore) -> set[ox.Quad]:
    return set(store._store)


def test_an_update_to_not_related_of_a_pair_a_shared_set_says_equal_is_refused(store: EmbeddedStore) -> None:
    made = custom.create_mapping(store, "t-upd", MappingDraft(*SHIPPED_EQUAL, Relation.INTERSECTS_WITH))
    before = _quads(store)
    with pytest.raises(ValidationFailed, match=r"equal .* and not-related"):
        custom.update_mapping(store, "t-upd", made.node, MappingPatch(relation=Relation.NOT_RELATED))
    assert _quads(store) == before


def test_a_clash_with_the_tenants_own_mapping_the_other_way_round_is_refused(store: EmbeddedStore) -> None:
    custom.create_mapping(store, "t-own", MappingDraft(*PAIR, Relation.EQUAL))
    before = _quads(store)
    with pytest.raises(ValidationFailed, match=r"equal .* and not-related"):
        custom.create_mapping(store, "t-own", MappingDraft(PAIR[1], PAIR[0], Relation.NOT_RELATED))
    assert _quads(store) == before
    # Retracting the equal mapping removes the clash: the same write then goes through.
    equal = next(t.subject.value for t in store.graph_triples(tenant_graph("t-own"))
                 if t.predicate.value.endswith("#relation") and t.object.value.endswith("#equal"))
    custom.retract_mapping(store, "t-own", equal)
    custom.create_mapping(store, "t-own", MappingDraft(PAIR[1], PAIR[0], Relation.NOT_RELATED))


def test_audit_records_are_added_to_the_audit_graph_and_revisions_count_changes(store: EmbeddedStore) -> None:
    first = custom.create_mapping(store, "t-audit", MappingDraft(*PAIR, Relation.SUBSET_OF, strength=4))
    custom.update_mapping(store, "t-audit", first.node, MappingPatch(strength=6))
    last = custom.retract_mapping(store, "t-audit", first.node)
    mine = store.graph_triples(tenant_graph("t-audit"))
    assert not any(t.predicate.value == PROV + "wasAttributedTo" for t in mine)
    audit = {t.subject.value for t in store.graph_triples(tenant_audit_graph("t-audit"))}
    records = audit_records(store, "t-audit")
    assert [r.action for r in records] == ["create", "update", "retract"]
    assert {r.iri for r in records} == audit and last.audit in audit
    assert any(t.object.value == "revision 3" for t in mine)


def test_audit_records_a_store_kept_in_the_tenant_graph_stay_listed(store: EmbeddedStore) -> None:
    old = ox.NamedNode("https://w3id.org/controlgraph/id/audit/t-old/20260101T000000000000Z-0000")
    record = [
        ox.Triple(old, ox.NamedNode(RDF + "type"), ox.NamedNode(PROV + "Entity")),
        ox.Triple(old, ox.NamedNode(DCTERMS + "type"), ox.Literal("create")),
        ox.Triple(old, ox.NamedNode(PROV + "wasAttributedTo"), ox.NamedNode(tenant_agent("t-old"))),
        ox.Triple(old, ox.NamedNode(PROV + "generatedAtTime"),
                  ox.Literal("2026-01-01T00:00:00Z", datatype=ox.NamedNode(XSD + "dateTime"))),
        ox.Triple(old, ox.NamedNode(DCTERMS + "subject"), ox.NamedNode("https://example.org/gone")),
        ox.Triple(old, ox.NamedNode(RDFS + "comment"), ox.Literal("an earlier change")),
    ]
    store.replace_graphs({tenant_graph("t-old"): record})
    custom.create_mapping(store, "t-old", MappingDraft(*PAIR, Relation.SUBSET_OF))
    assert set(record) <= set(store.graph_triples(tenant_graph("t-old")))
    assert [r.action for r in audit_records(store, "t-old")] == ["create", "create"]


def test_after_a_shared_write_the_next_tenant_write_validates_its_whole_graph(store: EmbeddedStore) -> None:
    """A build or import may remove a control a tenant mapping names: the tenant hears of it at its next write."""
    kept = custom.create_mapping(store, "t-stale", MappingDraft(*PAIR, Relation.SUBSET_OF)).node
    control = ox.NamedNode("https://w3id.org/controlgraph/id/control/nist-csf-2.0/PR.AA-05")
    typed = [q for q in store._store.quads_for_pattern(control, ox.NamedNode(RDF + "type"), None, None)
             if isinstance(q.graph_name, ox.NamedNode) and "/tenant/" not in q.graph_name.value]
    assert typed, "the control's type triple was not found"
    home = typed[0].graph_name.value
    original = store.graph_triples(home)
    gone = {ox.Triple(q.subject, q.predicate, q.object) for q in typed if q.graph_name.value == home}
    store.replace_graphs({home: [t for t in original if t not in gone]})  # a shared write
    try:
        with pytest.raises(ValidationFailed) as raised:
            custom.create_mapping(store, "t-stale", MappingDraft("iso27002-2022:5.1", "nist-csf-2.0:GV.PO-01",
                                                                 Relation.SUBSET_OF))
        assert any(v.focus_node.strip("<>") == kept for v in raised.value.violations), raised.value
    finally:
        store.replace_graphs({home: original})
    custom.create_mapping(store, "t-stale", MappingDraft("iso27002-2022:5.1", "nist-csf-2.0:GV.PO-01",
                                                         Relation.SUBSET_OF))
