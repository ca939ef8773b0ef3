"""CLI group ``controlgraph export``: datasets of the graph written in exchange formats (thin layer).

Each format is a subcommand; ``sssom`` writes a mapping set as SSSOM/TSV.
"""

from __future__ import annotations

from pathlib import Path

import click

from controlgraph.cli import Context, _errors, pass_context
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

    with _errors():
        store = open_store(ctx.settings, read_only=True)
        text = write_sssom(store, set_id)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    rows = sum(1 for line in text.splitlines() if not line.startswith("#")) - 1
    click.echo(f"wrote {rows:,} mappings of {set_id} to {output}", err=True)


def register(group: click.Group) -> None:
    group.add_command(export_group)
