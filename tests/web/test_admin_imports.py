"""``/admin/imports``: an administrator imports into a running server (no restart, no store lock)."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import hash_key
from controlgraph.vocabulary import IMPORT_GRAPH
from controlgraph.web.app import create_app
from serving import serving

ADMIN_KEY = "admin-key-for-tests"
TWO_ROWS = """\
# curie_map:
#   gdpr: https://w3id.org/controlgraph/id/control/gdpr/
#   iso27002-2022: https://w3id.org/controlgraph/id/control/iso27002-2022/
#   skos: http://www.w3.org/2004/02/skos/core#
#   semapv: https://w3id.org/semapv/vocab/
# mapping_set_id: https://example.org/sssom/admin-two-rows.sssom.tsv
# license: https://creativecommons.org/publicdomain/zero/1.0/
subject_id\tpredicate_id\tobject_id\tmapping_justification
gdpr:Art.25\tskos:closeMatch\tiso27002-2022:8.27\tsemapv:ManualMappingCuration
gdpr:Art.32\tskos:relatedMatch\tiso27002-2022:8.24\tsemapv:ManualMappingCuration
"""


@pytest.fixture(scope="module")
def http(built_disk_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    copy = tmp_path_factory.mktemp("admin") / "store"
    shutil.copytree(built_disk_store, copy)
    store = EmbeddedStore(copy)
    app = create_app(Settings.from_env({}, store=str(copy), admin_keys=hash_key(ADMIN_KEY)), store)
    with TestClient(app) as client:
        yield client
    store.close()


def auth(key: str = ADMIN_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_admin_routes_need_the_admin_key(http: TestClient) -> None:
    assert http.get("/admin/imports").status_code == 401
    assert http.get("/admin/imports", headers=auth("wrong")).status_code == 401
    posted = http.post("/admin/imports/sssom", params={"filename": "x.tsv"}, content=TWO_ROWS.encode())
    assert posted.status_code == 401


def test_admin_routes_are_off_without_admin_keys() -> None:
    # The routes are on or off by the settings alone, whatever the store holds: an empty one starts the
    # app's query workers at once (over the built graph, each took its copy first: most of this test's time).
    store = EmbeddedStore(None)
    app = create_app(Settings.from_env({}, store="memory"), store)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200  # the app serves: the 404 below is the route's absence
        assert client.get("/admin/imports", headers=auth()).status_code == 404


def test_import_list_and_remove_on_a_running_server(http: TestClient) -> None:
    answer = http.post("/admin/imports/sssom", params={"filename": "../admin two rows.sssom.tsv"},
                       content=TWO_ROWS.encode(), headers=auth())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["changed"] and body["counts"]["mappings"] == 2
    assert body["sha256"] == hashlib.sha256(TWO_ROWS.encode()).hexdigest()
    assert all("admin-two-rows.sssom.tsv" in i["source"] for i in body["issues"])  # no server path leaks
    name = body["graph"].rsplit("/import/", 1)[1]

    listed = http.get("/admin/imports", headers=auth()).json()["imports"]
    (record,) = [r for r in listed if r["name"] == name]
    assert record["kind"] == "sssom" and record["sha256"] == body["sha256"] and record["counts"]["mappings"] == 2

    removed = http.delete(f"/admin/imports/{name}", headers=auth())
    assert removed.status_code == 200, removed.text
    assert name not in {r["name"] for r in http.get("/admin/imports", headers=auth()).json()["imports"]}
    assert http.delete(f"/admin/imports/{name}", headers=auth()).status_code == 404


def test_admin_uploads_have_their_own_size_limit(http: TestClient) -> None:
    big = b"{" + b" " * 1_200_000 + b"}"  # over the 1 MB general limit, under the import limit
    answer = http.post("/admin/imports/oscal-catalog", params={"filename": "big.json"}, content=big, headers=auth())
    assert answer.status_code == 400 and answer.json()["kind"] == "InputError"
    refused = http.post("/admin/imports/ccm", params={"filename": "bundle"}, content=b"{}", headers=auth())
    assert refused.status_code == 400 and "one file" in refused.json()["error"]


def _zip_of(folder: Path, top: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(member, f"{top}/{member.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def _tgz_of(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(folder, arcname="another-name")  # the top folder's name is not part of the source
    return buffer.getvalue()


def _store_state(http: TestClient) -> tuple[list[str], int]:
    store = http.app.state.store  # type: ignore[attr-defined]
    return store.graph_names(), store.quad_count()


@pytest.mark.slow
def test_the_ccm_bundle_is_imported_as_an_archive_and_unsafe_archives_change_nothing(
    http: TestClient, reference_dir: Path
) -> None:
    bundle = reference_dir / "csa-ccm-4.0.12" / "json-dataset"
    before = _store_state(http)
    folder_body = http.post("/admin/imports/ccm", params={"filename": "bundle"}, content=b"{}", headers=auth())
    assert folder_body.status_code == 400 and "zip or tar archive" in folder_body.json()["error"]
    unsafe = _evil_zip()
    answer = http.post("/admin/imports/ccm", params={"filename": "evil.zip"}, content=unsafe, headers=auth())
    assert answer.status_code == 400 and "unsafe name" in answer.json()["error"], answer.text
    assert "controlgraph-bundle-" not in answer.text  # no server path in the answer
    assert _store_state(http) == before

    answer = http.post("/admin/imports/ccm", params={"filename": "ccm bundle.zip"},
                       content=_zip_of(bundle, "json-dataset"), headers=auth())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["changed"] and body["counts"]["control statements"] > 100
    assert body["graph"].endswith("/import/csa-ccm-4.0.12")
    assert all(i["source"].startswith("ccm-bundle.zip") for i in body["issues"]), body["issues"][:3]
    imported = _store_state(http)
    assert imported[1] > before[1]

    # The same bundle as a tar.gz is the same source: nothing changes.
    again = http.post("/admin/imports/ccm", params={"filename": "ccm.tar.gz"}, content=_tgz_of(bundle),
                      headers=auth())
    assert again.status_code == 200, again.text
    assert not again.json()["changed"] and again.json()["sha256"] == body["sha256"]
    assert _store_state(http) == imported
    name = body["graph"].rsplit("/import/", 1)[1]
    assert http.delete(f"/admin/imports/{name}", headers=auth()).status_code == 200


def _evil_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("json-dataset/CCM/primary-dataset.json", b"{}")
        archive.writestr("../../outside.json", b"{}")
    return buffer.getvalue()


@pytest.mark.slow
def test_import_server_sends_a_bundle_folder_as_an_archive_to_a_running_server(
    built_disk_store: Path, reference_dir: Path, tmp_path: Path
) -> None:
    location = tmp_path / "store"
    shutil.copytree(built_disk_store, location)
    binary = str(Path(sys.executable).parent / "controlgraph")
    env = {**os.environ, "CONTROLGRAPH_STORE": str(location), "CONTROLGRAPH_ADMIN_KEYS": hash_key(ADMIN_KEY),
           "CONTROLGRAPH_LOG_LEVEL": "WARNING"}
    with serving([binary, "serve", "--port", "{port}"], tmp_path / "server.log", env=env) as server:
        url = server.url
        client_env = {**os.environ, "CONTROLGRAPH_ADMIN_KEY": ADMIN_KEY, "CONTROLGRAPH_STORE": str(tmp_path / "none")}
        sent = subprocess.run([binary, "import", "--server", url, "ccm",
                               str(reference_dir / "csa-ccm-4.0.12" / "json-dataset")],
                              env=client_env, capture_output=True, text=True, timeout=1200, check=False)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert f"into <{IMPORT_GRAPH}csa-ccm-4.0.12> on {url}" in sent.stdout and "store changed" in sent.stdout
        listed = httpx.get(f"{url}/admin/imports", headers=auth(), timeout=30).json()["imports"]
        (record,) = [r for r in listed if r["name"] == "csa-ccm-4.0.12"]
        assert record["kind"] == "ccm" and record["source"] == "json-dataset.zip"
