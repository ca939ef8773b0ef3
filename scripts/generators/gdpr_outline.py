"""The GDPR outline: intuitem's CISO Assistant library ``gdpr.yaml`` read into catalog records.

Only identifiers, the official headings of chapters, sections and articles, and the nesting are taken.
The text of articles, paragraphs, points and recitals is never read into a record: paragraphs and
points have no official heading, so they get a short label written by the project
(:mod:`generators.gdpr_labels`). Where the source nests differently from the Official Journal, the
record is repaired and the repair logged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from controlgraph.data.authoring import ControlRecord
from generators.common import LogEntry
from generators.gdpr_labels import DEFINED_TERMS, PROVISION_LABELS

GDPR_YAML = "ciso-assistant/gdpr.yaml"

ACT_ELI = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
# EUR-Lex documents ELI subdivisions down to the article (e.g. .../reg/2019/1241/art_2/oj); there is
# no documented ELI for paragraphs or points, so those carry the address of their article.
ARTICLE_ELI = "https://eur-lex.europa.eu/eli/reg/2016/679/art_{number}/oj"

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI")

# Where each article sits in the Regulation as published in the OJ: the sections of Chapters III, IV,
# VI and VII, and the article ranges of every chapter. Used to check (and repair) the source nesting.
OFFICIAL_SECTIONS: dict[str, tuple[int, int]] = {
    "Ch.III.Sec.1": (12, 12),
    "Ch.III.Sec.2": (13, 15),
    "Ch.III.Sec.3": (16, 20),
    "Ch.III.Sec.4": (21, 22),
    "Ch.III.Sec.5": (23, 23),
    "Ch.IV.Sec.1": (24, 31),
    "Ch.IV.Sec.2": (32, 34),
    "Ch.IV.Sec.3": (35, 36),
    "Ch.IV.Sec.4": (37, 39),
    "Ch.IV.Sec.5": (40, 43),
    "Ch.VI.Sec.1": (51, 54),
    "Ch.VI.Sec.2": (55, 59),
    "Ch.VII.Sec.1": (60, 62),
    "Ch.VII.Sec.2": (63, 67),
    "Ch.VII.Sec.3": (68, 76),
}
OFFICIAL_CHAPTERS: dict[str, tuple[int, int]] = {
    "Ch.I": (1, 4),
    "Ch.II": (5, 11),
    "Ch.III": (12, 23),
    "Ch.IV": (24, 43),
    "Ch.V": (44, 50),
    "Ch.VI": (51, 59),
    "Ch.VII": (60, 76),
    "Ch.VIII": (77, 84),
    "Ch.IX": (85, 91),
    "Ch.X": (92, 93),
    "Ch.XI": (94, 99),
}

PARAGRAPH_ID = re.compile(r"^(\d+)\.(\d+)$")
POINT_ID = re.compile(r"^(\d+)\.(\d+)\.([a-z])$")
ARTICLE_POINT_ID = re.compile(r"^(\d+)\.([a-z])$")  # points of an unnumbered paragraph (Art.50)


@dataclass(frozen=True)
class Provision:
    """A numbered paragraph or point as read from the source, before it becomes a record."""

    article: int
    paragraph: int | None
    point: str | None

    @property
    def notation(self) -> str:
        text = f"Art.{self.article}"
        if self.paragraph is not None:
            text += f"({self.paragraph})"
        if self.point is not None:
            text += f"({self.point})"
        return text

    @property
    def parent(self) -> str:
        if self.point is not None and self.paragraph is not None:
            return f"Art.{self.article}({self.paragraph})"
        return f"Art.{self.article}"

    @property
    def kind(self) -> str:
        # Art.4's definitions are numbered points of one unnumbered paragraph, not paragraphs.
        if self.point is not None or self.article == 4:
            return "point"
        return "paragraph"


def article_address(article: int) -> str:
    return ARTICLE_ELI.format(number=article)


def official_parent_of_article(article: int) -> str:
    for section, (first, last) in OFFICIAL_SECTIONS.items():
        if first <= article <= last:
            return section
    for chapter, (first, last) in OFFICIAL_CHAPTERS.items():
        if first <= article <= last:
            return chapter
    raise ValueError(f"Art.{article} is outside the Regulation's 99 articles")


def provision_label(provision: Provision) -> str:
    notation = provision.notation
    if notation in PROVISION_LABELS:
        return PROVISION_LABELS[notation]
    if provision.article == 4 and provision.point is None and provision.paragraph is not None:
        return f"Definition: {DEFINED_TERMS[provision.paragraph - 1]}"
    return notation.replace("Art.", "Article ", 1)


class OutlineReader:
    """Walks the source outline in document order and turns it into catalog records.

    Parents of paragraphs and points are derived from their identifiers, parents of articles from the
    official structure; where the source nests differently the record is repaired and logged.
    """

    def __init__(self, nodes: Sequence[dict[str, Any]]) -> None:
        self.nodes = nodes
        self.by_urn = {str(node["urn"]): node for node in nodes}
        self.notation_of_urn: dict[str, str] = {}
        self.records: list[ControlRecord] = []
        self.log: list[LogEntry] = []

    def read(self) -> list[ControlRecord]:
        for row, node in enumerate(self.nodes, start=1):
            self._read_node(row, node)
        return self.records

    def _read_node(self, row: int, node: dict[str, Any]) -> None:
        ref_id = str(node.get("ref_id") or "").strip()
        name = str(node.get("name") or "").strip()
        if self._in_preamble(node):
            self._reject(row, ref_id or self._urn_tail(node), "recitals not shipped")
        elif ref_id.startswith("CHAPTER "):
            self._add_chapter(node, ref_id)
        elif name.startswith("Section "):
            self._add_section(node, name)
        elif ref_id.startswith("Article "):
            self._add_article(row, node, int(ref_id.removeprefix("Article ")))
        elif ref_id:
            self._add_provision(row, node, ref_id)
        else:
            where = self._numbered_ancestor(node)
            self._reject(
                row,
                self._urn_tail(node),
                f"unnumbered text within {where} (sole paragraph, subparagraph, introductory wording or "
                "indent): no identifier of its own, it is part of its parent",
            )

    def _add_chapter(self, node: dict[str, Any], ref_id: str) -> None:
        notation = "Ch." + ref_id.removeprefix("CHAPTER ").strip()
        self._add(node, ControlRecord(notation, self._heading(node), "chapter", address=ACT_ELI))

    def _add_section(self, node: dict[str, Any], name: str) -> None:
        chapter = self.notation_of_urn[str(node["parent_urn"])]
        notation = f"{chapter}.Sec.{name.removeprefix('Section ').strip()}"
        record = ControlRecord(notation, self._heading(node), "section", parent=chapter, address=ACT_ELI)
        self._add(node, record)

    def _add_article(self, row: int, node: dict[str, Any], article: int) -> None:
        source_parent = self.notation_of_urn[str(node["parent_urn"])]
        parent = official_parent_of_article(article)
        if parent != source_parent:
            self._repair(
                row,
                f"Article {article}",
                f"source places Art.{article} directly under {source_parent}; "
                f"in the OJ it belongs to {parent}",
            )
        record = ControlRecord(
            f"Art.{article}", self._heading(node), "article", parent=parent, address=article_address(article)
        )
        self._add(node, record)

    def _add_provision(self, row: int, node: dict[str, Any], ref_id: str) -> None:
        provision = self._parse_provision(row, node, ref_id)
        if provision is None:
            return
        source_parent = self._numbered_ancestor(node)
        if source_parent != provision.parent:
            self._repair(
                row,
                ref_id,
                f"source nests {provision.notation} under {source_parent}; its parent is {provision.parent}",
            )
        record = ControlRecord(
            provision.notation,
            provision_label(provision),
            provision.kind,
            parent=provision.parent,
            title_origin="project",
            address=article_address(provision.article),
        )
        self._add(node, record)

    def _parse_provision(self, row: int, node: dict[str, Any], ref_id: str) -> Provision | None:
        enclosing = self._enclosing_article(node)
        if match := POINT_ID.match(ref_id):
            provision = Provision(int(match[1]), int(match[2]), match[3])
        elif match := PARAGRAPH_ID.match(ref_id):
            provision = Provision(int(match[1]), int(match[2]), None)
        elif match := ARTICLE_POINT_ID.match(ref_id):
            provision = Provision(int(match[1]), None, match[2])
        else:
            self._reject(row, ref_id, "identifier not in the form article.paragraph[.point]")
            return None
        if provision.article != enclosing:
            # The source swapped the identifiers of Art.72(2) and Art.73(2); the nodes sit in the
            # right articles, so the enclosing article wins.
            repaired = Provision(enclosing, provision.paragraph, provision.point)
            self._repair(
                row,
                ref_id,
                f"identifier names Art.{provision.article} but the node sits in Art.{enclosing}; "
                f"numbered {repaired.notation}",
            )
            return repaired
        return provision

    def _add(self, node: dict[str, Any], record: ControlRecord) -> None:
        self.notation_of_urn[str(node["urn"])] = record.notation
        self.records.append(record)

    def _in_preamble(self, node: dict[str, Any]) -> bool:
        current: dict[str, Any] | None = node
        while current is not None:
            if str(current["urn"]).endswith(":preambule"):
                return True
            parent = current.get("parent_urn")
            current = self.by_urn.get(str(parent)) if parent else None
        return False

    def _enclosing_article(self, node: dict[str, Any]) -> int:
        current: dict[str, Any] | None = node
        while current is not None:
            ref_id = str(current.get("ref_id") or "")
            if ref_id.startswith("Article "):
                return int(ref_id.removeprefix("Article "))
            parent = current.get("parent_urn")
            current = self.by_urn.get(str(parent)) if parent else None
        raise ValueError(f"{node['urn']}: not inside an article")

    def _numbered_ancestor(self, node: dict[str, Any]) -> str:
        """Notation of the nearest ancestor that is an item (unnumbered wrappers are skipped)."""
        parent = node.get("parent_urn")
        while parent:
            if str(parent) in self.notation_of_urn:
                return self.notation_of_urn[str(parent)]
            parent = self.by_urn[str(parent)].get("parent_urn")
        raise ValueError(f"{node['urn']}: no numbered ancestor")

    @staticmethod
    def _heading(node: dict[str, Any]) -> str:
        """Official heading of a chapter, section or article (the source keeps it as the description)."""
        return " ".join(str(node["description"]).split())

    @staticmethod
    def _urn_tail(node: dict[str, Any]) -> str:
        return str(node["urn"]).rsplit(":", 1)[-1]

    def _reject(self, row: int, value: str, reason: str) -> None:
        self.log.append(LogEntry(GDPR_YAML, str(row), value, "rejected", reason))

    def _repair(self, row: int, value: str, reason: str) -> None:
        self.log.append(LogEntry(GDPR_YAML, str(row), value, "repaired", reason))


def check_structure(records: Sequence[ControlRecord]) -> None:
    """Fail loudly unless the catalog has the Regulation's shape and gap-free numbering."""
    by_kind: dict[str, list[str]] = {}
    for record in records:
        by_kind.setdefault(record.kind, []).append(record.notation)
    expected_chapters = [f"Ch.{numeral}" for numeral in ROMAN]
    if by_kind.get("chapter") != expected_chapters:
        raise ValueError(f"chapters differ from Ch.I..Ch.XI: {by_kind.get('chapter')}")
    if by_kind.get("article") != [f"Art.{n}" for n in range(1, 100)]:
        raise ValueError("articles are not exactly Art.1..Art.99 in order")
    if sorted(by_kind.get("section", [])) != sorted(OFFICIAL_SECTIONS):
        raise ValueError(f"sections differ from the OJ: {by_kind.get('section')}")
    gaps = numbering_gaps(records)
    if gaps:
        raise ValueError(f"numbering gaps: {gaps}")
    unknown = sorted(set(PROVISION_LABELS) - {r.notation for r in records})
    if unknown:
        raise ValueError(f"labels written for provisions that do not exist: {unknown}")


def numbering_gaps(records: Sequence[ControlRecord]) -> list[str]:
    """Parents whose numbered children do not run 1, 2, 3... or (a), (b), (c)... without a gap."""
    children: dict[str, list[str]] = {}
    for record in records:
        if record.kind in ("paragraph", "point") and record.parent is not None:
            last = record.notation[len(record.parent):].strip("()")
            children.setdefault(record.parent, []).append(last)
    gaps = []
    for parent, numbers in children.items():
        expected = (
            [str(n) for n in range(1, len(numbers) + 1)]
            if numbers[0].isdigit()
            else [chr(ord("a") + i) for i in range(len(numbers))]
        )
        if numbers != expected:
            gaps.append(f"{parent}: {numbers}")
    return gaps


