"""Provenance of the ISO/IEC standards the catalogs and sets describe."""

from __future__ import annotations

import datetime as dt

from controlgraph.data.authoring import Provenance

ISO_TERMS = (
    "The standard is copyright ISO/IEC and sold by ISO (and national bodies); this dataset ships only "
    "identifiers, official short titles and hierarchy, as facts."
)
NOT_SHIPPED = (
    "Requirement and control text, implementation guidance and other information of the standard "
    "(copyright ISO/IEC); obtain the standard from ISO."
)




# Issue dates: ISO's catalogue pages give the month of publication; the day is the one published by
# ISO's news item (27001:2022) or the IEC webstore listing of the same edition.
def iso_provenance(source: str, version: str, issued: dt.date) -> Provenance:
    return Provenance(publisher="ISO/IEC", source=source, version=version, issued=issued, licence=ISO_TERMS)


PROV_27001_2022 = iso_provenance(
    "https://www.iso.org/standard/82875.html", "ISO/IEC 27001:2022 (third edition)", dt.date(2022, 10, 25)
)
PROV_27002_2022 = iso_provenance(
    "https://www.iso.org/standard/75652.html", "ISO/IEC 27002:2022 (third edition)", dt.date(2022, 2, 15)
)
PROV_27001_2013 = iso_provenance(
    "https://www.iso.org/standard/54534.html", "ISO/IEC 27001:2013 (second edition)", dt.date(2013, 9, 25)
)
PROV_27002_2013 = iso_provenance(
    "https://www.iso.org/standard/54533.html", "ISO/IEC 27002:2013 (second edition)", dt.date(2013, 9, 25)
)
PROV_27017_2015 = iso_provenance(
    "https://www.iso.org/standard/43757.html", "ISO/IEC 27017:2015 (first edition)", dt.date(2015, 12, 15)
)
PROV_27018_2019 = iso_provenance(
    "https://www.iso.org/standard/76559.html", "ISO/IEC 27018:2019 (second edition)", dt.date(2019, 1, 15)
)

