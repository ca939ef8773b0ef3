"""External gold sets for ``controlgraph evaluate --gold FILE``: the pairs a publisher mapped.

Formats (by extension, or ``fmt``):

- ``.csv``: a header naming the two columns (``subject``/``object``, ``source``/``target`` or
  ``subject_id``/``object_id``), values as control references (``nist-csf-2.0:GV.OC-01``) or IRIs;
  an optional ``relation``/``predicate`` column (``not-related`` rows are not gold pairs);
- ``.tsv`` / ``.sssom.tsv``: SSSOM TSV, ``subject_id``/``object_id`` as IRIs, control references or
  CURIEs expanded with the ``curie_map`` of the YAML header; ``skos:exactMatch`` ... any predicate
  but ``noMatch``-like ones counts;
- ``.yaml`` / ``.yml``: a CISO Assistant mapping library (``requirement_mappings``);
- ``.json``: an OSCAL mapping collection; its resources are not framework slugs, so the caller
  names the two frameworks (``frameworks``); ``id-ref`` values are matched to notations without
  regard to case or to ``_``/``&``/``.``/``-``.

Every identifier is resolved against the controls the graph knows (``known``); what does not
resolve is counted, not guessed, and the evaluation is restricted to identifiers both sides know.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controlgraph.data.safe_yaml import load_plain_yaml
from controlgraph.errors import InputError
from controlgraph.importers.ciso_yaml import framework_slug_of, item_notation
from controlgraph.vocabulary import CONTROL, control_iri, parse_control_ref

Pair = tuple[str, str]
_NOT_RELATED = {"not-related", "no-relationship", "notrelated", "cg:notrelated", "skos:nomatch", "semapv:nomatch"}


@dataclass
class GoldSet:
    """Gold pairs as control IRIs, with what could not be resolved."""

    source: str
    pairs: set[Pair] = field(default_factory=set)
    unresolved: int = 0
    rows: int = 0


class Resolver:
    """Control IRIs by framework and normalised notation."""

    def __init__(self, known: Iterable[str]) -> None:
        self.known = set(known)
        self._by_key: dict[tuple[str, str], str] = {}
        for iri in self.known:
            try:
                ref = parse_control_ref(iri)
            except ValueError:
                continue
            self._by_key[(ref.slug, _key(ref.notation))] = iri

    def control(self, value: str, slug: str | None = None) -> str | None:
        value = value.strip()
        if value.startswith(CONTROL):
            return value if value in self.known else None
        if slug is None and ":" in value:
            slug, _, value = value.partition(":")
        if slug is None:
            return None
        iri = control_iri(slug, value) if value else None
        if iri in self.known:
            return iri
        return self._by_key.get((slug, _key(value)))


def _key(notation: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", notation.lower()).strip(".")


def read_gold(path: Path, known: Iterable[str], frameworks: tuple[str, str] | None = None,
              resolve_urn: Callable[[str], str | None] | None = None) -> GoldSet:
    """The gold pairs of ``path`` among the controls ``known``. ``resolve_urn``: the graph's URN registry (a
    source URN -> the framework or control IRI it names, ``GraphContext.resolve_urn``), so a CISO Assistant
    mapping library between frameworks imported from CISO Assistant libraries resolves as the importer
    resolves it."""
    resolver = Resolver(known)
    name = path.name.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the gold set ({exc.__class__.__name__})") from None
    if name.endswith(".csv"):
        rows = _csv_rows(path, text)
    elif name.endswith(".tsv"):
        rows = _sssom_rows(path, text)
    elif name.endswith((".yaml", ".yml")):
        rows = _ciso_rows(path, text, resolve_urn or (lambda _: None))
    elif name.endswith(".json"):
        if frameworks is None:
            raise InputError(f"{path}: an OSCAL mapping collection needs --frameworks SUBJECT,OBJECT")
        rows = _oscal_rows(path, text, frameworks)
    else:
        raise InputError(f"{path}: unknown gold format (expected .csv, .tsv, .yaml or .json)")
    gold = GoldSet(str(path))
    for subject, obj, relation in rows:
        gold.rows += 1
        if relation.strip().lower() in _NOT_RELATED:
            continue
        a, c = resolver.control(subject[1], subject[0]), resolver.control(obj[1], obj[0])
        if a is None or c is None:
            gold.unresolved += 1
            continue
        gold.pairs.add((a, c))
    return gold


Row = tuple[tuple[str | None, str], tuple[str | None, str], str]


def _csv_rows(path: Path, text: str) -> list[Row]:
    reader = csv.DictReader(text.splitlines())
    header = {h.strip().lower(): h for h in reader.fieldnames or []}
    for s_col, o_col in (("subject", "object"), ("source", "target"), ("subject_id", "object_id")):
        if s_col in header and o_col in header:
            break
    else:
        raise InputError(f"{path}: line 1: no subject/object (or source/target) columns")
    r_col = header.get("relation") or header.get("predicate") or header.get("predicate_id")
    return [
        ((None, row[header[s_col]] or ""), (None, row[header[o_col]] or ""), (row.get(r_col) or "") if r_col else "")
        for row in reader
    ]


def _sssom_rows(path: Path, text: str) -> list[Row]:
    header = [line[1:] for line in text.splitlines() if line.startswith("#")]
    meta = load_plain_yaml("\n".join(header), path=str(path), what="an SSSOM metadata block") if header else {}
    prefixes: dict[str, str] = dict((meta or {}).get("curie_map") or {})
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(body, delimiter="\t")
    if not reader.fieldnames or not {"subject_id", "object_id"} <= set(reader.fieldnames):
        raise InputError(f"{path}: no subject_id and object_id columns")

    def expand(value: str) -> str:
        prefix, _, local = value.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else value

    return [
        ((None, expand(row["subject_id"])), (None, expand(row["object_id"])), row.get("predicate_id") or "")
        for row in reader
    ]


def _ciso_rows(path: Path, text: str, resolve_urn: Callable[[str], str | None]) -> list[Row]:
    library = load_plain_yaml(text, path=str(path), what="a CISO Assistant mapping library")
    sets = ((library or {}).get("objects") or {}).get("requirement_mapping_sets") or []
    if not sets and isinstance((library or {}).get("objects", {}).get("requirement_mapping_set"), dict):
        sets = [library["objects"]["requirement_mapping_set"]]
    rows: list[Row] = []
    for mapping_set in sets:
        source, target = (framework_slug_of(urn, resolve_urn(urn)) for urn in (
            str(mapping_set.get("source_framework_urn")), str(mapping_set.get("target_framework_urn"))))
        for m in mapping_set.get("requirement_mappings") or []:
            rows.append((
                _ciso_item(source, str(m.get("source_requirement_urn", "")), resolve_urn),
                _ciso_item(target, str(m.get("target_requirement_urn", "")), resolve_urn),
                str(m.get("relationship", "")),
            ))
    return rows


def _ciso_item(slug: str | None, urn: str, resolve_urn: Callable[[str], str | None]) -> tuple[str | None, str]:
    if slug is None:
        return None, ""
    registered = resolve_urn(urn)
    if registered is not None and registered.startswith(CONTROL):
        return slug, registered  # the control IRI the import registered for this requirement node
    notation, _ = item_notation(slug, urn.rsplit(":", 1)[-1])
    return slug, notation or ""


def _oscal_rows(path: Path, text: str, frameworks: tuple[str, str]) -> list[Row]:
    try:
        document: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: line {exc.lineno}: not JSON") from None
    collection = document.get("mapping-collection")
    if not isinstance(collection, dict):
        raise InputError(f"{path}: no mapping-collection")
    rows: list[Row] = []
    for mapping in collection.get("mappings") or []:
        for m in mapping.get("maps") or []:
            relation = str((m.get("relationship") or {}).get("type", ""))
            for s in m.get("sources") or []:
                for t in m.get("targets") or []:
                    rows.append(((frameworks[0], str(s.get("id-ref", ""))), (frameworks[1], str(t.get("id-ref", ""))),
                                 relation))
    return rows
