"""What every command shares: the settings context, exit codes, error reporting, table output.

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
from typing import NoReturn

import click

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
from controlgraph.settings import Settings

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


def fail(error: ControlGraphError) -> NoReturn:
    if isinstance(error, ValidationFailed):
        for violation in error.violations:
            click.echo(violation.one_line(), err=True)
        click.echo(f"error: {len(error.violations)} violation(s); nothing was written", err=True)
    else:
        click.echo(f"error: {error}", err=True)
    code = next((c for cls, c in _EXIT_BY_ERROR if isinstance(error, cls)), EXIT_INPUT)
    sys.exit(code)


@contextmanager
def exit_on_error() -> Iterator[None]:
    try:
        yield
    except ControlGraphError as exc:
        fail(exc)
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


def progress_printer() -> Callable[[str, str], None]:
    from controlgraph.pipeline.build import PHASES  # the build's own module, loaded by the commands that build

    def say(phase: str, message: str) -> None:
        step = PHASES.index(phase) + 1 if phase in PHASES else 0
        click.echo(f"[{step}/{len(PHASES)}] {phase:<8} {message}", err=True)

    return say


def param_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise InputError(f"cannot read --param {text!r}; write NAME=VALUE")
    return name.strip(), value


def print_rows(header: list[str], rows: list[list[str]], fmt: str) -> None:
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

