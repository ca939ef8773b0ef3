"""Every importer kind, then ``build``, then ``serve --build``: a rebuild carries the imports and survives them.

Regression: a rebuild after any import once exited 70 (pyshacl refused the ``VALUES`` clause of the
SPARQL constraint on bare relation triples, which only import graphs carry into a build). Each step
runs the installed command in its own process against one on-disk store, as a user does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_import import REPO, CliImport
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import IMPORT_GRAPH
from serving import serving

CONTROLGRAPH = Path(sys.executable).parent / "controlgraph"
SSSOM_SET = "gdpr--iso27002-2022--curated"


@pytest.fixture(scope="module")
def store_dir(ccm_cli_import: CliImport, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built store with the CCM bundle imported by the CLI: the run's shared import (tests/conftest.py)."""
    target = tmp_path_factory.mktemp("import-build") / "store"
    shutil.copytree(ccm_cli_import.store, target)
    return target


def run(store_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CONTROLGRAPH), "--store", str(store_dir), *args],
                          capture_output=True, text=True, timeout=900, check=False)


def import_graphs(store_dir: Path) -> set[str]:
    store = EmbeddedStore(store_dir, read_only=True)
    names = {g for g in store.graph_names() if g.startswith(IMPORT_GRAPH)}
    del store
    return names


def test_every_kind_imports_then_build_and_serve_build_carry_them(
    store_dir: Path, ccm_cli_import: CliImport, reference_dir: Path, tmp_path: Path
) -> None:
    sssom = tmp_path / "set.sssom.tsv"
    exported = run(store_dir, "export", "sssom", "--set", SSSOM_SET, "-o", str(sssom))
    assert exported.returncode == 0, exported.stderr
    sources = {
        "ccm": reference_dir / "csa-ccm-4.0.12" / "json-dataset",
        "csf-xlsx": reference_dir / "nist-csf-2.0" / "csf2-reference-tool-export_2024-06-17.xlsx",
        "ciso-yaml": reference_dir / "ciso-assistant" / "nist-sp-800-53-rev5.yaml",
        "oscal-catalog": reference_dir / "nist-sp800-53"
        / "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json",
        "sssom": sssom,
    }
    # The first import, ccm, is the shared run that made the store: ``import ccm`` of the same bundle.
    assert (REPO / ccm_cli_import.command[-1]).resolve() == sources["ccm"].resolve()
    assert ccm_cli_import.returncode == 0, f"ccm: {ccm_cli_import.stdout}\n{ccm_cli_import.stderr}"
    assert "store changed" in ccm_cli_import.stdout, f"ccm: {ccm_cli_import.stdout}"
    for kind, path in list(sources.items())[1:]:
        done = run(store_dir, "import", kind, str(path))
        assert done.returncode == 0, f"{kind}: {done.stdout}\n{done.stderr}"
        assert "store changed" in done.stdout, f"{kind}: {done.stdout}"
    imported = import_graphs(store_dir)
    assert len(imported) == len(sources)

    built = run(store_dir, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    assert f"carried over from the previous store: {len(sources)} graph(s)" in built.stdout
    assert "nist-sp-800-53-rev5" in built.stdout
    assert import_graphs(store_dir) == imported

    command = [CONTROLGRAPH, "--store", store_dir, "serve", "--build", "--host", "127.0.0.1", "--port", "{port}"]
    with serving(command, tmp_path / "serve.log", seconds=600) as server:
        pass  # /healthz answered: the build is done and the server up
    output = server.output()
    assert f"carried over from the previous store: {len(sources)} graph(s)" in output
    assert import_graphs(store_dir) == imported
