"""Generate the ISO/IEC 27001/27002/27017/27018 catalogs and the ISO-to-ISO mapping sets.

Reads the public reference files in ``../shared/reference`` (override with $CONTROLGRAPH_REFERENCE):
intuitem's CISO Assistant outlines of ISO/IEC 27001:2022 and 2013 (identifiers and titles only), their
2013-to-2022 mapping with the corrections of ``iso-outline/REVIEW_iso27001-2013_to_2022_discrepancies.csv``,
and the ``iso-outline`` CSVs of the 27017 CLD controls and the 27018 Annex A. The work is done in
``scripts/generators/iso_*.py``.

Writes ``mappings/frameworks/<slug>.ttl`` and ``mappings/sets/<set>.ttl`` through
:mod:`controlgraph.data.authoring` and, for every source row it rejects or repairs, a line in
``mappings/datalog/<dataset>.csv``.

Run: ``PYTHONPATH=server .venv/bin/python scripts/generate_iso.py``
"""

from __future__ import annotations

from generators.common import DataLogs, count_kinds, reference_dir
from generators.iso_catalogs import write_catalogs
from generators.iso_sets import write_mapping_sets


def main() -> None:
    reference = reference_dir()
    log = DataLogs()
    catalogs = write_catalogs(reference, log)
    write_mapping_sets(reference, catalogs, log)
    log.write()
    for slug, records in catalogs.items():
        print(f"{slug}: {count_kinds(records)}")


if __name__ == "__main__":
    main()
