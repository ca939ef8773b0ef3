"""The ``controlgraph`` command: a thin layer over the engine.

The group is defined here and every command is attached from one table, :data:`COMMANDS`; each
command module imports only :mod:`controlgraph.cli.context` and the engine, never this module, so
there is no import circle. Exit codes are documented in :mod:`controlgraph.cli.context`.

A command's module is imported when the command runs (or when help lists it), not when the CLI
starts: the engine's dependencies (pyshacl, rdflib, numpy, openpyxl) took most of a second to import,
paid by every call, including the ones that need none of them.
"""

from __future__ import annotations

import importlib

import click

from controlgraph import __version__
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

# Every command of the CLI: its name, and the module and attribute (under controlgraph.cli) defining it.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("build", "graph", "build_command"),
    ("validate", "graph", "validate_command"),
    ("serve", "graph", "serve_command"),
    ("satisfiers", "analysis", "satisfiers_command"),
    ("coverage", "analysis", "coverage_command"),
    ("programme", "analysis", "programme_command"),
    ("explain", "analysis", "explain_command"),
    ("evaluate", "inference", "evaluate_command"),
    ("model", "inference", "model_command"),
    ("crosswalk", "inference", "crosswalk_command"),
    ("query", "query", "query_command"),
    ("queries", "query", "queries_command"),
    ("import", "imports", "import_command"),
    ("imports", "imports", "imports_group"),
    ("export", "exports", "export_group"),
    ("settings", "admin", "settings_command"),
    ("hash-key", "admin", "hash_key_command"),
)


class LazyGroup(click.Group):
    """A group whose commands are imported from :data:`COMMANDS` when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, _, _ in COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for name, module, attribute in COMMANDS:
            if name == cmd_name:
                command = getattr(importlib.import_module(f"controlgraph.cli.{module}"), attribute)
                assert isinstance(command, click.Command) and command.name == name, (module, attribute)
                return command
        return None


@click.group(cls=LazyGroup, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="controlgraph")
@click.option("--store", envvar="CONTROLGRAPH_STORE", help="Store directory, 'memory', or a SPARQL server URL.")
@click.option("--data-dir", envvar="CONTROLGRAPH_DATA_DIR", help="Folder with ontology/ and mappings/.")
@click.pass_context
def main(ctx: click.Context, store: str | None, data_dir: str | None) -> None:
    """controlgraph: security and privacy controls across frameworks, as a knowledge graph."""
    with exit_on_error():
        ctx.obj = Context(Settings.from_env(store=store, data_dir=data_dir))

