"""Generate the CSA Cloud Controls Matrix v4 catalog: 17 domains and 197 controls.

Reads the CSA CCM v4.0.12 machine-readable bundle in ``../shared/reference/csa-ccm-4.0.12``
(override the reference folder with $CONTROLGRAPH_REFERENCE):

- ``json-dataset/CCM/primary-dataset.json``: domain and control identifiers and official titles. The CSA
  licence allows the project to ship at most identifiers and titles, so nothing else is read into the
  output: not the specifications, not CCM-Lite membership, not the applicability/ownership matrix
  (``controlgraph import ccm`` adds those from the user's own copy of the bundle).
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
OSCAL_CATALOG = "csa-ccm-4.0.12/oscal-dataset/ccm-v4.0.12-oscal.json"

SOURCE = "https://cloudsecurityalliance.org/artifacts/cloud-controls-matrix-v4/"
LICENCE = (
    "CSA CCM licence (https://cloudsecurityalliance.org/license): personal non-commercial use; no "
    "redistribution of the matrix. Only identifiers and titles are shipped."
)
DESCRIPTION = (
    "The Cloud Controls Matrix v4.0.12: 17 domains (notation = domain id, e.g. 'A&A') and 197 controls "
    "(e.g. 'A&A-01') with their official titles: identifiers and titles only, as the CSA licence allows. "
    "`controlgraph import ccm` adds, from the user's copy of the bundle, the specifications, CCM-Lite "
    "membership (cg:memberOf) and CSA's typical ownership per cloud service model "
    "(cg:responsiblePartyIaaS/PaaS/SaaS). A domain is the union of its controls."
)
NOT_SHIPPED = (
    "The control specifications, implementation guidelines, CAIQ questions, CCM-Lite membership and the "
    "applicability/ownership matrix (CSA licence forbids redistribution); a user loads them from the CSA "
    "bundle with `controlgraph import ccm`."
)

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


def read_catalog(primary: dict[str, Any], log: list[LogEntry]) -> list[ControlRecord]:
    """Domains and controls in matrix order: identifiers and titles only."""
    items: list[ControlRecord] = []
    for domain_position, domain in enumerate(primary["domains"], start=1):
        domain_row = f"domains[{domain_position}]"
        domain_id = clean(str(domain["id"]), domain_row, log)
        domain_title = clean(str(domain["title"]), domain_row, log)
        items.append(ControlRecord(domain_id, domain_title, "domain"))
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
            items.append(record)
    return items


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
    records = read_catalog(primary, log)
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
        "Identifiers and official titles only (CSA licence).",
    )
    write_text(OUTPUT, catalog_turtle(meta, records, header))
    write_datalog(SLUG, log)
    print(f"{OUTPUT.relative_to(REPO)}: {len(records)} items")
    print(f"{DATALOG.relative_to(REPO)}: {len(log)} rows")


if __name__ == "__main__":
    main()
