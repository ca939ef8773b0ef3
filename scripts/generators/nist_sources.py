"""Sources, identifiers and licences shared by the NIST CSF generators."""

from __future__ import annotations

from generators.common import INTUITEM_LIBRARY

CSF2_CORE = "nist-csf-2.0/csf2_core.csv"
CSF2_REFERENCES = "nist-csf-2.0/csf2_informative_references.csv"
CSF11_LIBRARY = "ciso-assistant/nist-csf-1.1.yaml"
ISO27001_LIBRARY = "ciso-assistant/iso27001-2022.yaml"
CSF11_TO_CSF2_LIBRARY = "ciso-assistant/map-nist-csf-1.1-nist-csf-2.0.yaml"
CSF11_TO_ISO_LIBRARY = "ciso-assistant/map-nist-csf-1.1-iso27001-2022.yaml"
CCM_DATASET = "csa-ccm-4.0.12/json-dataset/CCM/primary-dataset.json"

CSF2_SLUG = "nist-csf-2.0"
CSF11_SLUG = "nist-csf-1.1"
ISO_SLUG = "iso27001-2022"
CCM_SLUG = "csa-ccm-4"

NIST_LICENCE = (
    "https://www.nist.gov/open/copyright-fair-use-and-licensing-statements-srd-data-software-and-"
    "technical-series-publications"
)
REFERENCE_TOOL = "https://csrc.nist.gov/Projects/Cybersecurity-Framework/Filters"
REFERENCE_TOOL_EXPORT = "CSF 2.0 Reference Tool export of 2025-07-28"
CISO_ASSISTANT_LIBRARIES = INTUITEM_LIBRARY

ISO_ANNEX_DATASET = "ISO/IEC 27001:2022 (Annex A Controls)"
ISO_CLAUSE_DATASET = "ISO/IEC 27001:2022 (Mandatory Clause)"
CCM_DATASET_NAME = "CCMv4.0"

# Clause numbers cited by the OLIR submission that ISO/IEC 27001:2022 does not have. The likely intended
# clause is noted for the reviewer, never substituted: a guess would be a fact nobody published.
NONEXISTENT_CLAUSE_HINTS = {"6.11": "6.1.1", "6.13": "6.1.3"}

