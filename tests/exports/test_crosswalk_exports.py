"""Every crosswalk format read back with an independent reader and compared with the engine's rows.

Pairs: ISO/IEC 27017 to 27002:2022 and CSF 2.0 with inferred relations (asserted rows with strength,
confidence and comments, a not-related row, relations entailed by the axioms) and ISO/IEC 27001:2022
to CSF 2.0, whose mappings are stored the other way round (CSF subject), so orientation is tested.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import openpyxl
import pytest
import rdflib
from openpyxl.utils import get_column_letter

from controlgraph.analysis.crosswalk import CrosswalkRow
from controlgraph.exports.crosswalk_csv import crosswalk_csv
from controlgraph.exports.crosswalk_oscal import PROP_NS, RELATIONSHIP, crosswalk_oscal
from controlgraph.exports.crosswalk_rdf import crosswalk_jsonld, crosswalk_turtle
from controlgraph.exports.crosswalk_sssom import crosswalk_sssom, mapping_nodes
from controlgraph.exports.crosswalk_table import COLUMNS, CrosswalkExport, build_crosswalk, explanation
from controlgraph.exports.crosswalk_xlsx import crosswalk_xlsx, pair_sheet_title
from controlgraph.exports.xlsx_sheets import COVERAGE_FILLS
from controlgraph.reasoning.results_rdf import RESULT_DIGEST
from controlgraph.sssom_tsv import read_sssom
from controlgraph.vocabulary import CG, MAPPING_SET, SSSOM, Relation

CASES = {
    "cloud-inferred": ("iso27017-2015", ["iso27002-2022", "nist-csf-2.0"], True),
    "iso-to-csf": ("iso27001-2022", ["nist-csf-2.0"], False),
}
SSSOM_CLI = Path(sys.executable).parent / "sssom"
OSCAL_SCHEMA = Path(__file__).with_name("oscal_mapping_collection.schema.json")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=sorted(CASES))
def export(request: pytest.FixtureRequest, built_store) -> CrosswalkExport:  # type: ignore[no-untyped-def]
    source, targets, inferred = CASES[request.param]
    found = build_crosswalk(built_store, source, targets, include_inferred=inferred)
    assert found.rows, "the case must have rows to compare"
    return found


def _key(row: CrosswalkRow) -> tuple[str, str, str]:
    return (row.source.iri, row.mapping.relation.value, row.mapping.control.iri)


def test_cases_cover_the_interesting_rows(built_store) -> None:  # type: ignore[no-untyped-def]
    cloud = build_crosswalk(built_store, "iso27017-2015", ["iso27002-2022", "nist-csf-2.0"], include_inferred=True)
    assert any(r.mapping.inferred for r in cloud.rows)
    assert any(r.mapping.relation is Relation.NOT_RELATED for r in cloud.rows)
    assert any(r.mapping.strength is not None and r.mapping.comment for r in cloud.rows)
    iso = build_crosswalk(built_store, "iso27001-2022", ["nist-csf-2.0"], include_inferred=False)
    assert all(r.mapping.mapping and "/nist-csf-2.0--" in r.mapping.mapping for r in iso.rows)


def test_csv_keeps_every_row_and_field(export: CrosswalkExport) -> None:
    read = list(csv.DictReader(io.StringIO(crosswalk_csv(export))))
    assert len(read) == len(export.rows)
    for cells, row in zip(read, export.rows, strict=True):
        m = row.mapping
        assert list(cells) == list(COLUMNS)
        assert (cells["source_framework"], cells["source_id"], cells["source_title"]) == (
            row.source.framework, row.source.notation, row.source.title)
        assert (cells["target_framework"], cells["target_id"], cells["target_title"]) == (
            m.control.framework, m.control.notation, m.control.title)
        assert Relation(cells["relation"]) is m.relation and cells["coverage"] == m.coverage
        assert cells["basis"] == ("inferred" if m.inferred else "asserted")
        assert (int(cells["strength"]) if cells["strength"] else None) == m.strength
        assert (float(cells["confidence"]) if cells["confidence"] else None) == m.confidence
        for column, value in (("rationale", m.rationale), ("justification", m.justification),
                              ("mapping_set", m.mapping_set), ("authority", m.authority), ("publisher", m.publisher),
                              ("licence", m.licence), ("comment", m.comment), ("mapping", m.mapping)):
            assert cells[column] == (value or ""), column
        assert cells["explanation_path"] == explanation(row)
        assert bool(cells["explanation_path"]) == m.inferred


def test_xlsx_sheets_rows_and_styling(export: CrosswalkExport) -> None:
    book = openpyxl.load_workbook(io.BytesIO(crosswalk_xlsx(export)))
    assert book.sheetnames == ["Summary", "Pairs", *(pair_sheet_title(t) for t in export.targets), "Provenance"]
    coverage_col = COLUMNS.index("coverage")
    for target in export.targets:
        sheet = book[pair_sheet_title(target)]
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(COLUMNS))}{sheet.max_row}"
        assert sheet.column_dimensions["C"].width > 10
        rows = export.rows_for(target)
        read = list(sheet.iter_rows(min_row=2, values_only=True))
        assert len(read) == len(rows)
        for cells, row in zip(read, rows, strict=True):
            m = row.mapping
            assert cells[:7] == (row.source.framework, row.source.notation, row.source.title, m.relation.value,
                                 m.control.framework, m.control.notation, m.control.title)
            assert cells[COLUMNS.index("strength")] == m.strength
            assert cells[COLUMNS.index("confidence")] == m.confidence
            assert cells[COLUMNS.index("mapping")] == m.mapping
            assert cells[COLUMNS.index("licence")] == m.licence
            assert (cells[COLUMNS.index("explanation_path")] or "") == explanation(row)
        for index, row in enumerate(rows, start=2):
            fill = sheet.cell(row=index, column=coverage_col + 1).fill.fgColor.rgb
            assert fill.endswith(COVERAGE_FILLS[row.mapping.coverage])
    pairs = {r[1]: r for r in book["Pairs"].iter_rows(min_row=2, values_only=True)}
    for target in export.targets:
        assert pairs[target][3] == len(export.rows_for(target))
    sets = {r[0]: r for r in book["Provenance"].iter_rows(min_row=2, values_only=True)}
    assert set(sets) == {r.mapping.mapping_set for r in export.rows if r.mapping.mapping_set}
    for row in export.rows:
        if row.mapping.mapping_set:
            _set, _title, authority, publisher, licence, _n = sets[row.mapping.mapping_set]
            assert (authority, publisher, licence) == (row.mapping.authority, row.mapping.publisher,
                                                       row.mapping.licence)


def test_sssom_is_valid_and_round_trips(export: CrosswalkExport, built_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "crosswalk.sssom.tsv"
    path.write_text(crosswalk_sssom(built_store, export), encoding="utf-8")
    checked = subprocess.run([str(SSSOM_CLI), "validate", str(path)], capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stderr[-2000:]

    from sssom.parsers import parse_sssom_table

    frame = parse_sssom_table(str(path)).df
    assert len(frame) == len(export.rows)

    dataset = read_sssom(path)
    assert not dataset.rejected, [i.one_line() for i in dataset.rejected[:3]]
    nodes: dict[str, dict[str, list[str]]] = {}
    for t in dataset.triples:
        nodes.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object.value)
    back = {}
    for statements in nodes.values():
        if CG + "mappingSubject" in statements:
            key = (statements[CG + "mappingSubject"][0], Relation.from_iri(statements[CG + "relation"][0]).value,
                   statements[CG + "mappingObject"][0])
            back[key] = statements
    assert set(back) == {_key(r) for r in export.rows}
    for row in export.rows:
        m, statements = row.mapping, back[_key(row)]
        assert statements.get(CG + "strength", [None])[0] == (None if m.strength is None else str(m.strength))
        got_confidence = statements.get(SSSOM + "confidence", [None])[0]
        assert (None if got_confidence is None else float(got_confidence)) == m.confidence
        assert statements.get("http://www.w3.org/2000/01/rdf-schema#comment", [None])[0] == m.comment
        assert statements[SSSOM + "mapping_justification"][0].endswith(m.justification or "MappingChaining")
        if m.rationale:
            assert statements[CG + "rationale"][0].lower().endswith(m.rationale)
        if m.mapping_set:
            assert statements[SSSOM + "mapping_source"] == [MAPPING_SET + m.mapping_set]
        assert sorted(statements.get("http://www.w3.org/2000/01/rdf-schema#seeAlso", [])) == sorted(m.path)


def test_oscal_is_valid_and_complete(export: CrosswalkExport) -> None:
    document = crosswalk_oscal(export)
    text = json.dumps(document)
    jsonschema.Draft7Validator(json.loads(OSCAL_SCHEMA.read_text()),
                               format_checker=jsonschema.FormatChecker()).validate(json.loads(text))
    collection = document["mapping-collection"]
    mappings = {m["target-resource"]["href"].rsplit("/", 1)[-1]: m for m in collection["mappings"]}
    resources = {r["uuid"]: r for r in collection["back-matter"]["resources"]}
    for target in export.targets:
        rows = export.rows_for(target)
        maps = [m for m in mappings[target]["maps"] if not any(p["name"] == "cover-set" for p in m["props"])] \
            if target in mappings else []
        assert len(maps) == len(rows)
        for entry, row in zip(maps, rows, strict=True):
            m = row.mapping
            props = {p["name"]: p["value"] for p in entry["props"]}
            assert entry["sources"] == [{"type": "control", "id-ref": row.source.notation}]
            assert entry["targets"] == [{"type": "control", "id-ref": m.control.notation}]
            assert entry["relationship"] == RELATIONSHIP[m.relation]
            assert entry.get("matching-rationale") == m.rationale
            assert props["coverage"] == m.coverage and props["basis"] == ("inferred" if m.inferred else "asserted")
            assert props.get("strength") == (None if m.strength is None else str(m.strength))
            assert props.get("mapping-set") == m.mapping_set
            if m.mapping_set:
                link = next(link["href"] for link in entry["links"] if link["rel"] == "reference")
                resource = resources[link.lstrip("#")]
                assert resource["rlinks"] == [{"href": MAPPING_SET + m.mapping_set}]
                assert (m.licence or "not recorded") in resource["remarks"]
            if m.inferred:
                assert explanation(row) in entry["remarks"]
    assert collection["provenance"]["method"] == ("hybrid" if any(r.mapping.inferred for r in export.rows)
                                                  else "human")


@pytest.mark.parametrize("fmt", ["json-ld", "turtle"])
def test_rdf_round_trips_mapping_triples(export: CrosswalkExport, built_store, fmt: str) -> None:  # type: ignore[no-untyped-def]
    text = crosswalk_jsonld(built_store, export) if fmt == "json-ld" else crosswalk_turtle(built_store, export)
    if fmt == "json-ld":
        assert "@context" in json.loads(text)
    graph = rdflib.Graph().parse(data=text, format=fmt)
    stored = mapping_nodes(built_store, export.rows)
    for iri, statements in stored.items():
        for prop, values in statements.items():
            got = {o for o in graph.objects(rdflib.URIRef(iri), rdflib.URIRef(prop))}
            # Every statement about the pair; the store's bookkeeping digest of inferred nodes stays home.
            expected = set() if prop == RESULT_DIGEST else {str(v.value) for v in values}
            assert expected == {str(o) for o in got}, (iri, prop)
    if export.include_inferred:  # inferred rows are in: their digest was there to leave out
        assert any(RESULT_DIGEST in s for s in stored.values())
    for row in export.rows:
        m = row.mapping
        forward = (rdflib.URIRef(row.source.iri), rdflib.URIRef(m.relation.iri), rdflib.URIRef(m.control.iri))
        backward = (rdflib.URIRef(m.control.iri), rdflib.URIRef(m.relation.inverse.iri), rdflib.URIRef(row.source.iri))
        assert forward in graph or backward in graph, forward
        if m.mapping_set:
            set_node = rdflib.URIRef(MAPPING_SET + m.mapping_set)
            licence = graph.value(set_node, rdflib.URIRef("http://purl.org/dc/terms/license"))
            assert str(licence) == m.licence
            assert graph.value(set_node, rdflib.URIRef(CG + "authority")) is not None


def test_oscal_carries_cover_sets_as_one_map_each(built_store) -> None:  # type: ignore[no-untyped-def]
    export = build_crosswalk(built_store, "csa-ccm-4", ["iso27002-2022"], include_inferred=False)
    curated = REPO / "mappings" / "curation" / "csa-ccm-4--iso27002-2022--cover-sets.csv"
    with curated.open(encoding="utf-8", newline="") as handle:
        expected = {row["subject"].split(":", 1)[1]: sorted(m.split(":", 1)[1] for m in row["covered_by"].split(";"))
                    for row in csv.DictReader(handle)}
    document = crosswalk_oscal(export)
    jsonschema.Draft7Validator(json.loads(OSCAL_SCHEMA.read_text()),
                               format_checker=jsonschema.FormatChecker()).validate(document)
    maps = document["mapping-collection"]["mappings"][0]["maps"]
    covers = [m for m in maps if {"name": "cover-set", "ns": PROP_NS, "value": "true"} in m["props"]]
    found = {m["sources"][0]["id-ref"]: sorted(t["id-ref"] for t in m["targets"]) for m in covers}
    assert found == expected and len(covers) == len(expected) == 37
    assert all(m["relationship"] == "subset-of" for m in covers)
