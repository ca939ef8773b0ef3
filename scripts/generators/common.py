"""What every generator shares: repository paths, the reference folder, the data log, source readers.

Each generator writes Turtle through :mod:`controlgraph.data.authoring` and, for every source row it
rejects or repairs, a line in ``mappings/datalog/<dataset>.csv`` (columns ``DATALOG_COLUMNS``).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from controlgraph.data.authoring import (
    ControlRecord,
    FrameworkMeta,
    MappingRecord,
    MappingSetMeta,
    catalog_turtle,
    mapping_set_turtle,
    write_text,
)
from controlgraph.vocabulary import Relation

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
FRAMEWORKS = MAPPINGS / "frameworks"
SETS = MAPPINGS / "sets"
DATALOG = MAPPINGS / "datalog"
CURATION = MAPPINGS / "curation"

DATALOG_COLUMNS = ("source_file", "source_row", "value", "action", "reason")

INTUITEM_LIBRARY = "https://github.com/intuitem/ciso-assistant-community/blob/main/backend/library/libraries/"

# CISO Assistant relationship names -> NIST IR 8477 relations.
CISO_ASSISTANT_RELATIONS = {
    "equal": Relation.EQUAL,
    "subset": Relation.SUBSET_OF,
    "superset": Relation.SUPERSET_OF,
    "intersect": Relation.INTERSECTS_WITH,
    "not_related": Relation.NOT_RELATED,
}


def reference_dir() -> Path:
    """The public reference files: $CONTROLGRAPH_REFERENCE, else ../shared/reference beside the repository."""
    configured = os.environ.get("CONTROLGRAPH_REFERENCE")
    return Path(configured) if configured else REPO.parent / "shared" / "reference"


# --------------------------------------------------------------------------------------------- data log


@dataclass(frozen=True)
class LogEntry:
    source_file: str
    source_row: str
    value: str
    action: str  # "rejected" or "repaired"
    reason: str


def write_datalog(dataset: str, entries: Iterable[LogEntry]) -> Path:
    """Write mappings/datalog/<dataset>.csv (header only when nothing was rejected or repaired)."""
    path = DATALOG / f"{dataset}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DATALOG_COLUMNS)
        for e in entries:
            writer.writerow([e.source_file, e.source_row, e.value, e.action, e.reason])
    return path


@dataclass
class DataLog:
    """Rejected and repaired source rows of one dataset."""

    dataset: str
    entries: list[LogEntry] = field(default_factory=list)

    def add(self, entry: LogEntry) -> None:
        self.entries.append(entry)

    def reject(self, source_file: str, source_row: int | str, value: str, reason: str) -> None:
        self.entries.append(LogEntry(source_file, str(source_row), value, "rejected", reason))

    def repair(self, source_file: str, source_row: int | str, value: str, reason: str) -> None:
        self.entries.append(LogEntry(source_file, str(source_row), value, "repaired", reason))

    def write(self) -> Path:
        return write_datalog(self.dataset, self.entries)


@dataclass
class DataLogs:
    """Rejected and repaired source rows of several datasets written by one generator."""

    entries: dict[str, list[LogEntry]] = field(default_factory=dict)

    def record(self, dataset: str, entry: LogEntry) -> None:
        self.entries.setdefault(dataset, []).append(entry)

    def write(self) -> None:
        for dataset, rows in sorted(self.entries.items()):
            write_datalog(dataset, rows)


# ------------------------------------------------------------------------------------------- sources

_WHITESPACE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace (including no-break spaces) and trim the ends."""
    return _WHITESPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def read_csv(reference: Path, source_file: str) -> list[dict[str, str]]:
    with (reference / source_file).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_library_nodes(path: Path) -> list[dict[str, Any]]:
    """The requirement nodes of a CISO Assistant framework library."""
    nodes: list[dict[str, Any]] = read_yaml(path)["objects"]["framework"]["requirement_nodes"]
    return nodes


def read_mapping_library(path: Path) -> dict[str, Any]:
    """The (first) requirement mapping set of a CISO Assistant mapping library."""
    objects = read_yaml(path)["objects"]
    # Older libraries hold one set under a singular key, newer ones a list.
    mapping_set: dict[str, Any] = objects.get("requirement_mapping_set") or objects["requirement_mapping_sets"][0]
    return mapping_set


# ------------------------------------------------------------------------------------------- writing


def write_catalog(meta: FrameworkMeta, controls: Sequence[ControlRecord], header: Sequence[str] = ()) -> Path:
    target = FRAMEWORKS / f"{meta.slug}.ttl"
    write_text(target, catalog_turtle(meta, controls, header))
    return target


def write_mapping_set(meta: MappingSetMeta, mappings: Sequence[MappingRecord], header: Sequence[str] = ()) -> Path:
    target = SETS / f"{meta.set_id}.ttl"
    write_text(target, mapping_set_turtle(meta, mappings, header))
    return target


def count_kinds(records: Iterable[ControlRecord]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.kind] = counts.get(record.kind, 0) + 1
    return counts
