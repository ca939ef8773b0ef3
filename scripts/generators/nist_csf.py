"""The NIST CSF 2.0 and 1.1 catalogs.

CSF 2.0 comes from NIST's core (``nist-csf-2.0/csf2_core.csv``), CSF 1.1 from the CISO Assistant library
``nist-csf-1.1``. Only identifiers, function and category titles and hierarchy are taken; subcategory
titles and summaries are the project's own (:mod:`generators.csf2_labels`, :mod:`generators.csf11_labels`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controlgraph.data.authoring import ControlRecord, FrameworkMeta, Provenance
from generators.common import DataLog
from generators.csf2_labels import CSF_2_0_SUBCATEGORIES
from generators.csf11_labels import CSF_1_1_SUBCATEGORY_TITLES
from generators.nist_sources import CSF2_CORE, CSF2_SLUG, CSF11_SLUG, NIST_LICENCE

# ------------------------------------------------------------------------------------------ CSF 2.0


@dataclass(frozen=True)
class CoreRow:
    record: int  # 1-based record number after the header (records may span several lines)
    notation: str
    kind: str
    parent: str
    title: str
    withdrawn: bool


def read_csf2_core(path: Path) -> list[CoreRow]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            CoreRow(
                record=number,
                notation=row["id"].strip(),
                kind=row["type"].strip(),
                parent=row["parent"].strip(),
                title=row["title"].strip(),
                # Withdrawn categories have an empty flag; NIST marks them in the outcome text instead.
                withdrawn=row["withdrawn"] == "True" or row["text"].startswith("[Withdrawn"),
            )
            for number, row in enumerate(csv.DictReader(f), start=1)
        ]


def csf2_controls(rows: Iterable[CoreRow], log: DataLog) -> list[ControlRecord]:
    controls: list[ControlRecord] = []
    for row in rows:
        if row.withdrawn:
            log.reject(CSF2_CORE, row.record, row.notation, "withdrawn in CSF 2.0")
            continue
        controls.append(csf2_control(row))
    return controls


def csf2_control(row: CoreRow) -> ControlRecord:
    parent = row.parent or None
    if row.kind != "subcategory":
        return ControlRecord(notation=row.notation, title=row.title, kind=row.kind, parent=parent)
    title, summary = CSF_2_0_SUBCATEGORIES[row.notation]
    return ControlRecord(
        notation=row.notation,
        title=title,
        kind="subcategory",
        parent=parent,
        summary=summary,
        title_origin="project",
    )


CSF2_META = FrameworkMeta(
    slug=CSF2_SLUG,
    title="NIST Cybersecurity Framework (CSF) 2.0",
    provenance=Provenance(
        publisher="National Institute of Standards and Technology (NIST)",
        source="https://www.nist.gov/cyberframework",
        version="2.0",
        issued=dt.date(2024, 2, 26),
        licence=NIST_LICENCE,
    ),
    description=(
        "CSF 2.0 Core: 6 functions, 22 categories and 106 subcategories (items withdrawn since CSF 1.1 are "
        "left out). The outcomes of a category are exactly its subcategories and those of a function exactly "
        "its categories, so a parent is the union of its children. Function and category titles are NIST's; "
        "subcategory titles and summaries are written by the project."
    ),
    supersedes=CSF11_SLUG,
    parent_is_union_of_children=True,
    not_shipped="NIST's outcome statements, implementation examples and informative reference text.",
)


# ------------------------------------------------------------------------------------------ CSF 1.1


CSF11_KINDS = {1: "function", 2: "category", 3: "subcategory"}


def csf11_controls(nodes: Sequence[dict[str, Any]]) -> list[ControlRecord]:
    notation_by_urn = {node["urn"]: node["ref_id"] for node in nodes}
    controls: list[ControlRecord] = []
    for node in nodes:
        kind = CSF11_KINDS[node["depth"]]
        notation = node["ref_id"]
        parent = notation_by_urn.get(node.get("parent_urn", ""))
        if kind == "subcategory":
            controls.append(
                ControlRecord(
                    notation=notation,
                    title=CSF_1_1_SUBCATEGORY_TITLES[notation],
                    kind=kind,
                    parent=parent,
                    title_origin="project",
                )
            )
        else:
            controls.append(ControlRecord(notation=notation, title=node["name"], kind=kind, parent=parent))
    return controls


CSF11_META = FrameworkMeta(
    slug=CSF11_SLUG,
    title="NIST Cybersecurity Framework (CSF) 1.1",
    provenance=Provenance(
        publisher="National Institute of Standards and Technology (NIST)",
        source="https://doi.org/10.6028/NIST.CSWP.04162018",
        version="1.1",
        issued=dt.date(2018, 4, 16),
        licence=NIST_LICENCE,
    ),
    description=(
        "CSF 1.1 Core: 5 functions, 23 categories and 108 subcategories, kept for the transition to CSF 2.0. "
        "The outcomes of a category are exactly its subcategories and those of a function exactly its "
        "categories, so a parent is the union of its children. Identifiers and function and category titles "
        "as read from the CISO Assistant library nist-csf-1.1; subcategory titles are written by the project."
    ),
    parent_is_union_of_children=True,
    not_shipped="NIST's subcategory outcome statements and informative references.",
)


