"""The ``controlgraph export`` group: mapping sets, crosswalks and programmes in exchange formats.

A thin layer over :mod:`controlgraph.exports` and :mod:`controlgraph.sssom_tsv`; each format is a subcommand.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from controlgraph.cli.context import Context, exit_on_error, pass_context
from controlgraph.exports.catalogue import CROSSWALK_FORMATS, PROGRAMME_FORMATS, ExportFile
from controlgraph.store import open_store


@click.group("export")
def export_group() -> None:
    """Write data of the graph in an exchange format (to standard output unless -o is given)."""


@export_group.command("sssom")
@click.option("--set", "set_id", required=True,
              help="Mapping set id (e.g. iso27001-2022--iso27002-2022, sssom-NAME for an import) or its IRI.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File to write.")
@pass_context
def export_sssom_command(ctx: Context, set_id: str, output: Path | None) -> None:
    """A mapping set as SSSOM/TSV with its metadata block (accepted by `sssom validate`)."""
    from controlgraph.sssom_tsv import write_sssom

    with exit_on_error():
        store = open_store(ctx.settings, read_only=True)
        text = write_sssom(store, set_id)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    rows = sum(1 for line in text.splitlines() if not line.startswith("#")) - 1
    click.echo(f"wrote {rows:,} mappings of {set_id} to {output}", err=True)


def _deliver(result: ExportFile, output: Path | None, started: float) -> None:
    seconds = time.perf_counter() - started
    if result.note:
        click.echo(f"note: {result.note}", err=True)
    if output is None:
        if result.media_type.startswith("application/vnd") and sys.stdout.isatty():
            raise click.UsageError("a workbook is binary: give -o FILE")
        sys.stdout.buffer.write(result.content)
        sys.stdout.flush()
        return
    output.write_bytes(result.content)
    click.echo(f"wrote {output} ({len(result.content):,} bytes, {result.media_type.split(';')[0]}) "
               f"in {seconds:.1f}s", err=True)


@export_group.command("crosswalk")
@click.option("--from", "source", required=True, help="Source framework slug, e.g. iso27001-2022.")
@click.option("--to", "targets", required=True, help="Target framework slug(s), comma-separated.")
@click.option("--format", "fmt", type=click.Choice(list(CROSSWALK_FORMATS)), default="csv", show_default=True)
@click.option("--inferred", is_flag=True, help="Include relations inferred by reasoning (with their paths).")
@click.option("--candidates", "with_candidates", is_flag=True,
              help="Include candidate links (likely, never proven) with their calibrated probability.")
@click.option("--min-probability", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="With --candidates: only candidates at least this probable.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File to write.")
@pass_context
def export_crosswalk_command(ctx: Context, source: str, targets: str, fmt: str, inferred: bool,
                             with_candidates: bool, min_probability: float, output: Path | None) -> None:
    """Every mapping from one framework to others: CSV, XLSX, SSSOM, OSCAL, JSON-LD, Turtle or an HTML report."""
    from controlgraph.exports.catalogue import export_crosswalk

    started = time.perf_counter()
    with exit_on_error():
        store = open_store(ctx.settings, read_only=True)
        result = export_crosswalk(store, source, targets, fmt, include_inferred=inferred,
                                  with_candidates=with_candidates, min_probability=min_probability)
    _deliver(result, output, started)


@export_group.command("programme")
@click.option("--have", "have", multiple=True, required=True,
              help="What is implemented: framework slugs or FRAMEWORK:ID patterns, comma-separated or repeated, "
                   "or @FILE.")
@click.option("--targets", required=True, help="Comma-separated target frameworks.")
@click.option("--hub", default="iso27002-2022", show_default=True,
              help="Where to pick hub controls from: a framework or FRAMEWORK:ID patterns (e.g. iso27001-2022:A.*).")
@click.option("--scope", "scopes", multiple=True, help="TARGET=SCOPE, e.g. gdpr=organisation (repeatable).")
@click.option("--format", "fmt", type=click.Choice(list(PROGRAMME_FORMATS)), default="xlsx", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File to write.")
@pass_context
def export_programme_command(ctx: Context, have: tuple[str, ...], targets: str, hub: str, scopes: tuple[str, ...],
                             fmt: str, output: Path | None) -> None:
    """The multi-certification workbook (unified control set, gaps, statement of applicability) or HTML report."""
    from controlgraph.exports.catalogue import export_programme

    started = time.perf_counter()
    with exit_on_error():
        store = open_store(ctx.settings, read_only=True)
        result = export_programme(store, list(have), targets, fmt, hub=hub, scopes=list(scopes))
    _deliver(result, output, started)
