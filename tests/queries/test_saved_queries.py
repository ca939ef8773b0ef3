"""Every saved query runs on the built graph and gives a known answer, checked against plain Python over the quads."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest

from cli_import import CliImport
from controlgraph.errors import InputError, NotFound
from controlgraph.service.saved_queries import (
    bind_params,
    bound_text,
    inline_params,
    known_frameworks,
    load_saved_queries,
    parse_saved_query,
    run_saved_query,
    shipped_queries,
)
from controlgraph.service.sparql_access import Rows
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.remote import bind_with_values
from controlgraph.vocabulary import CG, FRAMEWORK, GRAPH, INFERRED_GRAPH, RELATION_IRIS, SKOS, control_iri

SETTINGS = Settings.from_env({}, store="memory", sparql_timeout=60.0)
SUB, OBJ, REL, IN_SET = CG + "mappingSubject", CG + "mappingObject", CG + "relation", CG + "inMappingSet"
INVERSE = {"subsetOf": "supersetOf", "supersetOf": "subsetOf"}
RELATIONS = RELATION_IRIS


@dataclass
class Graph:
    """The built graph as plain Python structures, read from the quads without SPARQL."""

    scheme: dict[str, str] = field(default_factory=dict)
    kind: dict[str, str] = field(default_factory=dict)
    notation: dict[str, str] = field(default_factory=dict)
    broader: dict[str, str] = field(default_factory=dict)
    responsibility: dict[str, str] = field(default_factory=dict)
    parties: list[tuple[str, str, str]] = field(default_factory=list)  # (control, service model or "any", party)
    mappings: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    sets: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    inferred: list[tuple[str, str, str]] = field(default_factory=list)
    supersedes: list[tuple[str, str]] = field(default_factory=list)

    def inferred_reads(self) -> list[tuple[str, str, str]]:
        """(item, relation, other) for both ends of every inferred relation."""
        out = []
        for a, p, b in self.inferred:
            rel = p.rsplit("#", 1)[1]
            out += [(a, rel, b), (b, INVERSE.get(rel, rel), a)]
        return out

    def reads(self) -> list[tuple[str, str, str, str]]:
        """(item, relation read from its side, other, mapping) for both ends of every mapping."""
        out = []
        for m, props in self.mappings.items():
            rel = props["rel"].rsplit("#", 1)[1]
            out.append((props["s"], rel, props["o"], m))
            out.append((props["o"], INVERSE.get(rel, rel), props["s"], m))
        return out


@pytest.fixture(scope="module")
def graph(built_store: EmbeddedStore) -> Graph:
    return read_graph(built_store)


def read_graph(store: EmbeddedStore) -> Graph:
    g = Graph()
    for name in store.graph_names():
        for t in store.graph_triples(name):
            s, p, o = t.subject.value, t.predicate.value, t.object.value
            if name == INFERRED_GRAPH:
                if p in RELATIONS:
                    g.inferred.append((s, p, o))
                continue
            if name in (GRAPH + "candidates", GRAPH + "conflicts"):
                continue  # the composition engine's candidate links and conflict reports are not mappings
            if p == SKOS + "inScheme":
                g.scheme[s] = o
            elif p == CG + "kind":
                g.kind[s] = o
            elif p == SKOS + "notation":
                g.notation[s] = o
            elif p == SKOS + "broader":
                g.broader[s] = o
            elif p == CG + "responsibility":
                g.responsibility[s] = o
            elif p.startswith(CG + "responsibleParty"):
                g.parties.append((s, p.removeprefix(CG + "responsibleParty") or "any", o.removeprefix(CG)))
            elif p in (SUB, OBJ, REL, IN_SET):
                g.mappings[s][{SUB: "s", OBJ: "o", REL: "rel", IN_SET: "set"}[p]] = o
            elif p in ("http://purl.org/dc/terms/publisher", CG + "authority"):
                g.sets[s][p] = o
            elif p == CG + "supersedes":
                g.supersedes.append((s, o))
    # Cover-set statements (cg:CoverSet) sit in mapping sets too but are not mappings: keep only mappings.
    for node in [m for m, props in g.mappings.items() if "rel" not in props]:
        del g.mappings[node]
    return g


def run(store: EmbeddedStore, name: str, **params: str) -> Rows:
    result = run_saved_query(store, SETTINGS, shipped_queries(SETTINGS), name, params)
    assert isinstance(result, tuple)
    return result


def records(result: Rows) -> list[dict[str, str]]:
    header, rows = result
    return [dict(zip(header, row, strict=True)) for row in rows]


def fw(slug: str) -> str:
    return FRAMEWORK + slug


def test_there_are_at_least_twelve_documented_queries() -> None:
    queries = shipped_queries(SETTINGS)
    assert len(queries) >= 12
    for q in queries.values():
        assert q.title and q.description, q.name


@pytest.mark.parametrize("name", sorted(shipped_queries(SETTINGS)))
def test_every_saved_query_runs_and_binds_the_same_with_values(built_store: EmbeddedStore, name: str) -> None:
    """Substitutions (embedded) and the VALUES clause a remote store sends give the same answer."""
    query = shipped_queries(SETTINGS)[name]
    bound = bind_params(query, {}, known_frameworks(built_store))
    by_substitution = built_store.query(query.sparql, substitutions=bound)
    by_values = built_store.query(bind_with_values(query.sparql, bound))
    assert isinstance(by_substitution, ox.QuerySolutions) and isinstance(by_values, ox.QuerySolutions)
    first = sorted(str(list(s)) for s in by_substitution)
    assert first == sorted(str(list(s)) for s in by_values)
    # What the endpoint runs: $name written as the bound term (queries/README.md) gives the same rows.
    text, substitutions = bound_text(query, bound)
    as_run = built_store.query(text, substitutions=substitutions)
    assert isinstance(as_run, ox.QuerySolutions)
    assert first == sorted(str(list(s)) for s in as_run)


def test_dollar_parameters_become_constants_only_outside_strings_iris_and_comments() -> None:
    bound = {"new": ox.NamedNode(FRAMEWORK + "iso27002-2022"), "kind": ox.Literal('say "hi"')}
    text = ('SELECT ?new WHERE { ?x ?p $new ; ?q $kind . ?y ?r ?new . FILTER(?l != "$new" && ?l != \'$new\')\n'
            '  ?z <http://example.org/$new> $other . # $new in a comment\n'
            '  FILTER(?l != """a "$new" b""") }')
    assert inline_params(text, bound) == (
        f'SELECT ?new WHERE {{ ?x ?p <{FRAMEWORK}iso27002-2022> ; ?q "say \\"hi\\"" . ?y ?r ?new . '
        'FILTER(?l != "$new" && ?l != \'$new\')\n'
        '  ?z <http://example.org/$new> $other . # $new in a comment\n'
        '  FILTER(?l != """a "$new" b""") }')


def test_satisfiers_of_a_csf_subcategory(built_store: EmbeddedStore) -> None:
    rows = records(run(built_store, "satisfiers", control="nist-csf-2.0:PR.AA-01"))
    found = {(r["framework"], r["notation"]): r for r in rows}
    for notation in ("A.5.15", "A.5.18", "A.8.2", "A.8.5"):
        row = found[("iso27001-2022", notation)]
        assert (row["relation"], row["coverage"], row["authority"]) == ("intersects-with", "partial", "ThirdParty")


def test_crosswalk_matches_the_mappings_between_the_two_frameworks(built_store: EmbeddedStore, graph: Graph) -> None:
    rows = records(run(built_store, "crosswalk", framework="nist-csf-2.0", other="iso27001-2022"))
    expected = Counter(
        (graph.notation[a], rel, graph.notation[b]) for a, rel, b, _ in graph.reads()
        if graph.scheme.get(a) == fw("nist-csf-2.0") and graph.scheme.get(b) == fw("iso27001-2022")
    )
    got = Counter((r["notation"], r["relation"], r["targetNotation"]) for r in rows)
    names = {"intersectsWith": "intersects-with", "subsetOf": "subset-of", "supersetOf": "superset-of",
             "equal": "equal", "notRelated": "not-related"}
    assert got == Counter({(a, names[rel], b): n for (a, rel, b), n in expected.items()})
    assert len(rows) == 410


@pytest.mark.parametrize(("slug", "kind"), [("iso27002-2022", "control"), ("gdpr", "article"), ("gdpr", "point")])
def test_unmapped_items(built_store: EmbeddedStore, graph: Graph, slug: str, kind: str) -> None:
    mentioned = {m["s"] for m in graph.mappings.values()} | {m["o"] for m in graph.mappings.values()}
    expected = {i for i, s in graph.scheme.items() if s == fw(slug) and graph.kind.get(i) == kind} - mentioned
    rows = records(run(built_store, "unmapped-items", framework=slug, kind=kind))
    assert {r["item"] for r in rows} == expected


def test_no_conflicts_in_the_shipped_data_and_an_injected_one_is_found(
    built_store: EmbeddedStore, graph: Graph
) -> None:
    assert records(run(built_store, "conflicting-mappings")) == []
    # Add one mapping contradicting a shipped "5.1.1 subset-of 5.1" and one saying 5.1.1 is unrelated to 5.1.
    copy = EmbeddedStore(None)
    copy.replace_everything({name: built_store.graph_triples(name) for name in built_store.graph_names()})
    old, new = control_iri("iso27002-2013", "5.1.1"), control_iri("iso27002-2022", "5.1")

    def mapping(node: str, subject: str, obj: str, rel: str) -> list[ox.Triple]:
        m = ox.NamedNode(node)
        return [ox.Triple(m, ox.NamedNode(SUB), ox.NamedNode(subject)),
                ox.Triple(m, ox.NamedNode(OBJ), ox.NamedNode(obj)),
                ox.Triple(m, ox.NamedNode(REL), ox.NamedNode(CG + rel)),
                ox.Triple(m, ox.NamedNode(IN_SET), ox.NamedNode("http://example.org/set"))]

    copy.replace_graphs({"http://example.org/g": mapping("http://example.org/m1", new, old, "subsetOf")
                         + mapping("http://example.org/m2", old, new, "notRelated")})
    rows = records(run(copy, "conflicting-mappings"))
    assert {r["conflict"] for r in rows} == {"overlap vs not-related", "opposite proper containment"}
    assert {(r["aNotation"], r["bNotation"]) for r in rows} == {("5.1.1", "5.1")}


@pytest.mark.parametrize(("target", "by", "kind"), [("nist-csf-2.0", "iso27001-2022", "subcategory"),
                                                     ("iso27002-2013", "iso27002-2022", "control"),
                                                     ("gdpr", "iso27002-2022", "article")])
def test_coverage_counts(built_store: EmbeddedStore, graph: Graph, target: str, by: str, kind: str) -> None:
    reads = [(a, rel, b) for a, rel, b, _ in graph.reads()]
    reads += graph.inferred_reads()
    status: dict[str, str] = {i: "none" for i, s in graph.scheme.items()
                              if s == fw(target) and graph.kind.get(i) == kind}
    for a, rel, b in reads:
        if a in status and graph.scheme.get(b) == fw(by):
            if rel in ("equal", "subsetOf"):
                status[a] = "full"
            elif rel in ("supersetOf", "intersectsWith") and status[a] == "none":
                status[a] = "partial"
    got = {r["status"]: int(r["items"]) for r in records(run(built_store, "coverage-by-framework",
                                                             target=target, by=by, kind=kind))}
    assert got == dict(Counter(status.values()))


def test_mappings_by_publisher_and_authority(built_store: EmbeddedStore, graph: Graph) -> None:
    expected: Counter[tuple[str, str]] = Counter()
    for m in graph.mappings.values():
        props = graph.sets[m["set"]]
        expected[(props[CG + "authority"].rsplit("#", 1)[1], props["http://purl.org/dc/terms/publisher"])] += 1
    rows = records(run(built_store, "mappings-by-publisher"))
    got = {(r["authority"], r["publisher"]): int(r["mappings"]) for r in rows}
    assert got == dict(expected)


def test_inferred_relations(built_store: EmbeddedStore, graph: Graph) -> None:
    expected = {(a, b) for a, p, b in graph.inferred if graph.scheme.get(a) == fw("iso27017-2015")}
    rows = records(run(built_store, "inferred-relations", framework="iso27017-2015"))
    assert {(r["a"], r["b"]) for r in rows} == expected and expected


def test_gdpr_articles_without_a_technical_control(built_store: EmbeddedStore, graph: Graph) -> None:
    def article_of(item: str) -> str | None:
        while item and graph.kind.get(item) not in ("article", None):
            item = graph.broader.get(item, "")
        return item if graph.kind.get(item) == "article" else None

    covered = {article_of(a) for a, rel, b, _ in graph.reads()
               if graph.scheme.get(a) == fw("gdpr") and graph.scheme.get(b) != fw("gdpr") and rel != "notRelated"}
    articles = {i for i, s in graph.scheme.items() if s == fw("gdpr") and graph.kind[i] == "article"}
    rows = records(run(built_store, "gdpr-without-technical-control"))
    assert {r["article"] for r in rows} == articles - covered
    assert "Art.32" not in {r["notation"] for r in rows}


@pytest.fixture(scope="module")
def with_ccm(ccm_cli_import: CliImport) -> EmbeddedStore:
    """The built graph with the user's CCM bundle imported (ownership is not shipped: CSA licence): the
    run's shared import (tests/conftest.py), read into memory."""
    assert ccm_cli_import.returncode == 0, ccm_cli_import.stderr
    source = EmbeddedStore(ccm_cli_import.store, read_only=True)
    store = source.copy()
    source.close()
    return store


def test_shipped_graph_has_no_ccm_ownership(built_store: EmbeddedStore) -> None:
    assert records(run(built_store, "ccm-by-responsibility", model="SaaS", owner="CSP-Owned")) == []


PARTY = {"CSC-Owned": "CloudServiceCustomer", "CSP-Owned": "CloudServiceProvider", "Shared": "SharedResponsibility"}


@pytest.mark.parametrize(("model", "owner"), [("SaaS", "CSP-Owned"), ("SaaS", "CSC-Owned"), ("IaaS", "Shared")])
def test_ccm_controls_by_owner(with_ccm: EmbeddedStore, reference_dir: Path, model: str, owner: str) -> None:
    import json

    ownership = json.loads((reference_dir / "csa-ccm-4.0.12/json-dataset/CCM/applicability/ownership.json")
                           .read_text(encoding="utf-8"))
    expected = {control_iri("csa-ccm-4", e["control_id"]) for block in ownership["content"] if block["title"] == model
                for e in block["content"] if e["value"] == owner}
    rows = records(run(with_ccm, "ccm-by-responsibility", model=model, owner=owner))
    assert {r["control"] for r in rows} == expected and expected


@pytest.mark.parametrize("party", ["customer", "provider", "shared"])
def test_controls_by_responsible_party(built_store: EmbeddedStore, graph: Graph, party: str) -> None:
    iri = {"customer": "CloudServiceCustomer", "provider": "CloudServiceProvider", "shared": "SharedResponsibility"}
    expected = {(c, "any") for c, model, p in graph.parties if p == iri[party]}
    rows = records(run(built_store, "by-responsibility", party=party))
    assert {(r["control"], r["serviceModel"]) for r in rows} == expected and expected
    assert {r["framework"] for r in rows} == {"iso27017-2015"}


def test_one_query_spans_27017_and_ccm(with_ccm: EmbeddedStore) -> None:
    rows = records(run(with_ccm, "by-responsibility", party="CSC-Owned"))
    frameworks = {r["framework"] for r in rows}
    assert frameworks == {"iso27017-2015", "csa-ccm-4"}
    assert {r["serviceModel"] for r in rows if r["framework"] == "csa-ccm-4"} <= {"IaaS", "PaaS", "SaaS"}
    assert ("9.1.2", "any") in {(r["notation"], r["serviceModel"]) for r in rows if r["framework"] == "iso27017-2015"}


def test_the_seven_cld_controls_and_their_mappings(built_store: EmbeddedStore, reference_dir: Path) -> None:
    import csv

    with open(reference_dir / "iso-outline" / "iso27017-2015_cld_controls.csv", encoding="utf-8") as fh:
        reference = {row[next(iter(row))] for row in csv.DictReader(fh)}
    rows = records(run(built_store, "cld-controls"))
    listed = {r["notation"] for r in rows}
    assert len(listed) == 7 and listed <= reference
    responsibility = {r["notation"]: r["responsibility"] for r in rows}
    assert responsibility["CLD.9.5.1"] == "provider" and responsibility["CLD.6.3.1"] == "shared"
    assert any(r["targetFramework"] == "iso27002-2022" for r in rows)


def test_edition_changes(built_store: EmbeddedStore) -> None:
    iso = records(run(built_store, "edition-changes"))
    assert ("5.1.1", "subset-of", "5.1", "iso27002-2013--iso27002-2022") in {
        (r["notation"], r["relation"], r["successorNotation"], r["mappingSet"]) for r in iso}
    csf = records(run(built_store, "edition-changes", old="nist-csf-1.1", new="nist-csf-2.0"))
    pairs = {(r["notation"], r["relation"], r["successorNotation"]) for r in csf}
    assert ("ID.BE-2", "intersects-with", "GV.OC-01") in pairs


@pytest.mark.parametrize(("old", "new", "kind"), [("iso27002-2013", "iso27002-2022", "control"),
                                                  ("nist-csf-1.1", "nist-csf-2.0", "subcategory"),
                                                  ("nist-csf-1.1", "nist-csf-2.0", "category")])
def test_items_without_successor(built_store: EmbeddedStore, graph: Graph, old: str, new: str, kind: str) -> None:
    check_items_without_successor(built_store, graph, old, new, kind)


def check_items_without_successor(store: EmbeddedStore, graph: Graph, old: str, new: str, kind: str) -> set[str]:
    reads = [(a, rel, b) for a, rel, b, _ in graph.reads()]
    reads += graph.inferred_reads()
    with_successor = {a for a, rel, b in reads if graph.scheme.get(b) == fw(new) and rel != "notRelated"}
    expected = {i for i, s in graph.scheme.items() if s == fw(old) and graph.kind[i] == kind} - with_successor
    rows = records(run(store, "without-successor", old=old, new=new, kind=kind))
    assert {r["item"] for r in rows} == expected
    return expected


@pytest.fixture(scope="module")
def without_transitions(built_store: EmbeddedStore) -> EmbeddedStore:
    """The built graph without the two edition-transition sets: items of the older editions lose their successors,
    so stale-mappings and without-successor have rows to get right (none on the shipped graph)."""
    dropped = {GRAPH + "iso27002-2013--iso27002-2022", GRAPH + "nist-csf-1.1--nist-csf-2.0"}
    assert dropped <= set(built_store.graph_names())
    copy = EmbeddedStore(None)
    copy.replace_everything({name: built_store.graph_triples(name) for name in built_store.graph_names()
                             if name not in dropped})
    return copy


@pytest.mark.parametrize(("old", "new", "kind"), [("iso27002-2013", "iso27002-2022", "control"),
                                                  ("nist-csf-1.1", "nist-csf-2.0", "subcategory")])
def test_items_without_successor_once_the_transition_sets_are_gone(
        without_transitions: EmbeddedStore, old: str, new: str, kind: str) -> None:
    assert check_items_without_successor(without_transitions, read_graph(without_transitions), old, new, kind)


def test_stale_mappings_once_the_transition_sets_are_gone(without_transitions: EmbeddedStore) -> None:
    rows = check_stale_mappings(without_transitions, read_graph(without_transitions))
    assert len(rows) > 100


def test_stale_mappings(built_store: EmbeddedStore, graph: Graph) -> None:
    check_stale_mappings(built_store, graph)


def check_stale_mappings(store: EmbeddedStore, graph: Graph) -> list[dict[str, str]]:
    reads = graph.reads()
    expected = set()
    for new_fw, old_fw in graph.supersedes:
        inferred = graph.inferred_reads()
        has_successor = {a for a, rel, b in [(a, rel, b) for a, rel, b, _ in reads] + inferred
                         if graph.scheme.get(b) == new_fw and rel != "notRelated"}
        for a, _, b, m in reads:
            if graph.scheme.get(a) == old_fw and a not in has_successor and graph.scheme.get(b) not in (new_fw, None):
                expected.add((a, m))
    rows = records(run(store, "stale-mappings"))
    assert {(r["oldItem"], r["mapping"]) for r in rows} == expected
    return rows


def test_parameters_are_checked(built_store: EmbeddedStore) -> None:
    queries = shipped_queries(SETTINGS)
    with pytest.raises(NotFound, match="no saved query"):
        run_saved_query(built_store, SETTINGS, queries, "../etc/passwd", {})
    with pytest.raises(InputError, match="unknown framework 'nist-csf-9'"):
        run(built_store, "crosswalk", framework="nist-csf-9")
    with pytest.raises(InputError, match="unknown parameter 'colour'"):
        run(built_store, "satisfiers", colour="red")
    with pytest.raises(InputError, match="cannot read control reference"):
        run(built_store, "satisfiers", control="PR.AA-01")
    # A hostile string is a value, never query text.
    assert records(run(built_store, "ccm-by-responsibility", model='SaaS") } ; DROP ALL ; #', owner="x")) == []


def test_header_syntax_errors_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad-query.rq"
    bad.write_text("# title: x\n# param: n number = 3\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad-query.rq:2: unknown parameter type 'number'"):
        parse_saved_query(bad)
    (tmp_path / "bad-query.rq").write_text("SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(InputError, match="no '# title:' line"):
        load_saved_queries(tmp_path)


def test_the_bind_header_chooses_how_parameters_are_bound(tmp_path: Path, built_store: EmbeddedStore) -> None:
    text = ("# title: t\n# param: control control = nist-csf-2.0:PR.AA-01\n"
            "{bind}SELECT ?control ?m WHERE {{ ?m <{p}> ?control }}\n")
    (tmp_path / "by-values.rq").write_text(text.format(bind="", p=OBJ), encoding="utf-8")
    (tmp_path / "by-substitution.rq").write_text(text.format(bind="# bind: substitution\n", p=OBJ), encoding="utf-8")
    queries = load_saved_queries(tmp_path)
    bound = bind_params(queries["by-values"], {}, known_frameworks(built_store))
    values_text, values_subs = bound_text(queries["by-values"], bound)
    assert values_subs == {} and "VALUES (?control) { (<" in values_text
    subs_text, subs = bound_text(queries["by-substitution"], bound)
    assert subs_text == queries["by-substitution"].sparql and subs == bound
    assert run_saved_query(built_store, SETTINGS, queries, "by-values", {}) == run_saved_query(
        built_store, SETTINGS, queries, "by-substitution", {})
    (tmp_path / "bad.rq").write_text("# title: x\n# bind: splice\nSELECT * {}\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown bind mode 'splice'"):
        parse_saved_query(tmp_path / "bad.rq")
