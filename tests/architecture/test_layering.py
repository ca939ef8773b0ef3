"""The package's layers, enforced: each subpackage imports only the layers below it, and no cycles.

docs/architecture.md draws the same picture. A change that needs a new arrow updates ALLOWED here
and the picture there, in the same commit.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from import_layers import CORE, cycles, layer_imports

SERVER = Path(__file__).resolve().parents[2] / "server"

ENGINE = frozenset({CORE, "store", "data", "reasoning", "pipeline", "analysis", "sssom_tsv", "importers", "exports"})

# layer -> the layers it may import (besides itself). Lowest first.
ALLOWED: dict[str, frozenset[str]] = {
    CORE: frozenset(),
    "store": frozenset({CORE}),
    "data": frozenset({CORE}),
    "reasoning": frozenset({CORE, "store", "data"}),
    "pipeline": frozenset({CORE, "store", "data", "reasoning"}),
    "analysis": frozenset({CORE, "store", "data", "reasoning"}),
    "sssom_tsv": frozenset({CORE, "store", "data", "pipeline"}),
    "importers": frozenset({CORE, "store", "data", "pipeline", "sssom_tsv"}),
    "exports": frozenset({CORE, "store", "data", "reasoning", "analysis", "sssom_tsv"}),
    "service": ENGINE - {"exports"},
    "web": ENGINE | {"service"},
    "cli": ENGINE | {"service", "web"},
}


def violations(source_root: Path) -> list[str]:
    edges = layer_imports(source_root)
    found = []
    for (here, there), where in sorted(edges.items()):
        if here not in ALLOWED:
            found.append(f"{here}: a subpackage the layering does not know (add it to ALLOWED): {where[0]}")
        elif there not in ALLOWED[here]:
            found.append(f"{here} may not import {there}: {', '.join(where[:3])}")
    found += [f"import cycle between {' <-> '.join(group)}" for group in cycles(edges)]
    return found


def test_the_package_respects_its_layers() -> None:
    assert violations(SERVER) == []


def test_every_subpackage_has_a_place_in_the_layering() -> None:
    present = {p.name for p in (SERVER / "controlgraph").iterdir() if (p / "__init__.py").is_file()}
    assert present == set(ALLOWED) - {CORE}


def test_only_core_modules_stay_at_the_package_root() -> None:
    root_modules = {p.stem for p in (SERVER / "controlgraph").glob("*.py")}
    assert root_modules == {"__init__", "__main__", "vocabulary", "settings", "errors"}


def test_no_module_is_over_500_lines() -> None:
    long = {str(p.relative_to(SERVER)): n for p in (SERVER / "controlgraph").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}


def _fake_package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "controlgraph" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for package in {p.parent for p in (tmp_path / "controlgraph").rglob("*.py")}:
        (package / "__init__.py").touch()
    return tmp_path


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"reasoning/walk.py": "def f():\n    from controlgraph.web.app import create_app\n",
          "web/app.py": "create_app = None\n"}, "reasoning may not import web"),
        ({"analysis/cov.py": "from controlgraph import cli\n", "cli/__init__.py": ""},
         "analysis may not import cli"),
        ({"web/app.py": "import controlgraph.cli.context\n", "cli/context.py": ""}, "web may not import cli"),
        ({"store/base.py": "from ..data import loader\n", "data/loader.py": ""}, "store may not import data"),
        ({"data/a.py": "from controlgraph.store.base import X\n",
          "store/base.py": "from controlgraph.data.a import Y\n"},
         "import cycle between data <-> store"),
    ],
)
def test_the_check_fails_on_a_wrong_import(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    found = violations(_fake_package(tmp_path, files))
    assert any(expected in v for v in found), found
