"""The README's console examples are run against the shipped graph and must print what it shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from controlgraph.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def console_examples() -> list[tuple[str, str]]:
    """(command, expected output) for every ``$ controlgraph ...`` line in a console block."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL):
        command: str | None = None
        output: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    examples.append((command, "\n".join(output)))
                command, output = line[2:], []
            else:
                output.append(line)
        if command is not None:
            examples.append((command, "\n".join(output)))
    return examples


def test_readme_has_examples() -> None:
    assert len(console_examples()) >= 4


@pytest.mark.parametrize("command,expected", console_examples(), ids=lambda v: v[:50] if isinstance(v, str) else v)
def test_readme_example(command: str, expected: str, built_disk_store: Path) -> None:
    argv = shlex.split(command)
    assert argv[0] == "controlgraph"
    result = CliRunner().invoke(main, ["--store", str(built_disk_store), *argv[1:]])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip("\n") == expected.rstrip("\n")
