"""Shared fixtures: where the repository, its data and the public reference files are; the slow modules.

The shipped graph is built once per test run (see :func:`_shipped_store`), however many pytest-xdist
workers there are; fixtures hand out copies. docs/testing.md tells how the suite runs and its fast subset.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from cli_import import CliImport, run_ccm_import
from controlgraph.data.datasets import data_root, shipped_datasets
from controlgraph.data.loader import load_files
from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.reasoning.inputs import asserted_mappings, control_texts, shared_graphs
from controlgraph.settings import Settings

REPO = Path(__file__).resolve().parent.parent
MAPPINGS = REPO / "mappings"
ONTOLOGY = REPO / "ontology"


# The modules that take longest (subprocess servers, kill/restart cycles, whole imports, fuzzing), longest
# first as measured with --durations (docs/testing.md). They carry the `slow` marker: `pytest -m "not slow"`
# is the edit loop's fast subset, and the full run starts them first, so that with parallel workers no
# long module is left to run alone at the end. The first two run side by side at the start: the kill test
# builds the shipped store and the run's CCM import (the import tests after it wait for them, see
# ccm_cli_import) while the wheel test, which needs neither, runs on the other worker.
SLOW_MODULES = (
    "tests/reliability/test_import_killed.py",
    "tests/test_wheel_install.py",
    "tests/security/test_importer_fuzz.py",
    "tests/web/test_admin_imports.py",
    "tests/importers/test_import_then_build.py",
    "tests/store/test_remote_store.py",
    "tests/test_sssom_import_rows.py",
    "tests/test_sssom_roundtrip.py",
    "tests/importers/test_ccm.py",
    "tests/reliability/test_crash_writes.py",
    "tests/test_sssom_cli.py",
    "tests/security/test_tenant_isolation.py",
    "tests/web/test_graphql_api.py",
    "tests/web/test_sparql_timeout_server.py",
    "tests/test_build_pipeline.py",
    "tests/reliability/test_soak.py",
    "tests/security/test_schemathesis.py",
    "tests/test_validation_scope.py",
    "tests/reliability/test_build_killed.py",
    "tests/reliability/test_remote_outage.py",
    "tests/importers/test_ciso_yaml.py",
    "tests/web/test_explorer_browser.py",
    "tests/security/test_query_workers.py",
    "tests/security/test_slow_clients.py",
    "tests/security/test_streamed_answers.py",
    "tests/security/test_validate_memory.py",
    "tests/test_shape_check.py",  # pyshacl against the fast check on a slice of the shipped data
)


def pytest_configure(config: pytest.Config) -> None:
    """Keep the collection order (SLOW_MODULES first) under ``--dist loadfile``.

    pytest-xdist (3.x) by default reorders the files it hands out by their number of tests, most first;
    the long modules, one or two tests each, then went out last and ran alone at the end of a run.
    """
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow modules' tests `slow` and run them first (a stable sort keeps the order within)."""
    rank = {name: i for i, name in enumerate(SLOW_MODULES)}

    def module_rank(item: pytest.Item) -> int:
        return rank.get(Path(str(item.path)).relative_to(REPO).as_posix(), len(rank))

    for item in items:
        if module_rank(item) < len(rank):
            item.add_marker(pytest.mark.slow)
    items.sort(key=module_rank)


def _reference_dir() -> Path:
    configured = os.environ.get("CONTROLGRAPH_REFERENCE")
    return Path(configured) if configured else REPO.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The published reference files (../shared/reference beside the checkout, or $CONTROLGRAPH_REFERENCE).

    They are part of the test environment (CI lays them beside the clone); a missing folder is an
    error of the environment, reported as a failure rather than a skip.
    """
    path = _reference_dir()
    if not (path / "README.md").is_file():
        pytest.fail(f"reference data not found at {path}; set CONTROLGRAPH_REFERENCE to the shared/reference folder")
    return path


@pytest.fixture(scope="session")
def mappings_dir() -> Path:
    return MAPPINGS


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the whole run: with pytest-xdist, the one every worker's folder sits in."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """``root/name``, made by ``make`` ONCE per test run, whatever the number of pytest-xdist workers.

    Every worker asks for it; a file lock lets the first make it and the others wait. Tests never open
    the result for writing: fixtures hand out copies.
    """
    import fcntl

    root = _run_root(tmp_path_factory)
    made, done = root / name, root / f"{name}.done"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            if made.exists():  # a worker died while making it
                shutil.rmtree(made)
            make(made)
            done.write_text("made\n")
    return made


def _shipped_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped graph, built ONCE per test run into an on-disk store that tests never open for writing."""

    def build_into(master: Path) -> None:
        from controlgraph.pipeline.build import build
        from controlgraph.store.embedded import EmbeddedStore

        store = EmbeddedStore(master)
        build(Settings.from_env({}, store=str(master)), store)
        store.close()
        del store
        # The build also wrote the query workers' file of the shared graphs (store/snapshot_copies.py):
        # the servers tests start on copies of this store load it instead of each reading RocksDB.

    return _once(tmp_path_factory, "shipped-store", build_into)


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shipped graph in an in-memory embedded store, shared by the session (tests must not write to it).

    Copied from the run's one build (:func:`_shipped_store`) rather than built again: a copy of the quads
    takes a fraction of a build, whose SHACL validation dominates.
    """
    from controlgraph.store.embedded import EmbeddedStore

    source = EmbeddedStore(_shipped_store(tmp_path_factory), read_only=True)
    store = source.copy()
    source.close()
    return store


class OxigraphServer:
    """A real `oxigraph serve` process on a free loopback port, with its data in a temporary folder."""

    def __init__(self, location: Path) -> None:
        import subprocess
        import sys

        from serving import answers, free_port, wait_until_ready

        binary = Path(sys.executable).parent / "oxigraph"
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(binary), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        wait_until_ready(self.process, lambda: answers(self.url, "/query", {"query": "ASK {}"}, timeout=1), 20,
                         f"oxigraph serve on {self.url}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Base address of a real Oxigraph server shared by the session (tests use their own graph names)."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph"))
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def module_oxigraph_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Base address of an Oxigraph server of one module's own, for tests whose queries read every graph (in
    the session's shared server, what other modules on the worker left would count against the row cap)."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-module"))
    yield server.url
    server.stop()


@pytest.fixture()
def oxigraph_process(tmp_path: Path):  # type: ignore[no-untyped-def]
    """An Oxigraph server of the test's own, which the test may stop."""
    server = OxigraphServer(tmp_path / "oxigraph")
    yield server
    server.stop()


def _shipped_oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An `oxigraph serve` data folder holding the shipped graph, made ONCE per run by oxigraph's bulk loader.

    Uploaded over HTTP instead, the graph sits in RocksDB's write-ahead log, and an oxigraph restarted
    after SIGKILL replays it for over a minute before it answers; bulk-loaded, it starts at once.
    """
    import subprocess
    import sys

    import pyoxigraph as ox

    from controlgraph.store.embedded import EmbeddedStore

    def load_into(folder: Path) -> None:
        source = EmbeddedStore(_shipped_store(tmp_path_factory), read_only=True)
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
                 for g in source.graph_names() for t in source.graph_triples(g)]
        source.close()
        dump = folder.parent / f"{folder.name}.nq"
        dump.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        oxigraph = Path(sys.executable).parent / "oxigraph"
        subprocess.run([str(oxigraph), "load", "--location", str(folder), "--file", str(dump)], check=True,
                       capture_output=True, timeout=600)
        dump.unlink()

    return _once(tmp_path_factory, "shipped-oxigraph", load_into)


@pytest.fixture()
def shipped_oxigraph_process(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """An Oxigraph server of the test's own holding the shipped graph (a copy of the run's one bulk load),
    which the test may stop and start again."""
    location = tmp_path / "oxigraph"
    shutil.copytree(_shipped_oxigraph(tmp_path_factory), location)
    server = OxigraphServer(location)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def built_disk_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped graph in an on-disk embedded store of this session (worker); returns its directory.

    A copy of the run's one build: tests and the benches they start open it (opening for writing
    publishes read snapshots inside it), so each worker has its own.
    """
    path = tmp_path_factory.mktemp("built") / "store"
    shutil.copytree(_shipped_store(tmp_path_factory), path)
    return path


@pytest.fixture(scope="session")
def ccm_cli_import(tmp_path_factory: pytest.TempPathFactory, reference_dir: Path) -> CliImport:
    """The CCM bundle imported by the CLI into a copy of the shipped store, ONCE per test run.

    Importing the bundle is the longest step of the import tests; the tests that check its result (the
    CLI's output and report, the store it leaves, how long its write takes) share this one run.
    """
    shipped = _shipped_store(tmp_path_factory)
    root = _once(tmp_path_factory, "ccm-import", lambda made: run_ccm_import(made, shipped, reference_dir))
    return CliImport.read(root)


# The shipped mappings as the composition engine reads them (reasoning and gold-set tests).
@pytest.fixture(scope="session")
def shipped_triples() -> list:  # type: ignore[type-arg]
    settings = Settings()
    return shared_graphs(load_files(shipped_datasets(data_root(settings.data_dir))).graphs())


@pytest.fixture(scope="session")
def built_edges(shipped_triples: list) -> list[AssertedMapping]:  # type: ignore[type-arg]
    return asserted_mappings(shipped_triples)


@pytest.fixture(scope="session")
def shipped_texts(shipped_triples: list) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:  # type: ignore[type-arg]
    return control_texts(shipped_triples)
