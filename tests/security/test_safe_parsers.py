"""Parsers of user files are the safe ones: no YAML object tags, no XML entity expansion or external
entities (xlsx through openpyxl with defusedxml, RDF/XML through pyoxigraph), size caps before parsing."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from controlgraph.data.loader import parse_file
from controlgraph.errors import ControlGraphError
from controlgraph.importers import GraphContext, read_file
from controlgraph.importers.input_files import MAX_INPUT_BYTES
from controlgraph.store.embedded import EmbeddedStore

PACKAGE = Path(__file__).resolve().parents[2] / "server" / "controlgraph"
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "' + "&lol;" * 10 + '">'
          + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(2, 10)) + "]>")
EXTERNAL = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.fixture(scope="module")
def context(built_store: EmbeddedStore) -> GraphContext:
    return GraphContext.from_store(built_store)


def test_only_safe_yaml_loading_in_the_package() -> None:
    unsafe = re.compile(r"yaml\.(load|unsafe_load|full_load|load_all)\(|Loader\s*=")
    offenders = [f"{p}:{n}" for p in PACKAGE.rglob("*.py")
                 for n, line in enumerate(p.read_text("utf-8").splitlines(), 1) if unsafe.search(line)]
    assert offenders == []


def test_yaml_object_tags_are_refused(context: GraphContext, tmp_path: Path) -> None:
    hostile = tmp_path / "lib.yaml"
    hostile.write_text("urn: !!python/object/apply:os.system ['touch /tmp/controlgraph-pwned']\n")
    with pytest.raises(ControlGraphError, match="not valid YAML"):
        read_file("ciso-yaml", hostile, context)
    assert not Path("/tmp/controlgraph-pwned").exists()


def _xlsx_with(part: str, doctype: str, entity: str) -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "placeholder"
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                text = data.decode().replace("placeholder", entity) if b"placeholder" in data else data.decode()
                data = (doctype + text).encode()
            archive.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize(("part", "doctype", "entity"), [
    ("xl/worksheets/sheet1.xml", LAUGHS, "&lol9;"),
    ("xl/workbook.xml", LAUGHS, ""),
    ("xl/worksheets/sheet1.xml", EXTERNAL, "&xxe;"),
])
def test_xlsx_entity_tricks_are_refused_quickly(part: str, doctype: str, entity: str, context: GraphContext,
                                                tmp_path: Path) -> None:
    assert openpyxl.xml.DEFUSEDXML, "defusedxml must be installed so openpyxl refuses entities"
    workbook = tmp_path / "hostile.xlsx"
    workbook.write_bytes(_xlsx_with(part, doctype, entity))
    started = time.monotonic()
    with pytest.raises(ControlGraphError) as refused:
        read_file("csf-xlsx", workbook, context)
    assert time.monotonic() - started < 5
    assert "root:" not in str(refused.value)


def test_rdf_xml_does_not_expand_external_or_nested_entities(tmp_path: Path) -> None:
    body = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
            '<rdf:Description rdf:about="http://example.org/s"><ex:p>{}</ex:p></rdf:Description></rdf:RDF>')
    external = tmp_path / "external.rdf"
    external.write_text('<?xml version="1.0"?>' + EXTERNAL + body.format("&xxe;"))
    try:
        triples = parse_file(external)
    except ControlGraphError:
        triples = []
    assert all("root:" not in str(t) for t in triples)
    laughs = tmp_path / "laughs.rdf"
    laughs.write_text('<?xml version="1.0"?>' + LAUGHS + body.format("&lol9;"))
    started = time.monotonic()
    try:
        triples = parse_file(laughs)
    except ControlGraphError:
        triples = []
    assert time.monotonic() - started < 5
    assert sum(len(str(t)) for t in triples) < 10_000_000  # no billion laughs in memory


def test_oversized_files_are_refused_before_parsing(context: GraphContext, tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as sparse:  # a sparse file: no disk is used
        sparse.truncate(MAX_INPUT_BYTES + 1)
    started = time.monotonic()
    with pytest.raises(ControlGraphError, match="more than"):
        read_file("oscal-catalog", huge, context)
    assert time.monotonic() - started < 2


def test_rdf_xml_with_plain_namespace_entities_still_reads(tmp_path: Path) -> None:
    ontology = tmp_path / "plain.owl"
    ontology.write_text('<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY ex "http://example.org/">]>'
                        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="&ex;">'
                        '<rdf:Description rdf:about="&ex;s"><ex:p>v</ex:p></rdf:Description></rdf:RDF>')
    assert [str(t.subject) for t in parse_file(ontology)] == ["<http://example.org/s>"]
