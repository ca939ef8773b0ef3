"""One test per coverage rule, on the synthetic world of tests/coverage_world.py built through the real pipeline."""

from __future__ import annotations

import pytest

from controlgraph.analysis.coverage import CoverageReport, HaveSpec, coverage
from controlgraph.analysis.programme import unified_control_set
from controlgraph.analysis.rollup import satisfiers_with_roll_up
from controlgraph.errors import InputError
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import parse_control_ref
from coverage_world import build_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    return build_world(tmp_path_factory.mktemp("coverage-world"))


def _status(report: CoverageReport) -> dict[str, str]:
    return {i.item.info.notation: i.status for i in report.items}


def _have(*notations: str) -> HaveSpec:
    return HaveSpec.parse([",".join(f"hx:{n}" for n in notations)])


ALL = _have(*(f"H{i}" for i in range(1, 11)))


def test_equal_mapping_is_full(world: EmbeddedStore) -> None:
    assert _status(coverage(world, ALL, "tx"))["T1"] == "full"


def test_superset_then_subset_proves_overlap(world: EmbeddedStore) -> None:
    report = coverage(world, ALL, "tx")
    t2 = next(i for i in report.items if i.item.info.notation == "T2")
    assert t2.status == "partial"
    assert [c.proven for c in t2.candidates] == ["partial"]
    assert t2.expected == 1.0


def test_candidate_admitting_not_related_is_likely_never_proven(world: EmbeddedStore) -> None:
    low = coverage(world, ALL, "tx", likely_threshold=0.0)
    t4 = next(i for i in low.items if i.item.info.notation == "T4")
    assert t4.status == "likely" and t4.probability is not None
    assert t4.candidates[0].proven == ""
    assert 0 < t4.expected == pytest.approx(t4.probability)
    assert low.overall().full + low.overall().partial == sum(1 for u in low.leaves() if u.status in ("full", "partial"))
    high = coverage(world, ALL, "tx", likely_threshold=1.0)
    assert _status(high)["T4"] == "none"
    assert "ranking score" in low.probability_sources


def test_cover_set_is_full_only_when_every_member_is_implemented(world: EmbeddedStore) -> None:
    assert _status(coverage(world, _have("H3", "H4"), "tx"))["T3"] == "full"
    assert _status(coverage(world, _have("H3"), "tx"))["T3"] == "none"


def test_union_parent_is_full_when_all_children_are(world: EmbeddedStore) -> None:
    assert _status(coverage(world, _have("H6", "H7"), "tx"))["PU"] == "full"
    assert _status(coverage(world, _have("H6"), "tx"))["PU"] == "partial"


def test_either_or_parent_is_full_when_one_child_is_and_counts_once(world: EmbeddedStore) -> None:
    report = coverage(world, _have("H6"), "tx")
    assert _status(report)["PA"] == "full"
    units = {u.item.info.notation for u in report.leaves()}
    assert "PA" in units and not {"A1", "A2"} & units


def test_parent_with_own_requirements_is_never_full_from_children(world: EmbeddedStore) -> None:
    report = coverage(world, _have("H6", "H7"), "tx")
    assert _status(report)["PO"] == "partial"
    units = {u.item.info.notation for u in report.leaves()}
    assert {"PO", "O1", "O2"} <= units


def test_scope_counts_only_items_binding_the_addressee(world: EmbeddedStore) -> None:
    report = coverage(world, ALL, "tx", scope="controller")
    notations = set(_status(report))
    assert "S1" in notations and "S2" not in notations and "X1" not in notations and "PX" not in notations
    assert "T1" in notations  # no addressee anywhere above: binds everyone
    organisation = set(_status(coverage(world, ALL, "tx", scope="organisation")))
    assert {"S1", "S2"} <= organisation and "X1" not in organisation
    with pytest.raises(InputError, match="records no addressees"):
        coverage(world, ALL, "hx", scope="controller")


def test_role_reads_responsibility(world: EmbeddedStore) -> None:
    customer = coverage(world, ALL, "tx", role="customer")
    assert {"R1", "R3", "R4"} <= set(_status(customer)) and "R2" not in _status(customer)
    provider = coverage(world, ALL, "tx", role="provider")
    assert {"R2", "R3"} <= set(_status(provider)) and "R1" not in _status(provider)
    assert customer.scope is not None and customer.scope.without_role_data >= 1  # R4 has no data and stays


def test_hub_control_is_flagged_and_weighs_less(world: EmbeddedStore) -> None:
    report = coverage(world, _have("H1", "H10"), "nx", hub_share=0.1)
    assert [h.control.rsplit("/", 1)[-1] for h in report.hubs] == ["H10"]
    overall = report.overall()
    assert overall.partial == 12
    assert overall.expected == pytest.approx(1 + 11 * 0.1 / (11 / 12), rel=1e-6)
    assert coverage(world, _have("H1", "H10"), "nx", hub_share=0.0).overall().expected == 12


def test_satisfiers_roll_up_to_the_parent_marked(world: EmbeddedStore) -> None:
    union = satisfiers_with_roll_up(world, parse_control_ref("tx:PU"))
    assert {(s.control.notation, s.coverage, s.rolled_up_from.notation if s.rolled_up_from else None)
            for s in union} == {("H6", "partial", "U1"), ("H7", "partial", "U2")}
    either = satisfiers_with_roll_up(world, parse_control_ref("tx:PA"))
    assert [(s.control.notation, s.coverage) for s in either] == [("H6", "full")]
    own = satisfiers_with_roll_up(world, parse_control_ref("tx:PO"))
    assert {s.coverage for s in own} == {"partial"}


def test_programme_picks_proven_first_and_measures_each_target(world: EmbeddedStore) -> None:
    plan = unified_control_set(world, ["tx", "nx"], "hx", likely_threshold=1.0)
    first = plan.chosen[0]
    assert sum(len(v) for v in first.covers.values()) >= 1  # proven coverage comes first
    reached = {g.slug: g for g in plan.gaps}
    assert reached["tx"].summary is not None and reached["tx"].summary.total == len(reached["tx"].report.leaves())
    assert reached["nx"].fully_covered == 0 and len(reached["nx"].partial_only) == 12
