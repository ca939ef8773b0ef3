"""The project's reading of ISO/IEC 27002:2022 Annex B (Table B.2) where intuitem's 2013 -> 2022 set needs it.

Annex B lists, for each 2022 control, the 2013 controls it takes over. Where several 2013 controls were
merged into one 2022 control, each 2013 control is contained in the merged control (subset-of); a 2013
control carried over alone is equal to its successor. Only identifiers and the correspondence are used
(facts); no text of the standard.

Three kinds of correction, each logged in mappings/datalog/iso27002-2013--iso27002-2022.csv and shipped
with ``cg:relationSource "corrected"``:

- ``MERGED_TYPED_EQUAL``: the source types a merge ``equal``; shipped as subset-of.
- ``ADDED_PAIR_TYPES``: the relation of each pair the reviewer found missing (it used to be defaulted to
  intersects-with).
- ``MISSING_PAIRS``: pairs of Annex B missing both from the source and from the reviewer's list.
"""

from __future__ import annotations

from controlgraph.vocabulary import Rationale, Relation

# (2013 Annex A control, 2022 Annex A control) -> the other 2013 controls merged into the same 2022 control.
MERGED_TYPED_EQUAL: dict[tuple[str, str], str] = {
    ("A.12.1.2", "A.8.32"): "14.2.2, 14.2.3, 14.2.4",
    ("A.12.1.4", "A.8.31"): "14.2.6",
    ("A.12.5.1", "A.8.19"): "12.6.2",
    ("A.12.6.1", "A.8.8"): "18.2.3",
    ("A.16.1.2", "A.6.8"): "16.1.3",
    ("A.18.1.1", "A.5.31"): "18.1.5",
    ("A.18.2.2", "A.5.36"): "18.2.3",
}

# Pairs the reviewer's list adds, typed from Annex B: (relation, why).
ADDED_PAIR_TYPES: dict[tuple[str, str], tuple[Relation, str]] = {
    ("A.6.1.3", "A.5.5"): (Relation.EQUAL, "carried over unchanged"),
    ("A.6.1.4", "A.5.6"): (Relation.EQUAL, "carried over unchanged"),
    ("A.6.1.5", "A.5.8"): (Relation.SUBSET_OF, "merged with 14.1.1"),
    ("A.9.2.5", "A.5.18"): (Relation.SUBSET_OF, "merged with 9.2.2 and 9.2.6"),
    ("A.9.2.6", "A.5.18"): (Relation.SUBSET_OF, "merged with 9.2.2 and 9.2.5"),
    ("A.12.6.2", "A.8.19"): (Relation.SUBSET_OF, "merged with 12.5.1"),
    ("A.12.7.1", "A.8.34"): (Relation.EQUAL, "carried over unchanged"),
    ("A.14.2.3", "A.8.32"): (Relation.SUBSET_OF, "merged with 12.1.2, 14.2.2 and 14.2.4"),
    ("A.14.2.4", "A.8.32"): (Relation.SUBSET_OF, "merged with 12.1.2, 14.2.2 and 14.2.3"),
}

# Annex B pairs missing from the source and from the reviewer's list: (relation, why).
MISSING_PAIRS: dict[tuple[str, str], tuple[Relation, str]] = {
    ("A.18.2.3", "A.8.8"): (Relation.SUBSET_OF, "technical compliance review merged with 12.6.1 into 8.8"),
}

CORRECTED = "corrected"  # cg:relationSource of a pair whose relation the project took from Annex B
RATIONALE = Rationale.SYNTACTIC
