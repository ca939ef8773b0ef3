"""Commands that answer questions: satisfiers, coverage, programme, explain, evaluate (thin, over the engine)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import click

from controlgraph.analysis.coverage import CoverageReport, HaveSpec, ItemCoverage, coverage
from controlgraph.analysis.evaluation import evaluate
from controlgraph.analysis.explain import explain
from controlgraph.analysis.programme import UnifiedControlSet, unified_control_set
from controlgraph.analysis.search import find_control
from controlgraph.cli.context import Context, exit_on_error, pass_context
from controlgraph.errors import InputError
from controlgraph.reasoning.inputs import store_mappings
from controlgraph.store import open_store
from controlgraph.vocabulary import Relation, control_ref_from_iri, mapping_set_of, parse_control_ref


@click.command("satisfiers")
@click.argument("control")
@click.option("--framework", "frameworks", multiple=True, help="Only controls of this framework (repeatable).")
@click.option("--full-only", is_flag=True, help="Only controls that cover it fully (equal or superset).")
@click.option("--asserted-only", is_flag=True, help="Leave out relations inferred by reasoning.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
def satisfiers_command(
    ctx: Context, control: str, frameworks: tuple[str, ...], full_only: bool, asserted_only: bool, fmt: str
) -> None:
    """Which controls satisfy CONTROL (written FRAMEWORK:ID, e.g. nist-csf-2.0:PR.AA-01)."""
    from controlgraph.analysis.satisfiers import find_satisfiers, satisfier_record

    with exit_on_error():
        try:
            ref = parse_control_ref(control)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        store = open_store(ctx.settings, read_only=True)
        target = find_control(store, ref)
        found = find_satisfiers(
            store, ref, frameworks=frameworks, include_inferred=not asserted_only, include_partial=not full_only
        )
    if fmt == "json":
        click.echo(json.dumps([satisfier_record(s) for s in found], indent=2))
        return
    click.echo(f"{target.ref}  {target.title}")
    if not found:
        click.echo("  no mapped controls")
    for s in found:
        source = f"inferred: {' > '.join(mapping_set_of(m) for m in s.path)}" if s.inferred else \
            f"{s.mapping_set} [{s.authority}]"
        click.echo(f"  {s.coverage:<7} {s.relation.value:<15} {s.control.ref:<28} {s.control.title}")
        click.echo(f"          via {source}")




@click.command("coverage")
@click.option("--have", "have", multiple=True, required=True,
              help="What is implemented: framework slugs, FRAMEWORK:ID (globs allowed, e.g. iso27001-2022:A.*), "
                   "comma-separated or repeated, or @FILE with one per line.")
@click.option("--target", required=True, help="Framework to measure, e.g. nist-csf-2.0.")
@click.option("--items", "show_items", is_flag=True, help="List every item with its status and evidence.")
@click.option("--under", default=None, help="With --items: only this item and the items beneath it (e.g. GV.OC).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def coverage_command(
    ctx: Context, have: tuple[str, ...], target: str, show_items: bool, under: str | None, fmt: str
) -> None:
    """How much of TARGET the implemented controls cover: full, partial or none per item, with evidence."""
    with exit_on_error():
        store = open_store(ctx.settings, read_only=True)
        report = coverage(store, HaveSpec.parse(have), target)
    if fmt == "json":
        click.echo(json.dumps(coverage_json(report), indent=2))
        return
    click.echo(f"Coverage of {report.target} by {', '.join(report.have.patterns)} "
               f"({report.implemented} controls implemented)")
    overall = report.overall()
    click.echo(f"overall, {overall.total} leaf items: {_percentages(overall.full, overall.partial, overall.total)}")
    click.echo("per top-level item (leaf items beneath it):")
    for item in report.top_level():
        total = item.leaves_total or 1
        full = item.leaves_full if item.leaves_total else int(item.status == "full")
        partial = item.leaves_partial if item.leaves_total else int(item.status == "partial")
        info = item.item.info
        click.echo(f"  {info.notation:<8} {info.title[:40]:<40} {_percentages(full, partial, total)}")
    click.echo("per level:")
    for level in report.by_kind():
        click.echo(f"  {level.kind:<12} {level.total:>4} items  {_percentages(level.full, level.partial, level.total)}")
    if show_items:
        click.echo("items:")
        for item in _subtree(report, under):
            _echo_item(item)


def _subtree(report: CoverageReport, under: str | None) -> list[ItemCoverage]:
    if under is None:
        return report.items
    by_iri = {i.item.info.iri: i for i in report.items}
    root = next((i for i in report.items if i.item.info.notation == under), None)
    if root is None:
        raise click.BadParameter(f"no item {under} in {report.target}", param_hint="--under")

    def beneath(item: ItemCoverage) -> bool:
        parent: str | None = item.item.info.iri
        while parent is not None:
            if parent == root.item.info.iri:
                return True
            parent = by_iri[parent].item.parent if parent in by_iri else None
        return False

    return [i for i in report.items if beneath(i)]


def _percentages(full: int, partial: int, total: int) -> str:
    none = total - full - partial
    def pct(n: int) -> str:
        return f"{100.0 * n / total:5.1f}%" if total else "  n/a"
    return f"full {pct(full)}  partial {pct(partial)}  none {pct(none)}"


def _echo_item(item: ItemCoverage) -> None:
    info = item.item.info
    fraction = f"  ({item.leaves_full}/{item.leaves_total} leaves full)" if item.leaves_total else ""
    click.echo(f"  {item.status:<7} {info.ref:<24} {info.title[:60]}{fraction}")
    for s in item.evidence:
        source = f"inferred: {' > '.join(mapping_set_of(m) for m in s.path)}" if s.inferred else \
            f"{s.mapping_set} [{s.authority}]"
        click.echo(f"          {s.relation.value:<15} {s.control.ref:<24} via {source}")
    for c in item.candidates[:3]:
        click.echo(f"          to review: candidate {_relations(frozenset(c.possible))} {_ref(c.control)} "
                   f"(score {c.score:.2f})")


def coverage_json(report: CoverageReport) -> dict[str, Any]:
    overall = report.overall()
    return {
        "target": report.target,
        "have": list(report.have.patterns),
        "implemented": report.implemented,
        "parentIsUnionOfChildren": report.parent_is_union_of_children,
        "overall": {"leafItems": overall.total, "full": overall.full, "partial": overall.partial,
                    "none": overall.none},
        "levels": [{"kind": lv.kind, "full": lv.full, "partial": lv.partial, "none": lv.none}
                   for lv in report.by_kind()],
        "items": [
            {
                "control": i.item.info.ref,
                "title": i.item.info.title,
                "kind": i.item.info.kind,
                "status": i.status,
                "directStatus": i.direct_status,
                "leaves": {"total": i.leaves_total, "full": i.leaves_full, "partial": i.leaves_partial},
                "evidence": [
                    {"control": s.control.ref, "relation": s.relation.value, "coverage": s.coverage,
                     "inferred": s.inferred, "mappingSet": s.mapping_set, "authority": s.authority,
                     "path": list(s.path)}
                    for s in i.evidence
                ],
                "candidatesToReview": [
                    {"control": _ref(c.control), "possibleRelations": [r.value for r in c.possible],
                     "score": c.score, "path": list(c.path)}
                    for c in i.candidates
                ],
            }
            for i in report.items
        ],
    }


@click.command("programme")
@click.option("--targets", required=True, help="Comma-separated target frameworks, e.g. iso27017-2015,csa-ccm-4.")
@click.option("--hub", default="iso27002-2022", show_default=True, help="Framework to pick hub controls from.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def programme_command(ctx: Context, targets: str, hub: str, fmt: str) -> None:
    """A small set of hub controls that fully covers as much of all TARGETS as possible, and the gaps."""
    target_list = [t.strip() for t in targets.split(",") if t.strip()]
    with exit_on_error():
        store = open_store(ctx.settings, read_only=True)
        unified = unified_control_set(store, target_list, hub)
    if fmt == "json":
        click.echo(json.dumps(programme_json(unified), indent=2))
        return
    click.echo(f"Unified control set from {unified.hub} for {', '.join(unified.targets)}")
    click.echo(f"({unified.bound})")
    for choice in unified.chosen:
        covered = "; ".join(f"{t}: {len(refs)}" for t, refs in choice.covers.items())
        click.echo(f"  {choice.control.ref:<22} {choice.control.title[:45]:<45} fully covers {covered}")
    click.echo("residual gaps per target (leaf items):")
    for gap in unified.gaps:
        click.echo(f"  {gap.slug:<16} {gap.fully_covered}/{gap.leaf_items} fully covered ({gap.percent_full:.1f}%), "
                   f"{len(gap.partial_only)} only partially, {len(gap.uncovered)} with no hub mapping")


def programme_json(unified: UnifiedControlSet) -> dict[str, Any]:
    return {
        "hub": unified.hub,
        "targets": unified.targets,
        "bound": unified.bound,
        "controls": [{"control": c.control.ref, "title": c.control.title, "fullyCovers": c.covers,
                      "partiallyCovers": c.partially} for c in unified.chosen],
        "gaps": [{"target": g.slug, "leafItems": g.leaf_items, "fullyCovered": g.fully_covered,
                  "partialOnly": g.partial_only, "uncovered": g.uncovered} for g in unified.gaps],
    }


def _ref(iri: str) -> str:
    ref = control_ref_from_iri(iri)
    return str(ref) if ref else f"<{iri}>"


def _relations(rels: frozenset[Relation]) -> str:
    if len(rels) == len(Relation):
        return "any"
    return "{" + ", ".join(r.value for r in Relation if r in rels) + "}"


@click.command("explain")
@click.argument("subject")
@click.argument("object_")
@click.option("--max-hops", type=int, default=None, help="Longest chain followed (default: the max_hops setting).")
@click.option("--limit", type=int, default=20, show_default=True, help="Chains printed (all are counted).")
@pass_context
def explain_command(ctx: Context, subject: str, object_: str, max_hops: int | None, limit: int) -> None:
    """Every chain of mappings between SUBJECT and OBJECT, what each allows, and the verdict."""
    with exit_on_error():
        try:
            a, b = parse_control_ref(subject), parse_control_ref(object_)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        store = open_store(ctx.settings, read_only=True)
        find_control(store, a)
        find_control(store, b)
        result = explain(store_mappings(store), a.iri, b.iri, max_hops=max_hops or ctx.settings.max_hops)
    click.echo(f"{a} -> {b}")
    click.echo(f"direct mappings: {len(result.direct)}")
    for step in result.direct:
        click.echo(f"  {step.relation.value:<15} via {_set_name(step.mapping_set)}")
    click.echo(f"chains of 2..{max_hops or ctx.settings.max_hops} mappings: {result.chains_total}")
    for chain in result.chains[:limit]:
        hops = " ; ".join(f"{_ref(s.subject)} {s.relation.value} {_ref(s.object)} [{_set_name(s.mapping_set)}]"
                          for s in chain.steps)
        click.echo(f"  allows {_relations(chain.possibilities)}: {hops}")
    if result.chains_total > limit:
        click.echo(f"  ... {result.chains_total - limit} more (--limit)")
    click.echo(f"verdict: {result.verdict} {_relations(result.possibilities)}")


def _set_name(iri: str | None) -> str:
    return iri.rsplit("/", 1)[-1] if iri else "?"


@click.command("evaluate")
@click.option("--hold-out", "held_out", required=True, multiple=True, help="Mapping set id to hold out (repeatable).")
@click.option("--max-hops", type=int, default=None, help="Longest chain followed (default: the max_hops setting).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def evaluate_command(ctx: Context, held_out: tuple[str, ...], max_hops: int | None, fmt: str) -> None:
    """Hold out a published set, infer it back from the rest, score against it and against naive chaining."""
    with exit_on_error():
        store = open_store(ctx.settings, read_only=True)
        edges = store_mappings(store)
        reports = [evaluate(edges, h, max_hops=max_hops or ctx.settings.max_hops) for h in held_out]
    if fmt == "json":
        click.echo(json.dumps([dataclasses.asdict(r) for r in reports], indent=2))
        return
    for r in reports:
        click.echo(f"held out {r.held_out} ({r.subject_framework} -> {r.object_framework}): {r.held_out_pairs} pairs; "
                   f"inferring from {r.other_mappings} other mappings, up to {r.max_hops} hops")
        for label, scores in (("definite relations", r.definite), ("candidate links", r.candidates),
                              ("definite + candidates", r.candidates_and_definite),
                              ("naive two-hop baseline", r.naive_two_hop)):
            click.echo(f"  {label:<24} found {scores.found:>6}  correct {scores.correct:>5}  "
                       f"precision {scores.precision:.2f}  recall {scores.recall:.2f}  F1 {scores.f1:.2f}")
        click.echo(f"  definite relations equal to the held-out relation: {r.definite_relation_agreement}")
        curve = "  ".join(f"{level:.1f}:{precision:.2f}" for level, precision in r.precision_at_recall)
        click.echo(f"  ranked precision at recall  {curve}")
