"""Reading the reference strings of the CSA CCM mapping bundle.

Each CCM control lists references to the target framework as free text. They are mostly
regular, but not always; every deviation below is either normalised (and reported as
*repaired*) or rejected (and reported), never silently guessed.

NIST CSF references (folders ``NIST_CSF_v2.0`` and ``NIST_CSF_v1.1``):
  * ``GV.PO-01`` is taken as it is; a dash for the dot (``RS-MA-01``, ``ID-AM-5``), a missing
    dash (``PR.IP10``), a trailing dot (``RS.CO-1.``) and, for CSF 2.0, a one-digit number
    (``ID.RA-6`` -> ``ID.RA-06``) are repaired; CSF 1.1 numbers carry no leading zero.
  * anything else is rejected.

ISO references (folder ``ISO27001_02-17-18``): ``<standard>: <item>``. The standard number
decides the framework:
  * ``27001`` -> ``iso27001-2013``: ``A.x[.y[.z]]`` is Annex A; a bare number from 4 to 10 is a
    management-system clause (``9.2``). A bare number of 11 or more cannot be a clause (27001 has
    clauses 4-10 only), so ``27001: 14.2.5`` is read as Annex A ``A.14.2.5`` (repaired).
  * ``27002`` -> ``iso27002-2013`` (clauses 5-18 of the 2013 edition).
  * ``27017`` -> ``iso27017-2015``: its 27002:2013 items (``14.2.1``) and CLD items
    (``CLD.6.3.1``; ``CLD 6.3`` is repaired).
  * ``27018`` -> ``iso27018-2019``: its 27002:2013 items and Annex A (``A.11.4``, 2019 numbering).
    An Annex A number the 2019 edition does not have (``A.18.2.2``) is rejected by the caller,
    since it is not in the graph: it is not re-read as ``18.2.2``.
  Repaired on the way: a missing or odd separator (``27002:14.1.1``, ``27002 12.1.4``,
  ``27001 - A.10.1.1``), ``A 9.2.5`` and ``A5.23`` (-> ``A.9.2.5``, ``A.5.23``), list points
  after the item (``10.1.2 (g),(f)``, ``9.3.2.d``: mapped to the item, the points kept in the
  comment; a control that overlaps a point of an item overlaps the item), and ranges
  (``A.18.1.1-to-5`` -> ``A.18.1.1`` ... ``A.18.1.5``).

SP 800-53 references (folder ``NIST_800_53_rev5``, read when the graph holds ``nist-sp-800-53-rev5``):
``AC-2``, ``AC-2(1)``, and runs of enhancements ``SA-8(29)-(33)`` (expanded, repaired).
AICPA trust services criteria (folder ``AICPA_TSC_2017``, read when the graph holds
``soc2-2017-rev-2022``): ``CC6.1``, ``A1.2``, ``C1.1``, ``PI1.1``, ``P4.2``, the criterion itself (its points
of focus, which SOC 2 libraries number beneath it, are not named).

``No Mapping`` (any case) is the bundle's placeholder for "no counterpart" (gap level Full Gap):
it yields no mapping, and in particular no ``not-related`` one (not mapped is not unrelated).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from controlgraph.importers.oscal_tree import sp800_53_notation

ISO_SLUGS = {
    "27001": "iso27001-2013",
    "27002": "iso27002-2013",
    "27017": "iso27017-2015",
    "27018": "iso27018-2019",
}

# The bundle's mapping folders: how their references are written, and the framework when it is one.
TARGET_FOLDERS: dict[str, tuple[str, str | None]] = {
    "NIST_CSF_v2.0": ("csf", "nist-csf-2.0"),
    "NIST_CSF_v1.1": ("csf", "nist-csf-1.1"),
    "ISO27001_02-17-18": ("iso", None),
    # Read when the framework is in the graph (imported: CISO Assistant's library, NIST's OSCAL catalog).
    "NIST_800_53_rev5": ("sp800-53", "nist-sp-800-53-rev5"),
    "AICPA_TSC_2017": ("tsc", "soc2-2017-rev-2022"),
}

# Greek capitals (and omicron) that look like Latin letters: the bundle spells one gap level
# "Νο Gap" with a Greek Nu and omicron.
_LOOKALIKES = str.maketrans("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧο", "ABEZHIKMNOPTYXo")


def latin_lookalikes(text: str) -> str:
    return text.translate(_LOOKALIKES)


@dataclass
class ParsedReference:
    """What one reference string names: zero or more (slug, notation) items."""

    targets: list[tuple[str, str]] = field(default_factory=list)
    points: str = ""  # list points of the item the reference singles out, e.g. "(g),(f)"
    repairs: list[str] = field(default_factory=list)
    rejected: str = ""


def is_placeholder(raw: str) -> bool:
    return re.fullmatch(r"no\s*mapping", raw.strip(), flags=re.IGNORECASE) is not None


_CSF = re.compile(r"^(?P<fn>[A-Z]{2})(?:[.\-](?P<cat>[A-Z]{2})(?:-?(?P<num>\d{1,2}))?)?\.?$")


def parse_csf_reference(raw: str, slug: str) -> ParsedReference:
    text = raw.strip()
    parsed = ParsedReference()
    match = _CSF.match(text)
    if match is None:
        parsed.rejected = f"not a NIST CSF identifier ({slug})"
        return parsed
    notation = match["fn"] if match["cat"] is None else f"{match['fn']}.{match['cat']}"
    if match["num"] is not None:
        number = int(match["num"])
        notation += f"-{number:02d}" if slug == "nist-csf-2.0" else f"-{number}"
    if notation != raw:
        parsed.repairs.append(f"CSF identifier {raw!r} normalised to {notation!r}")
    parsed.targets.append((slug, notation))
    return parsed


def _expanded(text: str, ranged: re.Match[str] | None, parsed: ParsedReference, longest: int,
              item: Callable[[str, int], str], what: str) -> list[str] | None:
    """The items of a run from ``first`` to ``last`` (a repair), ``[text]`` when it is not a run; None (and
    ``parsed`` rejected) when it does not read as a short ascending one."""
    if ranged is None:
        return [text]
    first, last = int(ranged["first"]), int(ranged["last"])
    if not 0 < first < last <= first + longest:
        parsed.rejected = f"range {text!r} does not read as a short ascending {what}"
        return None
    items = [item(ranged["base"], n) for n in range(first, last + 1)]
    parsed.repairs.append(f"range {text!r} expanded to {', '.join(items)}")
    return items


_SP800_53_RANGE = re.compile(r"^(?P<base>[A-Za-z]{2}-\d+)\s*\((?P<first>\d+)\)\s*-\s*\((?P<last>\d+)\)$")


def parse_sp800_53_reference(raw: str, slug: str) -> ParsedReference:
    """``AC-2``, ``AC-2(1)``, and a run of enhancements ``SA-8(29)-(33)`` (each of them)."""
    text = raw.strip()
    parsed = ParsedReference()
    items = _expanded(text, _SP800_53_RANGE.match(text), parsed, 40, lambda base, n: f"{base}({n})",
                      "run of enhancements")
    for item in items or ():
        notation = sp800_53_notation(item)
        if notation is None:
            parsed.rejected = "not an SP 800-53 control or enhancement identifier"
            return parsed
        parsed.targets.append((slug, notation))
    return parsed


_TSC = re.compile(r"^(?P<series>CC|PI|A|C|P)\s*(?P<number>\d+\.\d+)$", re.IGNORECASE)


def parse_tsc_reference(raw: str, slug: str) -> ParsedReference:
    """An AICPA trust services criterion, ``CC6.1`` or ``PI1.2``: the criterion, as SOC 2 libraries number it."""
    parsed = ParsedReference()
    match = _TSC.match(raw.strip())
    if match is None:
        parsed.rejected = "not a trust services criterion (CC, A, C, PI or P and a number such as 6.1)"
        return parsed
    parsed.targets.append((slug, f"{match['series'].upper()}{match['number']}"))
    return parsed


def parse_reference(raw: str, style: str, slug: str | None) -> ParsedReference:
    """One reference of a mapping folder read in that folder's style (:data:`TARGET_FOLDERS`)."""
    if slug is not None and style == "csf":
        return parse_csf_reference(raw, slug)
    if slug is not None and style == "sp800-53":
        return parse_sp800_53_reference(raw, slug)
    if slug is not None and style == "tsc":
        return parse_tsc_reference(raw, slug)
    return parse_iso_reference(raw)


_ISO_PREFIX = re.compile(r"^(?P<std>270(?:01|02|17|18))\s*(?P<sep>:|-)?\s*(?P<rest>.+)$")
_POINTS = re.compile(r"^(?P<item>.*?\d)\s*(?P<points>(?:\s*,?\s*\(?[a-z]\))+|\.[a-z])$")
_RANGE = re.compile(r"^(?P<base>.*\.)(?P<first>\d+)-to-(?P<last>\d+)$")
_ITEM = re.compile(r"^(?P<prefix>A|CLD)?\s*\.?\s*(?P<numbers>\d+(?:\.\d+)*)$")


def parse_iso_reference(raw: str) -> ParsedReference:
    parsed = ParsedReference()
    match = _ISO_PREFIX.match(raw.strip())
    if match is None:
        parsed.rejected = "no ISO standard number (27001, 27002, 27017 or 27018) before the item"
        return parsed
    std, rest = match["std"], match["rest"].strip()
    if raw.strip() != f"{std}: {rest}":
        parsed.repairs.append(f"separator after the standard number normalised to '{std}: '")
    points = _POINTS.match(rest)
    if points is not None:
        rest = points["item"].strip()
        parsed.points = points["points"].strip().lstrip(".")
        parsed.repairs.append(f"list point(s) {parsed.points} of {rest} mapped to the item {rest} itself")
    items = _expanded(rest, _RANGE.match(rest), parsed, 20, lambda base, n: f"{base}{n}", "range")
    for item in items or ():
        notation = _iso_notation(std, item, parsed)
        if notation is None:
            return parsed
        parsed.targets.append((ISO_SLUGS[std], notation))
    return parsed


def _iso_notation(std: str, item: str, parsed: ParsedReference) -> str | None:
    match = _ITEM.match(item)
    if match is None:
        parsed.rejected = f"{item!r} is not an ISO clause or control number"
        return None
    prefix, numbers = match["prefix"], match["numbers"]
    notation = f"{prefix}.{numbers}" if prefix else numbers
    if notation != item:
        parsed.repairs.append(f"item {item!r} normalised to {notation!r}")
    if std == "27001" and not prefix and int(numbers.split(".")[0]) > 10:
        notation = f"A.{numbers}"
        parsed.repairs.append(f"27001 has no clause {numbers.split('.')[0]}: {numbers!r} read as Annex A {notation!r}")
    if prefix == "CLD" and std != "27017":
        parsed.rejected = f"CLD items belong to 27017, not {std}"
        return None
    return notation


def reference_pairs(mapping_folder: Path, target: str | None = None) -> list[tuple[str, str]]:
    """Every reference of one bundle mapping folder as a plain (``csa-ccm-4:ID``, ``slug:notation``) pair.

    Gap levels and rejected references are ignored: this is CSA's list read as an external gold set for
    ``evaluate --gold`` (the importer, importers/ccm.py, reads the same file with every check). ``target``
    keeps one framework's pairs (the ISO folder names four).
    """
    style, slug = TARGET_FOLDERS[mapping_folder.name]
    rows = json.loads((mapping_folder / "mappings.json").read_text(encoding="utf-8"))[0]["mappings"]
    pairs = []
    for row in rows:
        for raw in row["references"]:
            if is_placeholder(raw):
                continue
            parsed = parse_reference(raw, style, slug)
            pairs += [(f"csa-ccm-4:{row['control_id']}", f"{framework}:{notation}")
                      for framework, notation in parsed.targets if target in (None, framework)]
    return pairs
