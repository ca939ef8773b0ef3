"""Reading cover-set statements back from SSSOM/TSV rows (the ``cover_set`` extension, see :mod:`.slots`).

The rows X -> Y1 .. X -> Yn sharing one ``cover_set`` value make one ``cg:CoverSet`` "X is covered by
the union of Y1..Yn". A row either is a mapping that also names a member, or (``relation_source``
``cover-set``) carries the member only. Rows of one statement must agree on the subject and on the
statement's confidence and comment; a member is listed once; a subject has one statement per set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from controlgraph.data.authoring import cover_set_iri
from controlgraph.sssom_tsv.slots import (
    EXT_COVER_SET,
    EXT_COVER_SET_COMMENT,
    EXT_COVER_SET_CONFIDENCE,
    ExtensionSlot,
    PrefixMap,
)
from controlgraph.vocabulary import CG, RDF, RDFS, SSSOM, XSD


class CoverRowError(ValueError):
    """A row's cover-set cells do not fit the statement it names; the message says why."""


@dataclass
class _Statement:
    key: str
    subject: str
    line: int
    confidence: str
    comment: str
    members: dict[str, int] = field(default_factory=dict)  # Yi IRI -> line


@dataclass
class CoverSets:
    """The cover-set statements of one file, gathered row by row."""

    names: dict[ExtensionSlot, str]
    prefixes: PrefixMap
    statements: dict[str, _Statement] = field(default_factory=dict)
    broken: dict[str, int] = field(default_factory=dict)  # key -> line of a rejected row naming it

    def key_of(self, row: dict[str, str]) -> str:
        """The statement a row names (its IRI), or "" when it names none."""
        value = row.get(self.names[EXT_COVER_SET], "")
        if not value:
            return ""
        iri = self.prefixes.expand(value)
        if iri is None:
            raise CoverRowError(f"{self.names[EXT_COVER_SET]} {value!r} has a prefix that curie_map does not declare")
        return iri

    def check(self, row: dict[str, str], key: str, pair: tuple[str, str], line: int) -> str:
        """Check a row's member of statement ``key`` against the rows before it; its confidence, normalised."""
        name = self.names[EXT_COVER_SET]
        confidence = row.get(self.names[EXT_COVER_SET_CONFIDENCE], "")
        if confidence:
            try:
                number = float(confidence)
            except ValueError:
                raise CoverRowError(f"{self.names[EXT_COVER_SET_CONFIDENCE]} {confidence!r} is not a number") from None
            if not 0 <= number <= 1:
                raise CoverRowError(f"{self.names[EXT_COVER_SET_CONFIDENCE]} {confidence} is outside 0-1")
            confidence = str(number)
        comment = row.get(self.names[EXT_COVER_SET_COMMENT], "")
        known = self.statements.get(key)
        if known is None:
            other = next((s for s in self.statements.values() if s.subject == pair[0]), None)
            if other is not None:
                raise CoverRowError(f"{name}: the subject already has the cover set {other.key} (line {other.line}); "
                                    "a subject has one cover set per mapping set")
            return confidence
        if known.subject != pair[0]:
            raise CoverRowError(f"{name} {key} has the subject {known.subject} on line {known.line}; "
                                "every row of a cover set has the same subject_id")
        if pair[1] in known.members:
            raise CoverRowError(f"{name} {key} already lists this object on line {known.members[pair[1]]}")
        if (confidence, comment) != (known.confidence, known.comment):
            raise CoverRowError(f"{name} {key}: cover_set_confidence and cover_set_comment differ from line "
                                f"{known.line}; every row of a cover set repeats them")
        return confidence

    def add(self, row: dict[str, str], key: str, pair: tuple[str, str], line: int, confidence: str) -> None:
        statement = self.statements.setdefault(key, _Statement(
            key, pair[0], line, confidence, row.get(self.names[EXT_COVER_SET_COMMENT], "")))
        statement.members[pair[1]] = line

    def reject(self, row: dict[str, str], line: int) -> None:
        """A row was rejected: the statement it names (if its name reads) is incomplete."""
        try:
            key = self.key_of(row)
        except CoverRowError:
            return
        if key:
            self.broken.setdefault(key, line)

    def dropped(self) -> list[tuple[int, str, str]]:
        """(line, statement, reason) for each statement left incomplete by a rejected row."""
        return [(s.line, key, f"cover set {key} left out: its row on line {self.broken[key]} was rejected")
                for key, s in self.statements.items() if key in self.broken]

    def triples(self, graph_name: str, set_iri: str) -> list[ox.Triple]:
        """The ``cg:CoverSet`` nodes of the complete statements, in the imported set."""
        out: list[ox.Triple] = []
        for key, statement in sorted(self.statements.items()):
            if key in self.broken:
                continue
            node = ox.NamedNode(cover_set_iri(graph_name, statement.subject))
            out += [ox.Triple(node, ox.NamedNode(RDF + "type"), ox.NamedNode(CG + "CoverSet")),
                    ox.Triple(node, ox.NamedNode(CG + "inMappingSet"), ox.NamedNode(set_iri)),
                    ox.Triple(node, ox.NamedNode(CG + "coverSubject"), ox.NamedNode(statement.subject))]
            out += [ox.Triple(node, ox.NamedNode(CG + "coveredBy"), ox.NamedNode(y)) for y in sorted(statement.members)]
            if statement.confidence:
                out.append(ox.Triple(node, ox.NamedNode(SSSOM + "confidence"),
                                     ox.Literal(statement.confidence, datatype=ox.NamedNode(XSD + "double"))))
            if statement.comment:
                out.append(ox.Triple(node, ox.NamedNode(RDFS + "comment"), ox.Literal(statement.comment)))
        return out

    def count(self) -> int:
        return sum(key not in self.broken for key in self.statements)
