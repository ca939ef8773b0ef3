"""The ISO/IEC 27001/27002/27017/27018 catalogs against the public reference files.

The generated Turtle is read back with rdflib (not with the generator's code) and compared with
intuitem's CISO Assistant outlines and the iso-outline CSVs: counts, identifiers, titles, hierarchy.
A title may differ from the reference only where the data log records the repair.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

CG = "https://w3id.org/controlgraph/ontology#"
FRAMEWORK = "https://w3id.org/controlgraph/id/framework/"
DCTERMS = "http://purl.org/dc/terms/"
OWL = "http://www.w3.org/2002/07/owl#"
ISO_NUMBER = re.compile(r"^(A\.)?\d+(\.\d+)*$")


@dataclass(frozen=True)
class Item:
    title: str
    kind: str
    parent: str | None
    responsibility: str | None
    summary: str | None


@dataclass(frozen=True)
class RefNode:
    ref_id: str
    name: str
    parent: str | None  # None where the parent is a grouping node ('core', 'annex-a')


def load_catalog(mappings_dir: Path, slug: str) -> tuple[Graph, dict[str, Item]]:
    graph = Graph()
    graph.parse(mappings_dir / "frameworks" / f"{slug}.ttl", format="turtle")
    scheme = URIRef(FRAMEWORK + slug)
    notation_of = {s: str(o) for s, o in graph.subject_objects(SKOS.notation)}
    items: dict[str, Item] = {}
    for control in graph.subjects(SKOS.inScheme, scheme):
        broader = graph.value(control, SKOS.broader)
        items[notation_of[control]] = Item(
            title=str(graph.value(control, SKOS.prefLabel)),
            kind=str(graph.value(control, URIRef(CG + "kind"))),
            parent=notation_of[broader] if broader is not None else None,
            responsibility=_optional(graph.value(control, URIRef(CG + "responsibility"))),
            summary=_optional(graph.value(control, URIRef(CG + "summary"))),
        )
    return graph, items


def _optional(value: Any) -> str | None:
    return str(value) if value is not None else None


def read_outline(reference_dir: Path, name: str) -> list[RefNode]:
    data = yaml.safe_load((reference_dir / "ciso-assistant" / name).read_text(encoding="utf-8"))
    nodes = data["objects"]["framework"]["requirement_nodes"]
    numbered = {
        n["urn"]: str(n["ref_id"]).strip() for n in nodes if ISO_NUMBER.match(str(n.get("ref_id") or ""))
    }
    return [
        RefNode(numbered[n["urn"]], " ".join(str(n["name"]).split()), numbered.get(n.get("parent_urn") or ""))
        for n in nodes
        if n["urn"] in numbered
    ]


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def logged_title_repairs(mappings_dir: Path, dataset: str) -> list[str]:
    path = mappings_dir / "datalog" / f"{dataset}.csv"
    if not path.is_file():
        return []
    return [row["value"] for row in read_csv_rows(path) if row["action"] == "repaired"]


def title_mismatches(items: dict[str, Item], expected: dict[str, str], repairs: list[str]) -> list[str]:
    """Identifiers whose title differs from the reference without a logged repair to that title."""
    bad = []
    for notation, reference_title in expected.items():
        title = items[notation].title
        if title == reference_title:
            continue
        logged = any(value.endswith(f"-> {title!r}") for value in repairs)
        if not logged:
            bad.append(f"{notation}: {title!r} != reference {reference_title!r}")
    return bad


def strip_a(ref_id: str) -> str:
    return ref_id.removeprefix("A.")


# --------------------------------------------------------------------------------------------------
# ISO/IEC 27001:2022 and 27002:2022


@pytest.fixture(scope="module")
def outline_2022(reference_dir: Path) -> list[RefNode]:
    return read_outline(reference_dir, "iso27001-2022.yaml")


@pytest.fixture(scope="module")
def outline_2013(reference_dir: Path) -> list[RefNode]:
    return read_outline(reference_dir, "iso27001-2013.yaml")


def test_27001_2022_annex_a_has_93_controls_in_four_themes(mappings_dir: Path) -> None:
    _, items = load_catalog(mappings_dir, "iso27001-2022")
    themes = sorted(n for n, i in items.items() if i.kind == "theme")
    assert themes == ["A.5", "A.6", "A.7", "A.8"]
    assert all(items[t].parent is None for t in themes), "themes are top concepts"
    per_theme = Counter(i.parent for i in items.values() if i.kind == "control")
    assert per_theme == {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}


def test_27001_2022_matches_the_outline(mappings_dir: Path, outline_2022: list[RefNode]) -> None:
    _, items = load_catalog(mappings_dir, "iso27001-2022")
    expected = {n.ref_id: n for n in outline_2022}
    assert sorted(set(expected) ^ set(items)) == []
    wrong_parent = [
        f"{r}: {items[r].parent} != {n.parent}" for r, n in expected.items() if items[r].parent != n.parent
    ]
    assert wrong_parent == []
    clauses = [n for n, i in items.items() if not n.startswith("A.")]
    assert {items[c].kind for c in clauses} == {"clause"}
    assert {str(c) for c in range(4, 11)} <= set(clauses)
    repairs = logged_title_repairs(mappings_dir, "iso27001-2022")
    assert title_mismatches(items, {r: n.name for r, n in expected.items()}, repairs) == []
    assert "core" not in items and "annex-a" not in items


def test_27002_2022_mirrors_annex_a(mappings_dir: Path, outline_2022: list[RefNode]) -> None:
    _, items = load_catalog(mappings_dir, "iso27002-2022")
    annex = [n for n in outline_2022 if n.ref_id.startswith("A.") and n.ref_id.count(".") == 2]
    assert len(annex) == 93
    assert sorted(set(items) - {"5", "6", "7", "8"}) == sorted(strip_a(n.ref_id) for n in annex)
    _, items_27001 = load_catalog(mappings_dir, "iso27001-2022")
    differing = {
        strip_a(n.ref_id): items[strip_a(n.ref_id)].title
        for n in annex
        if items[strip_a(n.ref_id)].title != items_27001[n.ref_id].title
    }
    # Each edition keeps its own title: 27002:2022 spells out what 27001:2022 Annex A abbreviates.
    assert differing == {
        "5.21": "Managing information security in the information and communication technology (ICT) supply chain",
        "5.34": "Privacy and protection of personal identifiable information (PII)",
        "8.1": "User endpoint devices",
    }
    assert items_27001["A.8.1"].title == "User end point devices"
    assert items_27001["A.5.34"].title == "Privacy and protection of PII"
    wrong_parent = [n.ref_id for n in annex if items[strip_a(n.ref_id)].parent != strip_a(str(n.parent))]
    assert wrong_parent == []
    assert {n: items[n].title for n in ("5", "6", "7", "8")} == {
        "5": "Organizational controls",
        "6": "People controls",
        "7": "Physical controls",
        "8": "Technological controls",
    }
    assert Counter(i.kind for i in items.values()) == {"theme": 4, "control": 93}


def test_27001_2022_clause_titles(mappings_dir: Path) -> None:
    _, items = load_catalog(mappings_dir, "iso27001-2022")
    assert items["6.3"].title == "Planning of changes"
    assert items["6.3"].parent == "6"


# --------------------------------------------------------------------------------------------------
# ISO/IEC 27001:2013 and 27002:2013


def _annex_2013_shape(items: dict[str, Item], prefix: str) -> None:
    """14 clauses (5 to 18) over 35 objectives over 114 controls, notations starting with prefix."""
    annex = {n: i for n, i in items.items() if n.startswith(prefix)} if prefix else items
    assert Counter(i.kind for i in annex.values()) == {"clause": 14, "objective": 35, "control": 114}
    clauses = sorted(n for n, i in annex.items() if i.kind == "clause")
    assert clauses == sorted(f"{prefix}{k}" for k in range(5, 19))
    assert [c for c in clauses if annex[c].parent is not None] == []
    level_above = {"objective": "clause", "control": "objective"}
    misplaced = [
        n
        for n, i in annex.items()
        if i.kind in level_above and (i.parent is None or annex[i.parent].kind != level_above[i.kind])
    ]
    assert misplaced == []


def test_27001_2013_annex_a_shape(mappings_dir: Path, outline_2013: list[RefNode]) -> None:
    _, items = load_catalog(mappings_dir, "iso27001-2013")
    _annex_2013_shape(items, "A.")
    expected = {n.ref_id: n for n in outline_2013}
    assert sorted(set(expected) ^ set(items)) == []
    wrong_parent = [r for r, n in expected.items() if items[r].parent != n.parent]
    assert wrong_parent == []
    repairs = logged_title_repairs(mappings_dir, "iso27001-2013")
    assert title_mismatches(items, {r: n.name for r, n in expected.items()}, repairs) == []


def test_27002_2013_is_annex_a_without_prefix(mappings_dir: Path, outline_2013: list[RefNode]) -> None:
    _, items = load_catalog(mappings_dir, "iso27002-2013")
    _annex_2013_shape(items, "")
    annex = {strip_a(n.ref_id): n for n in outline_2013 if n.ref_id.startswith("A.")}
    assert sorted(set(annex) ^ set(items)) == []
    wrong_parent = [
        r for r, n in annex.items() if items[r].parent != (strip_a(n.parent) if n.parent else None)
    ]
    assert wrong_parent == []
    repairs = logged_title_repairs(mappings_dir, "iso27002-2013")
    assert title_mismatches(items, {r: n.name for r, n in annex.items()}, repairs) == []
    assert not any(n.startswith("A.") for n in items)


# --------------------------------------------------------------------------------------------------
# ISO/IEC 27017:2015 and 27018:2019


def _extends_27002_2013(mappings_dir: Path, slug: str) -> dict[str, Item]:
    _, items = load_catalog(mappings_dir, slug)
    _, base = load_catalog(mappings_dir, "iso27002-2013")
    missing = sorted(set(base) - set(items))
    assert missing == []
    differing = [
        n
        for n, b in base.items()
        if (items[n].title, items[n].parent, items[n].kind) != (b.title, b.parent, b.kind)
    ]
    assert differing == []
    return items


def test_27017_adds_seven_cld_controls(mappings_dir: Path, reference_dir: Path) -> None:
    items = _extends_27002_2013(mappings_dir, "iso27017-2015")
    rows = read_csv_rows(reference_dir / "iso-outline" / "iso27017-2015_cld_controls.csv")
    cld = {n: i for n, i in items.items() if n.startswith("CLD.")}
    assert sorted(cld) == sorted(r["id"] for r in rows)
    assert sum(1 for i in cld.values() if i.kind == "control") == 7
    problems = []
    for row in rows:
        item = cld[row["id"]]
        parent = row["parent_27002_2013_category"].split(" ")[0]
        if (item.title, item.parent) != (row["title"], parent):
            problems.append(f"{row['id']}: {item.title!r} under {item.parent}")
        if item.kind != ("objective" if row["kind"] == "category" else "control"):
            problems.append(f"{row['id']}: kind {item.kind}")
    assert problems == []
    assert len(items) == 163 + 9


PARTIES = {CG + "CloudServiceCustomer": "customer", CG + "CloudServiceProvider": "provider",
           CG + "SharedResponsibility": "shared"}


def responsible_parties(mappings_dir: Path, slug: str) -> dict[str, str]:
    graph, _ = load_catalog(mappings_dir, slug)
    notation_of = {s: str(o) for s, o in graph.subject_objects(SKOS.notation)}
    return {notation_of[c]: PARTIES[str(p)] for c, p in graph.subject_objects(URIRef(CG + "responsibleParty"))}


def test_27017_responsibility_on_every_control_with_cloud_guidance(mappings_dir: Path) -> None:
    """Issue 17 item 15: whose guidance ISO/IEC 27017 gives, on every control that has any (not only CLD)."""
    _, items = load_catalog(mappings_dir, "iso27017-2015")
    parties = responsible_parties(mappings_dir, "iso27017-2015")
    assert all(items[n].kind == "control" for n in parties), "responsibility is on controls only"
    cld = {n for n, i in items.items() if n.startswith("CLD.") and i.kind == "control"}
    assert cld <= set(parties), "every CLD control says whose guidance it is"
    assert {n: parties[n] for n in ("CLD.9.5.1", "CLD.13.1.4", "CLD.6.3.1", "CLD.9.5.2")} == {
        "CLD.9.5.1": "provider", "CLD.13.1.4": "provider", "CLD.6.3.1": "shared", "CLD.9.5.2": "shared",
    }
    # 27017 adds cloud guidance to 37 of the 27002:2013 controls; well-known ones per party:
    assert len(set(parties) - cld) == 37
    assert {n: parties[n] for n in ("5.1.1", "9.1.2", "10.1.2", "12.4.1", "15.1.3", "18.1.4")} == {
        "5.1.1": "shared", "9.1.2": "customer", "10.1.2": "customer", "12.4.1": "shared",
        "15.1.3": "provider", "18.1.4": "shared",
    }
    assert "12.2.1" not in parties, "no cloud-specific guidance: 27002:2013 applies as is"
    assert all(i.responsibility is None for i in items.values()), "the free-text form is gone"


@pytest.mark.parametrize("slug", ["iso27002-2013", "iso27018-2019", "iso27001-2022"])
def test_responsibility_only_where_a_standard_gives_it(mappings_dir: Path, slug: str) -> None:
    assert responsible_parties(mappings_dir, slug) == {}


def test_27018_annex_a_has_25_controls(mappings_dir: Path, reference_dir: Path) -> None:
    items = _extends_27002_2013(mappings_dir, "iso27018-2019")
    rows = read_csv_rows(reference_dir / "iso-outline" / "iso27018-2019_annexA_controls.csv")
    annex = {n: i for n, i in items.items() if n.startswith("A.")}
    controls = {n: i for n, i in annex.items() if i.kind == "control"}
    assert sorted(controls) == sorted(r["id_2019"] for r in rows)
    assert len(controls) == 25
    problems = []
    for row in rows:
        item = controls[row["id_2019"]]
        category, _, category_title = row["category_2019"].partition(" ")
        if (item.title, item.parent) != (row["title"], category):
            problems.append(f"{row['id_2019']}: {item.title!r} under {item.parent}")
        if annex[category].title != category_title or annex[category].kind != "category":
            problems.append(f"{category}: {annex[category].title!r}")
        if f"Numbered {row['id_2014']} in the 2014 edition." != item.summary:
            problems.append(f"{row['id_2019']}: summary {item.summary!r}")
    assert problems == []
    categories = sorted(n for n, i in annex.items() if i.kind == "category")
    assert categories == sorted({r["category_2019"].split(" ")[0] for r in rows})


# --------------------------------------------------------------------------------------------------
# Framework metadata


@pytest.mark.parametrize(
    ("slug", "supersedes", "union"),
    [
        ("iso27001-2022", "iso27001-2013", False),
        ("iso27002-2022", "iso27002-2013", True),
        ("iso27001-2013", None, False),
        ("iso27002-2013", None, True),
        ("iso27017-2015", None, True),
        ("iso27018-2019", None, True),
    ],
)
def test_framework_metadata(mappings_dir: Path, slug: str, supersedes: str | None, union: bool) -> None:
    graph, _ = load_catalog(mappings_dir, slug)
    fw = URIRef(FRAMEWORK + slug)
    for prop in ("publisher", "source", "issued", "license", "title"):
        assert graph.value(fw, URIRef(DCTERMS + prop)) is not None, f"{slug}: dcterms:{prop} missing"
    assert graph.value(fw, URIRef(OWL + "versionInfo")) is not None
    assert str(graph.value(fw, URIRef(DCTERMS + "source"))).startswith("https://www.iso.org/standard/")
    superseded = graph.value(fw, URIRef(CG + "supersedes"))
    assert superseded == (URIRef(FRAMEWORK + supersedes) if supersedes else None)
    assert graph.value(fw, URIRef(CG + "parentIsUnionOfChildren")) == Literal(union)
