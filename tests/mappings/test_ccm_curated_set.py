"""The curated CSA CCM v4 -> ISO/IEC 27002:2022 set: complete, independent of CSA's gap analysis, and
in reasonable agreement with it.

CSA's own 2013 gap analysis (in the reference bundle, never shipped) is read here only to measure
agreement: its ISO/IEC 27002:2013 references are carried to 2022 through the shipped Annex B set,
and the pairs compared with the curated ones. Run this module as a script to print the figures and
the disagreements (`python tests/mappings/test_ccm_curated_set.py`).
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from controlgraph.importers.ccm_references import latin_lookalikes, parse_iso_reference

REPO = Path(__file__).resolve().parents[2]
CURATION = REPO / "mappings" / "curation"
DECISIONS = CURATION / "csa-ccm-4--iso27002-2022.csv"
COVER_SETS = CURATION / "csa-ccm-4--iso27002-2022--cover-sets.csv"
REVIEW = CURATION / "csa-ccm-4--iso27002-2022--review.md"
ANNEX_B = REPO / "mappings" / "sets" / "iso27002-2013--iso27002-2022.ttl"
CG = "https://w3id.org/controlgraph/ontology#"
CONTROL = "https://w3id.org/controlgraph/id/control/"

Pair = tuple[str, str]  # (CCM id, 27002:2022 notation)


def ccm_ids(reference: Path) -> list[str]:
    primary = reference / "csa-ccm-4.0.12" / "json-dataset" / "CCM" / "primary-dataset.json"
    dataset = json.loads(primary.read_text(encoding="utf-8"))
    return [str(c["id"]) for domain in dataset["domains"] for c in domain["controls"]]


def decisions() -> list[dict[str, str]]:
    with DECISIONS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def curated_pairs() -> set[Pair]:
    return {(r["subject"].split(":", 1)[1], r["object"].split(":", 1)[1])
            for r in decisions() if r["relation"] != "not-related"}


def annex_b() -> dict[str, set[str]]:
    """27002:2013 notation -> the 2022 controls the shipped Annex B set maps it to."""
    graph = Graph().parse(ANNEX_B, format="turtle")
    found: dict[str, set[str]] = {}
    for node in graph.subjects(URIRef(CG + "mappingSubject"), None):
        subject = str(graph.value(node, URIRef(CG + "mappingSubject")))
        obj = str(graph.value(node, URIRef(CG + "mappingObject")))
        relation = str(graph.value(node, URIRef(CG + "relation")))
        if relation.endswith("notRelated"):
            continue
        found.setdefault(subject.rsplit("/", 1)[1], set()).add(obj.rsplit("/", 1)[1])
    return found


def csa_pairs_through_annex_b(reference: Path) -> set[Pair]:
    """CSA's 2013 references (27001 Annex A and 27002 items) carried to 27002:2022 through Annex B."""
    bundle = reference / "csa-ccm-4.0.12" / "json-dataset" / "CCM" / "mappings" / "ISO27001_02-17-18"
    blocks = json.loads((bundle / "mappings.json").read_text(encoding="utf-8"))
    to_2022 = annex_b()
    pairs: set[Pair] = set()
    for block in blocks:
        for row in block["mappings"]:
            if latin_lookalikes(str(row.get("gap_level", ""))).strip().lower() == "full gap":
                continue
            for raw in row.get("references") or []:
                for slug, notation in parse_iso_reference(str(raw)).targets:
                    item = notation[2:] if slug == "iso27001-2013" and notation.startswith("A.") else notation
                    if slug in ("iso27001-2013", "iso27002-2013", "iso27017-2015", "iso27018-2019"):
                        pairs |= {(str(row["control_id"]), new) for new in to_2022.get(item, ())}
    return pairs


def agreement(reference: Path) -> dict[str, float]:
    curated, csa = curated_pairs(), csa_pairs_through_annex_b(reference)
    both = curated & csa
    return {
        "curated pairs": len(curated), "CSA pairs via Annex B": len(csa), "shared": len(both),
        "CSA precision against curated": len(both) / len(csa), "CSA recall of curated": len(both) / len(curated),
    }


def test_every_ccm_control_has_a_decision(reference_dir: Path) -> None:
    decided = {r["subject"].split(":", 1)[1] for r in decisions()}
    related = {pair[0] for pair in curated_pairs()}
    assert set(ccm_ids(reference_dir)) == decided
    review = REVIEW.read_text(encoding="utf-8")
    without_match = sorted(set(ccm_ids(reference_dir)) - related)
    unexplained = [c for c in without_match if f"csa-ccm-4:{c}" not in review]
    assert unexplained == [], f"no ISO control fits these, and the review gives no reason: {unexplained}"


def test_counts_by_relation_are_plausible() -> None:
    relations = Counter(r["relation"] for r in decisions())
    assert relations["intersects-with"] > relations["subset-of"] > 0
    assert relations["not-related"] > 0  # rejected look-alikes are recorded, not dropped
    assert relations["equal"] <= 3  # two catalogs written for different purposes rarely ask the same


def test_cover_sets_name_mapped_controls_only() -> None:
    mapped = curated_pairs()
    with COVER_SETS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for row in rows:
        ccm = row["subject"].split(":", 1)[1]
        members = [m.split(":", 1)[1] for m in row["covered_by"].split(";")]
        assert all((ccm, m) in mapped for m in members), row
        assert 0 < float(row["confidence"]) <= 1


def test_subset_of_pairs_agree_with_cover_sets() -> None:
    """A CCM control stated subset-of one ISO control is covered by that control alone."""
    with COVER_SETS.open(encoding="utf-8", newline="") as f:
        covered = {r["subject"] for r in csv.DictReader(f)}
    subsets = {r["subject"] for r in decisions() if r["relation"] in ("subset-of", "equal")}
    assert subsets - covered == set() or len(subsets - covered) <= len(subsets) // 2


def test_independent_curation_agrees_with_csa_in_part(reference_dir: Path) -> None:
    figures = agreement(reference_dir)
    # Decided independently from the control texts: substantial agreement, far from a copy.
    assert 0.2 < figures["CSA recall of curated"] < 0.95, figures
    assert 0.1 < figures["CSA precision against curated"] < 0.95, figures


if __name__ == "__main__":
    reference = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "reference"
    for name, value in agreement(reference).items():
        print(f"{name:<32} {value:.2f}" if isinstance(value, float) else f"{name:<32} {value}")
    curated, csa = curated_pairs(), csa_pairs_through_annex_b(reference)
    print("curated, not in CSA:", " ".join(f"{a}>{b}" for a, b in sorted(curated - csa)))
    print("CSA, not curated:   ", " ".join(f"{a}>{b}" for a, b in sorted(csa - curated)))
    pytest.main([__file__, "-q"])
