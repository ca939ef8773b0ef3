"""Reading a user's SSSOM/TSV file as a mapping set to import.

The file is an embedded YAML metadata block (lines starting with ``#``, read as plain YAML data:
no tags, anchors or aliases) followed by a tab-separated table. The metadata becomes one
``cg:MappingSet`` with its provenance, each usable row one ``cg:Mapping``. Whole-file problems (bad
YAML, a missing required column or slot) raise :class:`InputError` with the line; a row that cannot
be used is left out and reported as a :class:`RowIssue` naming its line and the reason.

Only what SSSOM itself requires is demanded (``mapping_set_id``, ``license``, the row columns).
Optional metadata the graph records is filled in and reported as repaired: no creator -> the
publisher reads "not stated (FILE NAME)"; no ``publication_date`` -> the file's modification date.
SKOS predicates are read for what they say about the two requirement sets: ``exactMatch`` equal,
``broadMatch`` subset-of, ``narrowMatch`` superset-of; ``closeMatch`` and ``relatedMatch`` say only
that the two overlap, so they are read as intersects-with with ``cg:relationSource "defaulted"``
(never as a stated relation) unless the row states the IR 8477 relation in its own slot.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox

from controlgraph.data.literals import brief
from controlgraph.data.safe_yaml import load_plain_yaml
from controlgraph.errors import InputError
from controlgraph.pipeline.imports import ImportedDataset, RowIssue
from controlgraph.sssom_tsv.cover_rows import CoverRowError, CoverSets
from controlgraph.sssom_tsv.slots import (
    ALLOWED_PREDICATES,
    CARRIED_SLOTS,
    COVER_EXTENSIONS,
    COVER_SET_ONLY,
    EXT_AUTHORITY,
    EXT_COVER_SET,
    EXT_LICENCE_STATEMENT,
    EXT_RATIONALE,
    EXT_RELATION,
    EXT_RELATION_SOURCE,
    EXT_STRENGTH,
    EXTENSIONS,
    MULTIVALUE_SEPARATOR,
    OVERLAP_ONLY,
    PREDICATE_RELATION,
    REQUIRED_COLUMNS,
    CarriedSlot,
    ExtensionSlot,
    PrefixMap,
    import_graph_name,
)
from controlgraph.vocabulary import (
    CG,
    CONTROL,
    DCTERMS,
    FRAMEWORK,
    OWL,
    PROV,
    RDF,
    RDFS,
    SEMAPV,
    SSSOM,
    XSD,
    Authority,
    Rationale,
    Relation,
    control_iri,
    mapping_iri,
    mapping_set_iri,
)

MAX_INPUT_BYTES = 64 * 1024 * 1024  # far above any real mapping set
Term = ox.NamedNode | ox.Literal


class _RowRejected(Exception):
    """A row cannot be used; the message says why."""


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _row_iri(value: str, what: str) -> ox.NamedNode:
    """An IRI taken from a row: one that is not valid rejects the row."""
    try:
        return ox.NamedNode(value)
    except ValueError:
        raise _RowRejected(f"{what} {value!r} is not a valid IRI") from None


def _metadata_iri(value: str, what: str, path: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError:
        raise InputError(f"metadata slot {what} {value!r} is not a valid IRI", path=path) from None


def _literal(value: str, datatype: str | None = None) -> ox.Literal:
    try:
        return ox.Literal(value, datatype=_iri(datatype)) if datatype else ox.Literal(value)
    except ValueError:  # a lone surrogate: no RDF text can hold it
        raise _RowRejected(f"{brief(value)} is not storable text") from None


# ---------------------------------------------------------------------------------------------- metadata


def _split_metadata(text: str, path: str) -> tuple[dict[str, Any], list[str], int]:
    """The metadata block as a dict, the table lines, and how many lines the block took."""
    lines = text.splitlines()
    count = 0
    while count < len(lines) and lines[count].startswith("#"):
        count += 1
    # Strip the leading '#' characters as sssom-py does, so both read the same YAML.
    block = "\n".join(line.lstrip("#").rstrip() for line in lines[:count])
    meta = load_plain_yaml(block, path=path, what="an SSSOM metadata block") if block.strip() else {}
    if not isinstance(meta, dict):
        raise InputError("metadata block must be a YAML mapping of SSSOM slots", path=path, line=1)
    return meta, lines[count:], count


def _one(meta: dict[str, Any], key: str, path: str) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        raise InputError(f"metadata slot {key} takes one value", path=path)
    return str(value).strip()


def _many(meta: dict[str, Any], key: str) -> list[str]:
    value = meta.get(key)
    values = value if isinstance(value, list) else [] if value is None else [value]
    return [str(v).strip() for v in values if str(v).strip()]


def _extension_names(meta: dict[str, Any], prefixes: PrefixMap, path: str) -> dict[ExtensionSlot, str]:
    """The slot name each of our extensions has in this file: as declared for its property, else the default."""
    names = {ext: ext.name for ext in (*EXTENSIONS, *COVER_EXTENSIONS)}
    definitions = meta.get("extension_definitions") or []
    if not isinstance(definitions, list):
        raise InputError("metadata slot extension_definitions must be a list", path=path)
    for entry in definitions:
        if not isinstance(entry, dict) or not entry.get("slot_name"):
            raise InputError("every entry of extension_definitions needs a slot_name", path=path)
        declared = prefixes.expand(str(entry.get("property", "")))
        for ext in (*EXTENSIONS, *COVER_EXTENSIONS):
            if declared == ext.property:
                names[ext] = str(entry["slot_name"])
    return names


def _authority(text: str, prefixes: PrefixMap, path: str) -> Authority:
    expanded = prefixes.expand(text)
    for authority in Authority:
        if text == authority.value or expanded == authority.iri:
            return authority
    allowed = ", ".join(a.value for a in Authority)
    raise InputError(f"authority {text!r} is not one of {allowed}", path=path)


def _set_statements(
    meta: dict[str, Any], names: dict[ExtensionSlot, str], prefixes: PrefixMap, path: str, filled: list[str]
) -> tuple[str, str, list[tuple[str, Term]]]:
    """(graph name, set IRI, the set's (property, value) pairs) from the metadata block."""
    declared = _one(meta, "mapping_set_id", path)
    if not declared:
        raise InputError("metadata has no mapping_set_id", path=path)
    declared_iri = prefixes.expand(declared) or declared
    try:
        name = import_graph_name(declared_iri)
        node = mapping_set_iri(name)
    except ValueError as exc:
        raise InputError(f"metadata slot mapping_set_id: {exc}", path=path) from None
    out: list[tuple[str, Term]] = [
        (RDF + "type", _iri(CG + "MappingSet")),
        (DCTERMS + "title", _literal(_one(meta, "mapping_set_title", path) or declared)),
    ]
    if description := _one(meta, "mapping_set_description", path):
        out.append((DCTERMS + "description", _literal(description)))
    publisher = _many(meta, "creator_label") or _many(meta, "creator_id")
    if not publisher:
        publisher = [f"not stated ({Path(path).name})"]
        filled.append(f"no creator_label or creator_id; publisher recorded as {publisher[0]!r}")
    out.append((DCTERMS + "publisher", _literal("; ".join(publisher))))
    source = prefixes.expand(_one(meta, "mapping_provider", path)) or declared_iri
    if not source.startswith(("http://", "https://")):
        raise InputError(f"mapping_provider or mapping_set_id must be an http(s) IRI, not {source!r}", path=path)
    out.append((DCTERMS + "source", _metadata_iri(source, "mapping_provider", path)))
    published = meta.get("publication_date")
    if published is None:
        day = dt.datetime.fromtimestamp(Path(path).stat().st_mtime, dt.UTC).date()
        filled.append(f"no publication_date; the file's modification date {day.isoformat()} recorded")
    else:
        try:
            day = published if isinstance(published, dt.date) else dt.date.fromisoformat(str(published))
        except ValueError:
            raise InputError(f"metadata needs publication_date as YYYY-MM-DD, not {published!r}", path=path) from None
    out.append((DCTERMS + "issued", _literal(day.isoformat(), XSD + "date")))
    out.append((OWL + "versionInfo", _literal(_one(meta, "mapping_set_version", path) or day.isoformat())))
    statement = _one(meta, names[EXT_LICENCE_STATEMENT], path)
    licence = _one(meta, "license", path)
    if not statement and not licence:
        raise InputError("metadata has no license (an IRI)", path=path)
    if statement:
        out.append((DCTERMS + "license", _literal(statement)))
    else:
        out.append((DCTERMS + "license", _metadata_iri(prefixes.expand(licence) or licence, "license", path)))
    claimed = _one(meta, names[EXT_AUTHORITY], path)
    out.append((CG + "authority", _iri((_authority(claimed, prefixes, path) if claimed else Authority.USER).iri)))
    for key, prop in (("subject_source", "subjectFramework"), ("object_source", "objectFramework")):
        framework = prefixes.expand(_one(meta, key, path))
        if framework and framework.startswith(FRAMEWORK):
            out.append((CG + prop, _metadata_iri(framework, key, path)))
    origins = [declared_iri, *(prefixes.expand(v) or v for v in _many(meta, "mapping_set_source"))]
    out += [(PROV + "wasDerivedFrom", _metadata_iri(o, "mapping_set_source", path))
            for o in dict.fromkeys(origins) if o != node]
    return name, node, out


# ---------------------------------------------------------------------------------------------- rows


def _control(value: str, column: str, prefixes: PrefixMap, known: Collection[str] | None) -> str:
    """The canonical IRI of the control a subject_id or object_id names."""
    iri = prefixes.expand(value)
    if iri is None:
        raise _RowRejected(f"{column} {value!r} has a prefix that curie_map does not declare")
    if not iri.startswith(CONTROL):
        raise _RowRejected(f"{column} {value!r} is not a controlgraph control (IRIs under {CONTROL})")
    slug, sep, notation = iri[len(CONTROL):].partition("/")
    if not sep or not notation:
        raise _RowRejected(f"{column} {value!r} names no control")
    try:
        canonical = control_iri(slug, unquote(notation))  # raw or percent-encoded local parts alike
    except ValueError as exc:
        raise _RowRejected(f"{column} {value!r}: {exc}") from None
    if known is not None and canonical not in known:
        raise _RowRejected(f"{column} {value!r} is not a control in the graph")
    return canonical


def _relation(row: dict[str, str], names: dict[ExtensionSlot, str], prefixes: PrefixMap) -> Relation:
    stated = row.get(names[EXT_RELATION], "")
    if stated:  # the IR 8477 relation, where given, says more than any SKOS predicate
        try:
            return Relation.parse(prefixes.expand(stated) or stated)
        except ValueError as exc:
            raise _RowRejected(f"{names[EXT_RELATION]}: {exc}") from None
    predicate = row["predicate_id"]
    relation = PREDICATE_RELATION.get(prefixes.expand(predicate) or "")
    if relation is None:
        raise _RowRejected(f"predicate_id {predicate!r} is not one of {ALLOWED_PREDICATES}")
    modifier = row.get("predicate_modifier", "")
    if not modifier:
        return relation
    if modifier == "Not" and relation is Relation.INTERSECTS_WITH:
        return Relation.NOT_RELATED
    raise _RowRejected(
        f"predicate_modifier {modifier!r} with {predicate} leaves the relation open; state it in {names[EXT_RELATION]}"
    )


def _rationale(text: str, prefixes: PrefixMap) -> Rationale:
    expanded = prefixes.expand(text)
    for rationale in Rationale:
        if text == rationale.value or expanded == rationale.iri:
            return rationale
    raise _RowRejected(f"rationale {text!r} is not one of syntactic, semantic, functional")


def _bounded(text: str, column: str, low: int, high: int, *, integer: bool) -> str:
    try:
        value: float = int(text) if integer else float(text)
    except ValueError:
        raise _RowRejected(f"{column} {text!r} is not {'an integer' if integer else 'a number'}") from None
    if not low <= value <= high:
        raise _RowRejected(f"{column} {text} is outside {low}-{high}")
    return str(value)


def _carried(slot: CarriedSlot, value: str, prefixes: PrefixMap) -> Term:
    if slot.kind in ("iri", "url"):
        iri = prefixes.expand(value)
        if iri is None:
            raise _RowRejected(f"{slot.name} {value!r} has a prefix that curie_map does not declare")
        return _row_iri(iri, slot.name)
    if slot.kind == "date":
        try:
            return _literal(dt.date.fromisoformat(value).isoformat(), XSD + "date")
        except ValueError:
            raise _RowRejected(f"{slot.name} {value!r} is not a date (YYYY-MM-DD)") from None
    return _literal(value)


def _mapping_statements(
    row: dict[str, str], set_iri: str, pair: tuple[str, str], names: dict[ExtensionSlot, str], prefixes: PrefixMap
) -> list[tuple[str, Term]]:
    relation = _relation(row, names, prefixes)
    rationale_text = row.get(names[EXT_RATIONALE], "")
    rationale = _rationale(rationale_text, prefixes) if rationale_text else Rationale.SEMANTIC
    justification = prefixes.expand(row["mapping_justification"]) or ""
    if not justification.startswith(SEMAPV) or justification == SEMAPV:
        raise _RowRejected(f"mapping_justification {row['mapping_justification']!r} is not a semapv term")
    out: list[tuple[str, Term]] = [
        (RDF + "type", _iri(CG + "Mapping")),
        (CG + "inMappingSet", _iri(set_iri)),
        (CG + "mappingSubject", _iri(pair[0])),
        (CG + "mappingObject", _iri(pair[1])),
        (CG + "relation", _iri(relation.iri)),
        (CG + "rationale", _iri(rationale.iri)),
        (SSSOM + "mapping_justification", _row_iri(justification, "mapping_justification")),
    ]
    if strength := row.get(names[EXT_STRENGTH], ""):
        value = _bounded(strength, names[EXT_STRENGTH], 0, 10, integer=True)
        out.append((CG + "strength", _literal(value, XSD + "integer")))
    if confidence := row.get("confidence", ""):
        out.append((SSSOM + "confidence", _literal(_bounded(confidence, "confidence", 0, 1, integer=False),
                                                   XSD + "double")))
    if comment := row.get("comment", ""):
        out.append((RDFS + "comment", _literal(comment)))
    source = row.get(names[EXT_RELATION_SOURCE], "")
    if not source and not row.get(names[EXT_RELATION], "") and prefixes.expand(row["predicate_id"]) in OVERLAP_ONLY:
        source = "defaulted"  # closeMatch / relatedMatch: the two overlap, which relation is not said
    if source and source != "stated":
        out.append((CG + "relationSource", _literal(source)))
    for slot in CARRIED_SLOTS:
        cell = row.get(slot.name, "")
        values = [v.strip() for v in cell.split(MULTIVALUE_SEPARATOR)] if slot.multivalued else [cell]
        out += [(slot.property, _carried(slot, v, prefixes)) for v in values if v]
    return out


def _table_rows(lines: list[str], offset: int, path: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number in the file, cells by column) for each data row, after checking the header."""
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter="\t")
    try:
        columns = [c.strip() for c in next(reader)]
    except StopIteration:
        raise InputError("no table after the metadata block", path=path, line=offset + 1) from None
    except csv.Error as exc:
        raise InputError(f"table header cannot be read: {exc}", path=path, line=offset + 1) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(f"table lacks the required column(s) {', '.join(missing)}", path=path, line=offset + 1)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a cell past the csv module's size limit, an unclosed quote
            raise InputError(f"table cannot be read: {exc}", path=path, line=offset + reader.line_num) from None
        if not any(cell.strip() for cell in record):
            continue
        line = offset + reader.line_num
        if len(record) > len(columns):
            raise InputError(f"row has {len(record)} cells for {len(columns)} columns", path=path, line=line)
        record += [""] * (len(columns) - len(record))  # trailing empty cells may be left out
        yield line, {c: v.strip() for c, v in zip(columns, record, strict=True)}


def _read_text(path: Path) -> str:
    where = str(path)
    if not path.is_file():
        raise InputError("no such file", path=where)
    if path.stat().st_size > MAX_INPUT_BYTES:
        raise InputError(f"file is larger than the {MAX_INPUT_BYTES:,} bytes accepted", path=where)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=where) from None


def read_sssom(path: Path | str, *, known_controls: Collection[str] | None = None) -> ImportedDataset:
    """Read a user's SSSOM/TSV file (with its embedded metadata block) as a mapping set to import.

    ``known_controls`` (control IRIs), when given, rejects rows naming a control the graph does not
    hold here, with their line, rather than leaving it to SHACL at commit time.
    """
    path = Path(path)
    where = str(path)
    meta, table, offset = _split_metadata(_read_text(path), where)
    curie_map = meta.get("curie_map") or {}
    if not isinstance(curie_map, dict) or not all(isinstance(v, str) for v in curie_map.values()):
        raise InputError("metadata slot curie_map must map prefixes to IRIs", path=where)
    prefixes = PrefixMap({str(k): v for k, v in curie_map.items()})
    names = _extension_names(meta, prefixes, where)
    filled: list[str] = []
    try:
        name, set_iri, set_pairs = _set_statements(meta, names, prefixes, where, filled)
    except _RowRejected as exc:
        raise InputError(f"metadata: {exc}", path=where) from None
    dataset = ImportedDataset(kind="sssom", name=name, source_path=where, triples=[])
    dataset.issues += [RowIssue(f"{where}#metadata", "", "repaired", note) for note in filled]
    seen: dict[tuple[str, str], int] = {}
    justifications: Counter[str] = Counter()
    slugs: tuple[set[str], set[str]] = (set(), set())
    rows = 0
    covers = CoverSets(names, prefixes)
    for line, row in _table_rows(table, offset, where):
        rows += 1
        try:
            if empty := [c for c in REQUIRED_COLUMNS if not row[c]]:
                raise _RowRejected(f"no value for {', '.join(empty)}")
            pair = (_control(row["subject_id"], "subject_id", prefixes, known_controls),
                    _control(row["object_id"], "object_id", prefixes, known_controls))
            if pair[0] == pair[1]:
                raise _RowRejected("subject and object are the same control")
            cover = covers.key_of(row)
            member_only = row.get(names[EXT_RELATION_SOURCE], "") == COVER_SET_ONLY
            if member_only and not cover:
                raise _RowRejected(f"{names[EXT_RELATION_SOURCE]} {COVER_SET_ONLY} needs a {names[EXT_COVER_SET]}")
            cover_confidence = covers.check(row, cover, pair, line) if cover else ""
            if not member_only:
                if pair in seen:
                    raise _RowRejected(f"this pair is already mapped on line {seen[pair]}")
                statements = _mapping_statements(row, set_iri, pair, names, prefixes)
        except (_RowRejected, CoverRowError) as exc:
            covers.reject(row, line)
            value = " ".join(row.get(c, "") for c in ("subject_id", "predicate_id", "object_id"))
            dataset.issues.append(RowIssue(f"{where}#{line}", value, "rejected", str(exc)))  # file#line
            continue
        if cover:
            covers.add(row, cover, pair, line, cover_confidence)
        if member_only:
            continue
        seen[pair] = line
        node = _iri(mapping_iri(name, *pair))
        dataset.triples += [ox.Triple(node, _iri(p), o) for p, o in statements]
        justifications[next(o.value for p, o in statements if p == SSSOM + "mapping_justification")] += 1
        for side, iri in zip(slugs, pair, strict=True):
            side.add(iri[len(CONTROL):].partition("/")[0])
    stated = {p for p, _ in set_pairs}
    for prop, side in zip(("subjectFramework", "objectFramework"), slugs, strict=True):
        if CG + prop not in stated and len(side) == 1:
            set_pairs.append((CG + prop, _iri(FRAMEWORK + next(iter(side)))))
    if justifications:  # the set's default justification: the one most of its rows give
        common = min(justifications, key=lambda j: (-justifications[j], j))
        set_pairs.append((SSSOM + "mapping_justification", _iri(common)))
    dataset.issues += [RowIssue(f"{where}#{line}", key, "rejected", reason) for line, key, reason in covers.dropped()]
    set_node = _iri(set_iri)
    dataset.triples = [ox.Triple(set_node, _iri(p), o) for p, o in set_pairs] + dataset.triples
    dataset.triples += covers.triples(name, set_iri)
    dataset.counts = {"rows": rows, "mappings": len(seen), "rejected": len(dataset.rejected)}
    if covers.count():
        dataset.counts["cover_sets"] = covers.count()
    return dataset
