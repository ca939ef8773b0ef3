"""No shipped prose repeats or closely paraphrases a reference text (issue 17 item 10).

Every literal the project writes itself (summaries, comments, descriptions, definitions, quality findings and
the titles it makes up, ``cg:titleOrigin "project"``) is compared with the prose of the public reference files
(NIST CSF core outcomes and implementation examples, CISO Assistant descriptions including the GDPR text and
intuitem's ISO paraphrases, CSA CCM specifications, W3C DPV definitions):

- no literal shares a run of ``RUN`` words with any reference text (a quotation);
- a CSF subcategory summary keeps its stemmed word sequence well apart from the item's own outcome
  (difflib ratio below ``SUMMARY_RATIO``: an outcome with synonyms swapped scores above it);
- a project title is not the item's outcome minus its verb: it does not use only the outcome's words while
  covering ``TITLE_COVERAGE`` or more of them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from prose_reference import ReferenceText, ShingleIndex, content_stems, coverage, reference_texts, sequence_ratio

CG = "https://w3id.org/controlgraph/ontology#"
CONTROL = "https://w3id.org/controlgraph/id/control/"
RUN = 6
SUMMARY_RATIO = 0.4
TITLE_COVERAGE = 0.6
PROSE_PREDICATES = {
    str(RDFS.comment): "comment",
    str(SKOS.definition): "definition",
    CG + "summary": "summary",
    str(DCTERMS.description): "description",
    CG + "qualityFinding": "quality finding",
    CG + "notShipped": "not-shipped note",
}


@dataclass(frozen=True)
class Shipped:
    file: str
    node: str
    what: str
    text: str

    @property
    def item(self) -> tuple[str, str] | None:
        """(slug, notation) when the literal belongs to a control."""
        if not self.node.startswith(CONTROL):
            return None
        slug, _, notation = self.node[len(CONTROL) :].partition("/")
        return slug, notation


@pytest.fixture(scope="module")
def shipped(mappings_dir: Path) -> list[Shipped]:
    found: list[Shipped] = []
    for path in sorted(mappings_dir.glob("*/*.ttl")):
        graph = Graph().parse(path, format="turtle")
        project_titled = set(graph.subjects(URIRef(CG + "titleOrigin"), Literal("project")))
        for node, predicate, value in graph:
            if not isinstance(value, Literal):
                continue
            if str(predicate) in PROSE_PREDICATES:
                found.append(Shipped(path.name, str(node), PROSE_PREDICATES[str(predicate)], str(value)))
            elif predicate == SKOS.prefLabel and node in project_titled:
                found.append(Shipped(path.name, str(node), "project title", str(value)))
    assert len(found) > 1500, "the shipped graph's prose was not found"
    return found


@pytest.fixture(scope="module")
def references(reference_dir: Path) -> list[ReferenceText]:
    return reference_texts(reference_dir)


@pytest.fixture(scope="module")
def outcomes(reference_dir: Path) -> dict[tuple[str, str], str]:
    """The official sentence of each CSF subcategory and GDPR provision, keyed as the catalogs key them."""
    result: dict[tuple[str, str], str] = {}
    with (reference_dir / "nist-csf-2.0" / "csf2_core.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            result[("nist-csf-2.0", row["id"])] = row["text"]
    library = yaml.load((reference_dir / "ciso-assistant" / "nist-csf-1.1.yaml").read_text(encoding="utf-8"),
                        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for node in library["objects"]["framework"]["requirement_nodes"]:
        result[("nist-csf-1.1", node["ref_id"])] = node.get("description", "")
    return result


def test_no_literal_quotes_reference_prose(shipped: list[Shipped], references: list[ReferenceText]) -> None:
    index = ShingleIndex(references, RUN)
    quotes = [
        f"{s.file} {s.node.rsplit('/', 2)[-1]} {s.what}: '{run}' (from {where})"
        for s in shipped
        if (hit := index.shared(s.text)) is not None
        for run, where in [hit]
    ]
    assert quotes == [], "shipped prose repeats reference text:\n" + "\n".join(quotes)


def test_csf_summaries_are_not_reworded_outcomes(shipped: list[Shipped], outcomes: dict[tuple[str, str], str]) -> None:
    summaries = [s for s in shipped if s.what == "summary" and s.item and s.item[0].startswith("nist-csf")]
    assert len(summaries) == 106
    close = {
        s.item[1]: round(ratio, 2)
        for s in summaries
        if s.item and (ratio := sequence_ratio(s.text, outcomes[s.item])) >= SUMMARY_RATIO
    }
    assert close == {}, f"summaries too close to NIST's outcome (stemmed difflib ratio >= {SUMMARY_RATIO}): {close}"


def test_project_titles_are_not_outcomes_minus_the_verb(
    shipped: list[Shipped], outcomes: dict[tuple[str, str], str]
) -> None:
    titles = [s for s in shipped if s.what == "project title" and s.item in outcomes]
    assert len(titles) == 106 + 108
    copied = {}
    for s in titles:
        assert s.item is not None
        outcome = outcomes[s.item]
        only_its_words = set(content_stems(s.text)) <= set(content_stems(outcome))
        if only_its_words and coverage(s.text, outcome) >= TITLE_COVERAGE:
            copied[s.item[1]] = (s.text, outcome)
    assert copied == {}, f"titles made of the outcome's own words: {copied}"


# The literals issue 17 named, each now in the project's own words: a regression guard on the measures.
NAMED_SUMMARIES = ["PR.PS-01", "ID.AM-05", "RS.MA-01", "ID.RA-07", "RC.RP-01", "ID.RA-02", "DE.AE-08", "RS.AN-07",
                   "RC.RP-06"]
NAMED_TITLES = [("nist-csf-1.1", n) for n in ("ID.RA-6", "ID.AM-4", "DE.AE-4", "RS.IM-1", "RC.IM-1", "PR.IP-3",
                                               "ID.AM-3", "PR.IP-12", "PR.AC-5")] + [
    ("nist-csf-2.0", n) for n in ("PR.DS-11", "ID.IM-01", "PR.PS-01")]


def test_the_named_literals_are_rewritten(shipped: list[Shipped], outcomes: dict[tuple[str, str], str]) -> None:
    by_item = {(s.item, s.what): s.text for s in shipped if s.item}
    for notation in NAMED_SUMMARIES:
        item = ("nist-csf-2.0", notation)
        assert sequence_ratio(by_item[(item, "summary")], outcomes[item]) < SUMMARY_RATIO, notation
    for item in NAMED_TITLES:
        assert coverage(by_item[(item, "project title")], outcomes[item]) < TITLE_COVERAGE, item
