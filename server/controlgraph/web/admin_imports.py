"""``/admin/imports``: imports into a running server, for an administrator (no restart, no store lock).

``POST /admin/imports/{kind}?filename=NAME`` with the file as the request body imports it as
``controlgraph import KIND FILE`` would (options ``framework``, ``keep_going``); a folder kind (``ccm``)
takes the folder as a zip or tar archive (``filename`` ending ``.zip``, ``.tar``, ``.tar.gz``, ...),
unpacked safely by :mod:`controlgraph.importers.archives` (no links, no names outside the folder,
caps on members and unpacked bytes, zip bombs refused). ``GET /admin/imports``
lists the imports, ``DELETE /admin/imports/{name}`` removes one. Every route needs
``Authorization: Bearer <admin key>`` whose sha256 is in ``CONTROLGRAPH_ADMIN_KEYS``; with none
configured the routes answer 404. The body is written to a private temporary folder under its
(sanitised) file name, read by the same importer and committed through the same pipeline as the CLI.
"""

from __future__ import annotations

import hmac
import re
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from controlgraph.errors import ControlGraphError, InputError
from controlgraph.importers import FOLDER_KINDS, IMPORTERS, ImportOptions, import_file
from controlgraph.importers.archives import ARCHIVE_SUFFIXES
from controlgraph.pipeline.import_records import list_imports, remove_import
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import hash_key
from controlgraph.web.sparql import error_response

PREFIX = "/admin/imports"
SINGLE_FILE_KINDS = sorted(k for k in IMPORTERS if k not in FOLDER_KINDS)
router = APIRouter()


def _authorise(request: Request) -> None:
    hashes: list[str] = request.app.state.admin_key_hashes
    if not hashes:
        raise HTTPException(status_code=404, detail="admin routes are off (CONTROLGRAPH_ADMIN_KEYS is empty)")
    scheme, _, key = (request.headers.get("authorization") or "").partition(" ")
    digest = hash_key(key) if scheme.lower() == "bearer" and key.strip() else ""
    if not digest or not any(hmac.compare_digest(digest, h) for h in hashes):
        raise HTTPException(status_code=401, detail="an admin key is required (Authorization: Bearer KEY)",
                            headers={"WWW-Authenticate": "Bearer"})


def _safe_name(filename: str, kind: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(filename).name).strip(".-")[:120]
    if not name:
        raise InputError(f"filename {filename[:80]!r} gives no usable file name for the {kind} import")
    return name


@router.post(PREFIX + "/{kind}")
async def post_import(request: Request, kind: str, filename: str, framework: str | None = None,
                      keep_going: bool = False) -> Any:
    _authorise(request)
    store: GraphStore = request.app.state.store
    try:
        if kind not in IMPORTERS:
            raise InputError(f"kind {kind[:40]!r}: the server imports one file of {', '.join(SINGLE_FILE_KINDS)}, "
                             f"or an archive of a folder for {', '.join(sorted(FOLDER_KINDS))}")
        body = await request.body()
        name = _safe_name(filename, kind)
        if kind in FOLDER_KINDS and not name.lower().endswith(ARCHIVE_SUFFIXES):
            raise InputError(f"{kind} reads a folder: send it as one file, a zip or tar archive of the folder "
                             f"(filename ending {', '.join(ARCHIVE_SUFFIXES)})")
        with tempfile.TemporaryDirectory(prefix="controlgraph-import-") as folder:
            path = Path(folder) / name
            path.write_bytes(body)
            dataset, outcome = await run_in_threadpool(
                lambda: import_file(store, kind, path, ImportOptions(framework=framework, keep_going=keep_going),
                                    shown_as=name))
    except ControlGraphError as exc:
        return error_response(exc)
    return {
        "graph": outcome.graph, "changed": outcome.changed, "triples": outcome.triples,
        "inferred_relations": outcome.inferred_relations, "counts": dataset.counts,
        "sha256": dataset.source_sha256,
        "issues": [{"source": i.source, "action": i.action, "reason": i.reason, "value": i.value}
                   for i in dataset.issues],
    }


@router.get(PREFIX)
async def get_imports(request: Request) -> Any:
    _authorise(request)
    store: GraphStore = request.app.state.store
    return {"imports": [asdict(r) for r in await run_in_threadpool(list_imports, store)]}


@router.delete(PREFIX + "/{name}")
async def delete_import(request: Request, name: str) -> Any:
    _authorise(request)
    store: GraphStore = request.app.state.store
    try:
        definite = await run_in_threadpool(remove_import, store, name)
    except ControlGraphError as exc:
        return error_response(exc)
    return {"removed": name, "inferred_relations": definite}


def install(app: FastAPI, settings: Settings, store: GraphStore) -> None:
    app.state.admin_key_hashes = [h.strip().lower() for h in settings.admin_keys.split(",") if h.strip()]
    app.include_router(router)
