"""Commands about the installation: the settings in force and API key hashes."""

from __future__ import annotations

import sys

import click

from controlgraph.cli.context import Context, exit_on_error, pass_context
from controlgraph.errors import InputError
from controlgraph.settings import settings_markdown


@click.command("hash-key")
def hash_key_command() -> None:
    """Print the sha256 of an API key read from stdin, for CONTROLGRAPH_API_KEYS (tenant:hash,...).

    The key is read from stdin so it stays out of the shell history and the process list.
    """
    from controlgraph.store.tenancy import hash_key

    with exit_on_error():
        key = sys.stdin.readline().strip()
        if not key:
            raise InputError("no key on stdin; e.g. printf '%s' \"$KEY\" | controlgraph hash-key")
    click.echo(hash_key(key))


@click.command("settings")
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


