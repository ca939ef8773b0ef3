"""The probability model: fitting, calibration, leave-one-set-out on the shipped sets, and metrics."""

from __future__ import annotations

import numpy as np

from controlgraph.analysis.metrics import rank_report
from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.reasoning.composition import compose_mappings
from controlgraph.reasoning.pair_features import FEATURES, TextIndex, texts_from
from controlgraph.reasoning.probability_fit import ScoringInputs, apply_model, fit_model, hold_out
from controlgraph.reasoning.probability_model import ProbabilityModel
from controlgraph.vocabulary import Relation


def test_logistic_regression_learns_the_direction_and_platt_calibrates() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 2))
    p = 1 / (1 + np.exp(-(2.0 * x[:, 0] - 1.0)))
    y = (rng.random(2000) < p).astype(float)
    model = ProbabilityModel.fit(("signal", "noise"), x, y)
    assert model.weights[0] > 1.0 and abs(model.weights[1]) < 0.2
    model.calibrate(model.log_odds(x), y)
    predicted = model.predict(x)
    assert abs(float(predicted.mean()) - float(y.mean())) < 0.02
    contributions = model.contributions([1.0, 0.0])
    assert contributions[0][0] == "signal" and contributions[0][2] > 0


def test_rank_report_counts_by_hand() -> None:
    gold = {("a", "1"), ("b", "2"), ("c", "3")}
    predicted = [(("a", "1"), 0.9), (("x", "9"), 0.8), (("b", "2"), 0.6), (("y", "8"), 0.2)]
    report = rank_report(predicted, gold, ks=(2,))
    # Hits at ranks 1 and 3: AP = (1/1 + 2/3) / 3 gold pairs.
    assert abs(report.average_precision - (1 + 2 / 3) / 3) < 1e-9
    assert report.precision_at[2] == 0.5
    assert (report.at_default.found, report.at_default.correct) == (3, 2)
    assert report.best_threshold == 0.6 and abs(report.at_best.f1 - 2 * (2 / 3) * (2 / 3) / (4 / 3)) < 1e-9
    assert abs(report.brier - ((0.1**2) + (0.8**2) + (0.4**2) + (0.2**2)) / 4) < 1e-9


def test_text_index_prefers_shared_rare_words() -> None:
    index = TextIndex({"a": "access control policy", "b": "access control for suppliers", "c": "physical entry"})
    assert index.cosine("a", "b") > index.cosine("a", "c") == 0.0


def test_between_gives_the_full_run_results_for_its_frameworks(built_edges: list[AssertedMapping]) -> None:
    full = compose_mappings(built_edges, max_hops=3)
    pair = ("nist-csf-1.1", "iso27001-2022")
    part = compose_mappings(built_edges, max_hops=3, between=pair)

    def keyed(result):  # type: ignore[no-untyped-def]
        out = set()
        for d in result.definite:
            out |= {(a, c, d.relation.value) for a, c in d.member_pairs() if _in(a, c, pair)}
        for k in result.candidates:
            out |= {(a, c, tuple(sorted(r.value for r in k.possibilities)), k.path_count)
                    for a in (k.subject, *k.subject_equivalents) for c in (k.object, *k.object_equivalents)
                    if _in(a, c, pair)}
        return out

    assert keyed(part) == keyed(full) and keyed(full)


def _in(a: str, c: str, pair: tuple[str, str]) -> bool:
    return {a.split("/")[-2], c.split("/")[-2]} == set(pair)


def test_leave_one_set_out_never_learns_from_the_held_out_set(
    built_edges: list[AssertedMapping], shipped_texts: tuple[dict[str, str], dict[str, str], dict[str, str]]
) -> None:
    titles, statements, parents = shipped_texts
    inputs = ScoringInputs(built_edges, texts_from(titles, statements), parents.get, 3)
    held = "https://w3id.org/controlgraph/id/mapping-set/nist-csf-1.1--iso27001-2022"
    model = fit_model(inputs, exclude=[held])
    assert "nist-csf-1.1--iso27001-2022" not in model.trained_on
    assert "nist-csf-1.1--nist-csf-2.0" in model.trained_on
    assert len(model.weights) == len(FEATURES)
    part = hold_out(inputs, held)
    assert not any(e.mapping_set == held for e in part.rest)
    assert part.rows and sum(part.labels) > 0
    probabilities = model.predict(part.matrix())
    assert float(probabilities.min()) >= 0.0 and float(probabilities.max()) <= 1.0
    # The ranking beats the unranked candidate list: average precision above the base rate.
    report = rank_report([(p, float(q)) for (p, _), q in zip(part.rows, probabilities, strict=True)], part.gold)
    assert report.average_precision > sum(part.labels) / len(part.labels) * report.at_best.recall


def test_every_candidate_of_the_build_gets_a_probability(
    built_edges: list[AssertedMapping], shipped_texts: tuple[dict[str, str], dict[str, str], dict[str, str]]
) -> None:
    titles, statements, parents = shipped_texts
    inputs = ScoringInputs(built_edges, texts_from(titles, statements), parents.get, 2)
    result = inputs.compose(built_edges)
    apply_model(fit_model(inputs), inputs, result)
    assert result.candidates and all(c.probability is not None for c in result.candidates)
    assert all(0.0 <= (c.probability or 0) <= 1.0 for c in result.candidates)


def test_no_published_sets_means_no_invented_probability() -> None:
    edges = [
        AssertedMapping("m1", "f1:a", Relation.SUBSET_OF, "f2:b"),
        AssertedMapping("m2", "f2:b", Relation.INTERSECTS_WITH, "f3:c"),
    ]
    inputs = ScoringInputs(edges, TextIndex({}), None, 3)
    model = fit_model(inputs)
    assert model.trained_on == {}
    result = compose_mappings(edges, lambda c: c.split(":")[0])
    apply_model(model, inputs, result)
    assert result.candidates and all(c.probability is None for c in result.candidates)


def test_best_cut_and_the_operating_threshold_by_hand() -> None:
    from controlgraph.reasoning.probability_fit import best_cut, operating_threshold

    p = np.array([0.9, 0.8, 0.6, 0.4, 0.2])
    y = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
    # Keeping the top 2 gives F1 2*2/(2+4) = 0.67; the top 4: 2*3/(4+4) = 0.75 (gold 4, one never found).
    assert best_cut(p, y, gold=4) == 0.4
    # Ties are cut between distinct values only: keeping one of two 0.5s is not a choice.
    assert best_cut(np.array([0.5, 0.5, 0.1]), np.array([1.0, 0.0, 0.0]), gold=1) == 0.5
    # The median of the training sets' cuts; sets without a published pair among their rows say nothing.
    folds = [(p, y, 4), (np.array([0.3, 0.1]), np.array([1.0, 0.0]), 1), (np.array([0.7]), np.array([1.0]), 1),
             (np.array([0.9]), np.array([0.0]), 3)]
    assert operating_threshold(folds) == 0.4
    assert operating_threshold([(np.array([0.9]), np.array([0.0]), 3)]) == 0.5  # nothing to learn from


def test_the_fitted_threshold_is_the_one_evaluate_and_coverage_use(
    built_edges: list[AssertedMapping], shipped_texts: tuple[dict[str, str], dict[str, str], dict[str, str]],
    built_store,  # type: ignore[no-untyped-def]
) -> None:
    from controlgraph.analysis.evaluation import evaluate
    from controlgraph.analysis.likelihood import FROM_MODEL, likely_threshold_in

    titles, statements, parents = shipped_texts
    inputs = ScoringInputs(built_edges, texts_from(titles, statements), parents.get, 3)
    held = "nist-csf-1.1--iso27001-2022"
    model = fit_model(inputs, exclude=["https://w3id.org/controlgraph/id/mapping-set/" + held])
    assert 0.0 < model.threshold < 0.5  # most probabilities sit below 0.5: a fixed 0.5 kept almost nothing
    report = evaluate(built_edges, held, texts=texts_from(titles, statements), parent_of=parents.get)
    assert report.ranking.default_threshold == model.threshold
    # The shipped build stores its own threshold; coverage follows it unless a threshold is configured.
    stored = likely_threshold_in(built_store, FROM_MODEL)
    assert 0.0 < stored < 0.5
    assert likely_threshold_in(built_store, 0.7) == 0.7


def test_a_model_fitted_on_the_same_inputs_is_reused_and_round_trips() -> None:
    C, S = "https://w3id.org/controlgraph/id/control/", "https://w3id.org/controlgraph/id/mapping-set/"
    edges = [
        AssertedMapping(f"m{i}", f"{C}fa/a{i}", Relation.SUBSET_OF, f"{C}fb/b{i}", mapping_set=S + "ab")
        for i in range(25)
    ] + [
        AssertedMapping(f"n{i}", f"{C}fb/b{i}", Relation.INTERSECTS_WITH, f"{C}fc/c{i % 20}", mapping_set=S + "bc")
        for i in range(25)
    ] + [
        AssertedMapping(f"k{i}", f"{C}fa/a{i}", Relation.INTERSECTS_WITH, f"{C}fc/c{(i * 7) % 20}",
                        mapping_set=S + "ac")
        for i in range(25)
    ]
    inputs = ScoringInputs(edges, TextIndex({}), None, 3)
    model = fit_model(inputs)
    assert model.trained_on and model.inputs_digest
    again = ProbabilityModel.from_json(model.to_json())
    assert again.to_json() == model.to_json()
    assert fit_model(inputs, previous=again) is again  # same inputs: not refitted
    changed = ScoringInputs(edges[:-1], TextIndex({}), None, 3)
    assert fit_model(changed, previous=again) is not again


def test_values_beyond_the_training_range_are_clipped_and_a_rare_feature_is_not_amplified() -> None:
    rng = np.random.default_rng(5)
    x = np.column_stack([rng.normal(size=2000), np.ones(2000)])
    x[:3, 1] = 0.0  # a feature nearly constant in training (two_hop: 0 on a handful of rows)
    y = (rng.random(2000) < 1 / (1 + np.exp(-x[:, 0]))).astype(float)
    y[:3] = 1.0
    model = ProbabilityModel.fit(("signal", "rare"), x, y, l2=10.0)
    assert model.scale[1] >= 0.1  # at least a tenth of the range, not the 0.04 of its standard deviation
    # The rare value moves the log-odds by a few units at most, not by tens.
    assert abs(float(model.log_odds(np.array([[0.0, 0.0]]))[0] - model.log_odds(np.array([[0.0, 1.0]]))[0])) < 3
    top = float(x[:, 0].max())
    far = model.predict(np.array([[top + 50.0, 1.0]]))[0]
    assert far == model.predict(np.array([[top, 1.0]]))[0]  # scored as the most extreme pair seen
    assert model.contributions([top + 50.0, 1.0]) == [
        (name, 50.0 + top if name == "signal" else v, c) for name, v, c in model.contributions([top, 1.0])
    ]
    again = ProbabilityModel.from_json(model.to_json())
    assert again.predict(np.array([[top + 50.0, 1.0]]))[0] == far
    stored_before = {k: v for k, v in model.to_json().items() if k != "range"}  # a model stored before clipping
    assert ProbabilityModel.from_json(stored_before).lower == []


def test_pivot_walk_by_hand() -> None:
    from controlgraph.reasoning.pair_features import PairFeatures

    C = "https://w3id.org/controlgraph/id/control/"
    # a maps to one pivot p1, which maps to two controls of fc (c1, c2); c1 maps back to p1 only, and
    # p1 has one link into fa. a also reaches c3 through two hubs of another pivot framework.
    edges = [
        AssertedMapping("1", C + "fa/a", Relation.INTERSECTS_WITH, C + "fb/p1"),
        AssertedMapping("2", C + "fb/p1", Relation.INTERSECTS_WITH, C + "fc/c1"),
        AssertedMapping("3", C + "fb/p1", Relation.INTERSECTS_WITH, C + "fc/c2"),
        *(AssertedMapping(f"h{i}", C + "fa/a", Relation.INTERSECTS_WITH, C + f"fd/h{i}") for i in range(2)),
        *(AssertedMapping(f"k{i}", C + f"fd/h{i}", Relation.INTERSECTS_WITH, C + f"fc/c{j}")
          for i in range(2) for j in range(3, 8)),
    ]
    result = compose_mappings(edges, max_hops=2)
    features = PairFeatures(result, TextIndex({}))
    walk = {
        (row.subject.rsplit("/", 1)[-1], row.object.rsplit("/", 1)[-1]): row.values[FEATURES.index("pivot_walk")]
        for row in features.rows()
    }
    key = ("a", "c1") if ("a", "c1") in walk else ("c1", "a")
    # a -> p1 (1 of 1 links into fb), p1 -> c1 (1 of 2 into fc): 1/2; back c1 -> p1 -> a: 1; mean 0.75.
    assert walk[key] == 0.75
    hub = ("a", "c3") if ("a", "c3") in walk else ("c3", "a")
    # a -> either hub (1/2), each on to 1 of 5: 2 * 1/10 = 0.2; back c3 -> a hub (1/2) -> a (1/1): 1; mean 0.6.
    assert walk[hub] == 0.6


def test_a_flat_model_without_a_training_range_round_trips() -> None:
    inputs = ScoringInputs([AssertedMapping("m1", "f1:a", Relation.SUBSET_OF, "f2:b")], TextIndex({}), None, 3)
    flat = fit_model(inputs)
    assert flat.lower == [] and ProbabilityModel.from_json(flat.to_json()).to_json() == flat.to_json()
