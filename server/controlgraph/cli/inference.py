"""Commands about inference quality: evaluate (hold-out and external gold) and model (the weights)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from controlgraph.analysis.candidate_links import candidates_between
from controlgraph.analysis.crosswalk import crosswalk
from controlgraph.analysis.evaluation import EvaluationReport, evaluate, evaluate_gold
from controlgraph.analysis.metrics import Scores
from controlgraph.analysis.sources import several_text, source_record, sources_of
from controlgraph.cli.context import Context, exit_on_error, pass_context
from controlgraph.errors import InputError, NotFound
from controlgraph.reasoning.inputs import store_mappings, store_texts
from controlgraph.reasoning.materialise import stored_model as stored_build_model
from controlgraph.reasoning.pair_features import texts_from
from controlgraph.reasoning.probability_model import ProbabilityModel
from controlgraph.store import open_store
from controlgraph.vocabulary import control_ref_from_iri, graph_iri

BUILD_NODE = graph_iri("build")


@click.command("evaluate")
@click.option("--hold-out", "held_out", multiple=True, help="Published mapping set id to hold out (repeatable).")
@click.option("--gold", "gold_files", multiple=True, type=click.Path(path_type=Path),
              help="External gold set: CSV of pairs, SSSOM TSV, CISO Assistant mapping YAML, OSCAL mapping "
                   "collection JSON (repeatable).")
@click.option("--frameworks", default=None, help="For an OSCAL gold file: SUBJECT,OBJECT framework slugs.")
@click.option("--max-hops", type=int, default=None, help="Longest chain followed (default: the max_hops setting).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def evaluate_command(
    ctx: Context, held_out: tuple[str, ...], gold_files: tuple[Path, ...], frameworks: str | None,
    max_hops: int | None, fmt: str,
) -> None:
    """Infer published mappings back without them; score definite relations, ranked candidates and naive chaining."""
    with exit_on_error():
        if not held_out and not gold_files:
            raise InputError("give --hold-out SET or --gold FILE (or several)")
        # The importers load only when a gold file is read.
        from controlgraph.importers.context import GraphContext
        from controlgraph.importers.gold_sets import read_gold

        pair = tuple(frameworks.split(",")) if frameworks else None
        if pair is not None and len(pair) != 2:
            raise InputError("--frameworks takes SUBJECT,OBJECT")
        store = open_store(ctx.settings, read_only=True)
        edges = store_mappings(store)
        titles, statements, parents = store_texts(store)
        texts = texts_from(titles, statements)
        hops = max_hops or ctx.settings.max_hops
        reports = [evaluate(edges, h, texts=texts, parent_of=parents.get, max_hops=hops) for h in held_out]
        known = set(titles) | {e.subject for e in edges} | {e.object for e in edges}
        # The URN registry of imported CISO Assistant libraries, for a CISO Assistant gold file.
        context = GraphContext.from_store(store) if gold_files else GraphContext()
        for path in gold_files:
            gold = read_gold(path, known, pair,  # type: ignore[arg-type]
                             lambda urn: context.resolve_urn(urn, ignoring=""))
            if not gold.pairs:
                raise NotFound(f"{path}: none of its {gold.rows} rows names two controls the graph knows")
            reports.append(evaluate_gold(edges, gold.pairs, path.name, texts=texts, parent_of=parents.get,
                                         max_hops=hops))
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in reports], indent=2))
        return
    for r in reports:
        _echo_report(r)


def _line(label: str, s: Scores) -> str:
    return (f"  {label:<34} found {s.found:>6}  correct {s.correct:>5}  "
            f"P {s.precision:.2f}  R {s.recall:.2f}  F1 {s.f1:.2f}")


def _echo_report(r: EvaluationReport) -> None:
    click.echo(f"{r.held_out} ({r.subject_framework} -> {r.object_framework}): {r.held_out_pairs} gold pairs among "
               f"the controls both sides know; inferring from {r.other_mappings} other mappings, up to "
               f"{r.max_hops} hops")
    rk = r.ranking
    click.echo(_line("definite relations", r.definite)
               + f"  (relation agrees: {r.definite_relation_agreement})")
    click.echo(_line("all inferred pairs, unranked", r.inferred))
    if r.lifted_pairs:
        click.echo(f"  ({r.lifted_pairs} of them inferred to an item beneath a control the gold names, scored "
                   "as that control; naive chaining likewise)")
    click.echo(_line(f"probability >= {rk.default_threshold:.2f} (operating)", rk.at_default))
    click.echo(_line(f"best threshold ({rk.best_threshold:.2f})", rk.at_best))
    click.echo(_line("naive two-hop, all pivots", r.naive_all))
    for pivot, s in r.naive_by_pivot.items():
        click.echo(_line(f"naive two-hop via {pivot}", s))
    at_k = "  ".join(f"P@{k} {v:.2f}" for k, v in rk.precision_at.items())
    click.echo(f"  average precision {rk.average_precision:.3f}   {at_k}")
    click.echo(f"  F1 over best naive: {rk.at_best.f1 - r.best_naive.f1:+.2f} at the best threshold, "
               f"{rk.at_default.f1 - r.best_naive.f1:+.2f} at {rk.default_threshold:.2f}")
    click.echo(f"  calibration (Brier {rk.brier:.3f}; largest gap in bins of 20+ pairs "
               f"{rk.max_calibration_gap:.2f}):")
    for b in rk.calibration:
        click.echo(f"    {b.low:.1f}-{b.high:.1f}  {b.pairs:>5} pairs  predicted {b.predicted:.2f}  "
                   f"observed {b.observed:.2f}")
    sets = ", ".join(f"{k} ({v})" for k, v in sorted(r.model_trained_on.items()))
    click.echo(f"  model fitted on: {sets or 'no set (flat prior)'}")


def stored_model(ctx: Context) -> ProbabilityModel | None:
    """The probability model of the last build, read from the build graph."""
    return stored_build_model(open_store(ctx.settings, read_only=True))


@click.command("model")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def model_command(ctx: Context, fmt: str) -> None:
    """The candidates' probability model of the last build: features, weights, calibration."""
    with exit_on_error():
        model = stored_model(ctx)
        if model is None:
            raise NotFound("the store holds no probability model; run `controlgraph build`")
    if fmt == "json":
        click.echo(json.dumps(model.to_json(), indent=2))
        return
    for line in model.describe():
        click.echo(line)


@click.command("crosswalk")
@click.argument("source")
@click.argument("target")
@click.option("--inferred", is_flag=True, help="Include definite relations inferred by chaining.")
@click.option("--candidates", "with_candidates", is_flag=True,
              help="Include candidate links (likely, never proven) with their probability.")
@click.option("--min-probability", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="With --candidates: only candidates at least this probable.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
def crosswalk_command(
    ctx: Context, source: str, target: str, inferred: bool, with_candidates: bool, min_probability: float, fmt: str
) -> None:
    """Every mapping from framework SOURCE to TARGET; with --candidates the likely ones too, by probability."""
    with exit_on_error():
        store = open_store(ctx.settings, read_only=True)
        rows = crosswalk(store, source, target, include_inferred=inferred)
        likely = candidates_between(store, source, target, min_probability=min_probability) \
            if with_candidates else []
    if fmt == "json":
        click.echo(json.dumps({
            "mappings": [{"source": r.source.ref, "relation": r.mapping.relation.value,
                          "target": r.mapping.control.ref, "inferred": r.mapping.inferred,
                          "sources": [] if r.mapping.inferred else [source_record(x) for x in sources_of(r.mapping)]}
                         for r in rows],
            "candidates": [c.to_json() for c in likely],
        }, indent=2))
        return
    for r in rows:
        several = None if r.mapping.inferred else several_text(r.mapping)
        kind = "inferred" if r.mapping.inferred else f"asserted by {several}" if several else "asserted"
        click.echo(f"{r.source.ref:<28} {r.mapping.relation.value:<15} {r.mapping.control.ref:<28} {kind}")
    for c in likely:
        p = "?" if c.probability is None else f"{c.probability:.2f}"
        relations = ", ".join(sorted(x.value for x in c.possibilities))
        click.echo(f"{_ref(c.subject):<28} {'likely':<15} {_ref(c.object):<28} p={p} {{{relations}}}")


def _ref(iri: str) -> str:
    ref = control_ref_from_iri(iri)
    return str(ref) if ref else iri
