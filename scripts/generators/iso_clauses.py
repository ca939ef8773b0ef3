"""ISO/IEC 27001:2013 to 27001:2022 management-system clauses (4 to 10), from intuitem's 2013 -> 2022 library.

The same CISO Assistant library that gives the Annex A correspondence (:mod:`generators.iso_transition`)
pairs the clauses of the two editions (29 rows). Without them a 2013 ISMS shows none of the 2022 clauses
covered. Pairs and relations are taken as published; Annex A rows belong to the other set.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from controlgraph.data.authoring import MappingRecord, MappingSetMeta, Provenance
from controlgraph.vocabulary import Authority, Rationale
from generators.common import CISO_ASSISTANT_RELATIONS, INTUITEM_LIBRARY, DataLogs, LogEntry, read_yaml
from generators.iso_outline import Outline, is_annex_a
from generators.iso_transition import CISO_2013_TO_2022

CLAUSE_SET = "iso27001-2013--iso27001-2022"


def clause_mappings(
    reference: Path, outline_2013: Outline, outline_2022: Outline, log: DataLogs
) -> list[MappingRecord]:
    """Clause pairs (subject: 2013 clause, object: 2022 clause) in source order."""
    data: dict[str, Any] = read_yaml(reference / CISO_2013_TO_2022)
    rows: list[dict[str, Any]] = data["objects"]["requirement_mapping_set"]["requirement_mappings"]
    urn_2013, urn_2022 = outline_2013.by_urn(), outline_2022.by_urn()
    records: list[MappingRecord] = []
    for row_number, row in enumerate(rows, start=1):
        source = urn_2013.get(row["source_requirement_urn"])
        target = urn_2022.get(row["target_requirement_urn"])
        if source is None or target is None or is_annex_a(source.ref_id) or is_annex_a(target.ref_id):
            continue  # Annex A rows are the 27002 correspondence; unresolved rows are logged there
        value = f"{source.ref_id} {row['relationship']} {target.ref_id}"
        relation = CISO_ASSISTANT_RELATIONS.get(str(row["relationship"]))
        if relation is None:
            reason = f"unknown relationship {row['relationship']!r}"
            log.record(CLAUSE_SET, LogEntry(CISO_2013_TO_2022, str(row_number), value, "rejected", reason))
            continue
        records.append(
            MappingRecord(
                subject=("iso27001-2013", source.ref_id),
                object=("iso27001-2022", target.ref_id),
                relation=relation,
                rationale=Rationale.SYNTACTIC,
                comment=f"intuitem: ISO/IEC 27001:2013 {source.ref_id} {row['relationship']} ISO/IEC 27001:2022 "
                f"{target.ref_id}.",
            )
        )
    return records


def clause_meta() -> MappingSetMeta:
    return MappingSetMeta(
        set_id=CLAUSE_SET,
        title="ISO/IEC 27001:2013 to ISO/IEC 27001:2022 management-system clauses (4 to 10)",
        provenance=Provenance(
            publisher="intuitem (CISO Assistant library)",
            source=INTUITEM_LIBRARY + "mapping-iso27001-2013-to-iso27001-2022.yaml",
            version="library version 2",
            issued=dt.date(2024, 7, 9),
            licence=(
                "CISO Assistant repository, AGPL-3.0 (https://github.com/intuitem/ciso-assistant-community); "
                "only mapping pairs and relation types are taken, as facts."
            ),
        ),
        authority=Authority.THIRD_PARTY,
        subject_framework="iso27001-2013",
        object_framework="iso27001-2022",
        description=(
            "Subject: 2013 clause; object: 2022 clause. The clause rows of intuitem's 27001:2013 to "
            "27001:2022 mapping, as published: most clauses equal their namesake, 9.2 and 9.3 are supersets "
            "of the 2022 sub-clauses they were split into, and 10.1 and 10.2 swap numbers between editions. "
            "Clause 6.3 (new in 2022) has no 2013 counterpart. The Annex A controls are in "
            "iso27002-2013--iso27002-2022 (and the 27001 Annex A identity sets)."
        ),
    )
