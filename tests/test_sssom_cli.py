"""`controlgraph export sssom` and `controlgraph import sssom` on an on-disk store."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from controlgraph.cli import EXIT_INPUT, EXIT_NOT_FOUND
from controlgraph.store.embedded import EmbeddedStore

SET_ID = "gdpr--iso27002-2022--curated"
CONTROLGRAPH = Path(sys.executable).parent / "controlgraph"


@pytest.fixture(scope="module")
def store_dir(built_disk_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the built on-disk store, since these tests write to it."""
    target = tmp_path_factory.mktemp("sssom-cli") / "store"
    shutil.copytree(built_disk_store, target)
    return target


def run(store_dir: Path, *args: str) -> tuple[int, str, str]:
    """The installed command, one process per call, as a user runs it (each releases the store's lock)."""
    done = subprocess.run([str(CONTROLGRAPH), "--store", str(store_dir), *args],
                          capture_output=True, text=True, timeout=600, check=False)
    return done.returncode, done.stdout, done.stderr


def quads(store_dir: Path) -> set[str]:
    store = EmbeddedStore(store_dir, read_only=True)
    found = {str(q) for q in store._store}
    del store
    return found


def test_export_then_import_then_import_again(store_dir: Path, tmp_path: Path) -> None:
    exported = tmp_path / f"{SET_ID}.sssom.tsv"
    code, _, err = run(store_dir, "export", "sssom", "--set", SET_ID, "-o", str(exported))
    assert code == 0, err
    assert "wrote 82 mappings" in err
    assert exported.read_text(encoding="utf-8").startswith("# curie_map:\n")

    code, out, err = run(store_dir, "import", "sssom", str(exported))
    assert code == 0, err
    assert f"/graph/import/sssom-{SET_ID}>" in out
    assert "mappings: 82" in out
    assert "store changed" in out

    before = quads(store_dir)
    code, out, err = run(store_dir, "import", "sssom", str(exported))
    assert code == 0, err
    assert "unchanged" in out
    assert quads(store_dir) == before

    code, out, err = run(store_dir, "export", "sssom", "--set", f"sssom-{SET_ID}")
    assert code == 0, err
    assert f"# mapping_set_source:\n# - https://w3id.org/controlgraph/id/mapping-set/{SET_ID}\n" in out


def test_a_bad_row_exits_2_naming_the_row_and_writes_nothing(store_dir: Path, tmp_path: Path) -> None:
    exported = tmp_path / "good.sssom.tsv"
    assert run(store_dir, "export", "sssom", "--set", SET_ID, "-o", str(exported))[0] == 0
    lines = exported.read_text(encoding="utf-8").splitlines()
    header_at = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    columns = lines[header_at].split("\t")
    cells = lines[header_at + 3].split("\t")
    cells[columns.index("strength")] = "11"
    lines[header_at + 3] = "\t".join(cells)
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    before = quads(store_dir)
    code, _, err = run(store_dir, "import", "sssom", str(bad))
    assert code == EXIT_INPUT
    assert err.strip().splitlines() == [
        f"error: {bad}:{header_at + 4}: strength 11 is outside 0-10; nothing was imported"
    ]
    assert quads(store_dir) == before


def test_exporting_an_unknown_set_exits_3(store_dir: Path) -> None:
    code, _, err = run(store_dir, "export", "sssom", "--set", "no-such-set")
    assert code == EXIT_NOT_FOUND
    assert "no mapping set" in err
