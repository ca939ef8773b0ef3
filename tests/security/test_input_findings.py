"""Regression tests of the input findings of issue 21 (see docs/security.md, "Findings of the outside probe").

2 the GraphQL answer cache is bounded by bytes, keyed by the parsed document, never holds exports;
3, 5 YAML anchors and aliases are refused in every YAML read from users, literals are capped;
6 values from importer metadata cannot add statements (IRIs are checked terms, never formatted text);
11 a 16 MiB Turtle literal, truncated sheet XML, links out of a CCM bundle are clean input errors;
12 texts starting like a formula are written to XLSX as text.
"""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pyoxigraph as ox
import pytest
import yaml

from controlgraph.data.authoring import ControlRecord, FrameworkMeta, Provenance, catalog_triples, catalog_turtle
from controlgraph.data.literals import MAX_LITERAL_CHARS
from controlgraph.data.loader import parse_file
from controlgraph.errors import ControlGraphError, InputError
from controlgraph.exports.xlsx_sheets import new_workbook, workbook_bytes, write_table
from controlgraph.importers import GraphContext, ImportOptions, read_file
from controlgraph.pipeline.imports import commit_dataset
from controlgraph.service.custom_mappings import MappingDraft, create_mapping, import_sssom_text
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import IMPORT_GRAPH, Relation
from controlgraph.web.graphql.context import GraphContext as RequestContext
from controlgraph.web.graphql.response_cache import ResponseCacheFactory, ResponseStore, cache_key
from controlgraph.web.graphql.schema import build_schema
from importer_inputs import EVIL, SSSOM_SEED, Seeds, alias_bomb, framework_context, injected_terms

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def frameworks_store() -> EmbeddedStore:
    """The shipped catalogs only (no mapping sets): enough for importers, tenant writes and GraphQL lists."""
    store = EmbeddedStore(None)
    graphs = {}
    for path in sorted((REPO / "mappings" / "frameworks").glob("*.ttl")):
        graphs[f"https://w3id.org/controlgraph/id/graph/{path.stem}"] = [
            ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    store.replace_everything(graphs)
    return store


@pytest.fixture(scope="module")
def context() -> GraphContext:
    return framework_context(REPO / "mappings")


@pytest.fixture(scope="module")
def seeds(reference_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    return Seeds.make(reference_dir, tmp_path_factory.mktemp("seeds"))


def snapshot(store: EmbeddedStore) -> str:
    return store.fingerprint()


# ---------------------------------------------------------------------------------------------- 3, 5: aliases


def test_ciso_alias_bomb_of_1_4_kb_is_refused_at_once_with_its_line(seeds: Seeds, context: GraphContext,
                                                                    tmp_path: Path) -> None:
    library = yaml.safe_dump(seeds.ciso, sort_keys=False)
    hostile = tmp_path / "bomb.yaml"
    hostile.write_text(alias_bomb(10) + "\n" + library.replace("copyright: intuitem", "copyright: *a10"))
    started = time.monotonic()
    with pytest.raises(InputError) as refused:
        read_file("ciso-yaml", hostile, context)
    assert time.monotonic() - started < 2
    assert f"{hostile}:1:" in str(refused.value) and "anchors and aliases" in str(refused.value)


def test_a_single_alias_is_refused_too(seeds: Seeds, context: GraphContext, tmp_path: Path) -> None:
    text = yaml.safe_dump(seeds.ciso, sort_keys=False).replace("provider: intuitem", "provider: &p intuitem")
    hostile = tmp_path / "alias.yaml"
    hostile.write_text(text + "packager: *p\n")
    with pytest.raises(InputError, match=r"alias\.yaml:\d+: .*anchors and aliases"):
        read_file("ciso-yaml", hostile, context)


def _sssom_bomb() -> str:
    bomb = "".join(f"# {line}\n" for line in alias_bomb(7).splitlines())
    return bomb + SSSOM_SEED.replace("# creator_label: Fuzz Curator", "# creator_label: *a7")


def test_sssom_metadata_alias_bomb_is_refused_from_a_file_and_from_a_tenant(
        frameworks_store: EmbeddedStore, context: GraphContext, tmp_path: Path) -> None:
    path = tmp_path / "bomb.sssom.tsv"
    path.write_text(_sssom_bomb())
    assert len(path.read_bytes()) < 2000
    with pytest.raises(InputError, match=r"bomb\.sssom\.tsv:1: .*anchors and aliases"):
        read_file("sssom", path, context)
    before = snapshot(frameworks_store)
    started = time.monotonic()
    with pytest.raises(InputError, match="anchors and aliases"):
        import_sssom_text(frameworks_store, "acme", _sssom_bomb())
    assert time.monotonic() - started < 2
    assert snapshot(frameworks_store) == before


def test_literals_over_the_cap_are_refused_on_import_and_on_a_tenant_write(frameworks_store: EmbeddedStore) -> None:
    before = snapshot(frameworks_store)
    long_text = ox.Literal("x" * (MAX_LITERAL_CHARS + 1))
    triples = [ox.Triple(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), long_text)]
    with pytest.raises(InputError, match="more than the 100,000 accepted"):
        commit_dataset(frameworks_store, IMPORT_GRAPH + "long", triples, label="long.ttl")
    draft = MappingDraft("gdpr:Art.25", "iso27002-2022:8.27", Relation.INTERSECTS_WITH,
                         comment="y" * (MAX_LITERAL_CHARS + 1))
    with pytest.raises(InputError, match="more than the 100,000 accepted"):
        create_mapping(frameworks_store, "acme", draft)
    assert snapshot(frameworks_store) == before


def test_only_the_plain_yaml_loader_reads_user_yaml() -> None:
    package = REPO / "server" / "controlgraph"
    offenders = [str(p) for p in package.rglob("*.py")
                 if "yaml.safe_load(" in p.read_text("utf-8") and p.name != "safe_yaml.py"]
    assert offenders == []


# ---------------------------------------------------------------------------------------------- 6: injection


BREAKOUT = f"https://ok.example/> . <{EVIL}s> <{EVIL}p> <{EVIL}o> . <https://ok.example/"


def test_ciso_copyright_cannot_add_statements(seeds: Seeds, context: GraphContext, tmp_path: Path) -> None:
    library = dict(seeds.ciso, copyright=BREAKOUT, provider=f'x" ; <{EVIL}p> "y')
    path = tmp_path / "inject.yaml"
    path.write_text(yaml.safe_dump(library, sort_keys=False))
    dataset = read_file("ciso-yaml", path, context)
    assert injected_terms(dataset.triples) == []
    licences = [t.object for t in dataset.triples if t.predicate.value.endswith("/license")]
    assert licences and all(isinstance(o, ox.Literal) and BREAKOUT in o.value for o in licences)


def test_ccm_url_cannot_add_statements(seeds: Seeds, context: GraphContext) -> None:
    seeds.reset_ccm()
    primary = seeds.root / "bundle" / "CCM" / "primary-dataset.json"
    document = json.loads(primary.read_text("utf-8"))
    primary.write_text(json.dumps(dict(document, url=BREAKOUT)), "utf-8")
    without_ccm = GraphContext({s: g for s, g in context.frameworks.items() if s != "csa-ccm-4"})
    try:
        dataset = read_file("ccm", seeds.root / "bundle", without_ccm)
    finally:
        seeds.reset_ccm()
    assert injected_terms(dataset.triples) == []
    assert any("/url" in issue.source and issue.action == "repaired" for issue in dataset.issues)


def test_oscal_link_href_cannot_add_statements(seeds: Seeds, context: GraphContext, tmp_path: Path) -> None:
    document = json.loads(json.dumps(seeds.oscal))
    document["catalog"]["metadata"]["links"] = [{"rel": "reference", "href": BREAKOUT}]
    path = tmp_path / "inject.json"
    path.write_text(json.dumps(document))
    dataset = read_file("oscal-catalog", path, context, ImportOptions(framework="oscal-inject"))
    assert injected_terms(dataset.triples) == []
    sources = [t.object for t in dataset.triples if t.predicate.value.endswith("/source")]
    assert sources and all(isinstance(o, ox.NamedNode) and EVIL not in o.value for o in sources)


def test_authoring_refuses_an_address_that_is_not_an_iri() -> None:
    provenance = Provenance("p", "https://example.org/", "1", __import__("datetime").date(2024, 1, 1), "terms")
    meta = FrameworkMeta("fuzz-fw", "Fuzz", provenance)
    with pytest.raises(ValueError, match=r"address .* is not a valid IRI"):
        catalog_triples(meta, [ControlRecord("1", "One", "control", address=BREAKOUT)])
    text = catalog_turtle(FrameworkMeta("fuzz-fw", "Fuzz\n<http://evil/s> <http://evil/p> 1 .", provenance),
                          [ControlRecord("1", 'One" ; <http://evil/p> "x', "control")])
    triples = list(ox.parse(text, ox.RdfFormat.TURTLE))
    assert not [q for q in triples if EVIL in str(q.subject) + str(q.predicate)]


# ---------------------------------------------------------------------------------------------- 11


def test_a_turtle_literal_over_16_mib_is_an_input_error_and_exit_2(tmp_path: Path) -> None:
    big = tmp_path / "big.ttl"
    big.write_bytes(b'<http://example.org/s> <http://example.org/p> "' + b"x" * (17 * 1024 * 1024) + b'" .\n')
    with pytest.raises(InputError, match="longer than the parser accepts"):
        parse_file(big)
    done = subprocess.run([sys.executable, "-m", "controlgraph", "validate", str(big)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr[-500:]
    assert "Traceback" not in done.stderr


def test_truncated_sheet_xml_is_an_input_error(seeds: Seeds, context: GraphContext, tmp_path: Path) -> None:
    source = zipfile.ZipFile(io.BytesIO(seeds.csf))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            archive.writestr(info.filename, data[: len(data) // 2] if "worksheets/sheet" in info.filename else data)
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(out.getvalue())
    with pytest.raises(InputError, match="cannot read the workbook"):
        read_file("csf-xlsx", path, context)


@pytest.mark.parametrize("target", ["/proc/self/mem", "/proc/self/environ", "/proc", "loop"])
def test_links_out_of_a_ccm_bundle_are_refused(target: str, seeds: Seeds, context: GraphContext) -> None:
    seeds.reset_ccm()
    primary = seeds.root / "bundle" / "CCM" / "primary-dataset.json"
    primary.unlink()
    primary.symlink_to(primary if target == "loop" else target)
    try:
        with pytest.raises(InputError) as refused:
            read_file("ccm", seeds.root / "bundle", context)
    finally:
        seeds.reset_ccm()
    assert "primary-dataset.json" in str(refused.value)


# ---------------------------------------------------------------------------------------------- 12


def test_formula_like_texts_are_written_as_text() -> None:
    hostile = ['=HYPERLINK("http://evil/","x")', "+1+1", "-1+1", "@SUM(1)", "\t=1", "\r=1", "plain", "a\x01b"]
    book = new_workbook()
    write_table(book.create_sheet("t"), ["=heading", "comment"], [[text, text] for text in hostile])
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes(book))).active
    assert sheet is not None
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s"] * len(hostile)
    assert [c.value for c in cells[:6]] == [t.replace("\r", "\n") for t in hostile[:6]]  # XML reads CR as LF
    assert all(c.quotePrefix for c in cells[:6]) and not cells[6].quotePrefix
    assert cells[7].value == "a\ufffdb"
    assert sheet["A1"].data_type == "s" and sheet["A1"].value == "=heading"


# ---------------------------------------------------------------------------------------------- 2


def _run(schema: Any, store: EmbeddedStore, settings: Settings, query: str, **variables: Any) -> Any:
    context = RequestContext(store, settings, None)
    return asyncio.run(schema.execute(query, variable_values=variables or None, context_value=context))


def _factory(schema: Any) -> ResponseCacheFactory:
    return next(e for e in schema.extensions if isinstance(e, ResponseCacheFactory))


def test_graphql_answers_are_keyed_by_the_parsed_document_and_bounded_by_bytes(
        frameworks_store: EmbeddedStore) -> None:
    settings = Settings(graphql_cache_bytes=20_000, graphql_cache_entry_bytes=8_000)
    schema = build_schema(settings)
    responses = _factory(schema).responses
    for n in range(20):  # the probe's trick: the same query with a new comment each time
        result = _run(schema, frameworks_store, settings, "{ frameworks(first: 3) { edges { node { slug } } } }"
                      + f"\n# {n}")
        assert not result.errors
    assert len(responses) == 1
    for n in range(1, 60):  # different answers: the byte budget holds whatever their number
        _run(schema, frameworks_store, settings,
             f'{{ controls(framework: "gdpr", first: {n}) {{ ... on ControlsPayload {{ controls {{ edges '
             '{ node { id } } } } } }')
        assert responses.bytes_held <= 20_000
    unused = _run(schema, frameworks_store, settings, "query Q($n: Int) { frameworks(first: $n) { totalCount } }",
                  n=2, junk="x" * 1000)
    assert not unused.errors
    held = len(responses)
    _run(schema, frameworks_store, settings, "query Q($n: Int) { frameworks(first: $n) { totalCount } }",
         n=2, junk="y" * 1000)
    assert len(responses) == held  # undeclared variables make no new entry


def test_exports_and_large_answers_are_never_cached() -> None:
    document = __import__("graphql").parse(
        'query { a: frameworks { totalCount } ...F } fragment F on Query { crosswalkExport(from: "gdpr", '
        'to: ["iso27002-2022"], format: "csv") { __typename } }')
    assert cache_key(document, None, None, None) is None
    store = ResponseStore(max_bytes=1000, max_entry_bytes=100)
    assert not store.put("big", 0, b"x" * 101)
    assert store.put("small", 0, b"x" * 100)
    assert store.get("small", 1) is None  # a write since: never served
    assert store.bytes_held == 0


def test_hostile_inputs_never_reach_the_shared_graph_through_a_refused_commit(
        frameworks_store: EmbeddedStore) -> None:
    before = snapshot(frameworks_store)
    hostile = [ox.Triple(ox.NamedNode(EVIL + "s"), ox.NamedNode(EVIL + "p"),
                         ox.Literal("z" * (MAX_LITERAL_CHARS + 5)))]
    with pytest.raises(ControlGraphError):
        commit_dataset(frameworks_store, IMPORT_GRAPH + "evil", hostile, label="evil")
    assert snapshot(frameworks_store) == before


def test_a_date_that_is_none_is_bad_yaml_not_a_crash(context: GraphContext, tmp_path: Path) -> None:
    """Found by bench/fuzz_importers.py: YAML reads 2024-13-01 as a date and fails building it."""
    path = tmp_path / "date.sssom.tsv"
    path.write_text(SSSOM_SEED.replace("# publication_date: 2024-01-01", "# publication_date: 2024-13-01"))
    with pytest.raises(InputError, match=r"month must be in 1\.\.12"):
        read_file("sssom", path, context)
