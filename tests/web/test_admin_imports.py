"""``/admin/imports``: an administrator imports into a running server (no restart, no store lock)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import hash_key
from controlgraph.web.app import create_app

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


def test_admin_routes_are_off_without_admin_keys(built_disk_store: Path) -> None:
    store = EmbeddedStore(built_disk_store, read_only=True)
    app = create_app(Settings.from_env({}, store=str(built_disk_store)), store)
    with TestClient(app) as client:
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
