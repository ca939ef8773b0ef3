"""The ISO/IEC 27001/27002 (2013 and 2022), 27017:2015 and 27018:2019 catalogs.

27001 and 27002 come from intuitem's outlines (:mod:`generators.iso_outline`); 27017 and 27018 follow
the 27002:2013 structure and add the items of ``iso-outline/iso27017-2015_cld_controls.csv`` and
``iso-outline/iso27018-2019_annexA_controls.csv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from controlgraph.data.authoring import ControlRecord
from generators.common import DataLogs, LogEntry, normalise_space, read_csv, write_catalog
from generators.iso27017_responsibility import RESPONSIBILITY_27017
from generators.iso_catalog_metas import framework_metas
from generators.iso_outline import (
    CISO_2013,
    CISO_2022,
    Outline,
    depth,
    is_annex_a,
    kind_2013_annex,
    kind_2022_annex,
    log_outline,
    read_outline,
    strip_annex_prefix,
)

CLD_CONTROLS = "iso-outline/iso27017-2015_cld_controls.csv"
PII_ANNEX_A = "iso-outline/iso27018-2019_annexA_controls.csv"

# The 27002:2022 theme headings (clauses 5 to 8 of ISO/IEC 27002:2022).
THEMES_27002_2022 = {
    "5": "Organizational controls",
    "6": "People controls",
    "7": "Physical controls",
    "8": "Technological controls",
}

# Where a 27002:2022 control title differs from the 27001:2022 Annex A title of the same control:
# notation -> (27001 Annex A title, 27002 title). Each edition keeps its own title.
TITLES_27002_2022 = {
    "5.21": (
        "Managing information security in the ICT supply chain",
        "Managing information security in the information and communication technology (ICT) supply chain",
    ),
    "5.34": (
        "Privacy and protection of PII",
        "Privacy and protection of personal identifiable information (PII)",
    ),
    "8.1": ("User end point devices", "User endpoint devices"),
}

def iso27001_2022_records(outline: Outline) -> list[ControlRecord]:
    """Clauses 4-10 with sub-clauses, then Annex A themes (top concepts) and controls."""
    return [
        ControlRecord(
            notation=n.ref_id,
            title=n.title,
            kind=kind_2022_annex(n.ref_id) if is_annex_a(n.ref_id) else "clause",
            parent=n.parent,
        )
        for n in outline.nodes
    ]


def iso27002_2022_records(outline: Outline, log: DataLogs) -> list[ControlRecord]:
    """Annex A without the 'A.': themes titled as the 27002 clauses, controls with 27002's own titles."""
    records: list[ControlRecord] = []
    for n in outline.nodes:
        if not is_annex_a(n.ref_id):
            continue
        notation = strip_annex_prefix(n.ref_id)
        if depth(notation) == 1:
            records.append(ControlRecord(notation, THEMES_27002_2022[notation], "theme"))
            continue
        title = n.title
        if notation in TITLES_27002_2022:
            annex_title, title = TITLES_27002_2022[notation]
            if n.title != annex_title:
                raise ValueError(f"{CISO_2022} {n.ref_id}: expected Annex A title {annex_title!r}, found {n.title!r}")
            value = f"{n.ref_id}: {annex_title!r} -> {title!r}"
            reason = "ISO/IEC 27002:2022 spells out the title that 27001:2022 Annex A abbreviates"
            log.record("iso27002-2022", LogEntry(CISO_2022, str(n.row), value, "repaired", reason))
        records.append(ControlRecord(notation, title, "control", parent=strip_annex_prefix(str(n.parent))))
    return records


def iso27001_2013_records(outline: Outline) -> list[ControlRecord]:
    return [
        ControlRecord(
            notation=n.ref_id,
            title=n.title,
            kind=kind_2013_annex(n.ref_id) if is_annex_a(n.ref_id) else "clause",
            parent=n.parent,
        )
        for n in outline.nodes
    ]


def iso27002_2013_records(outline: Outline) -> list[ControlRecord]:
    """Clauses 5-18, objectives and controls of 27002:2013: the 27001:2013 Annex A without the 'A.'."""
    return [
        ControlRecord(
            notation=strip_annex_prefix(n.ref_id),
            title=n.title,
            kind=kind_2013_annex(n.ref_id),
            parent=strip_annex_prefix(n.parent) if n.parent else None,
        )
        for n in outline.nodes
        if is_annex_a(n.ref_id)
    ]


def _split_numbered(text: str) -> tuple[str, str]:
    """Split '8.1 Responsibility for assets' into ('8.1', 'Responsibility for assets')."""
    number, _, title = text.strip().partition(" ")
    return number, title.strip()


def _insert_position(records: Sequence[ControlRecord], parent: str) -> int:
    """Index just after the last item of parent's subtree, so new items follow their siblings."""
    parents = {r.notation: r.parent for r in records}

    def under(notation: str | None) -> bool:
        while notation is not None:
            if notation == parent:
                return True
            notation = parents.get(notation)
        return False

    last = max(i for i, r in enumerate(records) if under(r.notation))
    return last + 1


def iso27017_records(
    base_2013: Sequence[ControlRecord], cld_rows: Sequence[dict[str, str]], log: DataLogs
) -> list[ControlRecord]:
    """The 27002:2013 items, with the CLD categories and controls inserted under their parents."""
    records = list(base_2013)
    titles = {r.notation: r.title for r in records}
    for row_number, row in enumerate(cld_rows, start=2):
        parent, parent_title = _split_numbered(row["parent_27002_2013_category"])
        if parent not in titles or (parent_title and parent_title != titles[parent]):
            log.record(
                "iso27017-2015",
                LogEntry(
                    CLD_CONTROLS,
                    str(row_number),
                    row["id"],
                    "rejected",
                    f"parent {row['parent_27002_2013_category']!r} does not match a 27002:2013 item",
                ),
            )
            continue
        kind = "objective" if row["kind"] == "category" else row["kind"]
        record = ControlRecord(
            notation=row["id"],
            title=normalise_space(row["title"]),
            kind=kind,
            parent=parent,
        )
        records.insert(_insert_position(records, parent), record)
        titles[record.notation] = record.title
    unknown = sorted(set(RESPONSIBILITY_27017) - set(titles))
    if unknown:
        raise ValueError(f"RESPONSIBILITY_27017 names items that are not in ISO/IEC 27017: {unknown}")
    with_party = [replace(r, responsible_party=RESPONSIBILITY_27017.get(r.notation)) for r in records]
    return _renumbered(with_party)


def _renumbered(records: Sequence[ControlRecord]) -> list[ControlRecord]:
    return [replace(r, order=i) for i, r in enumerate(records, start=1)]


def iso27018_records(
    base_2013: Sequence[ControlRecord], annex_rows: Sequence[dict[str, str]]
) -> list[ControlRecord]:
    """The 27002:2013 items, then Annex A: categories (top concepts) and their controls."""
    records = list(base_2013)
    seen_categories: set[str] = set()
    for row in annex_rows:
        category, category_title = _split_numbered(row["category_2019"])
        if category not in seen_categories:
            seen_categories.add(category)
            records.append(ControlRecord(category, category_title, "category"))
        records.append(
            ControlRecord(
                notation=row["id_2019"].strip(),
                title=normalise_space(row["title"]),
                kind="control",
                parent=category,
                summary=f"Numbered {row['id_2014'].strip()} in the 2014 edition.",
            )
        )
    return _renumbered(records)



def write_catalogs(reference: Path, log: DataLogs) -> dict[str, list[ControlRecord]]:
    outline_2022 = read_outline(reference, CISO_2022)
    outline_2013 = read_outline(reference, CISO_2013)
    catalogs: dict[str, list[ControlRecord]] = {
        "iso27001-2022": iso27001_2022_records(outline_2022),
        "iso27002-2022": iso27002_2022_records(outline_2022, log),
        "iso27001-2013": iso27001_2013_records(outline_2013),
        "iso27002-2013": iso27002_2013_records(outline_2013),
    }
    base_2013 = catalogs["iso27002-2013"]
    catalogs["iso27017-2015"] = iso27017_records(base_2013, read_csv(reference, CLD_CONTROLS), log)
    catalogs["iso27018-2019"] = iso27018_records(base_2013, read_csv(reference, PII_ANNEX_A))

    annex_2022 = [n.ref_id for n in outline_2022.nodes if is_annex_a(n.ref_id)]
    annex_2013 = [n.ref_id for n in outline_2013.nodes if is_annex_a(n.ref_id)]
    log_outline(log, "iso27001-2022", outline_2022, [n.ref_id for n in outline_2022.nodes])
    # 27002:2022 takes only its control titles from the outline (theme titles are its own clause headings).
    log_outline(log, "iso27002-2022", outline_2022, [ref for ref in annex_2022 if depth(ref) == 3])
    log_outline(log, "iso27001-2013", outline_2013, [n.ref_id for n in outline_2013.nodes])
    for dataset in ("iso27002-2013", "iso27017-2015", "iso27018-2019"):
        log_outline(log, dataset, outline_2013, annex_2013)

    for meta, header in framework_metas():
        write_catalog(meta, catalogs[meta.slug], header)
    return catalogs

