"""The ``controlgraph`` command: a thin layer over the engine.

The group is defined here and every command is attached from one table, :data:`COMMANDS`; each
command module imports only :mod:`controlgraph.cli.context` and the engine, never this module, so
there is no import circle. Exit codes are documented in :mod:`controlgraph.cli.context`.
"""

from __future__ import annotations

import click

from controlgraph import __version__
from controlgraph.cli import admin, analysis, exports, graph, imports, inference, query
from controlgraph.cli.context import (
    EXIT_CODES_HELP,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_QUERY,
    EXIT_STORE,
    Context,
    exit_on_error,
)
from controlgraph.settings import Settings

__all__ = [
    "COMMANDS", "EXIT_INPUT", "EXIT_INTERNAL", "EXIT_INVALID", "EXIT_NOT_FOUND", "EXIT_OK", "EXIT_QUERY",
    "EXIT_STORE", "main",
]


@click.group(epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="controlgraph")
@click.option("--store", envvar="CONTROLGRAPH_STORE", help="Store directory, 'memory', or a SPARQL server URL.")
@click.option("--data-dir", envvar="CONTROLGRAPH_DATA_DIR", help="Folder with ontology/ and mappings/.")
@click.pass_context
def main(ctx: click.Context, store: str | None, data_dir: str | None) -> None:
    """controlgraph: security and privacy controls across frameworks, as a knowledge graph."""
    with exit_on_error():
        ctx.obj = Context(Settings.from_env(store=store, data_dir=data_dir))


# Every command of the CLI, in the order `controlgraph --help` lists them by group.
COMMANDS: tuple[click.Command, ...] = (
    graph.build_command,
    graph.validate_command,
    graph.serve_command,
    analysis.satisfiers_command,
    analysis.coverage_command,
    analysis.programme_command,
    analysis.explain_command,
    inference.evaluate_command,
    inference.model_command,
    inference.crosswalk_command,
    query.query_command,
    query.queries_command,
    imports.import_command,
    imports.imports_group,
    exports.export_group,
    admin.settings_command,
    admin.hash_key_command,
)

for _command in COMMANDS:
    main.add_command(_command)
