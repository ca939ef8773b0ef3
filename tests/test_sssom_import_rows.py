"""Importing hand-written SSSOM/TSV files: what each row becomes, and clear refusals of bad files."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from controlgraph.errors import ImportRejected, InputError
from controlgraph.pipeline.imports import ImportedDataset
from controlgraph.sssom_tsv import import_sssom, read_sssom, write_sssom
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import (
    CG,
    CONTROL,
    DCTERMS,
    OWL,
    PROV,
    RDFS,
    SEMAPV,
    SSSOM,
    Authority,
    Rationale,
    Relation,
    control_iri,
    mapping_iri,
)

HEADER = """\
# curie_map:
#   gdpr: https://w3id.org/controlgraph/id/control/gdpr/
#   iso27002-2022: https://w3id.org/controlgraph/id/control/iso27002-2022/
#   csa-ccm-4: https://w3id.org/controlgraph/id/control/csa-ccm-4/
#   nist: https://w3id.org/controlgraph/id/control/nist-csf-2.0/
#   cg: https://w3id.org/controlgraph/ontology#
#   orcid: https://orcid.org/
# mapping_set_id: https://example.org/sssom/acme-gdpr.sssom.tsv
# mapping_set_title: ACME privacy mappings
# mapping_set_version: "2026.1"
# publication_date: 2026-01-15
# license: https://creativecommons.org/publicdomain/zero/1.0/
# creator_label:
#   - ACME GRC team
# extension_definitions:
#   - slot_name: nist_relation
#     property: cg:relation
#     type_hint: linkml:Uriorcurie
#   - slot_name: strength
#     property: cg:strength
#     type_hint: xsd:integer
#   - slot_name: rationale
#     property: cg:rationale
"""
COLUMNS = ["subject_id", "predicate_id", "predicate_modifier", "object_id", "mapping_justification", "confidence",
           "comment", "nist_relation", "strength", "rationale", "author_id", "mapping_date"]
ROWS = [
    # broadMatch read as subset-of; percent-encoded and raw local parts alike
    ["gdpr:Art.32%281%29%28a%29", "skos:broadMatch", "", "iso27002-2022:8.24", "semapv:ManualMappingCuration",
     "0.9", "Encryption of personal data is one use of cryptography.", "", "7", "functional",
     "orcid:0000-0002-1825-0097", "2026-01-10"],
    # the IR 8477 slot overrides the SKOS predicate
    ["gdpr:Art.32(1)(b)", "skos:relatedMatch", "", "iso27002-2022:5.15", "semapv:ManualMappingCuration",
     "", "", "superset-of", "", "", "", ""],
    # a cg: relation as predicate; full IRIs as subject
    [f"{CONTROL}csa-ccm-4/A&A-01", "cg:equal", "", "nist:PR.DS-01", "semapv:LexicalMatching", "0.5", "", "", "",
     "cg:Syntactic", "", ""],
    # the SSSOM negation of relatedMatch: not related
    ["csa-ccm-4:CEK-03", "skos:relatedMatch", "Not", "iso27002-2022:8.13", "semapv:ManualMappingCuration",
     "", "", "", "0", "", "", ""],
]


def sssom_file(folder: Path, rows: list[list[str]], *, header: str = HEADER, columns: list[str] = COLUMNS,
               name: str = "acme.sssom.tsv") -> Path:
    path = folder / name
    lines = [header.rstrip("\n"), "\t".join(columns), *("\t".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def acme(built_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> tuple[EmbeddedStore, ImportedDataset]:
    """A private copy of the shipped graph with the ACME file imported once (each commit validates the graph)."""
    store = built_store.copy()
    dataset, outcome = import_sssom(store, sssom_file(tmp_path_factory.mktemp("acme"), ROWS))
    assert outcome.changed
    return store, dataset


@pytest.fixture()
def store(acme: tuple[EmbeddedStore, ImportedDataset]) -> EmbeddedStore:
    return acme[0]


def snapshot(store: EmbeddedStore) -> str:
    return store.fingerprint()


def node(store: EmbeddedStore, iri: str) -> dict[str, set[str]]:
    """What the graph says about a node: property IRI -> values (IRIs and lexical forms)."""
    found: dict[str, set[str]] = {}
    for row in store.query("SELECT ?n ?p ?o WHERE { ?n ?p ?o }", substitutions={"n": ox.NamedNode(iri)}):  # type: ignore[union-attr]
        found.setdefault(row["p"].value, set()).add(row["o"].value)
    return found


def test_each_row_becomes_the_mapping_it_says(acme: tuple[EmbeddedStore, ImportedDataset]) -> None:
    store, dataset = acme
    assert dataset.counts == {"rows": 4, "mappings": 4, "rejected": 0}
    assert dataset.name == "sssom-example.org-sssom-acme-gdpr.sssom.tsv"
    assert dataset.graph.endswith("/graph/import/" + dataset.name)
    set_iri = dataset.triples[0].subject.value
    manual = {SEMAPV + "ManualMappingCuration"}

    def mapping(subject: tuple[str, str], obj: tuple[str, str]) -> dict[str, set[str]]:
        return node(store, mapping_iri(dataset.name, control_iri(*subject), control_iri(*obj)))

    first = mapping(("gdpr", "Art.32(1)(a)"), ("iso27002-2022", "8.24"))
    assert first[CG + "relation"] == {Relation.SUBSET_OF.iri}  # skos:broadMatch
    assert first[CG + "rationale"] == {Rationale.FUNCTIONAL.iri}
    assert first[CG + "strength"] == {"7"}
    assert first[SSSOM + "confidence"] == {"0.9"}
    assert first[SSSOM + "mapping_justification"] == manual
    assert first[RDFS + "comment"] == {"Encryption of personal data is one use of cryptography."}
    assert first["http://purl.org/pav/authoredBy"] == {"https://orcid.org/0000-0002-1825-0097"}
    assert first[DCTERMS + "created"] == {"2026-01-10"}
    assert first[CG + "inMappingSet"] == {set_iri}
    assert CG + "relationSource" not in first

    second = mapping(("gdpr", "Art.32(1)(b)"), ("iso27002-2022", "5.15"))
    assert second[CG + "relation"] == {Relation.SUPERSET_OF.iri}  # the IR 8477 slot beats skos:relatedMatch
    assert second[CG + "rationale"] == {Rationale.SEMANTIC.iri}  # the default
    assert {CG + "strength", SSSOM + "confidence", RDFS + "comment"}.isdisjoint(second)

    third = mapping(("csa-ccm-4", "A&A-01"), ("nist-csf-2.0", "PR.DS-01"))
    assert third[CG + "relation"] == {Relation.EQUAL.iri}
    assert third[CG + "rationale"] == {Rationale.SYNTACTIC.iri}
    assert third[SSSOM + "mapping_justification"] == {SEMAPV + "LexicalMatching"}

    fourth = mapping(("csa-ccm-4", "CEK-03"), ("iso27002-2022", "8.13"))
    assert fourth[CG + "relation"] == {Relation.NOT_RELATED.iri}  # Not skos:relatedMatch
    assert fourth[CG + "strength"] == {"0"}

    provenance = node(store, set_iri)
    assert provenance[CG + "authority"] == {Authority.USER.iri}
    assert provenance[DCTERMS + "title"] == {"ACME privacy mappings"}
    assert provenance[DCTERMS + "publisher"] == {"ACME GRC team"}
    assert provenance[DCTERMS + "issued"] == {"2026-01-15"}
    assert provenance[OWL + "versionInfo"] == {"2026.1"}
    assert provenance[DCTERMS + "license"] == {"https://creativecommons.org/publicdomain/zero/1.0/"}
    assert provenance[DCTERMS + "source"] == {"https://example.org/sssom/acme-gdpr.sssom.tsv"}
    assert provenance[PROV + "wasDerivedFrom"] == {"https://example.org/sssom/acme-gdpr.sssom.tsv"}
    assert provenance[SSSOM + "mapping_justification"] == manual  # what most rows say
    assert CG + "subjectFramework" not in provenance  # subjects span gdpr and csa-ccm-4
    # the bare relation triple is materialised beside the node, for satisfiers and reasoning
    assert bool(store.query(f"ASK {{ <{control_iri('gdpr', 'Art.32(1)(a)')}> <{Relation.SUBSET_OF.iri}> "
                            f"<{control_iri('iso27002-2022', '8.24')}> }}"))


def test_the_imported_set_exports_with_its_author_and_date(
    acme: tuple[EmbeddedStore, ImportedDataset], tmp_path: Path
) -> None:
    store, dataset = acme
    text = write_sssom(store, dataset.name)
    assert "#   orcid: https://orcid.org/\n" in text
    assert "orcid:0000-0002-1825-0097\t2026-01-10" in text
    again = tmp_path / "again.sssom.tsv"
    again.write_text(text, encoding="utf-8")
    assert {str(t) for t in read_sssom(again).triples} == {str(t) for t in dataset.triples}


def test_importing_twice_changes_nothing(store: EmbeddedStore, tmp_path: Path) -> None:
    path = sssom_file(tmp_path, ROWS)
    before = snapshot(store)
    _, outcome = import_sssom(store, path)
    assert not outcome.changed
    assert snapshot(store) == before


def _refused(store: EmbeddedStore, path: Path, error: type[Exception]) -> str:
    before = snapshot(store)
    with pytest.raises(error) as caught:
        import_sssom(store, path)
    assert snapshot(store) == before, "a refused import changed the store"
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_bad_yaml_header_is_refused_with_its_line(store: EmbeddedStore, tmp_path: Path) -> None:
    header = HEADER.replace("# mapping_set_title: ACME privacy mappings", "# mapping_set_title: [ACME privacy")
    message = _refused(store, sssom_file(tmp_path, ROWS, header=header), InputError)
    assert "acme.sssom.tsv:" in message and "not valid YAML" in message


def test_yaml_with_python_tags_is_refused(store: EmbeddedStore, tmp_path: Path) -> None:
    header = HEADER.replace("# mapping_set_title: ACME privacy mappings",
                            "# mapping_set_title: !!python/object/apply:os.system ['true']")
    message = _refused(store, sssom_file(tmp_path, ROWS, header=header), InputError)
    assert "not valid YAML" in message


def test_missing_required_column_is_refused(store: EmbeddedStore, tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c != "mapping_justification"]
    rows = [[v for c, v in zip(COLUMNS, r, strict=True) if c != "mapping_justification"] for r in ROWS]
    message = _refused(store, sssom_file(tmp_path, rows, columns=columns), InputError)
    assert "acme.sssom.tsv:24:" in message  # the header line of the table
    assert "mapping_justification" in message


def test_missing_licence_is_refused(store: EmbeddedStore, tmp_path: Path) -> None:
    header = HEADER.replace("# license: https://creativecommons.org/publicdomain/zero/1.0/\n", "")
    assert "no license" in _refused(store, sssom_file(tmp_path, ROWS, header=header), InputError)


@pytest.mark.parametrize(
    ("row_change", "reason"),
    [
        ({"subject_id": "gdpr:Art.999"}, "subject_id 'gdpr:Art.999' is not a control in the graph"),
        ({"object_id": "mesh:D001"}, "object_id 'mesh:D001' has a prefix that curie_map does not declare"),
        ({"object_id": "orcid:0000-0002-1825-0097"}, "is not a controlgraph control"),
        ({"predicate_id": "owl:sameAs"}, "predicate_id 'owl:sameAs' is not one of"),
        ({"nist_relation": "overlaps"}, "nist_relation: unknown relation 'overlaps'"),
        ({"predicate_id": "skos:exactMatch", "predicate_modifier": "Not"}, "leaves the relation open"),
        ({"strength": "11"}, "strength 11 is outside 0-10"),
        ({"strength": "high"}, "strength 'high' is not an integer"),
        ({"confidence": "1.5"}, "confidence 1.5 is outside 0-1"),
        ({"rationale": "gut-feeling"}, "rationale 'gut-feeling' is not one of"),
        ({"mapping_justification": "skos:exactMatch"}, "is not a semapv term"),
        ({"object_id": "gdpr:Art.32(1)(a)", "subject_id": "gdpr:Art.32(1)(a)"}, "the same control"),
    ],
)
def test_a_bad_row_is_refused_naming_its_line(
    store: EmbeddedStore, tmp_path: Path, row_change: dict[str, str], reason: str
) -> None:
    rows = [list(r) for r in ROWS]
    for column, value in row_change.items():
        rows[2][COLUMNS.index(column)] = value
    message = _refused(store, sssom_file(tmp_path, rows), ImportRejected)
    assert message.startswith(f"{tmp_path / 'acme.sssom.tsv'}:27: ")  # 23 metadata lines, header, third row
    assert reason in message
    assert message.endswith("nothing was imported")


def test_a_pair_given_twice_is_refused(store: EmbeddedStore, tmp_path: Path) -> None:
    message = _refused(store, sssom_file(tmp_path, [*ROWS, ROWS[0]]), ImportRejected)
    assert ":29: this pair is already mapped on line 25" in message


def test_keep_going_imports_the_good_rows_and_reports_the_rest(store: EmbeddedStore, tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][COLUMNS.index("strength")] = "11"
    header = HEADER.replace("acme-gdpr.sssom.tsv", "acme-partial.sssom.tsv")  # a set of its own
    dataset, _ = import_sssom(store, sssom_file(tmp_path, rows, header=header), keep_going=True)
    assert dataset.counts == {"rows": 4, "mappings": 3, "rejected": 1}
    (issue,) = dataset.issues
    assert issue.source.endswith("acme.sssom.tsv#26") and "strength 11" in issue.reason


def test_reader_without_the_graph_leaves_unknown_controls_to_shacl(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][0] = "gdpr:Art.999"
    dataset = read_sssom(sssom_file(tmp_path, rows))
    assert dataset.issues == []
    subjects = {t.object.value for t in dataset.triples if t.predicate == ox.NamedNode(CG + "mappingSubject")}
    assert control_iri("gdpr", "Art.999") in subjects


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("# mapping_set_id: https://example.org/sssom/acme-gdpr.sssom.tsv\n", "", "no mapping_set_id"),
        ("# publication_date: 2026-01-15", "# publication_date: soon", "publication_date as YYYY-MM-DD"),
        ("# creator_label:", "# authority: supreme\n# creator_label:", "authority 'supreme' is not one of"),
        ("# curie_map:\n", "# curie_map: 7\n# unused:\n", "curie_map must map prefixes to IRIs"),
    ],
)
def test_unusable_metadata_is_refused(store: EmbeddedStore, tmp_path: Path, old: str, new: str, reason: str) -> None:
    assert old in HEADER
    message = _refused(store, sssom_file(tmp_path, ROWS, header=HEADER.replace(old, new)), InputError)
    assert message.startswith(str(tmp_path / "acme.sssom.tsv")) and reason in message


def test_optional_metadata_is_filled_in_and_reported(tmp_path: Path) -> None:
    """SSSOM requires mapping_set_id and license only: no creator and no date are filled in, not refused."""
    header = HEADER.replace("#   - ACME GRC team\n", "#   []\n").replace("# publication_date: 2026-01-15\n", "")
    path = sssom_file(tmp_path, ROWS, header=header)
    dataset = read_sssom(path)
    notes = [i.reason for i in dataset.issues if i.action == "repaired"]
    assert any("publisher recorded as 'not stated (acme.sssom.tsv)'" in n for n in notes)
    assert any("no publication_date" in n for n in notes)
    assert dataset.counts["mappings"] == len(ROWS)
    publishers = {t.object.value for t in dataset.triples if t.predicate.value == "http://purl.org/dc/terms/publisher"}
    assert publishers == {"not stated (acme.sssom.tsv)"}


def test_close_and_related_matches_are_overlaps_never_stated_relations(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS[:2]]
    for row, predicate in zip(rows, ("skos:closeMatch", "skos:relatedMatch"), strict=True):
        row[COLUMNS.index("predicate_id")] = predicate
        for column in ("nist_relation", "relation_source"):
            if column in COLUMNS:
                row[COLUMNS.index(column)] = ""
    dataset = read_sssom(sssom_file(tmp_path, rows))
    assert dataset.issues == []
    relations = {t.object.value for t in dataset.triples if t.predicate == ox.NamedNode(CG + "relation")}
    sources = [t.object.value for t in dataset.triples if t.predicate == ox.NamedNode(CG + "relationSource")]
    assert relations == {CG + "intersectsWith"} and sources == ["defaulted", "defaulted"]


def test_empty_required_cell_and_short_rows(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][COLUMNS.index("mapping_justification")] = ""
    rows[1] = rows[1][:5]  # trailing empty cells left out
    dataset = read_sssom(sssom_file(tmp_path, rows))
    assert [(i.source.rpartition("#")[2], i.reason) for i in dataset.issues] == [
        ("25", "no value for mapping_justification")
    ]
    assert dataset.counts == {"rows": 4, "mappings": 3, "rejected": 1}


def test_a_declared_authority_is_kept(tmp_path: Path) -> None:
    header = HEADER.replace("# creator_label:", "# authority: cg:ThirdParty\n# creator_label:")
    dataset = read_sssom(sssom_file(tmp_path, ROWS, header=header))
    assert ox.NamedNode(Authority.THIRD_PARTY.iri) in {t.object for t in dataset.triples}


def test_values_that_are_not_iris_are_refused_cleanly(tmp_path: Path) -> None:
    header = HEADER.replace("# license: https://creativecommons.org/publicdomain/zero/1.0/", "# license: free for all")
    with pytest.raises(InputError, match="metadata slot license 'free for all' is not a valid IRI"):
        read_sssom(sssom_file(tmp_path, ROWS, header=header))
    rows = [list(r) for r in ROWS]
    rows[0][COLUMNS.index("author_id")] = "orcid:not an id"
    (issue,) = read_sssom(sssom_file(tmp_path, rows)).issues
    assert issue.reason == "author_id 'https://orcid.org/not an id' is not a valid IRI"
