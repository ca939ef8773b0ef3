"""Frameworks the graph does not ship, from CISO Assistant and OSCAL files, and the mappings between them.

SP 800-53 rev 5 from the CISO Assistant library and from NIST's OSCAL HIGH baseline (same identifiers),
SOC 2 with its ISO/IEC 27001:2022 mapping library, CSA's OSCAL mapping collection, and a round trip of
the project's own OSCAL crosswalk export.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from controlgraph.exports.catalogue import export_crosswalk
from controlgraph.importers import GraphContext, import_file, read_file
from controlgraph.importers.oscal_tree import sp800_53_notation
from controlgraph.vocabulary import CG, FRAMEWORK, SKOS, control_iri

SP = "nist-sp-800-53-rev5"
SOC2 = "soc2-2017-rev-2022"


@pytest.fixture(scope="module")
def store(copy_built: Any) -> Any:
    return copy_built()


@pytest.fixture(scope="module")
def ciso(reference_dir: Path) -> Path:
    return reference_dir / "ciso-assistant"


@pytest.fixture(scope="module")
def high_baseline(reference_dir: Path) -> Path:
    return reference_dir / "nist-sp800-53" / "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json"


def objects(dataset: Any, subject: str, predicate: str) -> set[str]:
    return {t.object.value for t in dataset.triples if t.subject.value == subject and t.predicate.value == predicate}


@pytest.mark.parametrize(("raw", "expected"), [
    ("AC-01", "AC-1"), ("CP-02(08)", "CP-2(8)"), ("ac-2.1", "AC-2(1)"), ("AC-2 (1)", "AC-2(1)"), ("AC-21", "AC-21"),
    ("A&A-01", None), ("GV.OC-01", None),
])
def test_sp800_53_notations(raw: str, expected: str | None) -> None:
    assert sp800_53_notation(raw) == expected


def test_oscal_catalog_at_every_depth(high_baseline: Path) -> None:
    dataset = read_file("oscal-catalog", high_baseline, GraphContext())
    assert dataset.counts["groups read"] == 18
    assert dataset.counts["controls read"] == 188
    assert dataset.counts["nested controls read (enhancements, questions)"] == 182
    assert dataset.counts[f"{SP} items (new catalog)"] == 18 + 188 + 182
    assert dataset.issues == []
    ac21 = control_iri(SP, "AC-2(1)")
    assert objects(dataset, ac21, SKOS + "broader") == {control_iri(SP, "AC-2")}
    assert objects(dataset, ac21, CG + "kind") == {"enhancement"}
    assert objects(dataset, control_iri(SP, "AC-2"), SKOS + "broader") == {control_iri(SP, "AC")}
    (statement,) = objects(dataset, control_iri(SP, "AC-2"), CG + "statement")
    assert "d. Specify:\n  1. Authorized users of the system;" in statement  # nested parts, indented
    assert "Require [Assignment: prerequisites and criteria] for group" in statement  # parameter placeholder
    assert "{{" not in statement


def test_ciso_library_of_a_new_framework_keeps_every_depth(store: Any, ciso: Path) -> None:
    dataset = read_file("ciso-yaml", ciso / "soc2_2017_with_rev_2022.yaml", GraphContext.from_store(store))
    assert dataset.counts[f"{SOC2} items (new catalog)"] == 375
    assert dataset.rejected == []
    point = control_iri(SOC2, "CC1.1.1")
    assert objects(dataset, point, SKOS + "broader") == {control_iri(SOC2, "CC1.1")}
    assert objects(dataset, control_iri(SOC2, "CC1.1"), SKOS + "broader") == {control_iri(SOC2, "CC1")}
    assert objects(dataset, point, CG + "sourceUrn") == {"urn:intuitem:risk:req_node:soc2-2017-rev-2022:cc1.1.1"}
    assert objects(dataset, FRAMEWORK + SOC2, CG + "sourceUrn") == {"urn:intuitem:risk:framework:soc2-2017-rev-2022"}
    assert objects(dataset, FRAMEWORK + SOC2, "http://purl.org/dc/terms/publisher") == {
        "AICPA (packaged by intuitem as CISO Assistant library urn:intuitem:risk:library:soc2-2017-rev-2022)"}
    flags = {t.object.value for t in dataset.triples if t.predicate.value == CG + "assessable"}
    assert flags == {"true", "false"}


def test_same_800_53_control_from_ciso_and_oscal(store: Any, ciso: Path, high_baseline: Path) -> None:
    dataset, outcome = import_file(store, "ciso-yaml", ciso / "nist-sp-800-53-rev5.yaml")
    assert outcome.changed and dataset.rejected == []
    assert dataset.counts[f"{SP} items (new catalog)"] == 1209
    assert objects(dataset, control_iri(SP, "AC-2(1)"), SKOS + "prefLabel") == {
        "Account Management | Automated System Account Management"}
    # The OSCAL catalog now finds every one of its items in the graph and adds only statements.
    oscal = read_file("oscal-catalog", high_baseline, GraphContext.from_store(store))
    assert oscal.rejected == []
    assert {t.predicate.value for t in oscal.triples} == {CG + "statement"}
    assert ox.NamedNode(control_iri(SP, "AC-2(1)")) in {t.subject for t in oscal.triples}
    assert oscal.counts["statements"] == 370


def test_mapping_library_between_imported_and_shipped_frameworks(store: Any, ciso: Path) -> None:
    import_file(store, "ciso-yaml", ciso / "soc2_2017_with_rev_2022.yaml")
    dataset = read_file("ciso-yaml", ciso / "mapping-soc2-2017-rev-2022-to-iso27001-2022.yaml",
                        GraphContext.from_store(store))
    assert dataset.rejected == []
    assert dataset.counts[f"mappings in {SOC2}--iso27001-2022--ciso-assistant"] == 1405
    subjects = {t.object.value for t in dataset.triples if t.predicate.value == CG + "mappingSubject"}
    assert control_iri(SOC2, "CC6.1.1") in subjects


def test_csa_oscal_mapping_collection(store: Any, reference_dir: Path) -> None:
    path = reference_dir / "csa-ccm-4.0.12" / "oscal-dataset" / "ccm-oscal-mappings.json"
    dataset = read_file("oscal-mapping", path, GraphContext.from_store(store))
    set_key = f"mappings in csa-ccm-4--{SP}--oscal-mapping-ccm-oscal-mappings"
    assert dataset.counts[set_key] > 1500
    assert [i.reason for i in dataset.rejected if "not in the graph; mapping skipped" in i.reason] == [
        "a catalog of this mapping is not in the graph; mapping skipped"]  # CIS Controls v8
    pairs = {(t.subject.value, t.object.value) for t in dataset.triples if t.predicate.value == CG + "mappingSubject"}
    assert any(o == control_iri("csa-ccm-4", "A&A-01") for _, o in pairs)
    # A map of one CCM control to several SP 800-53 controls relates it to their union: superset-of each.
    relations = {t.object.value for t in dataset.triples if t.predicate.value == CG + "relation"}
    assert CG + "supersetOf" in relations


def test_oscal_export_round_trip(store: Any, tmp_path: Path) -> None:
    exported = export_crosswalk(store, "nist-csf-1.1", "nist-csf-2.0", "oscal", include_inferred=False)
    path = tmp_path / "crosswalk.json"
    path.write_bytes(exported.content)
    document = json.loads(exported.content)
    written = {(m["sources"][0]["id-ref"], m["relationship"], m["targets"][0]["id-ref"])
               for mapping in document["mapping-collection"]["mappings"] for m in mapping["maps"]}
    dataset, outcome = import_file(store, "oscal-mapping", path)
    assert outcome.changed and dataset.rejected == []
    names = {"equal": "equal-to", "subsetOf": "subset-of", "supersetOf": "superset-of",
             "intersectsWith": "intersects-with", "notRelated": "no-relationship"}
    read = {
        (r["s"].value.rsplit("/", 1)[-1], names[r["rel"].value.rsplit("#", 1)[-1]], r["o"].value.rsplit("/", 1)[-1])
        for r in store.query(f"SELECT ?s ?rel ?o WHERE {{ GRAPH <{dataset.graph}> {{ ?m <{CG}mappingSubject> ?s ;"
                             f" <{CG}relation> ?rel ; <{CG}mappingObject> ?o }} }}")
    }
    assert read == written


def test_csf_export_reads_its_sp800_53_references(store: Any, reference_dir: Path) -> None:
    path = reference_dir / "nist-csf-2.0" / "csf2-reference-tool-export_2024-06-17.xlsx"
    dataset = read_file("csf-xlsx", path, GraphContext.from_store(store))
    assert dataset.counts["mappings in nist-csf-2.0--nist-sp-800-53-rev5--reference-tool"] == 735
    skipped = {i.value for i in dataset.rejected if i.reason.startswith("skipped: framework not in the graph")}
    assert "SP 800-53 Rev 5.1.1" not in skipped
    objects_ = {t.object.value for t in dataset.triples if t.predicate.value == CG + "mappingObject"}
    assert control_iri(SP, "CP-2(8)") in objects_ and control_iri(SP, "AC-1") in objects_


@pytest.mark.parametrize(("raw", "style", "expected"), [
    ("AC-2", "sp800-53", ["AC-2"]), ("CP-02(08)", "sp800-53", ["CP-2(8)"]),
    ("SA-8(29)-(33)", "sp800-53", ["SA-8(29)", "SA-8(30)", "SA-8(31)", "SA-8(32)", "SA-8(33)"]),
    ("SA-8(33)-(29)", "sp800-53", None), ("GV.OC-01", "sp800-53", None),
    ("CC6.1", "tsc", ["CC6.1"]), ("pi1.2", "tsc", ["PI1.2"]), ("P 4.2", "tsc", ["P4.2"]), ("CC6", "tsc", None),
])
def test_ccm_bundle_references_to_imported_frameworks(raw: str, style: str, expected: list[str] | None) -> None:
    from controlgraph.importers.ccm_references import parse_reference
    slug = SP if style == "sp800-53" else SOC2
    parsed = parse_reference(raw, style, slug)
    assert (None if parsed.rejected else [n for _, n in parsed.targets]) == expected
    assert all(s == slug for s, _ in parsed.targets)


def test_ccm_bundle_maps_to_sp800_53_and_soc2_once_they_are_in_the_graph(store: Any, ciso: Path,
                                                                        reference_dir: Path) -> None:
    context = GraphContext.from_store(store)
    assert {SP, SOC2} <= set(context.frameworks)  # imported by the tests above
    dataset = read_file("ccm", reference_dir / "csa-ccm-4.0.12" / "json-dataset", context)
    skipped = {i.value for i in dataset.rejected if i.reason == "skipped: framework not in the graph"}
    assert "NIST_800_53_rev5" not in skipped and "AICPA_TSC_2017" not in skipped
    # Every reference string of the two folders, each run of enhancements expanded, less what the graph lacks
    # (CISO Assistant's 800-53 library holds the withdrawn-free catalog; TSC criteria are all there).
    assert dataset.counts[f"mappings in csa-ccm-4--{SP}--csa-gap-analysis"] > 1400
    assert dataset.counts[f"mappings in csa-ccm-4--{SOC2}--csa-gap-analysis"] > 250
    objects_ = {t.object.value for t in dataset.triples if t.predicate.value == CG + "mappingObject"}
    assert {control_iri(SP, "SA-8(31)"), control_iri(SOC2, "CC6.1"), control_iri(SOC2, "P4.2")} <= objects_
    # CISO Assistant numbers the processing-integrity criteria PP1.x, AICPA PI1.x: not guessed, reported.
    unknown = {i.value for i in dataset.rejected if f"{SOC2} has no item" in i.reason}
    assert "PI1.2" in unknown and all(v.startswith("PI") for v in unknown), unknown


def test_a_ciso_mapping_library_between_imported_frameworks_reads_as_gold(store: Any, ciso: Path) -> None:
    from controlgraph.importers.gold_sets import read_gold
    from controlgraph.reasoning.inputs import shared_graphs

    context = GraphContext.from_store(store)
    assert SOC2 in context.frameworks  # imported by the tests above
    known = {t.subject.value for t in shared_graphs({g: store.graph_triples(g) for g in store.graph_names()})
             if t.predicate.value == SKOS + "inScheme"}
    path = ciso / "mapping-soc2-2017-rev-2022-to-iso27001-2022.yaml"
    gold = read_gold(path, known, resolve_urn=lambda urn: context.resolve_urn(urn, ignoring=""))
    # Every requirement node named by URN, as the importer named it (CC6.1.1 from ...:cc6.1.1); the library
    # states each of its 1,405 pairs in both directions.
    assert (gold.rows, gold.unresolved) == (2810, 0)
    assert len({tuple(sorted(pair)) for pair in gold.pairs}) == 1405
    assert (control_iri(SOC2, "CC6.1.1"), control_iri("iso27001-2022", "A.5.13")) in gold.pairs
    # Without the graph's registry SOC 2's URN names no framework the reader knows.
    assert read_gold(path, known).pairs == set()
