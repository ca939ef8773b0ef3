"""Candidates in every crosswalk export, and a pair several sets assert shown once with all its sources.

Candidates: CSF 2.0 to ISO/IEC 27002:2022 (no mapping set joins them directly, so every link is a
candidate), each format read back with an independent reader and compared with the stored candidate links.
Sources: no shipped pair is asserted by two sets, so a user's SSSOM set restating an official ISO/IEC
27001:2022 to 27002:2022 pair (with another relation) is imported into a copy of the shipped graph; the pair
must then be one row with both sources in the CLI, GraphQL (through the HTTP app) and the exports.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
import rdflib
from click.testing import CliRunner
from fastapi.testclient import TestClient

from controlgraph.analysis.candidate_links import candidates_between
from controlgraph.cli import main
from controlgraph.exports.crosswalk_csv import crosswalk_csv
from controlgraph.exports.crosswalk_oscal import PROP_NS, crosswalk_oscal
from controlgraph.exports.crosswalk_rdf import crosswalk_jsonld, crosswalk_turtle
from controlgraph.exports.crosswalk_sssom import crosswalk_sssom
from controlgraph.exports.crosswalk_table import CrosswalkExport, build_crosswalk
from controlgraph.exports.crosswalk_xlsx import crosswalk_xlsx, pair_sheet_title
from controlgraph.exports.html_report import html_report
from controlgraph.settings import Settings
from controlgraph.sssom_tsv import import_sssom, read_sssom
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import CG, SSSOM, Relation
from controlgraph.web.app import create_app

SSSOM_CLI = Path(sys.executable).parent / "sssom"
OSCAL_SCHEMA = Path(__file__).with_name("oscal_mapping_collection.schema.json")
FLOOR = 0.5
SOURCE, TARGET = "nist-csf-2.0", "iso27002-2022"
PAIR = ("iso27001-2022:A.5.1", "iso27002-2022:5.1")
USER_SET = """# curie_map:
#   iso27001-2022: https://w3id.org/controlgraph/id/control/iso27001-2022/
#   iso27002-2022: https://w3id.org/controlgraph/id/control/iso27002-2022/
# mapping_set_id: https://example.org/our-review
# mapping_set_title: Our review of ISO 27001 Annex A
# license: https://creativecommons.org/licenses/by/4.0/
# creator_label:
#   - GRC team
subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence
iso27001-2022:A.5.1\tskos:broadMatch\tiso27002-2022:5.1\tsemapv:ManualMappingCuration\t0.9
"""


@pytest.fixture(scope="module")
def export(built_store: EmbeddedStore) -> CrosswalkExport:
    return build_crosswalk(built_store, SOURCE, [TARGET], include_inferred=True, with_candidates=True,
                           min_probability=FLOOR)


def _stored(built_store: EmbeddedStore) -> dict[tuple[str, str], Any]:
    return {(c.subject, c.object): c for c in candidates_between(built_store, SOURCE, TARGET, min_probability=FLOOR)}


def test_export_holds_exactly_the_stored_candidates_above_the_floor(export: CrosswalkExport, built_store) -> None:  # type: ignore[no-untyped-def]
    stored = _stored(built_store)
    assert len(stored) >= 5, "the case needs candidates to compare"
    assert {(r.source.iri, r.target.iri) for r in export.candidates} == set(stored)
    assert all((r.candidate.probability or 0) >= FLOOR for r in export.candidates)
    lower = build_crosswalk(built_store, SOURCE, [TARGET], include_inferred=True, with_candidates=True,
                            min_probability=FLOOR - 0.2)
    assert len(lower.candidates) > len(export.candidates)


def test_csv_has_candidate_rows_with_probability(export: CrosswalkExport, built_store) -> None:  # type: ignore[no-untyped-def]
    rows = [r for r in csv.DictReader(io.StringIO(crosswalk_csv(export))) if r["basis"] == "candidate"]
    stored = _stored(built_store)
    assert len(rows) == len(stored)
    for row in rows:
        found = stored[(f"https://w3id.org/controlgraph/id/control/{row['source_framework']}/{row['source_id']}",
                        f"https://w3id.org/controlgraph/id/control/{row['target_framework']}/{row['target_id']}")]
        assert float(row["probability"]) == found.probability
        assert set(row["relation"].split("|")) == {r.value for r in found.possibilities}
        assert row["coverage"] == "unproven" and row["mapping"] == found.iri
        assert row["explanation_path"].split() == list(found.path)


def test_xlsx_lists_candidates_after_the_mappings(export: CrosswalkExport) -> None:
    book = openpyxl.load_workbook(io.BytesIO(crosswalk_xlsx(export)))
    sheet = book[pair_sheet_title(TARGET)]
    headings = [c.value for c in sheet[1]]
    basis, probability = headings.index("Asserted or inferred"), headings.index("Probability (candidates)")
    read = list(sheet.iter_rows(min_row=2, values_only=True))
    candidates = [r for r in read if r[basis] == "candidate"]
    assert len(candidates) == len(export.candidates)
    assert [r[probability] for r in candidates] == [c.candidate.probability for c in export.candidates]
    assert all(isinstance(r[probability], float) for r in candidates)
    pairs = {r[1]: r for r in book["Pairs"].iter_rows(min_row=2, values_only=True)}
    assert pairs[TARGET][-1] == len(export.candidates)


def test_sssom_candidates_validate_and_read_back(export: CrosswalkExport, built_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "candidates.sssom.tsv"
    path.write_text(crosswalk_sssom(built_store, export), encoding="utf-8")
    checked = subprocess.run([str(SSSOM_CLI), "validate", str(path)], capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stderr[-2000:]
    from sssom.parsers import parse_sssom_table

    frame = parse_sssom_table(str(path)).df
    composite = frame[frame["mapping_justification"] == "semapv:CompositeMatching"]
    assert len(composite) == len(export.candidates)
    stored = _stored(built_store)
    dataset = read_sssom(path)
    assert not dataset.rejected
    nodes: dict[str, dict[str, list[str]]] = {}
    for t in dataset.triples:
        nodes.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object.value)
    read = [n for n in nodes.values() if CG + "mappingSubject" in n
            and n[SSSOM + "mapping_justification"][0].endswith("CompositeMatching")]
    assert len(read) == len(stored)
    for n in read:
        found = stored[(n[CG + "mappingSubject"][0], n[CG + "mappingObject"][0])]
        assert float(n[SSSOM + "confidence"][0]) == pytest.approx(found.probability)
        assert n[CG + "relationSource"] == ["candidate"]
    for _, row in composite.iterrows():
        # the predicate claims no more than the possibility set: relatedMatch unless one relation is left
        assert row["predicate_id"] == "skos:relatedMatch" or "|" not in row["comment"]


def test_oscal_candidates_are_valid_maps(export: CrosswalkExport, built_store) -> None:  # type: ignore[no-untyped-def]
    document = crosswalk_oscal(export)
    jsonschema.Draft7Validator(json.loads(OSCAL_SCHEMA.read_text())).validate(document)
    maps = document["mapping-collection"]["mappings"][0]["maps"]
    candidates = [m for m in maps if {"name": "basis", "ns": PROP_NS, "value": "candidate"} in m["props"]]
    stored = {c.iri: c for c in _stored(built_store).values()}
    assert len(candidates) == len(stored)
    for entry in candidates:
        found = stored[entry["links"][0]["href"]]
        props = {p["name"]: p["value"] for p in entry["props"]}
        assert float(props["probability"]) == found.probability
        assert set(props["possible-relations"].split("|")) == {r.value for r in found.possibilities}
        assert props["coverage"] == "unproven"


@pytest.mark.parametrize("fmt", ["json-ld", "turtle"])
def test_rdf_carries_candidate_nodes_without_relation_triples(export: CrosswalkExport, built_store, fmt: str) -> None:  # type: ignore[no-untyped-def]
    text = crosswalk_jsonld(built_store, export) if fmt == "json-ld" else crosswalk_turtle(built_store, export)
    graph = rdflib.Graph().parse(data=text, format=fmt)
    for found in _stored(built_store).values():
        node = rdflib.URIRef(found.iri)
        assert (node, rdflib.RDF.type, rdflib.URIRef(CG + "CandidateLink")) in graph
        assert float(graph.value(node, rdflib.URIRef(CG + "probability"))) == found.probability  # type: ignore[arg-type]
        subject = rdflib.URIRef(found.subject)
        obj = rdflib.URIRef(found.object)
        assert not any((subject, rdflib.URIRef(r.iri), obj) in graph for r in Relation)


def test_html_report_lists_candidates(export: CrosswalkExport, built_store) -> None:  # type: ignore[no-untyped-def]
    page = html_report(built_store, [SOURCE], [TARGET], crosswalk=export)
    assert f"Candidates to confirm ({len(export.candidates)})" in page
    for row in export.candidates[:5]:
        assert repr(row.candidate.probability) in page


# ------------------------------------------------------------------ one row per pair, with all its sources


@pytest.fixture(scope="module")
def two_sources(built_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk copy of the shipped graph with a user's set restating an official pair."""
    folder = tmp_path_factory.mktemp("two-sources")
    (folder / "ours.sssom.tsv").write_text(USER_SET, encoding="utf-8")
    store = EmbeddedStore(folder / "store")
    store.replace_everything({g: built_store.graph_triples(g) for g in built_store.graph_names()})
    import_sssom(store, folder / "ours.sssom.tsv")
    store.close()
    return folder / "store"


def _iri(ref: str) -> str:
    slug, notation = ref.split(":", 1)
    return f"https://w3id.org/controlgraph/id/control/{slug}/{notation}"


def test_cli_shows_the_pair_once_with_both_sources(two_sources: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["--store", str(two_sources), "satisfiers", PAIR[1], "--format", "json"])
    assert shown.exit_code == 0, shown.output
    rows = [r for r in json.loads(shown.output) if r["control"] == PAIR[0]]
    assert len(rows) == 1
    assert {(s["mappingSet"], s["relation"]) for s in rows[0]["sources"]} == {
        ("iso27001-2022--iso27002-2022", "equal"), ("sssom-example.org-our-review", "superset-of")}
    text = runner.invoke(main, ["--store", str(two_sources), "satisfiers", PAIR[1]]).output
    assert "2 sets: " in text and "sssom-example.org-our-review" in text
    walk = runner.invoke(main, ["--store", str(two_sources), "crosswalk", "iso27001-2022", "iso27002-2022",
                                "--format", "json"])
    pairs = [m for m in json.loads(walk.output)["mappings"] if (m["source"], m["target"]) == PAIR]
    assert len(pairs) == 1 and len(pairs[0]["sources"]) == 2


def test_graphql_shows_the_pair_once_with_both_sources(two_sources: Path) -> None:
    store = EmbeddedStore(two_sources, read_only=True)
    query = """{ satisfiers(of: "%s", frameworks: ["iso27001-2022"]) { ... on SatisfiersPayload {
        satisfiers { edges { node { control { id } relation sources { mappingSet relation authority publisher } } } }
      } }
      crosswalk(from: "iso27001-2022", to: "iso27002-2022", first: 200) { ... on CrosswalkPayload {
        rows { edges { node { source { id } target { control { id } sources { mappingSet relation } } } } } } } }"""
    with TestClient(create_app(Settings.from_env({}, store="memory"), store)) as http:
        answer = http.post("/graphql", json={"query": query % PAIR[1]}).json()
    store.close()
    assert "errors" not in answer, answer
    nodes = [e["node"] for e in answer["data"]["satisfiers"]["satisfiers"]["edges"]
             if e["node"]["control"]["id"] == PAIR[0]]
    assert len(nodes) == 1
    assert {(s["mappingSet"], s["relation"]) for s in nodes[0]["sources"]} == {
        ("iso27001-2022--iso27002-2022", "equal"), ("sssom-example.org-our-review", "superset-of")}
    rows = [e["node"] for e in answer["data"]["crosswalk"]["rows"]["edges"]
            if (e["node"]["source"]["id"], e["node"]["target"]["control"]["id"]) == PAIR]
    assert len(rows) == 1
    assert {(s["mappingSet"], s["relation"]) for s in rows[0]["target"]["sources"]} == {
        ("iso27001-2022--iso27002-2022", "equal"), ("sssom-example.org-our-review", "subset-of")}


def test_exports_group_by_pair_or_keep_a_row_per_source(two_sources: Path, tmp_path: Path) -> None:
    store = EmbeddedStore(two_sources, read_only=True)
    try:
        export = build_crosswalk(store, "iso27001-2022", ["iso27002-2022"], include_inferred=False)
        read = [r for r in csv.DictReader(io.StringIO(crosswalk_csv(export)))
                if (f"{r['source_framework']}:{r['source_id']}", f"{r['target_framework']}:{r['target_id']}") == PAIR]
        assert len(read) == 1
        assert read[0]["sources"].count("; ") == 1
        assert "iso27001-2022--iso27002-2022" in read[0]["sources"]
        assert "sssom-example.org-our-review" in read[0]["sources"]
        oscal = crosswalk_oscal(export)
        maps = [m for m in oscal["mapping-collection"]["mappings"][0]["maps"]
                if m["sources"][0]["id-ref"] == "A.5.1" and m["targets"][0]["id-ref"] == "5.1"]
        assert len(maps) == 1
        assert sorted(p["value"] for p in maps[0]["props"] if p["name"] == "mapping-set") == [
            "iso27001-2022--iso27002-2022", "sssom-example.org-our-review"]
        path = tmp_path / "walk.sssom.tsv"
        path.write_text(crosswalk_sssom(store, export), encoding="utf-8")
        table = csv.DictReader([line for line in path.read_text().splitlines() if not line.startswith("#")],
                               delimiter="\t")
        rows = [r for r in table if (r["subject_id"], r["object_id"]) == PAIR]
        assert sorted((r["predicate_id"], r["mapping_source"].split(":", 1)[1]) for r in rows) == [
            ("skos:broadMatch", "sssom-example.org-our-review"), ("skos:exactMatch", "iso27001-2022--iso27002-2022")]
    finally:
        store.close()


@pytest.mark.parametrize("fmt", ["csv", "sssom"])
def test_cli_export_takes_candidates_and_a_floor(two_sources: Path, fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"walk.{fmt}"
    shown = CliRunner().invoke(main, ["--store", str(two_sources), "export", "crosswalk", "--from", SOURCE, "--to",
                                      TARGET, "--candidates", "--min-probability", str(FLOOR), "--format", fmt,
                                      "-o", str(out)])
    assert shown.exit_code == 0, shown.output
    lines = [line for line in out.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="," if fmt == "csv" else "\t"))
    store = EmbeddedStore(two_sources, read_only=True)
    try:
        expected = len(candidates_between(store, SOURCE, TARGET, min_probability=FLOOR))
    finally:
        store.close()
    if fmt == "csv":
        got = [float(r["probability"]) for r in rows if r["basis"] == "candidate"]
    else:
        got = [float(r["confidence"]) for r in rows if r["mapping_justification"] == "semapv:CompositeMatching"]
    assert len(got) == expected > 0 and min(got) >= FLOOR
