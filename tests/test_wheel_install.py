"""A non-editable install (a built wheel in a fresh virtual environment) builds and serves.

The wheel must carry ontology/, mappings/ and queries/ inside the package. Dependencies come from
the test environment through a .pth file, so the test checks the wheel's own contents without
downloading anything.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import httpx

from serving import serving

REPO = Path(__file__).resolve().parent.parent


def test_wheel_builds_and_serves(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(REPO)],
                   check=True, timeout=300)
    wheel = next(dist.glob("controlgraph-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "controlgraph/_data/ontology/controlgraph.ttl" in names
    assert "controlgraph/_data/mappings/frameworks/nist-csf-2.0.ttl" in names
    assert any(n.startswith("controlgraph/_data/ontology/shapes/") for n in names)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)  # the test environment's pip installs into it (no ensurepip)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                    str(wheel)], check=True, timeout=300)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = tmp_path / "elsewhere"  # not the checkout: the data must come from the wheel
    work.mkdir()
    exe = env_dir / "bin" / "controlgraph"
    built = subprocess.run([str(exe), "build"], cwd=work, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    assert "nist-csf-2.0" in built.stdout and "iso27001-2022" in built.stdout

    with serving([exe, "serve", "--port", "{port}"], tmp_path / "serve.log", seconds=180, cwd=work) as server:
        answer = httpx.get(f"{server.url}/healthz", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert answer.json()["triples"] > 10_000
