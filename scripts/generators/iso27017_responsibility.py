"""Whose obligation each ISO/IEC 27017:2015 control is, from the standard's own layout of its guidance.

ISO/IEC 27017 repeats every ISO/IEC 27002:2013 control and, where it adds cloud-specific implementation
guidance, gives it in two columns: one for the cloud service customer, one for the cloud service provider
(a column may read that there is no additional guidance). Its 7 CLD controls use the same layout. This
table records which columns carry guidance, read from the common text ITU-T publishes free of charge as
Recommendation X.1631 (identical to ISO/IEC 27017:2015):

- ``customer``: guidance for the cloud service customer only;
- ``provider``: guidance for the cloud service provider only;
- ``shared``: guidance for both.

Controls absent from the table carry no cloud-specific guidance (27002:2013 applies as is) and get no
responsibility. The values are the ontology's cg:ResponsibleParty (aligned with CSA CCM's CSC-Owned,
CSP-Owned and Shared). Only the fact of which party is addressed is recorded, never the guidance text.
"""

from __future__ import annotations

RESPONSIBILITY_27017: dict[str, str] = {
    "5.1.1": "shared",
    "6.1.1": "shared",
    "6.1.3": "shared",
    "CLD.6.3.1": "shared",
    "7.2.2": "shared",
    "8.1.1": "shared",
    "CLD.8.1.5": "shared",
    "8.2.2": "shared",
    "9.1.2": "customer",
    "9.2.1": "shared",
    "9.2.2": "shared",
    "9.2.3": "shared",
    "9.2.4": "shared",
    "9.4.1": "shared",
    "9.4.4": "shared",
    "CLD.9.5.1": "provider",
    "CLD.9.5.2": "shared",
    "10.1.1": "shared",
    "10.1.2": "customer",
    "11.2.7": "shared",
    "12.1.2": "shared",
    "12.1.3": "shared",
    "CLD.12.1.5": "shared",
    "12.3.1": "shared",
    "12.4.1": "shared",
    "12.4.4": "shared",
    "CLD.12.4.5": "shared",
    "12.6.1": "shared",
    "13.1.3": "shared",
    "CLD.13.1.4": "provider",
    "14.1.1": "shared",
    "14.2.1": "shared",
    "15.1.1": "shared",
    "15.1.2": "shared",
    "15.1.3": "provider",
    "16.1.1": "shared",
    "16.1.2": "shared",
    "16.1.7": "shared",
    "18.1.1": "shared",
    "18.1.2": "shared",
    "18.1.3": "shared",
    "18.1.4": "shared",
    "18.1.5": "shared",
    "18.2.1": "shared",
}
