"""Importer ``csf-xlsx``: an export of the NIST CSF 2.0 Reference Tool (the .xlsx users download).

Layout of the export (checked against the 2024-06-17 export): a sheet ``Introduction`` with a
``Generated Date`` row, and a sheet ``CSF 2.0`` whose header row reads ``Function, Category,
Subcategory, Implementation Examples, Informative References``. Below it, one item per row:
a function in column A (``GOVERN (GV): <text>``), a category in B (``Organizational Context
(GV.OC): <text>``) or a subcategory in C (``GV.OC-01: <text>``); withdrawn items read
``[Withdrawn: ...]`` and are skipped (they are not CSF 2.0 items).

What is imported:
* the item text as ``cg:statement`` on ``nist-csf-2.0:<id>`` (when the graph has no
  ``nist-csf-2.0`` catalog, the catalog itself too, titles from the export, subcategory labels
  marked ``cg:titleOrigin "project"`` since the export gives them no short title);
* each implementation example (``Ex1: ...``) as a ``cg:implementationExample``;
* the informative references to frameworks the graph holds (``CSF v1.1: ID.BE-2`` ->
  ``nist-csf-1.1``, ``ISO/IEC 27001:2022: Annex A Controls: 5.1`` -> ``iso27001-2022:A.5.1``,
  ``... Mandatory Clause: 6.1`` -> ``iso27001-2022:6.1``, ``CCMv4.0: BCR-01`` -> ``csa-ccm-4``,
  ``SP 800-53 Rev 5.1.1: CP-02(08)`` -> ``nist-sp-800-53-rev5:CP-2(8)``; any other dataset whose name
  gives the slug of a framework in the graph, e.g. ``CIS Controls v8.0`` -> ``cis-controls-v8.0``),
  one mapping set per target. The subject is the CSF 2.0 item, the object the referenced item.
  The tool gives no relation type, so each pair is ``intersects-with`` with relation source
  ``defaulted`` (data conventions). Datasets of frameworks the graph does not hold (CRI Profile,
  CIS, SP 800-218, ...) are reported as skipped, once per dataset.

Untrusted input: the workbook is opened read-only with values only (no formulas evaluated);
openpyxl parses its XML through defusedxml; the zip is checked for its uncompressed size and
the sheet for its row count before anything is read.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import warnings
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controlgraph.data.authoring import ControlRecord, FrameworkMeta, MappingRecord, MappingSetMeta, Provenance
from controlgraph.errors import InputError
from controlgraph.importers.ccm_references import parse_csf_reference
from controlgraph.importers.ciso_framework import slug_from_ref_id
from controlgraph.importers.context import GraphContext, ImportOptions
from controlgraph.importers.dataset_builder import IMPLEMENTATION_EXAMPLE, STATEMENT, DatasetBuilder
from controlgraph.importers.input_files import existing_file
from controlgraph.importers.oscal_tree import sp800_53_notation
from controlgraph.pipeline.imports import ImportedDataset
from controlgraph.vocabulary import Authority, Rationale, Relation

KIND = "csf-xlsx"
CSF_SLUG = "nist-csf-2.0"
SOURCE = "https://csrc.nist.gov/Projects/Cybersecurity-Framework/Filters"
LICENCE = "NIST publication: US public information. Imported from the user's own Reference Tool export."
HEADER = ("function", "category", "subcategory", "implementation examples", "informative references")
MAX_ROWS = 5_000  # the real export has 233
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024

_FUNCTION_OR_CATEGORY = re.compile(
    r"^(?P<title>.+?)\s*\((?P<id>[A-Z]{2}(?:\.[A-Z]{2})?)\)\s*(?::\s*(?P<text>.*))?$", re.S
)
_SUBCATEGORY = re.compile(r"^(?P<id>[A-Z]{2}\.[A-Z]{2}-\d{2})\s*:\s*(?P<text>.*)$", re.S)
_EXAMPLE = re.compile(r"^Ex\d+\s*:", re.M)


@dataclass(frozen=True)
class ReferenceTarget:
    slug: str
    set_id: str
    publisher: str
    authority: Authority


# Dataset name prefix in the "Informative References" column -> the framework it names.
REFERENCE_DATASETS: dict[str, ReferenceTarget] = {
    "CSF v1.1": ReferenceTarget("nist-csf-1.1", "nist-csf-2.0--nist-csf-1.1--reference-tool",
                                "National Institute of Standards and Technology (NIST)", Authority.OFFICIAL),
    "ISO/IEC 27001:2022": ReferenceTarget("iso27001-2022", "nist-csf-2.0--iso27001-2022--reference-tool",
                                          "OLIR submission, published by NIST in the CSF 2.0 Reference Tool",
                                          Authority.THIRD_PARTY),
    "SP 800-53 Rev 5": ReferenceTarget("nist-sp-800-53-rev5", "nist-csf-2.0--nist-sp-800-53-rev5--reference-tool",
                                       "National Institute of Standards and Technology (NIST)", Authority.OFFICIAL),
    "CCMv4.0": ReferenceTarget("csa-ccm-4", "nist-csf-2.0--csa-ccm-4--reference-tool",
                               "Cloud Security Alliance (OLIR submission), published by NIST in the CSF 2.0 "
                               "Reference Tool", Authority.OFFICIAL),
}


@dataclass(frozen=True)
class CsfRow:
    where: str
    notation: str
    kind: str
    title: str
    text: str
    examples: list[str]
    references: list[str]


def read_csf_xlsx(path: Path, context: GraphContext, options: ImportOptions) -> ImportedDataset:
    sheets = _read_workbook(existing_file(path, "NIST CSF 2.0 Reference Tool export (.xlsx)"))
    generated = _generated_date(sheets.get("Introduction", []))
    builder = DatasetBuilder(KIND, f"nist-csf-2.0-reference-tool-{generated.isoformat()}", str(path))
    provenance = Provenance("National Institute of Standards and Technology (NIST)", SOURCE,
                            f"CSF 2.0 Reference Tool export of {generated.isoformat()}", generated, LICENCE)
    sheet_name, first_row, rows = _core_sheet(path, sheets)
    items = list(_items(path, sheet_name, first_row, rows, builder))
    if not items:
        raise InputError(f"sheet {sheet_name!r}: no CSF functions, categories or subcategories found", path=str(path))

    if context.has_framework(CSF_SLUG, ignoring=builder.graph):
        known = context.notations(CSF_SLUG, ignoring=builder.graph)
        for item in items:
            if item.notation not in known:
                builder.reject(item.where, item.notation, f"not an item of {CSF_SLUG} in the graph")
        items = [i for i in items if i.notation in known]
    else:
        _add_catalog(builder, provenance, items)
    for item in items:
        if item.text:
            builder.add_text(CSF_SLUG, item.notation, STATEMENT, item.text)
            builder.count("statements")
        for example in item.examples:
            builder.add_text(CSF_SLUG, item.notation, IMPLEMENTATION_EXAMPLE, example)
            builder.count("implementation examples")
    _add_references(builder, context, provenance, items)
    return builder.finish()


def _read_workbook(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not an .xlsx workbook (not a zip archive: {exc})", path=str(path)) from None
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise InputError(f"workbook unpacks to {unpacked:,} bytes, more than {MAX_UNCOMPRESSED_BYTES:,}",
                         path=str(path))
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style": harmless in a values-only read
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheets: dict[str, list[tuple[Any, ...]]] = {}
            for sheet in workbook.worksheets:
                rows: list[tuple[Any, ...]] = []
                for row in sheet.iter_rows(values_only=True):
                    rows.append(tuple(row[:8]))
                    if len(rows) > MAX_ROWS:
                        raise InputError(f"sheet {sheet.title!r} has more than {MAX_ROWS:,} rows", path=str(path))
                sheets[sheet.title] = rows
            return sheets
        finally:
            workbook.close()
    except (InvalidFileException, KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError,
            SyntaxError, zlib.error, EOFError, IndexError, AttributeError) as exc:
        # A part of the workbook that is not well-formed XML (ParseError is a SyntaxError), a damaged
        # deflate stream, or a structure openpyxl does not expect: all the file's fault, none a crash.
        detail = str(exc).splitlines()[0][:200] if str(exc) else "damaged content"
        raise InputError(f"cannot read the workbook: {type(exc).__name__}: {detail}", path=str(path)) from None


def _generated_date(rows: list[tuple[Any, ...]]) -> dt.date:
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip().lower() == "generated date":
            value = row[1]
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, str):
                try:
                    return dt.date.fromisoformat(value.strip()[:10])
                except ValueError:
                    break
    raise InputError("sheet 'Introduction' has no readable 'Generated Date' row; is this a Reference Tool export?")


def _core_sheet(
    path: Path, sheets: dict[str, list[tuple[Any, ...]]]
) -> tuple[str, int, list[tuple[Any, ...]]]:
    """The sheet with the Function/Category/Subcategory header, the row number after it, the rows after it."""
    for name, rows in sheets.items():
        for i, row in enumerate(rows[:10]):
            cells = tuple(str(c).strip().lower() if c is not None else "" for c in row[:5])
            if cells == HEADER:
                return name, i + 2, rows[i + 1:]
    raise InputError(f"no sheet with the header {', '.join(h.title() for h in HEADER)}", path=str(path))


def _items(
    path: Path, sheet: str, first_row: int, rows: list[tuple[Any, ...]], builder: DatasetBuilder
) -> Iterator[CsfRow]:
    seen: set[str] = set()
    for offset, row in enumerate(rows):
        where = f"{path}#{sheet}!row{first_row + offset}"
        cells = [str(c).strip() if c is not None else "" for c in (*row, "", "", "", "", "")[:5]]
        column = next((k for k in range(3) if cells[k]), None)
        if column is None:
            continue
        text = cells[column]
        if "[Withdrawn" in text:
            builder.reject(where, text[:40], "withdrawn item, not part of CSF 2.0; skipped")
            continue
        kind = ("function", "category", "subcategory")[column]
        match = (_SUBCATEGORY if column == 2 else _FUNCTION_OR_CATEGORY).match(text)
        if match is None:
            builder.reject(where, text[:60], f"cannot read a CSF {kind} here")
            continue
        if match["id"] in seen and not match["text"]:
            # The export repeats each function's name, without text, on the row closing its block.
            builder.count("function block-end rows")
            continue
        seen.add(match["id"])
        title = match.groupdict().get("title") or match["id"]
        examples = [e.strip() for e in _split_examples(cells[3])]
        references = [line.strip() for line in cells[4].splitlines() if line.strip()]
        yield CsfRow(where, match["id"], kind, title.strip(), (match["text"] or "").strip(), examples, references)
        builder.count(f"{kind} rows read")


def _split_examples(cell: str) -> list[str]:
    starts = [m.start() for m in _EXAMPLE.finditer(cell)]
    if not starts:
        return [cell] if cell else []
    bounds = [*starts, len(cell)]
    return [cell[a:b].strip() for a, b in itertools.pairwise(bounds) if cell[a:b].strip()]


def _add_catalog(builder: DatasetBuilder, provenance: Provenance, items: list[CsfRow]) -> None:
    parents: dict[str, str | None] = {}
    records = []
    for item in items:
        parent = None if item.kind == "function" else item.notation.split("-")[0] if "-" in item.notation \
            else item.notation.split(".")[0]
        if parent is not None and parent not in parents:
            builder.reject(item.where, item.notation, f"parent {parent} not found above it; skipped")
            continue
        parents[item.notation] = parent
        title_origin = "project" if item.kind == "subcategory" else "official"
        records.append(ControlRecord(item.notation, item.title, item.kind, parent=parent, title_origin=title_origin))
    meta = FrameworkMeta(CSF_SLUG, "NIST Cybersecurity Framework 2.0", provenance,
                         description="Imported from the user's CSF 2.0 Reference Tool export.")
    builder.add_catalog(meta, records)


def _reference_target(line: str, context: GraphContext, graph: str) -> tuple[str, ReferenceTarget | None, str]:
    """(dataset name, target, identifier) of one 'Dataset: identifier' line.

    A dataset of :data:`REFERENCE_DATASETS` names its framework; any other dataset names the framework
    whose slug its name gives (``CIS Controls v8.0`` -> ``cis-controls-v8.0``) when the graph holds one.
    """
    dataset, _, rest = line.partition(": ")
    dataset, rest = dataset.strip(), rest.strip()
    for prefix, target in REFERENCE_DATASETS.items():
        if dataset.startswith(prefix):
            return dataset, target, rest
    slug = slug_from_ref_id(dataset)
    if slug and context.has_framework(slug, ignoring=graph):
        return dataset, ReferenceTarget(slug, f"nist-csf-2.0--{slug}--reference-tool",
                                        f"{dataset} (published by NIST in the CSF 2.0 Reference Tool)",
                                        Authority.THIRD_PARTY), rest
    return dataset, None, rest


def _iso_notation(rest: str) -> str | None:
    kind, _, number = rest.rpartition(":")
    number = number.strip()
    if not re.fullmatch(r"\d+(\.\d+)*", number):
        return None
    return f"A.{number}" if "annex a" in kind.lower() else number


def _add_references(
    builder: DatasetBuilder, context: GraphContext, provenance: Provenance, items: list[CsfRow]
) -> None:
    skipped: Counter[str] = Counter()
    per_set: dict[str, dict[tuple[str, str], MappingRecord]] = defaultdict(dict)
    targets: dict[str, ReferenceTarget] = {}
    for item in items:
        for line in item.references:
            builder.count("informative references read")
            dataset, target, rest = _reference_target(line, context, builder.graph)
            if target is None or not context.has_framework(target.slug, ignoring=builder.graph):
                skipped[dataset] += 1
                continue
            notation = _target_notation(target, rest, line, item.where, builder)
            if notation is None:
                continue
            if notation not in context.notations(target.slug, ignoring=builder.graph):
                builder.reject(item.where, line, f"{target.slug} has no item {notation} in the graph")
                continue
            targets[target.set_id] = target
            per_set[target.set_id][(item.notation, notation)] = MappingRecord(
                subject=(CSF_SLUG, item.notation), object=(target.slug, notation),
                relation=Relation.INTERSECTS_WITH, rationale=Rationale.SEMANTIC, relation_source="defaulted",
            )
    for dataset, n in sorted(skipped.items()):
        builder.reject(builder.dataset.source_path, dataset, f"skipped: framework not in the graph ({n} references)")
    for set_id, pairs in sorted(per_set.items()):
        target = targets[set_id]
        meta = MappingSetMeta(
            set_id=set_id,
            title=f"NIST CSF 2.0 to {target.slug} (informative references, {provenance.version})",
            provenance=Provenance(target.publisher, provenance.source, provenance.version, provenance.issued,
                                  provenance.licence),
            authority=target.authority,
            subject_framework=CSF_SLUG,
            object_framework=target.slug,
            description="Informative references of the CSF 2.0 Reference Tool; no relation type is given, so each "
                        "pair is read as intersects-with (relation source: defaulted).",
        )
        builder.add_mapping_set(meta, list(pairs.values()))


def _target_notation(
    target: ReferenceTarget, rest: str, line: str, where: str, builder: DatasetBuilder
) -> str | None:
    if target.slug == "iso27001-2022":
        notation = _iso_notation(rest)
        if notation is None:
            builder.reject(where, line, "cannot read an ISO/IEC 27001:2022 clause or control number")
        return notation
    if target.slug.startswith("nist-sp-800-53"):
        notation = sp800_53_notation(rest)
        if notation is None:
            builder.reject(where, line, "not an SP 800-53 control or enhancement identifier")
        elif notation != rest:
            builder.count("SP 800-53 identifiers normalised (AC-01 -> AC-1)")
        return notation
    if target.slug not in ("csa-ccm-4", "nist-csf-1.1"):
        return rest
    if target.slug == "csa-ccm-4":
        if not re.fullmatch(r"[A-Z&]{2,4}-\d{2}", rest):
            builder.reject(where, line, "not a CCM control id")
            return None
        return rest
    parsed = parse_csf_reference(rest, target.slug)
    if parsed.rejected:
        builder.reject(where, line, parsed.rejected)
        return None
    for reason in parsed.repairs:
        builder.repair(where, line, reason)
    return parsed.targets[0][1]
