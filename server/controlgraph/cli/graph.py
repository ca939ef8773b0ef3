"""Commands that make and serve the graph: build, validate, serve."""

from __future__ import annotations

from pathlib import Path

import click

from controlgraph.cli.context import Context, exit_on_error, pass_context, progress_printer
from controlgraph.data.datasets import data_file, data_root, shipped_datasets
from controlgraph.errors import InputError, ValidationFailed
from controlgraph.pipeline.build import PHASES, build
from controlgraph.store import open_store


@click.command("build")
@pass_context
def build_command(ctx: Context) -> None:
    """Load, validate and reason over the shipped data, then write the store atomically."""
    with exit_on_error():
        store = open_store(ctx.settings)
        result = build(ctx.settings, store, progress=progress_printer())
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
               f"{stats.get('candidates_stored', 0):,} candidate links stored "
               f"({stats.get('candidate_pairs_stored', 0):,} control pairs; "
               f"{stats.get('candidates', 0):,} found by chaining and {stats.get('lexical_candidates', 0):,} by "
               f"text similarity, 'any' ones kept from probability "
               f"{ctx.settings.candidate_probability_floor}), {stats.get('conflicts', 0):,} conflicts, "
               f"{stats.get('findings', 0):,} data-quality findings")
    if result.model is not None and result.model.definite_precision is not None:
        click.echo(f"probability model fitted leave-one-set-out on {len(result.model.trained_on)} published sets; "
                   f"definite relations' measured precision {result.model.definite_precision:.2f} "
                   f"({result.model.definite_rows} held-out pairs); `controlgraph model` prints the weights")
    if result.carried_over_graphs:
        click.echo(f"carried over from the previous store: {len(result.carried_over_graphs)} graph(s)")
    timing = ", ".join(f"{phase} {result.seconds.get(phase, 0.0):.2f}s" for phase in PHASES)
    click.echo(f"seconds: {timing}, total {sum(result.seconds.values()):.2f}s")


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--alone", is_flag=True, help="Validate the files on their own, without the shipped datasets.")
@pass_context
def validate_command(ctx: Context, paths: tuple[Path, ...], alone: bool) -> None:
    """Check data files against the SHACL shapes (with the shipped datasets as context).

    Exit 0 when they conform, 1 on violations (one line each: file, node, constraint, message),
    2 when a file cannot be read.
    """
    from controlgraph.data.pyshacl_report import validate_files
    from controlgraph.data.validation import files_certainly_conform

    with exit_on_error():
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
        total, most = sum(f.path.stat().st_size for f in given), ctx.settings.validate_max_bytes
        if total > most:
            raise InputError(f"the files to validate hold {total:,} bytes, over the {most:,} accepted (validation "
                             "needs about 11 bytes of memory per input byte); split them, or raise "
                             "CONTROLGRAPH_VALIDATE_MAX_BYTES where the memory is available")
        # The fast check answers for data that conform (most runs, a few seconds sooner); pyshacl reports
        # when it doubts. Only for small inputs: it holds the data as Python objects, about 17 bytes of memory
        # per input byte, where pyshacl's graph needs 10-11.
        files = [*context, *given]
        if total <= ctx.settings.validate_fast_max_bytes and files_certainly_conform(files):
            click.echo(f"{len(paths)} file(s) conform")
            return
        report = validate_files(files)
        if not report.conforms:
            raise ValidationFailed([v for v in report.violations if v.severity == "Violation"])
    click.echo(f"{len(paths)} file(s) conform")



@click.command("serve")
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
    from controlgraph.web.server import uvicorn_config

    settings = ctx.settings.with_overrides(host=host, port=port)
    if build_first:
        click_ctx.invoke(build_command)
    with exit_on_error():
        app = create_app(settings)
    click.echo(f"serving {settings.store} on http://{settings.host}:{settings.port}", err=True)
    # Timeouts for slow clients, a connection cap and a graceful shutdown: see controlgraph.web.server.
    uvicorn.Server(uvicorn_config(app, settings)).run()


