"""The shipped CSA CCM v4 catalog (mappings/csa-ccm-4.ttl) against CSA's v4.0.12 bundle.

The catalog is read with rdflib, independently of the generator, and compared with the JSON primary
dataset of the same release; and nothing beyond identifiers and titles is shipped (CSA licence).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, SKOS

CG = Namespace("https://w3id.org/controlgraph/ontology#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FRAMEWORK = URIRef("https://w3id.org/controlgraph/id/framework/csa-ccm-4")
BUNDLE = "csa-ccm-4.0.12"


@dataclass(frozen=True)
class Item:
    notation: str
    title: str
    kind: str
    parent: str | None
    responsibility: str | None
    member_of: frozenset[str]


def _one(graph: Graph, subject: URIRef, predicate: URIRef) -> str | None:
    values = list(graph.objects(subject, predicate))
    assert len(values) <= 1, f"{subject} has {len(values)} values for {predicate}"
    return str(values[0]) if values else None


@pytest.fixture(scope="module")
def graph(mappings_dir: Path) -> Graph:
    g = Graph()
    g.parse(mappings_dir / "frameworks" / "csa-ccm-4.ttl", format="turtle")
    return g


@pytest.fixture(scope="module")
def catalog(graph: Graph) -> dict[str, Item]:
    notation_of = {
        s: str(n) for s in graph.subjects(SKOS.inScheme, FRAMEWORK) for n in graph.objects(s, SKOS.notation)
    }
    items = {}
    for subject, notation in notation_of.items():
        assert isinstance(subject, URIRef)
        broader = _one(graph, subject, SKOS.broader)
        items[notation] = Item(
            notation=notation,
            title=_one(graph, subject, SKOS.prefLabel) or "",
            kind=_one(graph, subject, CG.kind) or "",
            parent=notation_of[URIRef(broader)] if broader else None,
            responsibility=_one(graph, subject, CG.responsibility),
            member_of=frozenset(str(m) for m in graph.objects(subject, CG.memberOf)),
        )
    return items


def _load(reference_dir: Path, relative: str) -> Any:
    return json.loads((reference_dir / BUNDLE / relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def primary(reference_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = _load(reference_dir, "json-dataset/CCM/primary-dataset.json")
    return data


def _reference_controls(primary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: {**c, "domain": d["id"]} for d in primary["domains"] for c in d["controls"]}


def _of_kind(catalog: dict[str, Item], kind: str) -> dict[str, Item]:
    return {n: i for n, i in catalog.items() if i.kind == kind}


def test_provenance_is_complete(graph: Graph) -> None:
    for predicate in (DCTERMS.publisher, DCTERMS.source, OWL.versionInfo, DCTERMS.issued, DCTERMS.license):
        assert _one(graph, FRAMEWORK, predicate), f"framework lacks {predicate}"
    assert _one(graph, FRAMEWORK, DCTERMS.publisher) == "Cloud Security Alliance"
    assert _one(graph, FRAMEWORK, OWL.versionInfo) == "4.0.12"
    assert _one(graph, FRAMEWORK, DCTERMS.issued) == "2024-06-03"
    assert "controlgraph import ccm" in (_one(graph, FRAMEWORK, CG.notShipped) or "")


def test_seventeen_domains_with_reference_ids_and_titles(
    catalog: dict[str, Item], primary: dict[str, Any]
) -> None:
    domains = _of_kind(catalog, "domain")
    expected = {d["id"]: d["title"] for d in primary["domains"]}
    assert len(domains) == len(expected) == 17
    wrong = {n: i.title for n, i in domains.items() if expected.get(n) != i.title}
    assert not wrong, f"domains whose id or title differs from the reference: {wrong}"
    assert all(i.parent is None for i in domains.values())


def test_197_controls_with_reference_ids_titles_and_domains(
    catalog: dict[str, Item], primary: dict[str, Any]
) -> None:
    controls = _of_kind(catalog, "control")
    expected = _reference_controls(primary)
    assert len(controls) == len(expected) == 197
    assert set(controls) == set(expected), (
        f"missing: {sorted(set(expected) - set(controls))}; extra: {sorted(set(controls) - set(expected))}"
    )
    wrong = [
        n for n, i in controls.items() if (i.title, i.parent) != (expected[n]["title"], expected[n]["domain"])
    ]
    assert not wrong, f"controls whose title or domain differs from the reference: {wrong}"
    malformed = [n for n in controls if not re.fullmatch(r"[A-Z&]+-\d{2}", n)]
    assert not malformed, f"malformed control ids: {malformed}"


def test_licence_clean_identifiers_and_titles_only(graph: Graph) -> None:
    """Issue 17 item 1: the CSA licence allows identifiers and titles; nothing else of CSA's is shipped."""
    allowed = {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", str(SKOS.inScheme), str(SKOS.notation),
        str(SKOS.prefLabel), str(SKOS.broader), str(SKOS.topConceptOf), str(CG.kind), str(CG.order),
    }
    controls = set(graph.subjects(SKOS.inScheme, None))
    extra = sorted({str(p) for c in controls for p in graph.predicates(c)} - allowed)
    assert extra == [], f"the shipped CCM catalog carries more than identifiers, titles and hierarchy: {extra}"
    assert not list(graph.triples((None, CG.memberOf, None))), "CCM-Lite membership is CSA's, not shippable"
    assert not list(graph.triples((None, CG.responsibility, None))), "the ownership matrix is CSA's"


def test_no_specification_text_is_shipped(graph: Graph, primary: dict[str, Any]) -> None:
    literals = [" ".join(str(o).lower().split()) for o in graph.objects() if isinstance(o, Literal)]
    leaked = []
    for cid, control in _reference_controls(primary).items():
        opening = " ".join(control["specification"].lower().split()[:8])
        if any(opening in literal for literal in literals):
            leaked.append(cid)
    assert not leaked, f"specification text found in the catalog for: {leaked}"
