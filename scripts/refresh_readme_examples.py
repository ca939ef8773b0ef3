"""Rewrite the output of every ``$ controlgraph ...`` console example in README.md from a real run.

    CONTROLGRAPH_STORE=/tmp/readme-store controlgraph build
    python scripts/refresh_readme_examples.py /tmp/readme-store

tests/test_readme.py checks that the README shows what the commands print; after a change to the
data or the engine, this script brings the README in line with the real output (review the diff:
it is the change a reader sees). The prose around the examples is left to the author.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from click.testing import CliRunner

from controlgraph.cli import main as cli

README = Path(__file__).resolve().parents[1] / "README.md"


def refreshed_block(block: str, store: str) -> str:
    lines: list[str] = []
    for line in block.splitlines():
        if line.startswith("$ controlgraph "):
            result = CliRunner().invoke(cli, ["--store", store, *shlex.split(line[2:])[1:]])
            if result.exit_code != 0:
                raise SystemExit(f"{line}: exit {result.exit_code}: {result.stderr}")
            lines += [line, *result.stdout.rstrip("\n").splitlines()]
        elif line.startswith("$ "):
            raise SystemExit(f"not a controlgraph command: {line}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    text = README.read_text(encoding="utf-8")
    new = re.sub(r"(```console\n)(.*?)(```)", lambda m: m[1] + refreshed_block(m[2], argv[0]) + m[3],
                 text, flags=re.DOTALL)
    README.write_text(new, encoding="utf-8")
    print("README.md " + ("updated" if new != text else "unchanged"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
