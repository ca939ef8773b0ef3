"""Commands that query: SPARQL text or a saved query, and the list of saved queries."""

from __future__ import annotations

import click
import pyoxigraph as ox

from controlgraph.cli.context import Context, exit_on_error, param_pair, pass_context, print_rows
from controlgraph.errors import InputError
from controlgraph.store import open_store


@click.command("query")
@click.argument("sparql")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A saved query's parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@pass_context
def query_command(ctx: Context, sparql: str, params: tuple[str, ...], fmt: str) -> None:
    """Run a saved query by name (see `controlgraph queries`), or read-only SPARQL text.

    The default graph is the union of all graphs.
    """
    from controlgraph.service.saved_queries import run_saved_query, shipped_queries
    from controlgraph.service.sparql_access import run_read_query

    with exit_on_error():
        saved = shipped_queries(ctx.settings)
        given = dict(param_pair(p) for p in params)
        if given and sparql not in saved:
            raise InputError(f"--param is for saved queries, and there is no saved query {sparql!r}")
        store = open_store(ctx.settings, read_only=True)
        if sparql in saved:
            result = run_saved_query(store, ctx.settings, saved, sparql, given)
        else:
            result = run_read_query(store, sparql, ctx.settings)
    if isinstance(result, bool):
        click.echo("true" if result else "false")
        return
    if isinstance(result, list) and result and isinstance(result[0], ox.Triple):
        for t in result:
            click.echo(f"{t.subject} {t.predicate} {t.object} .")
        return
    if isinstance(result, tuple):
        header, rows = result
        print_rows(header, rows, fmt)



@click.command("queries")
@pass_context
def queries_command(ctx: Context) -> None:
    """List the saved queries with their parameters."""
    from controlgraph.service.saved_queries import shipped_queries

    with exit_on_error():
        saved = shipped_queries(ctx.settings)
    for query in saved.values():
        click.echo(f"{query.name:<34} {query.title}")
        for p in query.params:
            default = f" = {p.default}" if p.default is not None else " (required)"
            click.echo(f"{'':<36}--param {p.name}=<{p.type}>{default}  {p.description}")


