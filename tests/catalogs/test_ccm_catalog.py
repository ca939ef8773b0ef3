"""The shipped CSA CCM v4 catalog (mappings/csa-ccm-4.ttl) against CSA's v4.0.12 bundle.

The catalog is read with rdflib, independently of the generator, and compared with the JSON primary
dataset, the ownership applicability file and the OSCAL CCM-Lite catalog of the same release.
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


def test_ccm_lite_membership_equals_the_reference(
    catalog: dict[str, Item], primary: dict[str, Any], reference_dir: Path
) -> None:
    lite = {n for n, i in catalog.items() if "CCM-Lite" in i.member_of}
    expected = {cid for cid, c in _reference_controls(primary).items() if c.get("is_lite") is True}
    assert len(lite) == len(expected)
    assert lite == expected, f"missing: {sorted(expected - lite)}; extra: {sorted(lite - expected)}"
    # The OSCAL CCM-Lite catalog of the same release agrees (its ids spell '&' as '_').
    oscal = _load(reference_dir, "oscal-dataset/ccm-lite-v4.0.12-oscal.json")
    oscal_ids = {c["id"].replace("_", "&") for g in oscal["catalog"]["groups"] for c in g.get("controls", [])}
    assert lite == oscal_ids
    assert not [n for n, i in catalog.items() if i.member_of - {"CCM-Lite"}]


def _parse_responsibility(text: str) -> dict[str, str]:
    parts = [part.split(": ", 1) for part in text.split("; ")]
    return {model: owner for model, owner in parts}


def test_ownership_present_for_every_listed_control(catalog: dict[str, Item], reference_dir: Path) -> None:
    ownership = _load(reference_dir, "json-dataset/CCM/applicability/ownership.json")
    expected: dict[str, dict[str, str]] = {}
    for block in ownership["content"]:
        for entry in block["content"]:
            expected.setdefault(entry["control_id"], {})[block["title"]] = entry["value"]
    missing = [cid for cid in expected if not catalog.get(cid) or not catalog[cid].responsibility]
    assert not missing, f"controls listed in ownership.json without cg:responsibility: {missing}"
    shipped = {cid: _parse_responsibility(catalog[cid].responsibility or "") for cid in expected}
    wrong = [cid for cid, owners in expected.items() if shipped[cid] != owners]
    assert not wrong, f"ownership differs from the reference: {wrong}"
    assert not [n for n, i in catalog.items() if i.kind == "domain" and i.responsibility]


def test_no_specification_text_is_shipped(graph: Graph, primary: dict[str, Any]) -> None:
    literals = [" ".join(str(o).lower().split()) for o in graph.objects() if isinstance(o, Literal)]
    leaked = []
    for cid, control in _reference_controls(primary).items():
        opening = " ".join(control["specification"].lower().split()[:8])
        if any(opening in literal for literal in literals):
            leaked.append(cid)
    assert not leaked, f"specification text found in the catalog for: {leaked}"
