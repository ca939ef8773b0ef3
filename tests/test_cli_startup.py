"""The CLI imports a command's module when the command runs, and the heavy dependencies only where used.

A fresh interpreter per check (``sys.modules`` of the test process already holds everything).
"""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from controlgraph.cli import COMMANDS, main

HEAVY = ("pyshacl", "rdflib", "openpyxl", "fastapi", "strawberry", "uvicorn")


def _loaded_after(code: str) -> set[str]:
    """Top-level packages a fresh interpreter holds after running ``code``."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_starting_the_cli_loads_no_command_module() -> None:
    loaded = _loaded_after("import controlgraph.cli")
    assert not loaded & {*HEAVY, "numpy", "yaml"}


@pytest.mark.parametrize("module", ["analysis", "graph", "imports", "inference", "query"])
def test_the_engine_commands_leave_the_validator_of_record_unloaded(module: str) -> None:
    """pyshacl and rdflib load only when the fast shape check cannot prove conformance (or for an export)."""
    loaded = _loaded_after(f"import controlgraph.cli.{module}")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_the_validator_of_record_loads_when_the_fast_check_cannot_answer() -> None:
    """A node shape targeting a node that lacks its class: a violation, which only pyshacl reports."""
    sh = "http://www.w3.org/ns/shacl#"
    code = (
        "import pyoxigraph as ox\n"
        "from controlgraph.data.validation import validate_triples\n"
        "def triple(s, p, o):\n"
        "    return ox.Triple(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o))\n"
        f"shape = [triple('urn:s', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type', '{sh}NodeShape'),\n"
        f"         triple('urn:s', '{sh}targetNode', 'urn:x'), triple('urn:s', '{sh}class', 'urn:C')]\n"
        "report = validate_triples([], shape)\n"
        "assert not report.conforms, report\n"
    )
    assert {"pyshacl", "rdflib"} <= _loaded_after(code)


def test_every_command_in_the_table_resolves_and_help_lists_them_all() -> None:
    group = main
    assert isinstance(group, click.Group)
    context = click.Context(group)
    names = [name for name, _, _ in COMMANDS]
    assert len(names) == len(set(names))
    assert group.list_commands(context) == sorted(names)
    for name in names:
        command = group.get_command(context, name)
        assert command is not None and command.name == name
    assert group.get_command(context, "no-such-command") is None
    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0, listed.output
    for name in names:
        assert f"  {name} " in listed.output


def test_an_unknown_command_is_refused_with_usage() -> None:
    result = CliRunner().invoke(main, ["satisfy"])
    assert result.exit_code == 2
    assert "No such command 'satisfy'" in result.output
