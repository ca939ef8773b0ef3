"""Commands that answer questions: satisfiers, coverage, programme, explain (thin, over the engine)."""

from __future__ import annotations

import json
from typing import Any

import click

from controlgraph.analysis.candidate_links import candidates_of
from controlgraph.analysis.coverage import LEVELS, CoverageReport, HaveSpec, ItemCoverage, LevelSummary, coverage
from controlgraph.analysis.explain import explain
from controlgraph.analysis.programme import UnifiedControlSet, unified_control_set
from controlgraph.analysis.scope import ROLES, SCOPES, parse_scopes
from controlgraph.analysis.search import find_control
from controlgraph.analysis.sources import by_pair, several_text
from controlgraph.cli.context import Context, exit_on_error, pass_context
from controlgraph.errors import InputError
from controlgraph.reasoning.inputs import store_mappings, store_texts
from controlgraph.reasoning.materialise import stored_model
from controlgraph.reasoning.pair_features import texts_from
from controlgraph.store import open_store
from controlgraph.vocabulary import Relation, control_ref_from_iri, mapping_set_of, parse_control_ref


@click.command("satisfiers")
@click.argument("control")
@click.option("--framework", "frameworks", multiple=True, help="Only controls of this framework (repeatable).")
@click.option("--full-only", is_flag=True, help="Only controls that cover it fully (equal or superset).")
@click.option("--asserted-only", is_flag=True, help="Leave out relations inferred by reasoning.")
@click.option("--no-roll-up", "no_roll_up", is_flag=True,
              help="Only mappings to CONTROL itself, not those to the items beneath it.")
@click.option("--candidates", "with_candidates", is_flag=True,
              help="Also list candidate links (likely, never proven) with their probability.")
@click.option("--min-probability", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="With --candidates: only candidates at least this probable.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
def satisfiers_command(
    ctx: Context, control: str, frameworks: tuple[str, ...], full_only: bool, asserted_only: bool, no_roll_up: bool,
    with_candidates: bool, min_probability: float, fmt: str,
) -> None:
    """Which controls satisfy CONTROL (written FRAMEWORK:ID, e.g. nist-csf-2.0:PR.AA-01).

    Mappings to the items beneath CONTROL are rolled up to it, marked with the item they were made to, with
    the coverage they give CONTROL under its hierarchy kind (union of children, any one child, own requirements).
    """
    from controlgraph.analysis.rollup import satisfiers_with_roll_up
    from controlgraph.analysis.satisfiers import find_satisfiers, satisfier_record

    with exit_on_error():
        try:
            ref = parse_control_ref(control)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        store = open_store(ctx.settings, read_only=True)
        target = find_control(store, ref)
        find = find_satisfiers if no_roll_up else satisfiers_with_roll_up
        found = by_pair(find(store, ref, frameworks=frameworks, include_inferred=not asserted_only,
                             include_partial=not full_only))
        likely = candidates_of(store, ref.iri, frameworks=frameworks, min_probability=min_probability) \
            if with_candidates else []
    if fmt == "json":
        records = [satisfier_record(s) for s in found]
        if with_candidates:
            click.echo(json.dumps({"satisfiers": records, "candidates": [c.to_json() for c in likely]}, indent=2))
        else:
            click.echo(json.dumps(records, indent=2))
        return
    click.echo(f"{target.ref}  {target.title}")
    if not found:
        click.echo("  no mapped controls")
    for s in found:
        source = f"inferred: {' > '.join(mapping_set_of(m) for m in s.path)}" if s.inferred else \
            several_text(s) or f"{s.mapping_set} [{s.authority}]"
        click.echo(f"  {s.coverage:<7} {s.relation.value:<15} {s.control.ref:<28} {s.control.title}")
        rolled = f"rolled up from {s.rolled_up_from.ref}, " if s.rolled_up_from else ""
        click.echo(f"          {rolled}via {source}")
    if with_candidates:
        click.echo(f"candidates (likely, to confirm; probability a publisher maps the pair): {len(likely)}")
        for c in likely:
            p = "?" if c.probability is None else f"{c.probability:.2f}"
            click.echo(f"  likely  p={p:<5} {_relations(c.possibilities):<40} {_ref(c.object)}  "
                       f"({c.path_count} chains)")




@click.command("coverage")
@click.option("--have", "have", multiple=True, required=True,
              help="What is implemented: framework slugs, FRAMEWORK:ID (globs allowed, e.g. iso27001-2022:A.*), "
                   "comma-separated or repeated, or @FILE with one per line.")
@click.option("--target", required=True, help="Framework to measure, e.g. nist-csf-2.0.")
@click.option("--scope", type=click.Choice(SCOPES), default=None,
              help="Count only the items binding this addressee (GDPR: controller, processor, or organisation for "
                   "either); provisions for authorities and the legislator drop out.")
@click.option("--role", type=click.Choice(ROLES), default=None,
              help="Count only the items whose guidance is for this cloud role (reads cg:responsibility).")
@click.option("--items", "show_items", is_flag=True, help="List every item with its level and evidence.")
@click.option("--under", default=None, help="With --items: only this item and the items beneath it (e.g. GV.OC).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def coverage_command(
    ctx: Context, have: tuple[str, ...], target: str, scope: str | None, role: str | None, show_items: bool,
    under: str | None, fmt: str,
) -> None:
    """How much of TARGET the implemented controls cover: full, partial, likely or none per item, with evidence."""
    with exit_on_error():
        store = open_store(ctx.settings, read_only=True)
        report = coverage(store, HaveSpec.parse(have), target, scope=scope, role=role,
                          likely_threshold=ctx.settings.likely_threshold, hub_share=ctx.settings.hub_share)
    if fmt == "json":
        click.echo(json.dumps(coverage_json(report), indent=2))
        return
    for line in coverage_lines(report):
        click.echo(line)
    if show_items:
        click.echo("items:")
        for item in _subtree(report, under):
            for line in item_lines(report, item):
                click.echo(line)


def coverage_lines(report: CoverageReport) -> list[str]:
    """The summary of a coverage report as text lines (also used by ``programme``)."""
    lines = [f"Coverage of {report.target} by {', '.join(report.have.patterns)} "
             f"({report.implemented} controls implemented)"]
    scoped = report.scope
    if scoped is not None and (scoped.scope or scoped.role):
        asked = ", ".join(f"{k} {v}" for k, v in (("scope", scoped.scope), ("role", scoped.role)) if v)
        extra = f"; {scoped.without_role_data} kept without responsibility data" if scoped.role else ""
        lines.append(f"{asked}: {scoped.left_out} items left out{extra}")
    overall = report.overall()
    lines.append(f"overall, {overall.total} assessable items: {_shares(overall)}")
    lines.append(f"likely = candidate probability >= {report.likely_threshold:g}, from: {report.probability_sources}")
    lines.append("per top-level item (assessable items beneath it):")
    for item in report.top_level():
        info = item.item.info
        lines.append(f"  {info.notation:<8} {info.title[:40]:<40} {_shares(report.under(item))}")
    lines.append("per level (every item of the level):")
    for level in report.by_kind():
        lines.append(f"  {level.kind:<12} {level.total:>4} items  {_shares(level)}")
    if report.hubs:
        names = ", ".join(f"{_ref(h.control)} ({h.items} items, weight {h.weight:.2f})" for h in report.hubs[:5])
        more = f" and {len(report.hubs) - 5} more" if len(report.hubs) > 5 else ""
        lines.append(f"hub controls (linked to a large share of the items; weigh less in expected): {names}{more}")
    return lines


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


def _shares(level: LevelSummary) -> str:
    if not level.total:
        return "n/a"
    return (f"full {level.percent('full'):5.1f}%  partial {level.percent('partial'):5.1f}%  "
            f"likely {level.percent('likely'):5.1f}%  none {level.percent('none'):5.1f}%  "
            f"expected {level.expected_percent:5.1f}%")


def item_lines(report: CoverageReport, item: ItemCoverage) -> list[str]:
    info = item.item.info
    notes = []
    if item.leaves_total:
        notes.append(f"{item.leaves_full}/{item.leaves_total} beneath full")
    if item.item.hierarchy_stated or item.leaves_total:
        notes.append(f"parent: {HIERARCHY_TEXT[item.item.hierarchy]}")
    if item.status == "likely" and item.probability is not None:
        notes.append(f"p={item.probability:.2f}")
    suffix = f"  ({'; '.join(notes)})" if notes else ""
    lines = [f"  {item.status:<7} {info.ref:<24} {info.title[:60]}{suffix}"]
    hubs = {h.control for h in report.hubs}
    for s in item.evidence:
        source = f"inferred: {' > '.join(mapping_set_of(m) for m in s.path)}" if s.inferred else \
            several_text(s) or f"{s.mapping_set} [{s.authority}]"
        hub = " [hub]" if s.control.iri in hubs else ""
        lines.append(f"          {s.relation.value:<15} {s.control.ref:<24} via {source}{hub}")
    for cs in item.cover_sets:
        members = " + ".join(_ref(y) for y in cs.statement.covered_by)
        lines.append(f"          covered by the union of {members} via {cs.statement.mapping_set} (cover set)")
    for c in item.candidates:
        hub = " [hub]" if c.control in hubs else ""
        chain = " > ".join(mapping_set_of(m) for m in c.path)
        if c.proven:
            lines.append(f"          {_relations(frozenset(c.possible))} {_ref(c.control)} proven {c.proven} "
                         f"by chain: {chain}{hub}")
    to_review = [c for c in item.candidates if not c.proven][:3]
    for c in to_review:
        label = "likely" if c.probability >= report.likely_threshold else "to review"
        lines.append(f"          {label}: candidate {_relations(frozenset(c.possible))} {_ref(c.control)} "
                     f"(p={c.probability:.2f}) by chain: {' > '.join(mapping_set_of(m) for m in c.path)}")
    return lines


HIERARCHY_TEXT = {"union": "union of its children", "any": "any one child suffices",
                  "own": "requirements of its own", "unspecified": "children are evidence only"}


def coverage_json(report: CoverageReport) -> dict[str, Any]:
    overall = report.overall()
    scoped = report.scope
    return {
        "target": report.target,
        "have": list(report.have.patterns),
        "implemented": report.implemented,
        "parentIsUnionOfChildren": report.parent_is_union_of_children,
        "scope": scoped.scope if scoped else None,
        "role": scoped.role if scoped else None,
        "leftOut": scoped.left_out if scoped else 0,
        "likelyThreshold": report.likely_threshold,
        "probabilitySource": report.probability_sources,
        "overall": _summary_json(overall),
        "levels": [{"kind": lv.kind, **_summary_json(lv)} for lv in report.by_kind()],
        "hubs": [{"control": _ref(h.control), "items": h.items, "share": round(h.share, 4),
                  "weight": round(h.weight, 4)} for h in report.hubs],
        "items": [coverage_json_item(report, i) for i in report.items],
    }


def coverage_json_item(report: CoverageReport, i: ItemCoverage) -> dict[str, Any]:
    return {
                "control": i.item.info.ref,
                "title": i.item.info.title,
                "kind": i.item.info.kind,
                "status": i.status,
                "directStatus": i.direct_status,
                "hierarchy": i.item.hierarchy,
                "assessable": i.assessable,
                "expected": round(i.expected, 4),
                "probability": i.probability,
                "hubs": [_ref(h) for h in i.hubs],
                "leaves": {"total": i.leaves_total, "full": i.leaves_full, "partial": i.leaves_partial,
                           "likely": i.leaves_likely},
                "evidence": [
                    {"control": s.control.ref, "relation": s.relation.value, "coverage": s.coverage,
                     "inferred": s.inferred, "mappingSet": s.mapping_set, "authority": s.authority,
                     "path": list(s.path), "pathSets": [mapping_set_of(m) for m in s.path]}
                    for s in i.evidence
                ],
                "coverSets": [{"coveredBy": [_ref(y) for y in cs.statement.covered_by],
                               "mappingSet": cs.statement.mapping_set} for cs in i.cover_sets],
                "chains": [
                    {"control": _ref(c.control), "possibleRelations": [r.value for r in c.possible],
                     "proven": c.proven or None, "probability": round(c.probability, 4),
                     "path": list(c.path), "pathSets": [mapping_set_of(m) for m in c.path]}
                    for c in i.candidates
                ],
    }


def _summary_json(level: LevelSummary) -> dict[str, Any]:
    return {"items": level.total, "full": level.full, "partial": level.partial, "likely": level.likely,
            "none": level.none, "expected": round(level.expected, 4),
            "percent": {k: round(level.percent(k), 2) for k in LEVELS} | {"expected": round(level.expected_percent, 2)}}


@click.command("programme")
@click.option("--targets", required=True, help="Comma-separated target frameworks, e.g. iso27017-2015,csa-ccm-4.")
@click.option("--hub", default="iso27002-2022", show_default=True,
              help="Where to pick controls from: a framework or FRAMEWORK:ID patterns (e.g. iso27001-2022:A.*).")
@click.option("--scope", "scopes", multiple=True,
              help="TARGET=SCOPE: count only the items of TARGET binding SCOPE (e.g. gdpr=controller); repeatable.")
@click.option("--role", type=click.Choice(ROLES), default=None,
              help="For targets recording responsibility: count only the items for this cloud role.")
@click.option("--max-controls", type=click.IntRange(min=1), default=None,
              help="Stop after this many picks (a first phase) and measure what they reach.")
@click.option("--gaps", "gap_limit", type=int, default=5, show_default=True,
              help="Gaps listed per target, with their evidence and candidates to review (0: none).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def programme_command(
    ctx: Context, targets: str, hub: str, scopes: tuple[str, ...], role: str | None, max_controls: int | None,
    gap_limit: int, fmt: str,
) -> None:
    """Hub controls that maximise coverage of all TARGETS (proven first), the levels reached and the gaps."""
    target_list = [t.strip() for t in targets.split(",") if t.strip()]
    with exit_on_error():
        scope_map = parse_scopes(scopes)
        store = open_store(ctx.settings, read_only=True)
        unified = unified_control_set(store, target_list, hub, scopes=scope_map, role=role,
                                      likely_threshold=ctx.settings.likely_threshold, hub_share=ctx.settings.hub_share,
                                      max_controls=max_controls)
    if fmt == "json":
        click.echo(json.dumps(programme_json(unified), indent=2))
        return
    for line in programme_lines(unified, gap_limit):
        click.echo(line)


def programme_lines(unified: UnifiedControlSet, gap_limit: int = 5) -> list[str]:
    lines = [f"Programme from {unified.hub} ({unified.pool} controls to pick from) for {', '.join(unified.targets)}",
             f"({unified.bound})",
             f"likely = candidate probability at or above the threshold, from: {unified.probability_source}",
             f"{len(unified.chosen)} controls, in order of what each adds:"]
    total = sum(c.expected_gain for c in unified.chosen) or 1.0
    running = 0.0
    for n, choice in enumerate(unified.chosen, start=1):
        full = sum(len(v) for v in choice.covers.values())
        part = sum(len(v) for v in choice.partially.values())
        running += choice.expected_gain
        lines.append(f"  {n:>3}. {choice.control.ref:<22} {choice.control.title[:40]:<40} "
                     f"+{full:>2} full  +{part:>2} in part  +{choice.expected_gain:4.1f} expected  "
                     f"({100 * running / total:5.1f}% of the plan)")
    lines.append("reached per target (assessable items):")
    for gap in unified.gaps:
        summary = gap.summary or LevelSummary("")
        scope = gap.report.scope if gap.report else None
        label = gap.slug + (f" ({scope.scope})" if scope and scope.scope else "")
        lines.append(f"  {label:<22} {summary.total:>4} items  {_shares(summary)}")
    if gap_limit > 0:
        for gap in unified.gaps:
            items = gap.gap_items()
            if not items or gap.report is None:
                continue
            shown = min(gap_limit, len(items))
            lines.append(f"gaps in {gap.slug}: {len(items)} items not fully covered; first {shown}:")
            for item in items[:gap_limit]:
                lines += item_lines(gap.report, item)
    return lines


def programme_json(unified: UnifiedControlSet) -> dict[str, Any]:
    return {
        "hub": unified.hub,
        "targets": unified.targets,
        "bound": unified.bound,
        "probabilitySource": unified.probability_source,
        "controls": [{"control": c.control.ref, "title": c.control.title, "fullyCovers": c.covers,
                      "partiallyCovers": c.partially, "expectedGain": round(c.expected_gain, 4)}
                     for c in unified.chosen],
        "targetsReached": [
            {"target": g.slug, "scope": g.report.scope.scope if g.report and g.report.scope else None,
             **(_summary_json(g.summary) if g.summary else {}),
             "partialOnly": g.partial_only, "notCovered": g.uncovered,
             "gaps": [coverage_json_item(g.report, i) for i in g.gap_items()] if g.report else []}
            for g in unified.gaps
        ],
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
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def explain_command(ctx: Context, subject: str, object_: str, max_hops: int | None, limit: int, fmt: str) -> None:
    """Every chain of mappings between SUBJECT and OBJECT, the engine's verdict and the pair's probability."""
    with exit_on_error():
        try:
            a, b = parse_control_ref(subject), parse_control_ref(object_)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        store = open_store(ctx.settings, read_only=True)
        find_control(store, a)
        find_control(store, b)
        titles, statements, parents = store_texts(store)
        hops = max_hops or ctx.settings.max_hops
        result = explain(store_mappings(store), a.iri, b.iri, max_hops=hops, model=stored_model(store),
                         texts=texts_from(titles, statements), parent_of=parents.get)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    click.echo(f"{a} -> {b}")
    click.echo(f"direct mappings: {len(result.direct)}")
    for step in result.direct:
        click.echo(f"  {step.relation.value:<15} read as {step.reading} {_relations(step.possibilities)} "
                   f"via {_set_name(step.mapping_set)}")
    click.echo(f"chains of 2..{hops} links (equal mappings inside a class are free): {result.chains_total}")
    for chain in result.chains[:limit]:
        hops_text = " ; ".join(f"{_ref(s.subject)} {s.relation.value} {_ref(s.object)} [{_set_name(s.mapping_set)}]"
                               for s in chain.steps)
        click.echo(f"  allows {_relations(chain.possibilities)}: {hops_text}")
    if result.chains_total > limit:
        click.echo(f"  ... {result.chains_total - limit} more (--limit)")
    click.echo(f"verdict: {result.verdict} {_relations(result.possibilities)}")
    if result.justification is not None:
        click.echo(f"proposed by {result.justification.rsplit('/', 1)[-1]}: no chain joins the two, their texts "
                   "are among each other's nearest (the 'lexical' and 'text_only' features)")
    if result.probability is not None:
        click.echo(f"probability a publisher maps this pair: {result.probability:.2f} "
                   f"(log-odds {result.base_log_odds:+.2f} at the average pair, then per feature:)")
        for name, value, contribution in result.contributions:
            click.echo(f"  {name:<20} {value:8.3f}  {contribution:+.2f}")


def _set_name(iri: str | None) -> str:
    return iri.rsplit("/", 1)[-1] if iri else "?"
