"""SSSOM/TSV export and import: round trips of shipped sets, idempotence, and sssom-py accepting our files."""

from __future__ import annotations

import csv
import logging
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from controlgraph.pipeline.imports import ImportedDataset
from controlgraph.sssom_tsv import import_sssom, read_sssom, write_sssom
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import MAPPING_SET, PROV, mapping_set_iri, sparql_prefixes

ROUND_TRIP_SETS = ["iso27017-2015--iso27002-2022--curated", "nist-csf-2.0--iso27001-2022--olir"]
SSSOM_CLI = Path(sys.executable).parent / "sssom"

_MAPPING_FIELDS = sparql_prefixes() + """
SELECT ?set ?s ?o ?rel ?rationale ?strength ?just ?conf ?comment ?source WHERE {
    ?m cg:inMappingSet ?set ; cg:mappingSubject ?s ; cg:mappingObject ?o ; cg:relation ?rel ;
       cg:rationale ?rationale ; sssom:mapping_justification ?just .
    OPTIONAL { ?m cg:strength ?strength }
    OPTIONAL { ?m sssom:confidence ?conf }
    OPTIONAL { ?m rdfs:comment ?comment }
    OPTIONAL { ?m cg:relationSource ?source }
}"""
_SET_FIELDS = sparql_prefixes() + """
SELECT ?set ?p ?o WHERE {
    ?set ?p ?o .
    VALUES ?p { dcterms:title dcterms:description dcterms:publisher dcterms:source owl:versionInfo dcterms:issued
                dcterms:license cg:authority cg:subjectFramework cg:objectFramework sssom:mapping_justification }
}"""


def snapshot(store: EmbeddedStore) -> str:
    return store.fingerprint()


def _value(row: ox.QuerySolution, name: str) -> str | None:
    term = row[name]
    return None if term is None else term.value


def mapping_fields(store: EmbeddedStore, set_iri: str) -> dict[tuple[str | None, str | None], dict[str, Any]]:
    """Every field of every mapping of a set, by (subject, object)."""
    found: dict[tuple[str | None, str | None], dict[str, Any]] = {}
    for row in store.query(_MAPPING_FIELDS, substitutions={"set": ox.NamedNode(set_iri)}):  # type: ignore[union-attr]
        key = (_value(row, "s"), _value(row, "o"))
        assert key not in found, f"{key} mapped twice in {set_iri}"
        strength, confidence = _value(row, "strength"), _value(row, "conf")
        found[key] = {
            "relation": _value(row, "rel"),
            "rationale": _value(row, "rationale"),
            "strength": int(strength) if strength else None,
            "justification": _value(row, "just"),
            "confidence": float(confidence) if confidence else None,
            "comment": _value(row, "comment"),
            "relation_source": _value(row, "source") or "stated",
        }
    return found


def set_fields(store: EmbeddedStore, set_iri: str) -> dict[str, tuple[str, str]]:
    """Provenance of a set: property -> (value, kind), the kind telling an IRI from a literal."""
    fields: dict[str, tuple[str, str]] = {}
    for row in store.query(_SET_FIELDS, substitutions={"set": ox.NamedNode(set_iri)}):  # type: ignore[union-attr]
        term = row["o"]
        assert row["p"].value not in fields, f"{set_iri} has two values of {row['p'].value}"
        fields[row["p"].value] = (term.value, "iri" if isinstance(term, ox.NamedNode) else "literal")
    return fields


@pytest.fixture(scope="module")
def exported(built_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sssom")
    files = {}
    for set_id in ROUND_TRIP_SETS:
        files[set_id] = folder / f"{set_id}.sssom.tsv"
        files[set_id].write_text(write_sssom(built_store, set_id), encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def imported(built_store: EmbeddedStore, exported: dict[str, Path]) -> tuple[EmbeddedStore, dict[str, ImportedDataset]]:
    """A copy of the shipped graph with both exported sets imported back as user sets."""
    store = built_store.copy()
    datasets = {set_id: import_sssom(store, path)[0] for set_id, path in exported.items()}
    return store, datasets


def table_rows(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@pytest.mark.parametrize("set_id", ROUND_TRIP_SETS)
def test_round_trip_keeps_every_mapping_field(
    set_id: str, built_store: EmbeddedStore, imported: tuple[EmbeddedStore, dict[str, ImportedDataset]]
) -> None:
    store, datasets = imported
    dataset = datasets[set_id]
    assert dataset.graph.endswith(f"/graph/import/sssom-{set_id}")
    assert dataset.issues == []
    shipped = mapping_fields(built_store, mapping_set_iri(set_id))
    back = mapping_fields(store, mapping_set_iri(f"sssom-{set_id}"))
    assert len(shipped) > 10
    assert back == shipped


@pytest.mark.parametrize("set_id", ROUND_TRIP_SETS)
def test_round_trip_keeps_the_provenance(
    set_id: str, built_store: EmbeddedStore, imported: tuple[EmbeddedStore, dict[str, ImportedDataset]]
) -> None:
    store, _ = imported
    shipped = set_fields(built_store, mapping_set_iri(set_id))
    back = set_fields(store, mapping_set_iri(f"sssom-{set_id}"))
    assert back == shipped
    assert {"title", "publisher", "source", "issued", "license"} <= {p.rpartition("/")[2] for p in back}
    derived = store.query(f"SELECT ?o WHERE {{ <{MAPPING_SET}sssom-{set_id}> <{PROV}wasDerivedFrom> ?o }}")
    assert [r["o"].value for r in derived] == [mapping_set_iri(set_id)]  # type: ignore[union-attr]


def test_a_statement_licence_travels_beside_an_iri(exported: dict[str, Path]) -> None:
    text = exported["nist-csf-2.0--iso27001-2022--olir"].read_text(encoding="utf-8")
    set_iri = mapping_set_iri("nist-csf-2.0--iso27001-2022--olir")
    assert f"# license: {set_iri}#licence\n" in text
    assert "# licence_statement: 'Reference pairs published by NIST as public information" in text


def test_exported_rows_say_relation_in_skos_and_in_the_extension_slot(exported: dict[str, Path]) -> None:
    rows = table_rows(exported["iso27017-2015--iso27002-2022--curated"])
    pairs = Counter((r["predicate_id"], r.get("predicate_modifier", ""), r["ir8477_relation"]) for r in rows)
    allowed = {
        ("skos:exactMatch", "", "cg:equal"),
        ("skos:broadMatch", "", "cg:subsetOf"),
        ("skos:narrowMatch", "", "cg:supersetOf"),
        ("skos:relatedMatch", "", "cg:intersectsWith"),
        ("skos:relatedMatch", "Not", "cg:notRelated"),
    }
    assert set(pairs) <= allowed
    assert pairs[("skos:relatedMatch", "Not", "cg:notRelated")] == 1  # the one not-related mapping shipped


def test_importing_the_same_file_twice_changes_nothing(
    exported: dict[str, Path], imported: tuple[EmbeddedStore, dict[str, ImportedDataset]]
) -> None:
    store, _ = imported
    before = snapshot(store)
    _, outcome = import_sssom(store, exported["iso27017-2015--iso27002-2022--curated"])
    assert not outcome.changed
    assert snapshot(store) == before


def test_an_exported_import_reads_back_into_the_same_graph(
    tmp_path: Path, imported: tuple[EmbeddedStore, dict[str, ImportedDataset]]
) -> None:
    store, datasets = imported
    dataset = datasets["iso27017-2015--iso27002-2022--curated"]
    again = tmp_path / "again.sssom.tsv"
    again.write_text(write_sssom(store, dataset.name), encoding="utf-8")
    reread = read_sssom(again)
    assert reread.graph == dataset.graph
    assert {str(t) for t in reread.triples} == {str(t) for t in dataset.triples}


@pytest.mark.parametrize("set_id", ROUND_TRIP_SETS)
def test_sssom_validate_accepts_the_export(set_id: str, exported: dict[str, Path]) -> None:
    result = subprocess.run([str(SSSOM_CLI), "validate", str(exported[set_id])],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    # sssom-py drops a row it cannot read with only a log line, so a clean exit alone proves little.
    assert "not well-formed" not in result.stderr
    assert "ERROR" not in result.stderr


def test_sssom_validate_rejects_a_licence_that_is_not_an_iri(exported: dict[str, Path], tmp_path: Path) -> None:
    """The check above is meaningful: the validator does refuse what SSSOM forbids."""
    text = exported["iso27017-2015--iso27002-2022--curated"].read_text(encoding="utf-8")
    bad = tmp_path / "bad-licence.sssom.tsv"
    bad.write_text(text.replace("# license: https://creativecommons.org/licenses/by/4.0/",
                                "# license: free for all"), encoding="utf-8")
    result = subprocess.run([str(SSSOM_CLI), "validate", str(bad)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode != 0


@pytest.mark.parametrize("set_id", ROUND_TRIP_SETS)
def test_sssom_py_parser_reads_every_row(set_id: str, exported: dict[str, Path]) -> None:
    from sssom.parsers import parse_sssom_table

    logging.getLogger().setLevel(logging.ERROR)  # sssom-py warns about every extension column
    parsed = parse_sssom_table(exported[set_id])
    ours = table_rows(exported[set_id])
    assert len(parsed.df) == len(ours)
    columns = [c for c in ("predicate_id", "predicate_modifier") if c in parsed.df.columns]
    theirs = Counter(tuple(str(v) for v in r) for r in parsed.df[columns].fillna("").values.tolist())
    assert theirs == Counter(tuple(r.get(c, "") for c in columns) for r in ours)
    assert set(parsed.df["subject_id"]) == {r["subject_id"] for r in ours}
    assert set(parsed.df["object_id"]) == {r["object_id"] for r in ours}
    assert str(parsed.metadata["mapping_set_id"]) == mapping_set_iri(set_id)
