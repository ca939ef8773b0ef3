"""Gold sets for `evaluate --gold`: CSV, SSSOM TSV, CISO Assistant YAML, OSCAL; CSA's CCM mappings as external gold."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from controlgraph.analysis.evaluation import evaluate_gold
from controlgraph.errors import InputError
from controlgraph.importers.ccm_references import reference_pairs
from controlgraph.importers.gold_sets import read_gold
from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.reasoning.pair_features import texts_from

C = "https://w3id.org/controlgraph/id/control/"
KNOWN = [C + "nist-csf-2.0/GV.OC-01", C + "iso27001-2022/A.5.1", C + "iso27001-2022/A.5.2", C + "csa-ccm-4/A&A-01"]


def test_csv_pairs_with_references_and_not_related_rows(tmp_path: Path) -> None:
    path = tmp_path / "gold.csv"
    path.write_text("subject,object,relation\nnist-csf-2.0:GV.OC-01,iso27001-2022:A.5.1,intersects-with\n"
                    "nist-csf-2.0:GV.OC-01,iso27001-2022:A.5.2,not-related\nnist-csf-2.0:XX-99,iso27001-2022:A.5.1,\n")
    gold = read_gold(path, KNOWN)
    assert gold.pairs == {(C + "nist-csf-2.0/GV.OC-01", C + "iso27001-2022/A.5.1")}
    assert (gold.rows, gold.unresolved) == (3, 1)


def test_sssom_with_curie_map(tmp_path: Path) -> None:
    path = tmp_path / "gold.sssom.tsv"
    path.write_text(f"# curie_map:\n#   csf: {C}nist-csf-2.0/\n#   iso: {C}iso27001-2022/\n"
                    "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
                    "csf:GV.OC-01\tskos:relatedMatch\tiso:A.5.2\tsemapv:ManualMappingCuration\n")
    assert read_gold(path, KNOWN).pairs == {(C + "nist-csf-2.0/GV.OC-01", C + "iso27001-2022/A.5.2")}


def test_oscal_mapping_collection_needs_frameworks_and_matches_id_refs(tmp_path: Path) -> None:
    path = tmp_path / "gold.json"
    path.write_text(json.dumps({"mapping-collection": {"mappings": [{"maps": [
        {"relationship": {"type": "subset-of"}, "sources": [{"id-ref": "A_A-01"}], "targets": [{"id-ref": "gv.oc-01"}]},
    ]}]}}))
    with pytest.raises(InputError):
        read_gold(path, KNOWN)
    gold = read_gold(path, KNOWN, ("csa-ccm-4", "nist-csf-2.0"))
    assert gold.pairs == {(C + "csa-ccm-4/A&A-01", C + "nist-csf-2.0/GV.OC-01")}


def test_ciso_assistant_mapping_library(reference_dir: Path, built_edges: list[AssertedMapping]) -> None:
    known = {e.subject for e in built_edges} | {e.object for e in built_edges}
    gold = read_gold(reference_dir / "ciso-assistant" / "map-nist-csf-1.1-nist-csf-2.0.yaml", known)
    assert len(gold.pairs) > 150
    shipped = {(e.subject, e.object) for e in built_edges if e.mapping_set and e.mapping_set.endswith(
        "nist-csf-1.1--nist-csf-2.0")}
    assert len(gold.pairs & shipped) / len(gold.pairs) > 0.9


def ccm_gold_csv(reference_dir: Path, folder: str, tmp_path: Path) -> Path:
    """CSA's CCM gap-analysis pairs of one folder as a CSV of pairs (read in tests only; never shipped)."""
    path = tmp_path / f"{folder}.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(
            [("subject", "object"), *reference_pairs(reference_dir / "csa-ccm-4.0.12" / "json-dataset" / "CCM"
                                                     / "mappings" / folder)])
    return path


def test_ccm_to_csf_1_1_as_external_gold(
    reference_dir: Path, tmp_path: Path, built_edges: list[AssertedMapping],
    shipped_texts: tuple[dict[str, str], dict[str, str], dict[str, str]],
) -> None:
    titles, statements, parents = shipped_texts
    known = set(titles) | {e.subject for e in built_edges} | {e.object for e in built_edges}
    gold = read_gold(ccm_gold_csv(reference_dir, "NIST_CSF_v1.1", tmp_path), known)
    assert len(gold.pairs) > 100
    report = evaluate_gold(built_edges, gold.pairs, "ccm-csf-1.1", texts=texts_from(titles, statements),
                           parent_of=parents.get, max_hops=3)
    assert (report.subject_framework, report.object_framework) == ("csa-ccm-4", "nist-csf-1.1")
    assert report.held_out_pairs == len(gold.pairs)
    assert report.inferred.found > 0 and report.ranking.calibration
    assert report.naive_by_pivot  # the baseline through CSF 2.0


def test_ccm_readings_follow_the_whole_reference_list() -> None:
    from controlgraph.data.authoring import MappingRecord
    from controlgraph.importers.ccm import _set_readings
    from controlgraph.importers.dataset_builder import GAP_LEVEL, READING
    from controlgraph.vocabulary import Relation

    def record(cid: str, slug: str, notation: str, gap: str) -> MappingRecord:
        return MappingRecord(subject=("csa-ccm-4", cid), object=(slug, notation), relation=Relation.INTERSECTS_WITH,
                             extra={GAP_LEVEL: gap})

    pairs = {
        ("A", "iso27001-2013", "A.9.2.1"): record("A", "iso27001-2013", "A.9.2.1", "No Gap"),
        ("A", "iso27002-2013", "9.2.1"): record("A", "iso27002-2013", "9.2.1", "No Gap"),
        ("B", "iso27002-2013", "9.2.1"): record("B", "iso27002-2013", "9.2.1", "No Gap"),
        ("B", "iso27002-2013", "9.2.2"): record("B", "iso27002-2013", "9.2.2", "No Gap"),
        ("C", "iso27002-2013", "9.2.3"): record("C", "iso27002-2013", "9.2.3", "Partial Gap"),
    }
    for cid in "ABC":
        _set_readings(cid, pairs)
    readings = {k: r.extra[READING] for k, r in pairs.items()}
    assert readings[("A", "iso27001-2013", "A.9.2.1")] == readings[("A", "iso27002-2013", "9.2.1")] == "contained"
    assert readings[("B", "iso27002-2013", "9.2.1")] == "covered-by-union"
    assert readings[("C", "iso27002-2013", "9.2.3")] == "partial"
