"""CLI command ``controlgraph import KIND PATH``: a thin layer over :mod:`controlgraph.importers`."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import click

from controlgraph.cli.context import Context, exit_on_error, pass_context
from controlgraph.importers import IMPORTERS, ImportOptions, import_file
from controlgraph.pipeline.imports import ImportedDataset, RowIssue
from controlgraph.store import open_store

SHOW_ALL_UP_TO = 30  # issues printed one by one; past this, a summary by reason


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--framework", help="oscal-catalog: the framework slug the catalog is read as (default: from its title).")
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write every rejected or repaired row to this CSV file.")
@pass_context
def import_command(ctx: Context, kind: str, path: Path, framework: str | None, report_path: Path | None) -> None:
    """Load a user-supplied official file (KIND: ccm, csf-xlsx, ciso-yaml, oscal-catalog) into its own graph.

    The dataset is validated together with the graph; if it does not conform nothing is written
    (exit 1). A file that cannot be read exits 2. Importing the same file again changes nothing.
    """
    with exit_on_error():
        store = open_store(ctx.settings)
        dataset, outcome = import_file(store, kind, path, ImportOptions(framework=framework))
        store.close()
    click.echo(f"imported {kind} {path} into <{outcome.graph}>")
    for what, n in dataset.counts.items():
        click.echo(f"  {what}: {n:,}")
    _print_issues(dataset, report_path)
    if outcome.changed:
        click.echo(f"store changed: graph written ({outcome.triples:,} triples); "
                   f"inferred relations refreshed ({outcome.inferred_relations:,})")
    else:
        click.echo("unchanged: the store already holds exactly this import")


def _print_issues(dataset: ImportedDataset, report_path: Path | None) -> None:
    issues = dataset.issues
    click.echo(f"rows rejected: {len(dataset.rejected):,}; rows repaired: {len(dataset.repaired):,}")
    if report_path is not None:
        _write_report(report_path, issues)
        click.echo(f"every rejected or repaired row written to {report_path}")
    if len(issues) <= SHOW_ALL_UP_TO:
        for issue in issues:
            click.echo(f"  {issue.one_line()}")
        return
    by_reason = Counter((i.action, _reason_family(i.reason)) for i in issues)
    for (action, reason), n in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"  {n:>5} {action}: {reason}")
    if report_path is None:
        click.echo(f"  (summary of {len(issues):,} rows; --report FILE writes each one with its source)")


def _reason_family(reason: str) -> str:
    """Group reasons that differ only by the item they name (e.g. 'has no item 9.3.2')."""
    for marker in (" has no item ", "duplicate of an earlier reference", "list point(s)", "range ",
                   "CSF identifier ", "separator after", "item '", "skipped: framework not in the graph ("):
        if marker in reason:
            return reason[: reason.index(marker) + len(marker)].rstrip(" (") + " ..."
    return reason


def _write_report(path: Path, issues: list[RowIssue]) -> None:
    """Columns as in mappings/datalog: source_file, source_row, value, action, reason."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source_file", "source_row", "value", "action", "reason"])
        for issue in issues:
            source_file, _, source_row = issue.source.partition("#")
            writer.writerow([source_file, source_row, issue.value, issue.action, issue.reason])
