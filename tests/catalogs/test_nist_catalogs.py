"""The NIST CSF 2.0 and 1.1 catalogs against NIST's CSF 2.0 core export and CISO Assistant's CSF 1.1 outline.

The generated Turtle is read back with rdflib and compared with the reference files: exact counts,
identifiers, official function and category titles, hierarchy, provenance, and the project's own
subcategory titles and summaries (present, short, and not reusing NIST's outcome text).
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
NIST_LICENCE = (
    "https://www.nist.gov/open/copyright-fair-use-and-licensing-statements-srd-data-software-and-"
    "technical-series-publications"
)


@dataclass(frozen=True)
class Item:
    title: str
    kind: str
    parent: str | None
    summary: str | None
    title_origin: str | None
    top_concept: bool


@dataclass(frozen=True)
class RefItem:
    notation: str
    kind: str
    parent: str | None
    title: str  # official short title; empty for subcategories
    text: str  # NIST's outcome statement (compared against, never shipped)


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
            summary=_optional(graph.value(control, URIRef(CG + "summary"))),
            title_origin=_optional(graph.value(control, URIRef(CG + "titleOrigin"))),
            top_concept=(control, SKOS.topConceptOf, scheme) in graph,
        )
    return graph, items


def _optional(value: Any) -> str | None:
    return str(value) if value is not None else None


def read_csf2_reference(reference_dir: Path) -> list[RefItem]:
    """Current CSF 2.0 items of the core export (withdrawn categories are flagged in their text only)."""
    with (reference_dir / "nist-csf-2.0" / "csf2_core.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        RefItem(r["id"], r["type"], r["parent"] or None, r["title"], r["text"])
        for r in rows
        if r["withdrawn"] != "True" and not r["text"].startswith("[Withdrawn")
    ]


def read_csf2_withdrawn(reference_dir: Path) -> set[str]:
    with (reference_dir / "nist-csf-2.0" / "csf2_core.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["id"] for r in rows if r["withdrawn"] == "True" or r["text"].startswith("[Withdrawn")}


def read_csf11_reference(reference_dir: Path) -> list[RefItem]:
    library = reference_dir / "ciso-assistant" / "nist-csf-1.1.yaml"
    data = yaml.safe_load(library.read_text(encoding="utf-8"))
    nodes = data["objects"]["framework"]["requirement_nodes"]
    by_urn = {n["urn"]: n["ref_id"] for n in nodes}
    kinds = {1: "function", 2: "category", 3: "subcategory"}
    return [
        RefItem(
            n["ref_id"],
            kinds[n["depth"]],
            by_urn.get(n.get("parent_urn") or ""),
            n.get("name") or "",
            n.get("description") or "",
        )
        for n in nodes
    ]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def shared_run(a: str, b: str, length: int) -> str | None:
    """The first run of `length` consecutive words of `a` that also occurs in `b`, if any."""
    wa, wb = words(a), " ".join(words(b))
    for i in range(len(wa) - length + 1):
        run = " ".join(wa[i : i + length])
        if f" {run} " in f" {wb} ":
            return run
    return None


def framework_value(graph: Graph, slug: str, prop: str) -> Any:
    return graph.value(URIRef(FRAMEWORK + slug), URIRef(prop))


# ------------------------------------------------------------------------------------------ CSF 2.0


@pytest.fixture(scope="module")
def csf2(mappings_dir: Path) -> tuple[Graph, dict[str, Item]]:
    return load_catalog(mappings_dir, "nist-csf-2.0")


@pytest.fixture(scope="module")
def csf2_reference(reference_dir: Path) -> list[RefItem]:
    return read_csf2_reference(reference_dir)


def test_csf2_counts(csf2: tuple[Graph, dict[str, Item]]) -> None:
    counts = Counter(item.kind for item in csf2[1].values())
    assert counts == {"function": 6, "category": 22, "subcategory": 106}


def test_csf2_identifiers_match_reference(
    csf2: tuple[Graph, dict[str, Item]], csf2_reference: list[RefItem]
) -> None:
    expected = {r.notation for r in csf2_reference}
    shipped = set(csf2[1])
    assert not expected - shipped, f"missing: {sorted(expected - shipped)}"
    assert not shipped - expected, f"unexpected: {sorted(shipped - expected)}"


def test_csf2_kinds_and_hierarchy(csf2: tuple[Graph, dict[str, Item]], csf2_reference: list[RefItem]) -> None:
    items = csf2[1]
    wrong = [
        f"{r.notation}: kind {items[r.notation].kind} parent {items[r.notation].parent}"
        for r in csf2_reference
        if (items[r.notation].kind, items[r.notation].parent) != (r.kind, r.parent)
    ]
    assert not wrong, wrong
    tops = sorted(n for n, item in items.items() if item.top_concept)
    assert tops == sorted(r.notation for r in csf2_reference if r.kind == "function")


def test_csf2_function_and_category_titles_are_official(
    csf2: tuple[Graph, dict[str, Item]], csf2_reference: list[RefItem]
) -> None:
    items = csf2[1]
    wrong = [
        f"{r.notation}: {items[r.notation].title!r} != {r.title!r}"
        for r in csf2_reference
        if r.kind != "subcategory" and (items[r.notation].title != r.title or items[r.notation].title_origin)
    ]
    assert not wrong, wrong
    assert items["GV"].title == "GOVERN" and items["GV.OC"].title == "Organizational Context"


def test_csf2_subcategories_have_project_titles_and_summaries(csf2: tuple[Graph, dict[str, Item]]) -> None:
    problems = []
    for notation, item in sorted(csf2[1].items()):
        if item.kind != "subcategory":
            continue
        if item.title_origin != "project":
            problems.append(f"{notation}: titleOrigin {item.title_origin!r}")
        if not 3 <= len(item.title.split()) <= 7:
            problems.append(f"{notation}: title {item.title!r} is not 3-7 words")
        if not item.summary or "\n" in item.summary or len(item.summary) > 120:
            problems.append(f"{notation}: summary missing or not one short line: {item.summary!r}")
    assert not problems, problems


def test_csf2_summaries_do_not_reuse_nist_text(
    csf2: tuple[Graph, dict[str, Item]], csf2_reference: list[RefItem]
) -> None:
    items = csf2[1]
    problems = []
    for ref in csf2_reference:
        if ref.kind != "subcategory":
            continue
        item = items[ref.notation]
        official = " ".join(words(ref.text))
        for label, text in (("summary", item.summary or ""), ("title", item.title)):
            mine = " ".join(words(text))
            if mine == official or official in mine:
                problems.append(f"{ref.notation}: {label} equals or contains NIST's text")
            # A run of six words in common would mean the sentence was reused, not rewritten.
            if run := shared_run(text, ref.text, 6):
                problems.append(f"{ref.notation}: {label} shares {run!r} with NIST's text")
    assert not problems, problems


def test_csf2_withdrawn_rows_are_logged(mappings_dir: Path, reference_dir: Path) -> None:
    withdrawn = read_csf2_withdrawn(reference_dir)
    with (mappings_dir / "datalog" / "nist-csf-2.0.csv").open(encoding="utf-8", newline="") as f:
        log = list(csv.DictReader(f))
    logged = {r["value"] for r in log if r["action"] == "rejected" and r["reason"] == "withdrawn in CSF 2.0"}
    assert len(withdrawn) == 12 + 79
    assert not withdrawn - logged, f"not logged: {sorted(withdrawn - logged)}"
    assert not logged - withdrawn, f"logged but not withdrawn: {sorted(logged - withdrawn)}"


def test_csf2_framework_provenance(csf2: tuple[Graph, dict[str, Item]]) -> None:
    graph = csf2[0]
    slug = "nist-csf-2.0"
    assert "NIST" in str(framework_value(graph, slug, DCTERMS + "publisher"))
    assert framework_value(graph, slug, DCTERMS + "source") == URIRef("https://www.nist.gov/cyberframework")
    assert str(framework_value(graph, slug, OWL + "versionInfo")) == "2.0"
    assert str(framework_value(graph, slug, DCTERMS + "issued")) == "2024-02-26"
    assert framework_value(graph, slug, DCTERMS + "license") == URIRef(NIST_LICENCE)
    assert framework_value(graph, slug, CG + "parentIsUnionOfChildren") == Literal(True)
    assert framework_value(graph, slug, CG + "supersedes") == URIRef(FRAMEWORK + "nist-csf-1.1")
    assert "union of its children" in str(framework_value(graph, slug, DCTERMS + "description"))


# ------------------------------------------------------------------------------------------ CSF 1.1


@pytest.fixture(scope="module")
def csf11(mappings_dir: Path) -> tuple[Graph, dict[str, Item]]:
    return load_catalog(mappings_dir, "nist-csf-1.1")


@pytest.fixture(scope="module")
def csf11_reference(reference_dir: Path) -> list[RefItem]:
    return read_csf11_reference(reference_dir)


def test_csf11_counts(csf11: tuple[Graph, dict[str, Item]]) -> None:
    counts = Counter(item.kind for item in csf11[1].values())
    assert counts == {"function": 5, "category": 23, "subcategory": 108}


def test_csf11_identifiers_match_reference(
    csf11: tuple[Graph, dict[str, Item]], csf11_reference: list[RefItem]
) -> None:
    expected = {r.notation for r in csf11_reference}
    shipped = set(csf11[1])
    assert not expected - shipped, f"missing: {sorted(expected - shipped)}"
    assert not shipped - expected, f"unexpected: {sorted(shipped - expected)}"
    assert "ID.AM-1" in shipped and "PR.IP-12" in shipped


def test_csf11_kinds_hierarchy_and_titles(
    csf11: tuple[Graph, dict[str, Item]], csf11_reference: list[RefItem]
) -> None:
    items = csf11[1]
    wrong = []
    for ref in csf11_reference:
        item = items[ref.notation]
        if (item.kind, item.parent) != (ref.kind, ref.parent):
            wrong.append(f"{ref.notation}: kind {item.kind} parent {item.parent}")
        if ref.kind != "subcategory" and item.title != ref.title:
            wrong.append(f"{ref.notation}: title {item.title!r} != {ref.title!r}")
    assert not wrong, wrong


def test_csf11_subcategories_have_project_titles(
    csf11: tuple[Graph, dict[str, Item]], csf11_reference: list[RefItem]
) -> None:
    items = csf11[1]
    problems = []
    for ref in csf11_reference:
        if ref.kind != "subcategory":
            continue
        item = items[ref.notation]
        if item.title_origin != "project" or not 3 <= len(item.title.split()) <= 7:
            problems.append(f"{ref.notation}: {item.title!r} ({item.title_origin})")
        if words(item.title) == words(ref.text) or shared_run(item.title, ref.text, 6):
            problems.append(f"{ref.notation}: title reuses NIST's text")
    assert not problems, problems


def test_csf11_framework_provenance(csf11: tuple[Graph, dict[str, Item]]) -> None:
    graph = csf11[0]
    slug = "nist-csf-1.1"
    assert str(framework_value(graph, slug, OWL + "versionInfo")) == "1.1"
    assert str(framework_value(graph, slug, DCTERMS + "issued")) == "2018-04-16"
    assert framework_value(graph, slug, DCTERMS + "license") == URIRef(NIST_LICENCE)
    assert framework_value(graph, slug, CG + "parentIsUnionOfChildren") == Literal(True)
