"""CLI commands ``controlgraph import KIND PATH...`` and ``controlgraph imports [remove NAME]``.

A thin layer over :mod:`controlgraph.importers` and :mod:`controlgraph.pipeline.import_records`.
"""

from __future__ import annotations

import csv
import io
import os
import time
import zipfile
from collections import Counter
from pathlib import Path

import click

from controlgraph.cli.context import Context, exit_on_error, pass_context
from controlgraph.errors import InputError, StoreError
from controlgraph.importers import IMPORTERS, ImportOptions, import_file
from controlgraph.pipeline.import_records import list_imports, remove_import
from controlgraph.pipeline.imports import CommitOutcome, ImportedDataset, RowIssue
from controlgraph.store import open_store

SHOW_ALL_UP_TO = 30  # issues printed one by one; past this, a summary by reason


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--framework", help="oscal-catalog, ciso-yaml: the slug a new framework is read as "
              "(default: from the catalog title or the library's ref_id).")
@click.option("--keep-going", is_flag=True, help="sssom: import the usable rows and report the rejected ones "
              "(default: any rejected row stops the file).")
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write every rejected or repaired row to this CSV file.")
@click.option("--server", "server", metavar="URL", help="Send the files to a running server's /admin/imports "
              "(admin key in CONTROLGRAPH_ADMIN_KEY) instead of opening the store; a folder (ccm) is sent as a zip.")
@pass_context
def import_command(ctx: Context, kind: str, paths: tuple[Path, ...], framework: str | None, keep_going: bool,
                   report_path: Path | None, server: str | None) -> None:
    """Load user-supplied official files (KIND: ccm, csf-xlsx, ciso-yaml, oscal-catalog, oscal-mapping, sssom).

    Each file goes into its own graph, validated with the graph around it; if it does not conform
    nothing of it is written (exit 1). A file that cannot be read exits 2. Files are imported in the
    order given, each seeing the ones before it. Importing the same file again changes nothing; a
    changed version of the same source replaces the earlier import. `controlgraph imports` lists them.
    """
    options = ImportOptions(framework=framework, keep_going=keep_going)
    if server is not None:
        with exit_on_error():
            for path in paths:
                _send(server, kind, path, options)
        return
    with exit_on_error():
        store = open_store(ctx.settings)
        try:
            for path in paths:
                started = time.monotonic()
                dataset, outcome = import_file(store, kind, path, options, progress=_Progress())
                _print_outcome(kind, path, dataset, outcome, report_path, time.monotonic() - started)
        finally:
            store.close()


def _send(server: str, kind: str, path: Path, options: ImportOptions) -> None:
    """POST one file to ``SERVER/admin/imports/KIND`` and print the server's answer like a local import."""
    import httpx

    key = os.environ.get("CONTROLGRAPH_ADMIN_KEY", "").strip()
    if not key:
        raise InputError("--server needs the admin key in CONTROLGRAPH_ADMIN_KEY")
    if path.is_dir():
        content, filename = zip_folder(path), f"{path.name or 'bundle'}.zip"  # a folder travels as a zip
    elif path.is_file():
        content, filename = path.read_bytes(), path.name
    else:
        raise InputError("no such file or folder", path=str(path))
    params: dict[str, str] = {"filename": filename, "keep_going": str(options.keep_going).lower()}
    if options.framework:
        params["framework"] = options.framework
    started = time.monotonic()
    try:
        answer = httpx.post(f"{server.rstrip('/')}/admin/imports/{kind}", params=params, content=content,
                            headers={"Authorization": f"Bearer {key}"}, timeout=3600)
    except httpx.HTTPError as exc:
        raise StoreError(f"{server}: the server did not answer ({type(exc).__name__})") from None
    body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
    if answer.status_code != 200:
        message = str(body.get("error") or body.get("detail") or answer.text[:200]).splitlines()[0]
        raise InputError(f"{server} refused {path} ({answer.status_code} {body.get('kind', '')}): {message}")
    click.echo(f"imported {kind} {path} into <{body['graph']}> on {server}")
    for what, n in body.get("counts", {}).items():
        click.echo(f"  {what}: {n:,}")
    rejected = sum(1 for i in body.get("issues", []) if i["action"] == "rejected")
    click.echo(f"rows rejected: {rejected:,}; rows repaired: {len(body.get('issues', [])) - rejected:,}")
    click.echo("store changed" if body.get("changed") else "unchanged: the server already holds exactly this import")
    click.echo(f"seconds: {time.monotonic() - started:.2f}")


def zip_folder(folder: Path) -> bytes:
    """The regular files under ``folder`` (links left out), as a zip, names relative to the folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            archive.write(member, member.relative_to(folder).as_posix())
    return buffer.getvalue()


class _Progress:
    """Progress lines on stderr, once the work has run for a second (a quick import, or a file refused at
    once, prints nothing but its result)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.held: list[str] = []

    def __call__(self, message: str) -> None:
        if time.monotonic() - self.started < 1.0:
            self.held = [message]  # the step in progress, shown if it outlasts the second
            return
        for line in [*self.held, message]:
            click.echo(f"  .. {line}", err=True)
        self.held = []


def _print_outcome(kind: str, path: Path, dataset: ImportedDataset, outcome: CommitOutcome,
                   report_path: Path | None, seconds: float) -> None:
    click.echo(f"imported {kind} {path} into <{outcome.graph}>")
    for what, n in dataset.counts.items():
        click.echo(f"  {what}: {n:,}")
    _print_issues(dataset, report_path)
    if outcome.changed and outcome.inferred_relations < 0:
        click.echo(f"store changed: graph written ({outcome.triples:,} triples); no mapping involved, "
                   "inferred relations unchanged")
    elif outcome.changed:
        click.echo(f"store changed: graph written ({outcome.triples:,} triples); "
                   f"inferred relations refreshed ({outcome.inferred_relations:,})")
    else:
        click.echo("unchanged: the store already holds exactly this import")
    click.echo(f"seconds: {seconds:.2f}")


@click.group("imports", invoke_without_command=True)
@pass_context
@click.pass_context
def imports_group(click_ctx: click.Context, ctx: Context) -> None:
    """List the imports the store holds (kind, source and SHA-256, date, counts, rejected rows)."""
    if click_ctx.invoked_subcommand is not None:
        return
    with exit_on_error():
        store = open_store(ctx.settings)
        try:
            records = list_imports(store)
        finally:
            store.close()
    if not records:
        click.echo("no imports")
    for r in records:
        click.echo(f"{r.name}")
        click.echo(f"  kind {r.kind or '?'}; imported {r.created or 'before records were kept'}; "
                   f"rows rejected {r.rejected:,}, repaired {r.repaired:,}")
        click.echo(f"  source {r.source or '?'}  sha256 {r.sha256 or '?'}")
        if r.counts:
            click.echo("  " + "; ".join(f"{k}: {v:,}" for k, v in r.counts.items()))


@imports_group.command("remove")
@click.argument("name")
@pass_context
def imports_remove_command(ctx: Context, name: str) -> None:
    """Remove the import NAME (as `controlgraph imports` lists it) and refresh inferred relations."""
    with exit_on_error():
        store = open_store(ctx.settings)
        try:
            definite = remove_import(store, name, max_hops=ctx.settings.max_hops, progress=_Progress())
        finally:
            store.close()
    click.echo(f"removed import {name}; inferred relations refreshed ({definite:,})")


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
