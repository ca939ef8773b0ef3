"""A tenant's satisfiers and crosswalks: the shared answer with the tenant's own mappings laid over it.

The overlay must give exactly what one computation over every graph the tenant sees gives, and a tenant's
write must leave the shared part cached (it is what every other caller reads).
"""

from __future__ import annotations

import pytest

from controlgraph.analysis import satisfiers as sat
from controlgraph.analysis.crosswalk import crosswalk
from controlgraph.service import custom_mappings as custom
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import PUBLIC, Visibility
from controlgraph.vocabulary import Relation, parse_control_ref

ACME, BETA = Visibility("acme"), Visibility("beta")
# Pairs with shared mappings already (the tenant's row sits among them) and one without any.
PAIRS = [("iso27002-2022:5.15", "nist-csf-2.0:PR.AA-01", "intersects-with"),
         ("iso27002-2022:8.13", "nist-csf-2.0:PR.DS-11", "superset-of"),
         ("iso27002-2022:5.1", "nist-csf-2.0:GV.PO-01", "not-related"),
         ("gdpr:Art.32", "nist-csf-2.0:PR.DS-01", "subset-of")]


@pytest.fixture(scope="module")
def store(built_store: EmbeddedStore) -> EmbeddedStore:
    copy = built_store.copy()
    for subject, obj, relation in PAIRS:
        custom.create_mapping(copy, "acme", custom.MappingDraft(subject=subject, object=obj,
                                                                relation=Relation(relation)))
    subject, obj, relation = PAIRS[0]
    custom.create_mapping(copy, "beta", custom.MappingDraft(subject=subject, object=obj, relation=Relation(relation)))
    return copy


def _one_pass(store: EmbeddedStore, scope: str, visibility: Visibility, **options: object) -> dict[str, list]:
    """The answer as computed before the overlay: one query over every graph, filtered by visibility."""
    return sat._compute_satisfiers(store, scope, visibility=visibility, **options)  # type: ignore[arg-type]


OPTIONS = [dict(frameworks=(), include_inferred=True, include_partial=True, include_not_related=False),
           dict(frameworks=("iso27002-2022",), include_inferred=False, include_partial=True, include_not_related=True),
           dict(frameworks=(), include_inferred=True, include_partial=False, include_not_related=True)]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("visibility", [PUBLIC, ACME, BETA], ids=["public", "acme", "beta"])
def test_the_overlay_equals_one_pass_over_the_visible_graphs(store: EmbeddedStore, visibility: Visibility,
                                                            options: dict[str, object]) -> None:
    scopes = [sat._framework_scope("nist-csf-2.0"), sat._framework_scope("iso27002-2022"),
              sat._one_control_scope([parse_control_ref("nist-csf-2.0:PR.AA-01").iri])]
    for scope in scopes:
        expected = _one_pass(store, scope, visibility, **options)
        assert sat._satisfiers(store, scope, visibility=visibility, **options) == expected  # type: ignore[arg-type]


def test_the_tenant_sees_its_own_rows_and_nobody_else_does(store: EmbeddedStore) -> None:
    rows = {v: crosswalk(store, "nist-csf-2.0", "iso27002-2022", visibility=v) for v in (PUBLIC, ACME, BETA)}
    custom_sets = {v: {r.mapping.mapping_set for r in found if r.mapping.mapping_set
                       and r.mapping.mapping_set.startswith("tenant-")} for v, found in rows.items()}
    assert custom_sets[PUBLIC] == set()
    assert custom_sets[ACME] == {"tenant-acme"} and custom_sets[BETA] == {"tenant-beta"}
    assert len(rows[ACME]) == len(rows[PUBLIC]) + 3  # three of acme's four pairs are CSF 2.0 <-> 27002
    assert len(rows[BETA]) == len(rows[PUBLIC]) + 1


def test_a_tenant_write_keeps_the_shared_answer_cached(store: EmbeddedStore) -> None:
    scope = sat._framework_scope("nist-csf-2.0")
    options = OPTIONS[0]
    before = sat._satisfiers(store, scope, visibility=ACME, **options)  # type: ignore[arg-type]
    key = ("satisfiers", scope, (), True, True, False, PUBLIC)

    def recomputed() -> dict[str, list]:
        raise AssertionError("the shared answer was computed again after a tenant's write")

    node = custom.create_mapping(store, "acme", custom.MappingDraft(
        subject="iso27002-2022:5.23", object="nist-csf-2.0:GV.SC-01", relation=Relation("intersects-with"))).node
    try:
        store.read_cache.get_or_compute(key, recomputed)
        after = sat._satisfiers(store, scope, visibility=ACME, **options)  # type: ignore[arg-type]
        assert after == _one_pass(store, scope, ACME, **options)
        assert sum(map(len, after.values())) == sum(map(len, before.values())) + 1
    finally:
        custom.retract_mapping(store, "acme", node)
