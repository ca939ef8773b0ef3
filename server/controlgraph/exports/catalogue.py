"""Every export format by name, with its media type and file name: what the CLI and the web layer offer.

Request values (framework slugs, format names) are checked here before anything else runs: an
unknown format is unusable input, an unknown framework is not found. File names are built from
checked slugs only, so no request value ever reaches a path or a header unvetted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from controlgraph.analysis.coverage import HaveSpec, framework_items
from controlgraph.analysis.scope import parse_scopes
from controlgraph.errors import InputError, NotFound
from controlgraph.exports.crosswalk_csv import crosswalk_csv
from controlgraph.exports.crosswalk_oscal import crosswalk_oscal_json
from controlgraph.exports.crosswalk_rdf import crosswalk_jsonld, crosswalk_turtle
from controlgraph.exports.crosswalk_sssom import crosswalk_sssom
from controlgraph.exports.crosswalk_table import CrosswalkExport, build_crosswalk
from controlgraph.exports.crosswalk_xlsx import crosswalk_xlsx
from controlgraph.exports.html_report import html_report
from controlgraph.exports.programme_xlsx import programme_xlsx
from controlgraph.store.base import GraphStore


@dataclass(frozen=True)
class ExportFormat:
    name: str
    media_type: str
    extension: str
    description: str


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CROSSWALK_FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("csv", "text/csv; charset=utf-8", "csv", "one row per mapping, UTF-8 CSV"),
    ExportFormat("xlsx", XLSX_TYPE, "xlsx", "workbook: summary, one sheet per pair, provenance"),
    ExportFormat("sssom", "text/tab-separated-values; charset=utf-8", "sssom.tsv", "SSSOM/TSV with metadata"),
    ExportFormat("oscal", "application/json", "oscal.json", "OSCAL 1.2 mapping collection"),
    ExportFormat("jsonld", "application/ld+json", "jsonld", "mapping nodes and set provenance as JSON-LD"),
    ExportFormat("ttl", "text/turtle; charset=utf-8", "ttl", "mapping nodes and set provenance as Turtle"),
    ExportFormat("html", "text/html; charset=utf-8", "html", "self-contained report with coverage heatmap"),
)}
PROGRAMME_FORMATS: dict[str, ExportFormat] = {
    "xlsx": ExportFormat("xlsx", XLSX_TYPE, "xlsx", "programme workbook with statement of applicability"),
    "html": CROSSWALK_FORMATS["html"],
}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9.\-]{0,63}$")


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str
    note: str = ""  # for the person asking (the CLI prints it on standard error), e.g. why a crosswalk is empty


def _format(name: str, formats: dict[str, ExportFormat]) -> ExportFormat:
    found = formats.get(name.strip().lower())
    if found is None:
        raise InputError(f"unknown format {name!r}; expected one of {', '.join(formats)}")
    return found


def known_framework(store: GraphStore, slug: str) -> str:
    """``slug`` when the graph holds that framework; NotFound otherwise (also for malformed slugs)."""
    slug = slug.strip()
    if not _SLUG.match(slug):
        raise NotFound(f"no framework {slug[:64]!r} in the graph")
    framework_items(store, slug)
    return slug


def framework_list(store: GraphStore, text: str | Sequence[str], what: str) -> list[str]:
    values = text.split(",") if isinstance(text, str) else [v for t in text for v in t.split(",")]
    slugs = [v.strip() for v in values if v.strip()]
    if not slugs:
        raise InputError(f"no {what} framework given")
    return [known_framework(store, s) for s in dict.fromkeys(slugs)]


def export_crosswalk(store: GraphStore, source: str, targets: str | Sequence[str], fmt: str, *,
                     include_inferred: bool, with_candidates: bool = False,
                     min_probability: float = 0.0) -> ExportFile:
    """A crosswalk file; ``with_candidates`` adds the candidate links at least ``min_probability`` probable."""
    chosen = _format(fmt, CROSSWALK_FORMATS)
    if not 0.0 <= min_probability <= 1.0:
        raise InputError(f"min probability {min_probability!r}: expected a number from 0 to 1")
    source = known_framework(store, source)
    target_list = framework_list(store, targets, "target")
    export = build_crosswalk(store, source, target_list, include_inferred=include_inferred,
                             with_candidates=with_candidates, min_probability=min_probability)
    content = _crosswalk_content(store, export, chosen.name)
    name = (f"crosswalk_{source}_to_{'+'.join(target_list)}{'_inferred' if include_inferred else ''}"
            f"{'_candidates' if with_candidates else ''}")
    note = ""
    if with_candidates and not export.candidates:
        note = f"no candidate link at least {min_probability:g} probable from {source} to {', '.join(target_list)}"
    if not export.rows and not include_inferred:
        inferred = build_crosswalk(store, source, target_list, include_inferred=True).rows
        note = (f"no asserted mapping from {source} to {', '.join(target_list)}; "
                + (f"--inferred gives {len(inferred)} row(s) chained from asserted ones" if inferred
                   else "none can be inferred either"))
    elif not export.rows:
        note = f"no mapping from {source} to {', '.join(target_list)}, asserted or inferred"
    return ExportFile(content, chosen.media_type, f"{name}.{chosen.extension}", note)


def _crosswalk_content(store: GraphStore, export: CrosswalkExport, fmt: str) -> bytes:
    if fmt == "xlsx":
        return crosswalk_xlsx(export)
    writers = {
        "csv": lambda: crosswalk_csv(export),
        "sssom": lambda: crosswalk_sssom(store, export),
        "oscal": lambda: crosswalk_oscal_json(export),
        "jsonld": lambda: crosswalk_jsonld(store, export),
        "ttl": lambda: crosswalk_turtle(store, export),
        "html": lambda: html_report(store, [export.source], export.targets, crosswalk=export,
                                    title=f"Crosswalk from {export.source} to {', '.join(export.targets)}"),
    }
    return writers[fmt]().encode("utf-8")


def export_programme(store: GraphStore, have: Sequence[str], targets: str | Sequence[str], fmt: str = "xlsx", *,
                     hub: str = "iso27002-2022", allow_have_files: bool = True,
                     scopes: Sequence[str] = ()) -> ExportFile:
    """``allow_have_files=False`` (the web layer) refuses ``@FILE`` values, so no request names a file."""
    chosen = _format(fmt, PROGRAMME_FORMATS)
    if not allow_have_files and any(v.strip().startswith("@") for v in have):
        raise InputError("have: @FILE is only accepted on the command line; list frameworks or controls")
    spec = HaveSpec.parse(have)
    for slug in spec.frameworks():
        known_framework(store, slug)
    target_list = framework_list(store, targets, "target")
    known_framework(store, hub.split(":", 1)[0])  # the hub may be a framework or FRAMEWORK:ID patterns
    if chosen.name == "xlsx":
        content = programme_xlsx(store, spec, target_list, hub=hub, scopes=parse_scopes(scopes))
    else:
        content = html_report(store, list(spec.patterns), target_list, scopes=parse_scopes(scopes)).encode("utf-8")
    return ExportFile(content, chosen.media_type, f"programme_{'+'.join(target_list)}.{chosen.extension}")
