"""The build end to end: counts against the reference files, satisfiers, and bad input that
must stop the build with a one-line error while the store stays exactly as it was."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from controlgraph.cli import EXIT_INPUT, EXIT_INVALID, main
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import sparql_prefixes

REPO = Path(__file__).resolve().parent.parent

# A small but real slice of the shipped data: enough to exercise every shape quickly.
SLICE = ["nist-csf-2.0.ttl", "nist-csf-1.1.ttl", "iso27001-2022.ttl", "iso27001-2013.ttl",
         "nist-csf-2.0--iso27001-2022--olir.ttl"]

OLIR_MAPPING_HEAD = """
@prefix cg: <https://w3id.org/controlgraph/ontology#> .
@prefix sssom: <https://w3id.org/sssom/> .
@prefix semapv: <https://w3id.org/semapv/vocab/> .
@prefix ms: <https://w3id.org/controlgraph/id/mapping-set/> .
<https://w3id.org/controlgraph/id/mapping/test/bad-1> a cg:Mapping ;
    cg:inMappingSet ms:nist-csf-2.0--iso27001-2022--olir ;
    sssom:mapping_justification semapv:ManualMappingCuration ;
"""
CSF = "https://w3id.org/controlgraph/id/control/nist-csf-2.0/"
ISO = "https://w3id.org/controlgraph/id/control/iso27001-2022/"


def _data_dir(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    root = tmp_path / "data"
    shutil.copytree(REPO / "ontology", root / "ontology")
    for folder in ("frameworks", "sets"):
        (root / "mappings" / folder).mkdir(parents=True)
    for name in [*SLICE, *(extra or {})]:
        folder = "sets" if "--" in name else "frameworks"
        source = REPO / "mappings" / folder / name
        target = root / "mappings" / folder / name
        if name in (extra or {}):
            target.write_text((extra or {})[name], encoding="utf-8")
        else:
            shutil.copy(source, target)
    return root


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _store_snapshot(path: Path) -> set[str]:
    store = EmbeddedStore(path, read_only=True)
    return {str(q) for q in store._store}


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("good")
    store = tmp / "store"
    code, _out, err = _run("--store", str(store), "--data-dir", str(_data_dir(tmp)), "build")
    assert code == 0, err
    return store


def test_full_build_counts_match_reference(built_store: EmbeddedStore, reference_dir: Path) -> None:
    with open(reference_dir / "nist-csf-2.0" / "csf2_core.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    expected_subcategories = {r["id"] for r in rows if r["type"] == "subcategory" and r["withdrawn"] != "True"}
    query = sparql_prefixes() + """
        SELECT ?n WHERE { ?c skos:inScheme fw:nist-csf-2.0 ; cg:kind "subcategory" ; skos:notation ?n }"""
    found = {s["n"].value for s in built_store.query(query)}  # type: ignore[union-attr]
    assert len(expected_subcategories) == 106
    assert found == expected_subcategories, sorted(found ^ expected_subcategories)

    annex = sparql_prefixes() + """
        SELECT ?n WHERE { ?c skos:inScheme fw:iso27001-2022 ; cg:kind "control" ; skos:notation ?n }"""
    annex_ids = {s["n"].value for s in built_store.query(annex)}  # type: ignore[union-attr]
    text = (reference_dir / "ciso-assistant" / "iso27001-2022.yaml").read_text(encoding="utf-8")
    import yaml

    nodes = yaml.safe_load(text)["objects"]["framework"]["requirement_nodes"]
    reference_ids = {n["ref_id"] for n in nodes if str(n.get("ref_id", "")).startswith("A.") and n.get("depth") == 3}
    assert len(annex_ids) == 93
    assert annex_ids == reference_ids, sorted(annex_ids ^ reference_ids)


def test_satisfiers_cli_lists_iso_controls(good_store: Path, reference_dir: Path) -> None:
    with open(reference_dir / "nist-csf-2.0" / "csf2_informative_references.csv", newline="", encoding="utf-8") as fh:
        expected = {
            f"iso27001-2022:A.{r['ref_id'].strip()}"
            for r in csv.DictReader(fh)
            if r["csf_id"] == "PR.AA-01" and r["dataset"] == "ISO/IEC 27001:2022 (Annex A Controls)" and r["ref_id"]
        }
    code, out, err = _run("--store", str(good_store), "satisfiers", "nist-csf-2.0:PR.AA-01")
    assert code == 0, err
    assert out.startswith("nist-csf-2.0:PR.AA-01")
    listed = {word for word in out.split() if word.startswith("iso27001-2022:")}
    assert expected and listed == expected
    assert out.count("partial intersects-with") == len(expected)
    assert out.count("via nist-csf-2.0--iso27001-2022--olir [third-party]") == len(expected)


def test_satisfiers_unknown_control_is_not_found(good_store: Path) -> None:
    code, _out, err = _run("--store", str(good_store), "satisfiers", "nist-csf-2.0:PR.ZZ-99")
    assert code == 3
    assert err.strip().splitlines() == ["error: no control nist-csf-2.0:PR.ZZ-99 in the graph "
                                        "(is the framework slug and identifier right?)"]


BAD_INPUTS = {
    "malformed-turtle": (
        "@prefix cg: <https://w3id.org/controlgraph/ontology#> .\n<http://x> cg:kind \"unterminated .\n",
        EXIT_INPUT, ["bad.ttl:2", "malformed RDF"],
    ),
    "missing-control": (
        OLIR_MAPPING_HEAD + f"    cg:mappingSubject <{CSF}PR.AA-01> ; cg:mappingObject <{ISO}A.99.1> ;\n"
        "    cg:relation cg:intersectsWith ; cg:rationale cg:Semantic .\n",
        EXIT_INVALID, ["bad.ttl", "bad-1", "cg:mappingObject", "control of a loaded framework"],
    ),
    "unknown-relation": (
        OLIR_MAPPING_HEAD + f"    cg:mappingSubject <{CSF}PR.AA-01> ; cg:mappingObject <{ISO}A.5.16> ;\n"
        "    cg:relation cg:overlaps ; cg:rationale cg:Semantic .\n",
        EXIT_INVALID, ["bad.ttl", "bad-1", "cg:relation", "exactly one relation among"],
    ),
    "strength-11": (
        OLIR_MAPPING_HEAD + f"    cg:mappingSubject <{CSF}PR.AA-01> ; cg:mappingObject <{ISO}A.5.16> ;\n"
        "    cg:relation cg:subsetOf ; cg:rationale cg:Semantic ; cg:strength 11 .\n",
        EXIT_INVALID, ["bad.ttl", "bad-1", "cg:strength", "0 to 10"],
    ),
    "equal-and-not-related": (
        OLIR_MAPPING_HEAD + f"    cg:mappingSubject <{CSF}PR.AA-01> ; cg:mappingObject <{ISO}A.5.16> ;\n"
        "    cg:relation cg:equal ; cg:rationale cg:Semantic .\n"
        + OLIR_MAPPING_HEAD.split("@prefix ms: <https://w3id.org/controlgraph/id/mapping-set/> .")[1]
        .replace("bad-1", "bad-2")
        + f"    cg:mappingSubject <{ISO}A.5.16> ; cg:mappingObject <{CSF}PR.AA-01> ;\n"
        "    cg:relation cg:notRelated ; cg:rationale cg:Semantic .\n",
        EXIT_INVALID, ["both equal", "not-related", "bad-1", "bad-2"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_stops_build_and_keeps_store(case: str, good_store: Path, tmp_path: Path) -> None:
    text, expected_code, needles = BAD_INPUTS[case]
    store = tmp_path / "store"
    shutil.copytree(good_store, store)
    before = _store_snapshot(store)
    data = _data_dir(tmp_path, {"bad.ttl": text})
    code, _out, err = _run("--store", str(store), "--data-dir", str(data), "build")
    assert code == expected_code, err
    error_lines = [line for line in err.splitlines() if not line.startswith("[")]
    offending = [line for line in error_lines if all(n in line for n in needles)]
    assert offending, f"no single line names {needles}:\n{err}"
    assert _store_snapshot(store) == before


def test_validate_command_reports_one_line_per_violation(tmp_path: Path) -> None:
    text, _code, _needles = BAD_INPUTS["strength-11"]
    bad = tmp_path / "bad.ttl"
    bad.write_text(text, encoding="utf-8")
    code, _out, err = _run("validate", str(bad))
    assert code == EXIT_INVALID
    lines = err.strip().splitlines()
    assert lines[-1] == "error: 1 violation(s); nothing was written"
    assert lines[0].startswith(f"{bad}: <https://w3id.org/controlgraph/id/mapping/test/bad-1>: ")
    assert lines[0].endswith("sh:MaxInclusiveConstraintComponent on cg:strength: "
                             "strength must be one integer from 0 to 10 (value: 11)")


def test_validate_command_accepts_shipped_file() -> None:
    code, out, err = _run("validate", str(REPO / "mappings" / "sets" / "nist-csf-2.0--iso27001-2022--olir.ttl"))
    assert code == 0, err
    assert out.strip() == "1 file(s) conform"


def test_console_script_entry_point(good_store: Path) -> None:
    """The installed command itself, not just the click object, answers."""
    exe = Path(sys.executable).parent / "controlgraph"
    done = subprocess.run([str(exe), "--store", str(good_store), "satisfiers", "nist-csf-2.0:PR.AA-01",
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"control": "iso27001-2022:A.5.15"' in done.stdout
