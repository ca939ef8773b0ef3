"""The ``controlgraph`` command: a thin layer over the engine.

Exit codes (also in ``controlgraph --help``):
  0 success
  1 the data does not conform (SHACL violations) or a conflict was found
  2 unusable input: a malformed file, a bad argument, a bad setting
  3 not found: an unknown control, framework, mapping set or saved query
  4 the store cannot be opened, read or written
  5 a query was refused, failed or timed out
  70 an internal error (a bug: please report it)
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
import pyoxigraph as ox

from controlgraph import __version__
from controlgraph.build import PHASES, build
from controlgraph.datasets import data_file, data_root, shipped_datasets
from controlgraph.errors import (
    ConfigurationError,
    ControlGraphError,
    ImportRejected,
    InputError,
    NotFound,
    QueryError,
    StoreError,
    ValidationFailed,
)
from controlgraph.settings import Settings, settings_markdown
from controlgraph.store import open_store
from controlgraph.vocabulary import mapping_set_of, parse_control_ref

EXIT_OK, EXIT_INVALID, EXIT_INPUT, EXIT_NOT_FOUND, EXIT_STORE, EXIT_QUERY = 0, 1, 2, 3, 4, 5
EXIT_INTERNAL = 70

_EXIT_BY_ERROR: list[tuple[type[ControlGraphError], int]] = [
    (ValidationFailed, EXIT_INVALID),
    (InputError, EXIT_INPUT),
    (ImportRejected, EXIT_INPUT),
    (ConfigurationError, EXIT_INPUT),
    (NotFound, EXIT_NOT_FOUND),
    (StoreError, EXIT_STORE),
    (QueryError, EXIT_QUERY),
]


def _fail(error: ControlGraphError) -> NoReturn:
    if isinstance(error, ValidationFailed):
        for violation in error.violations:
            click.echo(violation.one_line(), err=True)
        click.echo(f"error: {len(error.violations)} violation(s); nothing was written", err=True)
    else:
        click.echo(f"error: {error}", err=True)
    code = next((c for cls, c in _EXIT_BY_ERROR if isinstance(error, cls)), EXIT_INPUT)
    sys.exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except ControlGraphError as exc:
        _fail(exc)
    except Exception as exc:
        if os.environ.get("CONTROLGRAPH_DEBUG"):
            raise
        click.echo(f"error: internal error ({type(exc).__name__}: {exc}); set CONTROLGRAPH_DEBUG=1 for details",
                   err=True)
        sys.exit(EXIT_INTERNAL)


class Context:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


pass_context = click.make_pass_decorator(Context)


EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 data does not conform; 2 unusable input; 3 not found; "
    "4 store error; 5 query refused, failed or timed out; 70 internal error."
)


@click.group(epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="controlgraph")
@click.option("--store", envvar="CONTROLGRAPH_STORE", help="Store directory, 'memory', or a SPARQL server URL.")
@click.option("--data-dir", envvar="CONTROLGRAPH_DATA_DIR", help="Folder with ontology/ and mappings/.")
@click.pass_context
def main(ctx: click.Context, store: str | None, data_dir: str | None) -> None:
    """controlgraph: security and privacy controls across frameworks, as a knowledge graph."""
    with _errors():
        ctx.obj = Context(Settings.from_env(store=store, data_dir=data_dir))


def _progress_printer() -> Callable[[str, str], None]:
    def say(phase: str, message: str) -> None:
        step = PHASES.index(phase) + 1 if phase in PHASES else 0
        click.echo(f"[{step}/{len(PHASES)}] {phase:<8} {message}", err=True)

    return say


@main.command("build")
@pass_context
def build_command(ctx: Context) -> None:
    """Load, validate and reason over the shipped data, then write the store atomically."""
    with _errors():
        store = open_store(ctx.settings)
        result = build(ctx.settings, store, progress=_progress_printer())
        store.close()
    click.echo(f"built {ctx.settings.store}: {result.triples:,} triples")
    click.echo("frameworks:")
    for f in result.frameworks:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(f.kinds.items()))
        click.echo(f"  {f.slug:<16} {f.controls:>5} items  ({kinds})")
    click.echo("mapping sets:")
    for m in result.mapping_sets:
        click.echo(f"  {m.set_id:<48} {m.mappings:>5} mappings  {m.authority}")
    stats = result.inference
    click.echo(f"asserted mappings: {result.asserted_mappings:,}; inferred by chaining (up to "
               f"{ctx.settings.max_hops} hops): {stats.get('definite', 0):,} definite relations, "
               f"{stats.get('candidates', 0):,} candidate links, {stats.get('conflicts', 0):,} conflicts")
    if result.carried_over_graphs:
        click.echo(f"carried over from the previous store: {len(result.carried_over_graphs)} graph(s)")
    timing = ", ".join(f"{phase} {result.seconds.get(phase, 0.0):.2f}s" for phase in PHASES)
    click.echo(f"seconds: {timing}, total {sum(result.seconds.values()):.2f}s")


@main.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--alone", is_flag=True, help="Validate the files on their own, without the shipped datasets.")
@pass_context
def validate_command(ctx: Context, paths: tuple[Path, ...], alone: bool) -> None:
    """Check data files against the SHACL shapes (with the shipped datasets as context).

    Exit 0 when they conform, 1 on violations (one line each: file, node, constraint, message),
    2 when a file cannot be read.
    """
    from controlgraph.build import validate_loaded
    from controlgraph.loader import load_files

    with _errors():
        given = [data_file(p) for p in paths]
        for f in given:
            if not f.path.is_file():
                raise InputError("no such file", path=str(f.path))
        context = shipped_datasets(data_root(ctx.settings.data_dir))
        if alone:
            context = [f for f in context if f.role in ("ontology", "shapes")]
        given_paths = {f.path.resolve() for f in given}
        given_graphs = {f.graph for f in given}
        context = [f for f in context if f.path.resolve() not in given_paths and f.graph not in given_graphs]
        report = validate_loaded(load_files([*context, *given]))
        if not report.conforms:
            raise ValidationFailed([v for v in report.violations if v.severity == "Violation"])
    click.echo(f"{len(paths)} file(s) conform")


@main.command("satisfiers")
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
    from controlgraph.satisfiers import control_info, find_satisfiers, satisfier_record

    with _errors():
        try:
            ref = parse_control_ref(control)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        store = open_store(ctx.settings, read_only=True)
        target = control_info(store, ref)
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


@main.command("query")
@click.argument("sparql")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A saved query's parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@pass_context
def query_command(ctx: Context, sparql: str, params: tuple[str, ...], fmt: str) -> None:
    """Run a saved query by name (see `controlgraph queries`), or read-only SPARQL text.

    The default graph is the union of all graphs.
    """
    from controlgraph.saved_queries import run_saved_query, shipped_queries
    from controlgraph.sparql_access import run_read_query

    with _errors():
        saved = shipped_queries(ctx.settings)
        given = dict(_param_pair(p) for p in params)
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
        _print_rows(header, rows, fmt)


def _param_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise InputError(f"cannot read --param {text!r}; write NAME=VALUE")
    return name.strip(), value


@main.command("queries")
@pass_context
def queries_command(ctx: Context) -> None:
    """List the saved queries with their parameters."""
    from controlgraph.saved_queries import shipped_queries

    with _errors():
        saved = shipped_queries(ctx.settings)
    for query in saved.values():
        click.echo(f"{query.name:<34} {query.title}")
        for p in query.params:
            default = f" = {p.default}" if p.default is not None else " (required)"
            click.echo(f"{'':<36}--param {p.name}=<{p.type}>{default}  {p.description}")


def _print_rows(header: list[str], rows: list[list[str]], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([dict(zip(header, r, strict=True)) for r in rows], indent=2))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
    else:
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
        widths = [min(w, 60) for w in widths]
        click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
        for r in rows:
            click.echo("  ".join(v[:60].ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
        click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)


@main.command("serve")
@click.option("--host", envvar="CONTROLGRAPH_HOST", default=None)
@click.option("--port", envvar="CONTROLGRAPH_PORT", type=int, default=None)
@click.option("--build/--no-build", "build_first", default=False, help="Build the graph before serving.")
@pass_context
@click.pass_context
def serve_command(
    click_ctx: click.Context, ctx: Context, host: str | None, port: int | None, build_first: bool
) -> None:
    """Serve the web app (GraphQL, SPARQL, saved queries, exports, /healthz)."""
    import uvicorn

    from controlgraph.web.app import create_app

    settings = ctx.settings.with_overrides(host=host, port=port)
    if build_first:
        click_ctx.invoke(build_command)
    with _errors():
        app = create_app(settings)
    click.echo(f"serving {settings.store} on http://{settings.host}:{settings.port}", err=True)
    # SIGTERM/SIGINT: stop accepting, let requests in flight (a write) finish for up to 30 s, then the
    # app's shutdown flushes and closes the store. Acknowledged writes are already durable before that.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower(),
                timeout_graceful_shutdown=30)


@main.command("hash-key")
def hash_key_command() -> None:
    """Print the sha256 of an API key read from stdin, for CONTROLGRAPH_API_KEYS (tenant:hash,...).

    The key is read from stdin so it stays out of the shell history and the process list.
    """
    from controlgraph.tenancy import hash_key

    with _errors():
        key = sys.stdin.readline().strip()
        if not key:
            raise InputError("no key on stdin; e.g. printf '%s' \"$KEY\" | controlgraph hash-key")
    click.echo(hash_key(key))


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the settings reference (docs/settings.md).")
@pass_context
def settings_command(ctx: Context, markdown: bool) -> None:
    """Show the settings in force, or their reference."""
    if markdown:
        click.echo(settings_markdown(), nl=False)
        return
    for name, value in vars(ctx.settings).items():
        shown = "(set)" if name == "api_keys" and value else value
        click.echo(f"{name} = {shown}")


def _register_commands() -> None:
    # Commands of other modules attach here; they import this module's helpers, so they come last.
    from controlgraph import cli_analysis, cli_export, cli_exports, cli_import

    cli_analysis.register(main)
    cli_import.register(main)
    cli_export.register(main)
    cli_exports.register(main)  # after cli_export: joins its ``export`` group


_register_commands()


if __name__ == "__main__":
    main()
