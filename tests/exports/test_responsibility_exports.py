"""Whose obligation a control is (27017 customer/provider/shared) in every crosswalk format, read back.

The expected values come from the store by a query of their own (cg:responsibleParty and the party's
label), not from the export code. Also: the crosswalk SSSOM export carries the cover sets of its source.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import rdflib

from controlgraph.analysis.cover_sets import cover_sets
from controlgraph.exports.crosswalk_csv import crosswalk_csv
from controlgraph.exports.crosswalk_oscal import crosswalk_oscal
from controlgraph.exports.crosswalk_rdf import crosswalk_jsonld, crosswalk_turtle
from controlgraph.exports.crosswalk_sssom import crosswalk_sssom
from controlgraph.exports.crosswalk_table import COLUMNS, CrosswalkExport, build_crosswalk
from controlgraph.exports.crosswalk_xlsx import crosswalk_xlsx, pair_sheet_title
from controlgraph.exports.html_report import html_report
from controlgraph.sssom_tsv import read_sssom
from controlgraph.vocabulary import CG, CONTROL

SSSOM_CLI = Path(sys.executable).parent / "sssom"
_PARTIES = """PREFIX cg: <https://w3id.org/controlgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?party ?label WHERE { ?c cg:responsibleParty ?party . ?party rdfs:label ?label }"""


@pytest.fixture(scope="module")
def export(built_store) -> CrosswalkExport:  # type: ignore[no-untyped-def]
    return build_crosswalk(built_store, "iso27017-2015", ["iso27002-2022"], include_inferred=False)


@pytest.fixture(scope="module")
def parties(built_store) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Control IRI -> (party IRI, party label), for every control stating one."""
    return {r["c"].value: (r["party"].value, r["label"].value) for r in built_store.query(_PARTIES)}


def _expected(export: CrosswalkExport, parties: dict[str, tuple[str, str]]) -> list[str]:
    found = [parties.get(r.source.iri, ("", ""))[1] for r in export.rows]
    assert sum(bool(p) for p in found) > 20, "the 27017 rows must carry responsibility for the check to mean much"
    parties_seen = {p for p in found if p}
    assert len(parties_seen) >= 2 and parties_seen <= {"cloud service customer", "cloud service provider",
                                                       "shared (customer and provider)"}
    return found


def test_csv_and_xlsx(export: CrosswalkExport, parties: dict[str, tuple[str, str]]) -> None:
    expected = _expected(export, parties)
    read = list(csv.DictReader(io.StringIO(crosswalk_csv(export))))
    assert [r["source_responsibility"] for r in read] == expected
    assert all(r["target_responsibility"] == "" for r in read)  # 27002:2022 records none
    book = openpyxl.load_workbook(io.BytesIO(crosswalk_xlsx(export)))
    sheet = book[pair_sheet_title("iso27002-2022")]
    assert sheet.cell(row=1, column=COLUMNS.index("source_responsibility") + 1).value == "Source responsibility"
    cells = [r[COLUMNS.index("source_responsibility")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == [p or None for p in expected]


def test_sssom_extension_column(export: CrosswalkExport, parties: dict[str, tuple[str, str]], built_store,  # type: ignore[no-untyped-def]
                                tmp_path: Path) -> None:
    expected = _expected(export, parties)
    path = tmp_path / "cloud.sssom.tsv"
    path.write_text(crosswalk_sssom(built_store, export), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert "# - slot_name: subject_responsibility\n#   property: cg:subjectResponsibility\n" in text
    rows = list(csv.DictReader([x for x in text.splitlines() if not x.startswith("#")], delimiter="\t"))
    by_subject = {(r["subject_id"], r["object_id"]): r["subject_responsibility"] for r in rows}
    for row, party in zip(export.rows, expected, strict=True):
        key = (f"iso27017-2015:{row.source.iri.rsplit('/', 1)[1]}",
               f"iso27002-2022:{row.mapping.control.iri.rsplit('/', 1)[1]}")
        assert by_subject[key] == party
    checked = subprocess.run([str(SSSOM_CLI), "validate", str(path)], capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert not read_sssom(path).rejected  # our reader takes the file back (the column is information only)


def test_oscal_props(export: CrosswalkExport, parties: dict[str, tuple[str, str]]) -> None:
    expected = _expected(export, parties)
    maps = crosswalk_oscal(export)["mapping-collection"]["mappings"][0]["maps"]
    got = [next((p["value"] for p in m["props"] if p["name"] == "source-responsibility"), "") for m in maps]
    assert got == expected
    assert not any(p["name"] == "target-responsibility" for m in maps for p in m["props"])


@pytest.mark.parametrize("fmt", ["json-ld", "turtle"])
def test_rdf_describes_the_party(export: CrosswalkExport, parties: dict[str, tuple[str, str]], built_store,  # type: ignore[no-untyped-def]
                                 fmt: str) -> None:
    text = crosswalk_jsonld(built_store, export) if fmt == "json-ld" else crosswalk_turtle(built_store, export)
    graph = rdflib.Graph().parse(data=text, format=fmt)
    sources = {r.source.iri for r in export.rows}
    got = {str(s): str(o) for s, o in graph.subject_objects(rdflib.URIRef(CG + "responsibleParty"))}
    assert got == {c: parties[c][0] for c in sources if c in parties}
    assert got


class _Tables(HTMLParser):
    """Every table of a page as rows of cell texts (headings included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_html_report_shows_it(export: CrosswalkExport, parties: dict[str, tuple[str, str]], built_store) -> None:  # type: ignore[no-untyped-def]
    expected = _expected(export, parties)
    page = _Tables()
    page.feed(html_report(built_store, ["iso27001-2022"], ["iso27017-2015"], crosswalk=export))
    table = next(t for t in page.tables if t and "Source responsibility" in t[0])
    column = table[0].index("Source responsibility")
    assert [r[column] for r in table[1:]] == expected


def test_crosswalk_sssom_carries_the_source_cover_sets(built_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    export = build_crosswalk(built_store, "csa-ccm-4", ["iso27002-2022"], include_inferred=False)
    path = tmp_path / "ccm.sssom.tsv"
    path.write_text(crosswalk_sssom(built_store, export), encoding="utf-8")
    checked = subprocess.run([str(SSSOM_CLI), "validate", str(path)], capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stderr[-2000:]
    dataset = read_sssom(path)
    assert not dataset.rejected
    back: dict[str, set[str]] = {}
    subjects: dict[str, str] = {}
    for t in dataset.triples:
        node, value = str(t.subject).strip("<>"), str(t.object).strip("<>")
        if t.predicate.value == CG + "coveredBy":
            back.setdefault(node, set()).add(value)
        elif t.predicate.value == CG + "coverSubject":
            subjects[node] = value
    read = {subjects[node]: sorted(members) for node, members in back.items()}
    shipped = {c.subject: sorted(c.covered_by) for group in cover_sets(built_store, "csa-ccm-4").values()
               for c in group if all(y.startswith(f"{CONTROL}iso27002-2022/") for y in c.covered_by)}
    assert read == shipped and len(read) == 37
    assert json.dumps(dataset.counts) and dataset.counts["cover_sets"] == 37
