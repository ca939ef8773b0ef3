"""Generate the CSA Cloud Controls Matrix v4 catalog: 17 domains and 197 controls.

Reads the CSA CCM v4.0.12 machine-readable bundle in ``../shared/reference/csa-ccm-4.0.12``
(override the reference folder with $CONTROLGRAPH_REFERENCE):

- ``json-dataset/CCM/primary-dataset.json``: domain and control identifiers, official titles and the
  CCM-Lite flag. The control specifications are never read into the output: the CSA licence forbids
  redistributing the matrix, so only these facts are shipped.
- ``json-dataset/CCM/applicability/ownership.json``: CSA's typical shared-responsibility ownership of
  each control per service model (IaaS, PaaS, SaaS), shipped as ``cg:responsibility``.
- ``oscal-dataset/ccm-v4.0.12-oscal.json``: only its metadata, for the publication date of the release.

Writes ``mappings/csa-ccm-4.ttl`` through :mod:`controlgraph.data.authoring` and, for every source row it
rejects or repairs, a line in ``mappings/datalog/csa-ccm-4.csv``.

Run: ``cd /work/main && PYTHONPATH=server .venv/bin/python scripts/generate_ccm.py``
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from controlgraph.data.authoring import ControlRecord, FrameworkMeta, Provenance, catalog_turtle, write_text
from generators.common import DATALOG as DATALOG_DIR
from generators.common import FRAMEWORKS, REPO, LogEntry, reference_dir, write_datalog

OUTPUT = FRAMEWORKS / "csa-ccm-4.ttl"
DATALOG = DATALOG_DIR / "csa-ccm-4.csv"

SLUG = "csa-ccm-4"
EXPECTED_VERSION = "4.0.12"
PRIMARY = "csa-ccm-4.0.12/json-dataset/CCM/primary-dataset.json"
OWNERSHIP = "csa-ccm-4.0.12/json-dataset/CCM/applicability/ownership.json"
OSCAL_CATALOG = "csa-ccm-4.0.12/oscal-dataset/ccm-v4.0.12-oscal.json"

SOURCE = "https://cloudsecurityalliance.org/artifacts/cloud-controls-matrix-v4/"
LICENCE = (
    "CSA CCM licence (https://cloudsecurityalliance.org/license): personal non-commercial use; no "
    "redistribution of the matrix. Only identifiers, titles, CCM-Lite membership and ownership are shipped "
    "as facts."
)
DESCRIPTION = (
    "The Cloud Controls Matrix v4.0.12: 17 domains (notation = domain id, e.g. 'A&A') and 197 controls "
    "(e.g. 'A&A-01') with their official titles. Controls in CCM-Lite carry cg:memberOf 'CCM-Lite'. "
    "cg:responsibility records CSA's typical control ownership per cloud service model, as "
    "'IaaS: <owner>; PaaS: <owner>; SaaS: <owner>' with owner one of 'CSP-Owned', 'CSC-Owned', 'Shared' "
    "(CSP = cloud service provider, CSC = cloud service customer). A domain is the union of its controls."
)
NOT_SHIPPED = (
    "The control specifications, implementation guidelines and CAIQ questions (CSA licence forbids "
    "redistribution); a user loads them from the CSA bundle with `controlgraph import ccm`."
)

SERVICE_MODELS = ("IaaS", "PaaS", "SaaS")
# Ownership values as CSA spells them in ownership.json; the catalog keeps that spelling.
OWNERS = ("CSP-Owned", "CSC-Owned", "Shared")
CONTROL_ID = re.compile(r"^([A-Z&]+)-(\d{2})$")


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def release_date(oscal_catalog: dict[str, Any]) -> dt.date:
    """The publication date CSA stamped on the v4.0.12 OSCAL catalog of the same bundle."""
    metadata = oscal_catalog["catalog"]["metadata"]
    if metadata.get("version") != EXPECTED_VERSION:
        raise ValueError(f"OSCAL catalog is version {metadata.get('version')!r}, expected {EXPECTED_VERSION}")
    return dt.datetime.fromisoformat(metadata["published"]).date()


def clean(text: str, row: str, log: list[LogEntry]) -> str:
    """Collapse stray whitespace in an identifier or title, logging the repair."""
    tidy = " ".join(text.split())
    if tidy != text:
        log.append(LogEntry(PRIMARY, row, text, "repaired", "stray whitespace removed"))
    return tidy


def read_ownership(data: dict[str, Any], known: set[str], log: list[LogEntry]) -> dict[str, dict[str, str]]:
    """Owner per service model per control id, spelled as CSA spells it."""
    owners: dict[str, dict[str, str]] = {}
    for block in data["content"]:
        model = str(block["title"]).strip()
        if model not in SERVICE_MODELS:
            log.append(LogEntry(OWNERSHIP, model, model, "rejected", "unknown service model"))
            continue
        for position, entry in enumerate(block["content"], start=1):
            row = f"{model}[{position}]"
            control_id = str(entry["control_id"]).strip()
            raw = str(entry["value"])
            owner = raw.strip()
            if owner != raw:
                log.append(LogEntry(OWNERSHIP, row, raw, "repaired", "stray whitespace removed"))
            problem = ownership_problem(control_id, owner, model, known, owners)
            if problem:
                log.append(LogEntry(OWNERSHIP, row, f"{control_id}={owner}", "rejected", problem))
            else:
                owners.setdefault(control_id, {})[model] = owner
    return owners


def ownership_problem(
    control_id: str, owner: str, model: str, known: set[str], owners: dict[str, dict[str, str]]
) -> str:
    """Why an ownership entry cannot be used, or '' when it can."""
    if control_id not in known:
        return "control id not in the primary dataset"
    if owner not in OWNERS:
        return f"unknown ownership value (expected one of {', '.join(OWNERS)})"
    if model in owners.get(control_id, {}):
        return f"second {model} value for the control"
    return ""


def responsibility(owner_by_model: dict[str, str]) -> str | None:
    parts = [f"{model}: {owner_by_model[model]}" for model in SERVICE_MODELS if model in owner_by_model]
    return "; ".join(parts) or None


def read_catalog(primary: dict[str, Any], log: list[LogEntry]) -> list[tuple[ControlRecord, bool]]:
    """Domains and controls in matrix order; the flag says whether a control is in CCM-Lite."""
    items: list[tuple[ControlRecord, bool]] = []
    for domain_position, domain in enumerate(primary["domains"], start=1):
        domain_row = f"domains[{domain_position}]"
        domain_id = clean(str(domain["id"]), domain_row, log)
        domain_title = clean(str(domain["title"]), domain_row, log)
        items.append((ControlRecord(domain_id, domain_title, "domain"), False))
        for position, control in enumerate(domain["controls"], start=1):
            row = f"{domain_row}.controls[{position}]"
            control_id = clean(str(control["id"]), row, log)
            match = CONTROL_ID.match(control_id)
            if match is None or match[1] != domain_id:
                reason = f"not a control id of domain {domain_id}"
                log.append(LogEntry(PRIMARY, row, control_id, "rejected", reason))
                continue
            title = clean(str(control["title"]), row, log)
            record = ControlRecord(control_id, title, "control", parent=domain_id)
            items.append((record, control.get("is_lite") is True))
    return items


def build_records(
    items: Sequence[tuple[ControlRecord, bool]], owners: dict[str, dict[str, str]]
) -> list[ControlRecord]:
    records = []
    for record, is_lite in items:
        if record.kind == "domain":
            records.append(record)
            continue
        records.append(
            ControlRecord(
                record.notation,
                record.title,
                record.kind,
                parent=record.parent,
                responsibility=responsibility(owners.get(record.notation, {})),
                member_of=("CCM-Lite",) if is_lite else (),
            )
        )
    return records


def check_counts(records: Sequence[ControlRecord]) -> None:
    domains = sum(1 for r in records if r.kind == "domain")
    controls = sum(1 for r in records if r.kind == "control")
    if (domains, controls) != (17, 197):
        raise ValueError(f"expected 17 domains and 197 controls, read {domains} and {controls}")


def main() -> None:
    reference = reference_dir()
    primary = load_json(reference / PRIMARY)
    if primary.get("version") != EXPECTED_VERSION:
        raise ValueError(f"primary dataset is version {primary.get('version')!r}, not {EXPECTED_VERSION}")
    log: list[LogEntry] = []
    items = read_catalog(primary, log)
    known = {record.notation for record, _ in items if record.kind == "control"}
    owners = read_ownership(load_json(reference / OWNERSHIP), known, log)
    records = build_records(items, owners)
    check_counts(records)
    meta = FrameworkMeta(
        slug=SLUG,
        title="CSA Cloud Controls Matrix v4",
        provenance=Provenance(
            publisher="Cloud Security Alliance",
            source=SOURCE,
            version=EXPECTED_VERSION,
            issued=release_date(load_json(reference / OSCAL_CATALOG)),
            licence=LICENCE,
        ),
        description=DESCRIPTION,
        parent_is_union_of_children=True,
        not_shipped=NOT_SHIPPED,
    )
    header = (
        "CSA Cloud Controls Matrix v4.0.12: domains and controls.",
        "Generated by scripts/generate_ccm.py from the CSA CCM bundle; do not edit by hand.",
        "Identifiers, official titles, CCM-Lite membership and ownership only (CSA licence).",
    )
    write_text(OUTPUT, catalog_turtle(meta, records, header))
    write_datalog(SLUG, log)
    lite = sum(1 for r in records if r.member_of)
    owned = sum(1 for r in records if r.responsibility)
    print(f"{OUTPUT.relative_to(REPO)}: {len(records)} items, {lite} in CCM-Lite, {owned} with ownership")
    print(f"{DATALOG.relative_to(REPO)}: {len(log)} rows")


if __name__ == "__main__":
    main()
