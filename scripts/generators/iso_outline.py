"""ISO/IEC 27001 outlines: intuitem's CISO Assistant libraries read for identifiers, titles and nesting.

Only ``ref_id`` and ``name`` are taken (identifiers and official short titles); intuitem's descriptions
are their paraphrases of ISO text and are never read. Titles the outline gets wrong are corrected
here and each correction is written to the data log of every dataset that uses the title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generators.common import DataLogs, LogEntry, normalise_space, read_yaml

CISO_2022 = "ciso-assistant/iso27001-2022.yaml"
CISO_2013 = "ciso-assistant/iso27001-2013.yaml"

@dataclass(frozen=True)
class TitleFix:
    ref_id: str
    raw: str
    fixed: str
    reason: str


@dataclass(frozen=True)
class OutlineNode:
    row: int  # 1-based position in requirement_nodes
    urn: str
    ref_id: str
    title: str
    parent: str | None  # ref_id of the parent node, None under a container node


@dataclass(frozen=True)
class Outline:
    source_file: str
    nodes: list[OutlineNode]
    containers: list[tuple[int, str, str]]  # (row, urn, name) of nodes without a ref_id
    fixes: list[TitleFix]

    def by_ref(self) -> dict[str, OutlineNode]:
        return {n.ref_id: n for n in self.nodes}

    def by_urn(self) -> dict[str, OutlineNode]:
        return {n.urn: n for n in self.nodes}


# Titles the outline gets wrong against the standard: (ref_id, outline title, official title, why).
# Each is written to the data log of every dataset that uses the title.
_TITLE_CORRECTIONS: dict[str, list[tuple[str, str, str, str]]] = {
    CISO_2022: [
        (
            "6.1.2",
            "Information security risk assessment requirement",
            "Information security risk assessment",
            "the clause heading is 'Information security risk assessment'; 'requirement' was added",
        ),
        ("6.3", "Planning for changes", "Planning of changes", "the clause heading reads 'Planning of changes'"),
        (
            "7.5",
            "Documented Information",
            "Documented information",
            "capitalisation differs from the standard",
        ),
        (
            "7.5.2",
            "Creating and Updating documented information",
            "Creating and updating documented information",
            "capitalisation differs from the standard",
        ),
        (
            "A.5",
            "Organisational controls",
            "Organizational controls",
            "the standard spells the theme heading 'Organizational' (as ISO/IEC 27002:2022 clause 5)",
        ),
        ("A.7.6", "Working In secure areas", "Working in secure areas", "capitalisation typo in the outline"),
    ],
    CISO_2013: [
        (
            "6.1.2",
            "Information security risk assessment requirement",
            "Information security risk assessment",
            "the clause heading is 'Information security risk assessment'; 'requirement' was added",
        ),
        (
            "7.5",
            "Documented Information",
            "Documented information",
            "capitalisation differs from the standard",
        ),
        (
            "9.1",
            "Monitoring, measurement, analysis, evaluation",
            "Monitoring, measurement, analysis and evaluation",
            "the clause heading reads 'analysis and evaluation'",
        ),
        (
            "A.12.6.1",
            "Management of technial vulnerabilities",
            "Management of technical vulnerabilities",
            "spelling typo in the outline",
        ),
    ],
}

# A clause or Annex A number; anything else ('core', 'annex-a') is a CISO Assistant grouping node.
_ISO_NUMBER = re.compile(r"^(A\.)?\d+(\.\d+)*$")


def _official_title(source_file: str, ref_id: str, raw: str) -> tuple[str, list[TitleFix]]:
    fixes: list[TitleFix] = []
    title = normalise_space(raw)
    if title != raw:
        fixes.append(TitleFix(ref_id, raw, title, "stray whitespace around or inside the title"))
    for fix_ref, expected, official, reason in _TITLE_CORRECTIONS.get(source_file, []):
        if fix_ref != ref_id:
            continue
        if title != expected:
            # The outline changed upstream: the correction must be reviewed, not applied blindly.
            raise ValueError(f"{source_file} {ref_id}: expected title {expected!r}, found {title!r}")
        fixes.append(TitleFix(ref_id, title, official, reason))
        title = official
    return title, fixes


def _ref_id(node: dict[str, Any]) -> str:
    """The node's clause or control number, or '' for a grouping node."""
    ref_id = str(node.get("ref_id") or "").strip()
    return ref_id if _ISO_NUMBER.match(ref_id) else ""


def read_outline(reference: Path, source_file: str) -> Outline:
    """Requirement nodes of a CISO Assistant framework: ref_id and name only, containers set aside."""
    data: dict[str, Any] = read_yaml(reference / source_file)
    raw_nodes: list[dict[str, Any]] = data["objects"]["framework"]["requirement_nodes"]
    ref_by_urn = {n["urn"]: _ref_id(n) for n in raw_nodes if _ref_id(n)}
    nodes: list[OutlineNode] = []
    containers: list[tuple[int, str, str]] = []
    fixes: list[TitleFix] = []
    for row, raw in enumerate(raw_nodes, start=1):
        ref_id = _ref_id(raw)
        if not ref_id:
            containers.append((row, raw["urn"], str(raw.get("name", ""))))
            continue
        title, node_fixes = _official_title(source_file, ref_id, str(raw["name"]))
        fixes += node_fixes
        parent_urn = raw.get("parent_urn")
        nodes.append(OutlineNode(row, raw["urn"], ref_id, title, ref_by_urn.get(parent_urn or "")))
    return Outline(source_file, nodes, containers, fixes)


def log_outline(log: DataLogs, dataset: str, outline: Outline, used: Iterable[str]) -> None:
    """Log the outline's container nodes (rejected) and the title fixes of the nodes a dataset uses."""
    for row, urn, name in outline.containers:
        log.record(
            dataset,
            LogEntry(
                outline.source_file,
                str(row),
                f"{urn} ({name})",
                "rejected",
                "CISO Assistant grouping node, not part of the standard's numbering; its children are kept",
            ),
        )
    rows = outline.by_ref()
    wanted = set(used)
    for fix in outline.fixes:
        if fix.ref_id in wanted:
            log.record(
                dataset,
                LogEntry(
                    outline.source_file,
                    str(rows[fix.ref_id].row),
                    f"{fix.ref_id}: {fix.raw!r} -> {fix.fixed!r}",
                    "repaired",
                    fix.reason,
                ),
            )


# --------------------------------------------------------------------------------------------------
# Numbering


def strip_annex_prefix(ref_id: str) -> str:
    """27001 Annex A numbering (A.5.1) to the 27002 clause numbering (5.1)."""
    if not ref_id.startswith("A."):
        raise ValueError(f"not an Annex A identifier: {ref_id!r}")
    return ref_id[2:]


def is_annex_a(ref_id: str) -> bool:
    return ref_id.startswith("A.")


def numeric_key(ref_id: str) -> tuple[int, ...]:
    """Sort key of a clause or Annex A number: 'A.12.1.2' -> (12, 1, 2)."""
    return tuple(int(part) for part in ref_id.removeprefix("A.").split("."))


def depth(notation: str) -> int:
    return notation.count(".") + 1


def kind_2022_annex(ref_id: str) -> str:
    return "theme" if depth(strip_annex_prefix(ref_id)) == 1 else "control"


def kind_2013_annex(ref_id: str) -> str:
    return {1: "clause", 2: "objective", 3: "control"}[depth(strip_annex_prefix(ref_id))]


