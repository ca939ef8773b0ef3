"""The ``ccm`` importer on the real CSA CCM v4.0.12 JSON bundle, through the engine and the CLI."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox
import pytest

from cli_import import CliImport
from controlgraph.errors import InputError
from controlgraph.importers import GraphContext, import_file, read_file
from controlgraph.importers.ccm_references import parse_csf_reference, parse_iso_reference
from controlgraph.pipeline.imports import CommitOutcome, ImportedDataset
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import CG, IMPORT_GRAPH, control_iri, graph_iri

CCM_GRAPH = IMPORT_GRAPH + "csa-ccm-4.0.12"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundle(reference_dir: Path) -> Path:
    return reference_dir / "csa-ccm-4.0.12" / "json-dataset"


@pytest.fixture(scope="module")
def imported(copy_built: Any, bundle: Path) -> tuple[Any, ImportedDataset, CommitOutcome]:
    store = copy_built()
    dataset, outcome = import_file(store, "ccm", bundle)
    return store, dataset, outcome


def _issue(dataset: ImportedDataset, *, value: str, action: str) -> str:
    found = [i for i in dataset.issues if i.value == value and i.action == action]
    assert found, f"no {action} row for {value!r}"
    return found[0].reason


def test_counts_of_the_real_bundle(imported: tuple[Any, ImportedDataset, CommitOutcome]) -> None:
    _, dataset, outcome = imported
    assert outcome.changed
    assert dataset.counts["controls read"] == 197
    assert dataset.counts["control statements"] == 197
    assert dataset.counts["mapping sets"] == 6  # CSF 2.0, CSF 1.1 and the four ISO frameworks
    assert dataset.counts["mappings in csa-ccm-4--nist-csf-2.0--csa-gap-analysis"] == 656
    assert dataset.counts["mappings in csa-ccm-4--iso27017-2015--csa-gap-analysis"] > 100
    skipped = {i.value for i in dataset.rejected if i.reason == "skipped: framework not in the graph"}
    assert skipped == {"AICPA_TSC_2017", "CCM_v3.0.1", "CIS_v8.0", "ISF_SOGP_2022", "NIST_800_53_rev5",
                       "PCI_DSS_v3.2.1", "PCI_DSS_v4.0"}


def test_known_typos_are_repaired_or_rejected_with_reasons(
    imported: tuple[Any, ImportedDataset, CommitOutcome],
) -> None:
    _, dataset, _ = imported
    assert "No Gap" in _issue(dataset, value="Νο Gap", action="repaired")  # Greek Nu and omicron
    assert "'RS.MA-01'" in _issue(dataset, value="RS-MA-01", action="repaired")
    assert "placeholder" in _issue(dataset, value="No Mapping", action="rejected")
    assert "A.18.2.2" in _issue(dataset, value="27018: A.18.2.2", action="rejected")
    assert "expanded" in _issue(dataset, value="27001: A.18.1.1-to-5", action="repaired")
    assert all(i.reason and i.source for i in dataset.issues)


def _mapping(store: Any, subject: str, obj: str) -> dict[str, str]:
    rows = list(store.query(
        f"SELECT ?s ?o ?rel ?gap ?set WHERE {{ GRAPH <{CCM_GRAPH}> {{ ?m <{CG}mappingSubject> ?s ;"
        f" <{CG}mappingObject> ?o ; <{CG}relation> ?rel ; <{CG}gapLevel> ?gap ; <{CG}inMappingSet> ?set }} }}",
        substitutions={"s": ox.NamedNode(subject), "o": ox.NamedNode(obj)},
    ))
    assert len(rows) == 1, f"expected one mapping {subject} -> {obj}, found {len(rows)}"
    return {k: rows[0][k].value for k in ("rel", "gap", "set")}


def test_direction_relation_and_gap_level(imported: tuple[Any, ImportedDataset, CommitOutcome]) -> None:
    store, _, _ = imported
    # BCR-07's gap level is the Greek-lettered "No Gap"; RS-MA-01 of CEK-13 is the repaired typo.
    bcr07 = _mapping(store, control_iri("csa-ccm-4", "BCR-07"), control_iri("nist-csf-2.0", "RS.MA-01"))
    assert bcr07["rel"] == CG + "intersectsWith"  # "No Gap" is about the union of references: never subset-of
    assert bcr07["gap"] == "No Gap"
    assert bcr07["set"].endswith("csa-ccm-4--nist-csf-2.0--csa-gap-analysis")
    cek13 = _mapping(store, control_iri("csa-ccm-4", "CEK-13"), control_iri("nist-csf-2.0", "RS.MA-01"))
    assert cek13["gap"] == "Partial Gap"
    # The ISO folder: "27017: CLD 6.3" lands on the 27017 CLD category, "27001: A.18.1.1-to-5" on A.18.1.3.
    _mapping(store, control_iri("csa-ccm-4", "CEK-02"), control_iri("iso27017-2015", "CLD.6.3"))
    _mapping(store, control_iri("csa-ccm-4", "CEK-01"), control_iri("iso27001-2013", "A.18.1.3"))
    # The reverse direction is never written.
    reverse = store.query(
        f"ASK {{ ?m <{CG}mappingSubject> <{control_iri('nist-csf-2.0', 'RS.MA-01')}> ;"
        f" <{CG}mappingObject> <{control_iri('csa-ccm-4', 'BCR-07')}> }}"
    )
    assert not bool(reverse)


def test_existing_framework_is_not_redefined(imported: tuple[Any, ImportedDataset, CommitOutcome]) -> None:
    store, _, _ = imported
    framework_nodes = [t for t in store.graph_triples(CCM_GRAPH) if t.object == ox.NamedNode(CG + "Framework")]
    assert framework_nodes == []
    statement = list(store.query(
        f"SELECT ?text WHERE {{ GRAPH <{CCM_GRAPH}> {{"
        f" <{control_iri('csa-ccm-4', 'A&A-01')}> <{CG}statement> ?text }} }}"
    ))
    assert len(statement) == 1 and statement[0]["text"].language == "en"
    assert all(not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)
               for t in store.graph_triples(CCM_GRAPH))


def _notation(iri: str) -> str:
    return unquote(iri.rsplit("/", 1)[1])


def test_import_adds_lite_membership_and_ownership(
    imported: tuple[Any, ImportedDataset, CommitOutcome], bundle: Path
) -> None:
    """What the shipped catalog may not carry (CSA licence) comes from the user's bundle (issue 17 item 1)."""
    store, dataset, _ = imported
    primary = json.loads((bundle / "CCM" / "primary-dataset.json").read_text(encoding="utf-8"))
    lite = {c["id"] for d in primary["domains"] for c in d["controls"] if c.get("is_lite") is True}
    rows = store.query(f'SELECT ?c WHERE {{ GRAPH <{CCM_GRAPH}> {{ ?c <{CG}memberOf> "CCM-Lite" }} }}')
    assert {_notation(r["c"].value) for r in rows} == lite
    ownership = json.loads((bundle / "CCM" / "applicability" / "ownership.json").read_text(encoding="utf-8"))
    party = {"CSC-Owned": "CloudServiceCustomer", "CSP-Owned": "CloudServiceProvider", "Shared": "SharedResponsibility"}
    expected = {
        (entry["control_id"], block["title"], party[entry["value"]])
        for block in ownership["content"] for entry in block["content"]
    }
    found = store.query(
        f"SELECT ?c ?p ?party WHERE {{ GRAPH <{CCM_GRAPH}> {{ ?c ?p ?party }}"
        f" FILTER(STRSTARTS(STR(?p), '{CG}responsibleParty')) }}"
    )
    actual = {
        (_notation(r["c"].value), str(r["p"].value).removeprefix(CG + "responsibleParty"),
         str(r["party"].value).removeprefix(CG))
        for r in found
    }
    assert actual == expected and len(expected) == 591
    assert dataset.counts["controls with ownership"] == len({cid for cid, _, _ in expected})


def test_without_the_catalog_the_bundle_brings_it(copy_built: Any, bundle: Path) -> None:
    dependent = [graph_iri("csa-ccm-4"), graph_iri("csa-ccm-4--nist-csf-2.0--olir")]
    store = copy_built(without=dependent)
    dataset, outcome = import_file(store, "ccm", bundle)
    assert outcome.changed
    assert dataset.counts["csa-ccm-4 items (new catalog)"] == 17 + 197
    issued = list(store.query(
        "SELECT ?d WHERE { <https://w3id.org/controlgraph/id/framework/csa-ccm-4>"
        " <http://purl.org/dc/terms/issued> ?d }"
    ))
    assert [r["d"].value for r in issued] == ["2024-06-03"]


def _bundle_copy(bundle: Path, tmp_path: Path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(bundle, target)
    for p in target.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return target


@pytest.mark.parametrize("damage", ["truncated", "wrong-structure", "missing-folder"])
def test_malformed_bundle_is_rejected_and_store_untouched(
    imported: tuple[Any, ImportedDataset, CommitOutcome], bundle: Path, tmp_path: Path, damage: str, content: Any
) -> None:
    store, _, _ = imported
    before = content(store)
    copy = _bundle_copy(bundle, tmp_path)
    primary = copy / "CCM" / "primary-dataset.json"
    if damage == "truncated":
        primary.write_text(primary.read_text(encoding="utf-8")[:3000], encoding="utf-8")
    elif damage == "wrong-structure":
        primary.write_text(json.dumps({"version": "4.0.12", "domains": {"A&A": []}}), encoding="utf-8")
    else:
        copy = tmp_path / "no-such-bundle"
    with pytest.raises(InputError) as error:
        import_file(store, "ccm", copy)
    message = str(error.value)
    assert "\n" not in message
    expected = {"truncated": "primary-dataset.json:", "wrong-structure": "/domains", "missing-folder": "no such folder"}
    assert expected[damage] in message
    if damage == "truncated":
        assert "invalid JSON" in message
    assert content(store) == before


def test_reference_readers() -> None:
    assert parse_csf_reference("ID.RA-6", "nist-csf-2.0").targets == [("nist-csf-2.0", "ID.RA-06")]
    assert parse_csf_reference("PR.IP10", "nist-csf-1.1").targets == [("nist-csf-1.1", "PR.IP-10")]
    assert parse_csf_reference("No Mapping", "nist-csf-2.0").rejected
    points = parse_iso_reference("27002: 10.1.2 (g),(f)")
    assert points.targets == [("iso27002-2013", "10.1.2")] and points.points == "(g),(f)"
    assert parse_iso_reference("27001: 14.2.5").targets == [("iso27001-2013", "A.14.2.5")]
    assert parse_iso_reference("27001: 9.2").targets == [("iso27001-2013", "9.2")]
    assert parse_iso_reference("27001: A5.23").targets == [("iso27001-2013", "A.5.23")]
    assert parse_iso_reference("27018: A.11.4").targets == [("iso27018-2019", "A.11.4")]
    assert parse_iso_reference("SA-8(1)-(7)").rejected


def test_reader_is_pure(bundle: Path) -> None:
    """Reading needs only a graph snapshot; with an empty one it emits the whole catalog and no mapping set."""
    dataset = read_file("ccm", bundle, GraphContext())
    assert "mapping sets" not in dataset.counts
    assert dataset.counts["csa-ccm-4 items (new catalog)"] == 214


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``controlgraph`` command, run from the repository top as a user would."""
    command = Path(sys.executable).parent / "controlgraph"
    return subprocess.run([str(command), *args], cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


def test_cli_import_twice_then_a_broken_bundle(
    ccm_cli_import: CliImport, bundle: Path, tmp_path: Path, content: Any
) -> None:
    # The first import is the run's shared one (tests/conftest.py): ``controlgraph --store STORE import ccm
    # ../shared/reference/csa-ccm-4.0.12/json-dataset --report issues.csv`` from the repository top, on a
    # copy of the built store; this test reads its output and report, then imports again into a copy.
    first = ccm_cli_import
    relative = os.path.relpath(bundle, REPO)  # ../shared/reference/csa-ccm-4.0.12/json-dataset in a checkout
    assert first.command[-2:] == ["ccm", relative]
    assert first.returncode == 0, first.stderr
    assert "controls read: 197" in first.stdout
    assert "store changed" in first.stdout
    with first.report.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["action"] for r in rows} == {"rejected", "repaired"}
    assert any(r["value"] == "RS-MA-01" and r["action"] == "repaired" for r in rows)
    rejected = int(first.stdout.split("rows rejected: ")[1].split(";")[0])
    repaired = int(first.stdout.split("rows repaired: ")[1].split()[0])
    assert len(rows) == rejected + repaired

    store_dir = tmp_path / "store"
    shutil.copytree(first.store, store_dir)
    after_first = content(EmbeddedStore(store_dir, read_only=True))
    second = _cli("--store", str(store_dir), "import", "ccm", relative)
    assert second.returncode == 0, second.stderr
    assert "unchanged" in second.stdout
    assert content(EmbeddedStore(store_dir, read_only=True)) == after_first

    broken = _cli("--store", str(store_dir), "import", "ccm", str(tmp_path / "nowhere"))
    assert broken.returncode == 2
    assert broken.stderr.startswith("error: ") and "no such folder" in broken.stderr
    assert "Traceback" not in broken.stderr
    assert content(EmbeddedStore(store_dir, read_only=True)) == after_first


def test_no_gap_lists_become_cover_sets(imported: tuple[Any, ImportedDataset, CommitOutcome]) -> None:
    store, dataset, _ = imported
    rows = list(store.query(
        f"SELECT ?cs ?x ?y ?set WHERE {{ GRAPH <{CCM_GRAPH}> {{ ?cs a <{CG}CoverSet> ; <{CG}coverSubject> ?x ;"
        f" <{CG}coveredBy> ?y ; <{CG}inMappingSet> ?set }} }}"))
    statements: dict[str, tuple[str, str, set[str]]] = {}
    for row in rows:
        entry = statements.setdefault(row["cs"].value, (row["x"].value, row["set"].value, set()))
        entry[2].add(row["y"].value)
    assert len(statements) == dataset.counts["cover sets"] > 0
    for subject, mapping_set, members in statements.values():
        # Every member is one of the subject's references in the same set, all under gap level No Gap.
        mapped = {r["o"].value for r in store.query(
            f"SELECT ?s ?set ?o WHERE {{ GRAPH <{CCM_GRAPH}> {{ ?m <{CG}mappingSubject> ?s ; <{CG}mappingObject> ?o ;"
            f" <{CG}inMappingSet> ?set ; <{CG}gapLevel> \"No Gap\" }} }}",
            substitutions={"s": ox.NamedNode(subject), "set": ox.NamedNode(mapping_set)})}
        assert members == mapped, subject


def test_imported_ownership_shows_in_crosswalk_exports(
    imported: tuple[Any, ImportedDataset, CommitOutcome], bundle: Path
) -> None:
    """Issue 17 item 15: CCM's owner per service model, once imported, is in the crosswalk CSV and OSCAL."""
    import io

    from controlgraph.exports.crosswalk_csv import crosswalk_csv
    from controlgraph.exports.crosswalk_oscal import crosswalk_oscal
    from controlgraph.exports.crosswalk_table import build_crosswalk

    store, _, _ = imported
    ownership = json.loads((bundle / "CCM" / "applicability" / "ownership.json").read_text(encoding="utf-8"))
    owners: dict[str, list[str]] = {}
    for block in ownership["content"]:
        for entry in block["content"]:
            owners.setdefault(entry["control_id"], []).append(f"{block['title']}: {entry['value']}")
    export = build_crosswalk(store, "csa-ccm-4", ["iso27002-2022"], include_inferred=False)
    read = list(csv.DictReader(io.StringIO(crosswalk_csv(export))))
    assert read and all(r["source_responsibility"] for r in read)
    for row in read:  # the readable text the importer writes: every model's owner, as in the bundle
        assert sorted(row["source_responsibility"].split("; ")) == sorted(owners[row["source_id"]])
    maps = crosswalk_oscal(export)["mapping-collection"]["mappings"][0]["maps"]
    props = [p["value"] for m in maps for p in m["props"] if p["name"] == "source-responsibility"]
    assert len(props) == len(read)
