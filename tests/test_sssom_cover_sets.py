"""Cover-set statements in SSSOM/TSV: the ``cover_set`` extension, written, validated, read back, used by coverage."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from controlgraph.analysis.cover_sets import CoverSet, cover_sets
from controlgraph.analysis.coverage import coverage
from controlgraph.analysis.items import HaveSpec
from controlgraph.errors import ImportRejected
from controlgraph.sssom_tsv import control_iris, import_sssom, read_sssom, require_usable, write_sssom
from controlgraph.store.embedded import EmbeddedStore

CCM_SET = "csa-ccm-4--iso27002-2022--curated"
SSSOM_CLI = Path(sys.executable).parent / "sssom"
CONTROLGRAPH = Path(sys.executable).parent / "controlgraph"

# Hand-written: GV.OC-01 is covered by the union of 27002:2022 5.1 and 5.2. The 5.1 row is also a mapping;
# 5.2 has no pairwise mapping of its own, so its row carries the member only (relation_source cover-set).
HAND_WRITTEN = """# curie_map:
#   csf: https://w3id.org/controlgraph/id/control/nist-csf-2.0/
#   iso: https://w3id.org/controlgraph/id/control/iso27002-2022/
#   ex: https://example.org/acme/
#   skos: http://www.w3.org/2004/02/skos/core#
#   semapv: https://w3id.org/semapv/vocab/
# mapping_set_id: https://example.org/acme/cover-review
# mapping_set_title: Acme cover-set review
# creator_label: Acme GRC team
# license: https://creativecommons.org/licenses/by/4.0/
# publication_date: 2026-01-15
# extension_definitions:
#   - slot_name: covered_together
#     property: https://w3id.org/controlgraph/ontology#coverSet
#     type_hint: linkml:Uriorcurie
#   - slot_name: relation_source
#     property: https://w3id.org/controlgraph/ontology#relationSource
#     type_hint: xsd:string
#   - slot_name: cover_set_confidence
#     property: https://w3id.org/controlgraph/ontology#coverSetConfidence
#     type_hint: xsd:double
subject_id\tpredicate_id\tobject_id\tmapping_justification\trelation_source\tcovered_together\tcover_set_confidence
csf:GV.OC-01\tskos:relatedMatch\tiso:5.1\tsemapv:ManualMappingCuration\t\tex:gvoc01\t0.8
csf:GV.OC-01\tskos:relatedMatch\tiso:5.2\tsemapv:UnspecifiedMatching\tcover-set\tex:gvoc01\t0.8
"""
SUBJECT = "https://w3id.org/controlgraph/id/control/nist-csf-2.0/GV.OC-01"
MEMBERS = ("https://w3id.org/controlgraph/id/control/iso27002-2022/5.1",
           "https://w3id.org/controlgraph/id/control/iso27002-2022/5.2")


def _copy(built_store: EmbeddedStore) -> EmbeddedStore:
    store = built_store.copy()
    return store


def _of_set(store: EmbeddedStore, framework: str, set_id: str
            ) -> set[tuple[str, tuple[str, ...], float | None, str | None]]:
    found: list[CoverSet] = [c for group in cover_sets(store, framework).values() for c in group]
    return {(c.subject, c.covered_by, c.confidence, c.comment) for c in found if c.mapping_set == set_id}


@pytest.fixture(scope="module")
def exported(built_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cover-sssom") / f"{CCM_SET}.sssom.tsv"
    path.write_text(write_sssom(built_store, CCM_SET), encoding="utf-8")
    return path


def test_every_cover_set_survives_the_round_trip(built_store: EmbeddedStore, exported: Path) -> None:
    shipped = _of_set(built_store, "csa-ccm-4", CCM_SET)
    assert len(shipped) > 10 and any(len(members) > 1 for _, members, _, _ in shipped)
    store = _copy(built_store)
    dataset, _ = import_sssom(store, exported)
    assert dataset.issues == [] and dataset.counts["cover_sets"] == len(shipped)
    assert _of_set(store, "csa-ccm-4", f"sssom-{CCM_SET}") == shipped


def test_the_export_stays_plain_sssom(exported: Path) -> None:
    result = subprocess.run([str(SSSOM_CLI), "validate", str(exported)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ERROR" not in result.stderr
    text = exported.read_text(encoding="utf-8")
    assert "# - slot_name: cover_set\n#   property: cg:coverSet\n" in text
    header = next(line for line in text.splitlines() if not line.startswith("#")).split("\t")
    assert {"cover_set", "cover_set_confidence", "cover_set_comment"} <= set(header)


def test_a_set_without_cover_sets_has_no_cover_columns(built_store: EmbeddedStore) -> None:
    text = write_sssom(built_store, "iso27017-2015--iso27002-2022--curated")
    assert "cover_set" not in text


def test_a_hand_written_cover_set_is_imported_and_makes_coverage_full(
    built_disk_store: Path, tmp_path: Path
) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(built_disk_store, store_dir)
    path = tmp_path / "cover.sssom.tsv"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    done = subprocess.run([str(CONTROLGRAPH), "--store", str(store_dir), "import", "sssom", str(path)],
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr
    store = EmbeddedStore(store_dir, read_only=True)
    try:
        assert _of_set(store, "nist-csf-2.0", "sssom-example.org-acme-cover-review") == {(SUBJECT, MEMBERS, 0.8, None)}
        cg = "https://w3id.org/controlgraph/ontology#"
        imported_set = "https://w3id.org/controlgraph/id/mapping-set/sssom-example.org-acme-cover-review"
        mappings = store.query(f"SELECT ?o WHERE {{ ?m <{cg}mappingSubject> <{SUBJECT}> ; <{cg}inMappingSet> "
                               f"<{imported_set}> ; <{cg}mappingObject> ?o }}")
        assert [r["o"].value for r in mappings] == [MEMBERS[0]]  # type: ignore[union-attr]  # the member-only row is no mapping

        def level(*have: str) -> str:
            report = coverage(store, HaveSpec(tuple(have)), "nist-csf-2.0")
            return next(i.status for i in report.items if i.item.info.iri == SUBJECT)

        assert level("iso27002-2022:5.1") != "full"
        assert level("iso27002-2022:5.2") != "full"
        assert level("iso27002-2022:5.1", "iso27002-2022:5.2") == "full"
    finally:
        store.close()


def _bad(tmp_path: Path, *rows: str) -> Path:
    head = HAND_WRITTEN.split("csf:GV.OC-01", 1)[0]
    path = tmp_path / "bad.sssom.tsv"
    path.write_text(head + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


ROW_51 = "csf:GV.OC-01\tskos:relatedMatch\tiso:5.1\tsemapv:ManualMappingCuration\t\tex:gvoc01\t0.8"


@pytest.mark.parametrize(("second", "says"), [
    ("csf:GV.OC-02\tskos:relatedMatch\tiso:5.2\tsemapv:UnspecifiedMatching\tcover-set\tex:gvoc01\t0.8",
     "has the subject"),
    ("csf:GV.OC-01\tskos:relatedMatch\tiso:5.1\tsemapv:UnspecifiedMatching\tcover-set\tex:gvoc01\t0.8",
     "already lists this object on line 23"),
    ("csf:GV.OC-01\tskos:relatedMatch\tiso:5.2\tsemapv:UnspecifiedMatching\tcover-set\t\t",
     "relation_source cover-set needs a covered_together"),
    ("csf:GV.OC-01\tskos:relatedMatch\tiso:5.2\tsemapv:UnspecifiedMatching\tcover-set\tex:gvoc01\t0.5",
     "differ from line 23"),
    ("csf:GV.OC-01\tskos:relatedMatch\tiso:5.2\tsemapv:UnspecifiedMatching\tcover-set\tex:other\t0.8",
     "already has the cover set"),
    ("csf:GV.OC-01\tskos:relatedMatch\tiso:5.2\tsemapv:UnspecifiedMatching\tcover-set\tnope:x\t0.8",
     "curie_map does not declare"),
])
def test_a_malformed_cover_set_row_is_refused_naming_its_line(
    built_store: EmbeddedStore, tmp_path: Path, second: str, says: str
) -> None:
    path = _bad(tmp_path, ROW_51, second)
    with pytest.raises(ImportRejected) as refused:  # what import_sssom does before it writes anything
        require_usable(read_sssom(path, known_controls=control_iris(built_store)))
    assert f"{path}:24: " in str(refused.value) and says in str(refused.value)
    assert "nothing was imported" in str(refused.value)
    kept = read_sssom(path)  # as keep-going reads it: the mapping row stays, the bad row is reported
    assert kept.counts["mappings"] == 1 and next(i.source for i in kept.rejected) == f"{path}#24"
