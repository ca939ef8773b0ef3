"""Generate the NIST CSF 2.0 and 1.1 catalogs and the NIST-published mapping sets that touch them.

Reads the public reference files (../shared/reference, or $CONTROLGRAPH_REFERENCE) and writes:

- mappings/frameworks/nist-csf-2.0.ttl, nist-csf-1.1.ttl (catalogs: scripts/generators/nist_csf.py);
- mappings/sets/nist-csf-2.0--iso27001-2022--olir.ttl (Razilio's OLIR submission, CSF 2.0 Reference Tool)
  and csa-ccm-4--nist-csf-2.0--olir.ttl (CSA's OLIR submission, same export): generators/nist_olir.py;
- mappings/sets/nist-csf-1.1--nist-csf-2.0.ttl (NIST's transition mapping, CISO Assistant encoding) and
  nist-csf-1.1--iso27001-2022.ttl (CISO Assistant library): generators/nist_library_sets.py;
- mappings/datalog/<dataset>.csv: every source row rejected or repaired, with the reason. ``source_row``
  is the 1-based record number after the CSV header, or the 1-based position in a CISO Assistant
  library's ``requirement_mappings`` list.

Only identifiers, official short titles, hierarchy and mapping pairs are taken from the sources; the
subcategory titles and summaries are the project's own (generators/csf2_labels.py, csf11_labels.py).

Run: PYTHONPATH=server .venv/bin/python scripts/generate_nist.py
"""

from __future__ import annotations

from collections.abc import Sequence

from controlgraph.data.authoring import ControlRecord, FrameworkMeta, MappingRecord, MappingSetMeta
from generators import common
from generators.common import DataLog, read_library_nodes, read_mapping_library, reference_dir
from generators.nist_csf import CSF2_META, CSF11_META, csf2_controls, csf11_controls, read_csf2_core
from generators.nist_library_sets import (
    CSF11_CSF2_META,
    CSF11_ISO_META,
    LibraryFramework,
    library_mappings,
    with_quality_findings,
)
from generators.nist_olir import (
    CCM_CSF2_META,
    CSF2_ISO_META,
    ccm_control_ids,
    ccm_csf2_mappings,
    csf2_iso_mappings,
    iso_notations,
    read_informative_references,
)
from generators.nist_sources import (
    CSF2_CORE,
    CSF2_REFERENCES,
    CSF2_SLUG,
    CSF11_LIBRARY,
    CSF11_SLUG,
    CSF11_TO_CSF2_LIBRARY,
    CSF11_TO_ISO_LIBRARY,
    ISO_SLUG,
)
from generators.nist_transition import missing_core_pairs


def write_catalog(meta: FrameworkMeta, controls: Sequence[ControlRecord], log: DataLog) -> None:
    common.write_catalog(meta, controls)
    log.write()
    print(f"{meta.slug}: {len(controls)} items, {len(log.entries)} data-log entries")


def write_mapping_set(meta: MappingSetMeta, mappings: Sequence[MappingRecord], log: DataLog) -> None:
    common.write_mapping_set(meta, mappings)
    log.write()
    print(f"{meta.set_id}: {len(mappings)} mappings, {len(log.entries)} data-log entries")


def main() -> None:
    reference = reference_dir()

    csf2_log = DataLog(CSF2_SLUG)
    csf2 = csf2_controls(read_csf2_core(reference / CSF2_CORE), csf2_log)
    write_catalog(CSF2_META, csf2, csf2_log)
    csf2_notations = frozenset(c.notation for c in csf2)

    csf11 = csf11_controls(read_library_nodes(reference / CSF11_LIBRARY))
    write_catalog(CSF11_META, csf11, DataLog(CSF11_SLUG))
    csf11_notations = frozenset(c.notation for c in csf11)

    references = read_informative_references(reference / CSF2_REFERENCES)
    iso = iso_notations(reference)

    iso_log = DataLog(CSF2_ISO_META.set_id)
    write_mapping_set(CSF2_ISO_META, csf2_iso_mappings(references, csf2_notations, iso, iso_log), iso_log)

    ccm_log = DataLog(CCM_CSF2_META.set_id)
    ccm_mappings = ccm_csf2_mappings(references, ccm_control_ids(reference), csf2_notations, ccm_log)
    write_mapping_set(CCM_CSF2_META, ccm_mappings, ccm_log)

    csf11_side = LibraryFramework("urn:intuitem:risk:framework:nist-csf-1.1", CSF11_SLUG, csf11_notations)
    csf2_side = LibraryFramework("urn:intuitem:risk:framework:nist-csf-2.0", CSF2_SLUG, csf2_notations)
    iso_side = LibraryFramework("urn:intuitem:risk:framework:iso27001-2022", ISO_SLUG, iso)
    log = DataLog(CSF11_CSF2_META.set_id)
    transition = library_mappings(
        CSF11_TO_CSF2_LIBRARY, read_mapping_library(reference / CSF11_TO_CSF2_LIBRARY), csf11_side, csf2_side, log
    )
    transition += missing_core_pairs(reference, transition, csf11_notations, csf2_notations, log)
    write_mapping_set(CSF11_CSF2_META, transition, log)

    log = DataLog(CSF11_ISO_META.set_id)
    csf11_iso = library_mappings(
        CSF11_TO_ISO_LIBRARY, read_mapping_library(reference / CSF11_TO_ISO_LIBRARY), csf11_side, iso_side, log
    )
    write_mapping_set(CSF11_ISO_META, with_quality_findings(csf11_iso), log)


if __name__ == "__main__":
    main()
