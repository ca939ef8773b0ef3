"""Every importer kind, then ``build``, then ``serve --build``: a rebuild carries the imports and survives them.

Regression: a rebuild after any import once exited 70 (pyshacl refused the ``VALUES`` clause of the
SPARQL constraint on bare relation triples, which only import graphs carry into a build). Each step
runs the installed command in its own process against one on-disk store, as a user does.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import IMPORT_GRAPH

CONTROLGRAPH = Path(sys.executable).parent / "controlgraph"
SSSOM_SET = "gdpr--iso27002-2022--curated"


@pytest.fixture(scope="module")
def store_dir(built_disk_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("import-build") / "store"
    shutil.copytree(built_disk_store, target)
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
    store_dir: Path, reference_dir: Path, tmp_path: Path
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
    for kind, path in sources.items():
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

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(CONTROLGRAPH), "--store", str(store_dir), "serve", "--build", "--host", "127.0.0.1", "--port",
         str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 600
        while True:
            assert server.poll() is None, f"serve --build exited {server.returncode}: {server.stdout.read()}"  # type: ignore[union-attr]
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if answer.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve --build did not answer /healthz"
            time.sleep(0.5)
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0]
    assert f"carried over from the previous store: {len(sources)} graph(s)" in output
    assert import_graphs(store_dir) == imported
