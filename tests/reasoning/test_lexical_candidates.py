"""Candidates from the controls' texts where no chain joins them (reasoning/lexical_candidates.py)."""

from __future__ import annotations

from controlgraph.analysis.evaluation import evaluate
from controlgraph.analysis.explain import explain
from controlgraph.reasoning.chain_results import MAPPING_CHAINING, CandidateLink
from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.reasoning.composition import compose_mappings
from controlgraph.reasoning.lexical_candidates import FLOOR, LEXICAL_JUSTIFICATION, MARGIN, lexical_links
from controlgraph.reasoning.pair_features import TextIndex, texts_from
from controlgraph.reasoning.probability_fit import ScoringInputs, fit_model, hold_out
from controlgraph.vocabulary import Relation, control_iri

Texts = tuple[dict[str, str], dict[str, str], dict[str, str]]
SET = "https://w3id.org/controlgraph/id/mapping-set/"
EDITIONS = "iso27002-2013--iso27002-2022"


def _edge(n: int, a: str, c: str, relation: Relation = Relation.SUBSET_OF) -> AssertedMapping:
    return AssertedMapping(f"https://example.org/m/{n}", a, relation, c, mapping_set="https://example.org/set/x")


def _c(framework: str, ident: str) -> str:
    return control_iri(framework, ident)


def test_the_nearest_text_is_proposed_once_clearly_ahead_and_only_where_nothing_joins_the_pair() -> None:
    fa, fb, hub = "fa", "fb", "hub"
    titles = {
        _c(fa, "1"): "password management system", _c(fb, "1"): "password management system",
        _c(fa, "2"): "logging", _c(fa, "3"): "logging", _c(fb, "2"): "logging", _c(fb, "3"): "logging",
        _c(fa, "4"): "supplier agreements", _c(fb, "4"): "supplier agreements",
        _c(fa, "5"): "physical entry controls", _c(fb, "5"): "cryptographic key rotation",
        _c(hub, "1"): "hub one", _c(hub, "2"): "hub two",
    }
    # Every control is in the walked graph (each has a mapping); fa:4 and fb:4 are mapped to each other.
    edges = [_edge(i, _c(f, n), _c(hub, "1" if f == fa else "2"))
             for i, (f, n) in enumerate((f, n) for f in (fa, fb) for n in "12345")]
    edges.append(_edge(99, _c(fa, "4"), _c(fb, "4"), Relation.EQUAL))
    result = compose_mappings(edges, max_hops=3)
    texts = TextIndex(titles)
    links = lexical_links(result, texts)
    pairs = {frozenset((link.subject, link.object)) for link in links}

    assert frozenset((_c(fa, "1"), _c(fb, "1"))) in pairs  # the same text, and no other close
    assert all(link.justification == LEXICAL_JUSTIFICATION and link.possibilities == frozenset(Relation)
               and link.path_count == 0 and not link.paths for link in links)
    # Two "logging" controls on each side: no text says which of them a publisher would name.
    assert not any({_c(fa, "2"), _c(fa, "3")} & pair and {_c(fb, "2"), _c(fb, "3")} & pair for pair in pairs)
    # Already mapped (one class now): not proposed again; unrelated texts: nothing.
    assert not any(_c(fa, "4") in pair or _c(fa, "5") in pair for pair in pairs)
    # Same frameworks only across, and every proposal reaches the floor.
    assert all(texts.cosine(link.subject, link.object) >= FLOOR for link in links)
    assert all(link.subject.split("/")[-2] != link.object.split("/")[-2] for link in links)
    assert MARGIN > 0
    # The chained candidates (through the hubs) are left as they are.
    assert all(c.justification == MAPPING_CHAINING for c in result.candidates)


def test_a_run_between_two_frameworks_keeps_exactly_the_full_runs_text_candidates(
    built_edges: list[AssertedMapping], shipped_texts: Texts
) -> None:
    titles, statements, parents = shipped_texts
    inputs = ScoringInputs(built_edges, texts_from(titles, statements), parents.get, 3)
    full = inputs.compose(built_edges)
    for pair in (("iso27001-2013", "iso27002-2022"), ("nist-csf-1.1", "nist-csf-2.0"), ("gdpr", "csa-ccm-4")):
        def keyed(candidates, pair=pair):  # type: ignore[no-untyped-def]
            return {(a, c) for k in candidates if k.justification == LEXICAL_JUSTIFICATION
                    for a in (k.subject, *k.subject_equivalents) for c in (k.object, *k.object_equivalents)
                    if {a.split("/")[-2], c.split("/")[-2]} == set(pair)}

        part = inputs.compose(built_edges, between=pair)
        assert keyed(part.candidates) == keyed(full.candidates)
    lexical = sum(k.justification == LEXICAL_JUSTIFICATION for k in full.candidates)
    assert full.stats["lexical_candidates"] == lexical > 0


def test_two_editions_no_chain_joins_are_scored_through_their_texts(
    built_edges: list[AssertedMapping], shipped_texts: Texts
) -> None:
    """ISO/IEC 27002:2013 -> 2022 held out: no other mapping joins the two editions, so chaining finds nothing
    (naive chaining neither); most controls kept their title, and the texts find most of the published pairs."""
    titles, statements, parents = shipped_texts
    texts = texts_from(titles, statements)
    report = evaluate(built_edges, EDITIONS, texts=texts, parent_of=parents.get)
    assert report.naive_all.f1 == 0.0 and report.definite.found == 0
    assert report.ranking.at_default.f1 > 0.6 and report.ranking.at_default.precision > 0.7

    # A text candidate is explained as one: no chain, its probability and the text features' part in it.
    inputs = ScoringInputs(built_edges, texts, parents.get, 3)
    held = hold_out(inputs, SET + EDITIONS)
    found = [pair for pair, row in held.rows if isinstance(row.result, CandidateLink)
             and row.result.justification == LEXICAL_JUSTIFICATION and pair in held.gold]
    assert len(found) > 50
    model = fit_model(inputs, exclude=[SET + EDITIONS])
    shown = explain(held.rest, *found[0], model=model, texts=texts, parent_of=parents.get)
    assert shown.verdict == "candidate" and shown.chains_total == 0 and shown.justification == LEXICAL_JUSTIFICATION
    assert shown.probability is not None and {f for f, _, _ in shown.contributions} >= {"lexical", "text_only"}
