"""Generate the GDPR catalog: chapters, sections, articles, paragraphs and points of Regulation (EU) 2016/679.

Reads the public reference files in ``../shared/reference`` (override with $CONTROLGRAPH_REFERENCE):

- ``ciso-assistant/gdpr.yaml``: intuitem's outline of the Regulation. Only identifiers (``ref_id``,
  section ``name``), the official headings of chapters, sections and articles, and the nesting are
  taken. The text of articles, paragraphs, points and recitals is never shipped: paragraphs and
  points have no official heading, so they get a short label written by the project.
- ``w3c-dpv/eu-gdpr-2.2.csv``: the W3C Data Privacy Vocabulary GDPR extension. Concepts that denote a
  provision itself (``A6-1-a``, ``A13``, ...) become ``skos:closeMatch`` links of that provision.

Writes ``mappings/gdpr.ttl`` through :mod:`controlgraph.data.authoring` and, for every source row it rejects
or repairs, a line in ``mappings/datalog/gdpr.csv``.

Run: ``cd /work/main && PYTHONPATH=server .venv/bin/python scripts/generate_gdpr.py``
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from controlgraph.data.authoring import ControlRecord, FrameworkMeta, Provenance, catalog_turtle, write_text
from gdpr_semantics import with_semantics

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "mappings" / "frameworks" / "gdpr.ttl"
DATALOG = REPO / "mappings" / "datalog" / "gdpr.csv"

SLUG = "gdpr"
GDPR_YAML = "ciso-assistant/gdpr.yaml"
DPV_CSV = "w3c-dpv/eu-gdpr-2.2.csv"

ACT_ELI = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
# EUR-Lex documents ELI subdivisions down to the article (e.g. .../reg/2019/1241/art_2/oj); there is
# no documented ELI for paragraphs or points, so those carry the address of their article.
ARTICLE_ELI = "https://eur-lex.europa.eu/eli/reg/2016/679/art_{number}/oj"

PROVENANCE = Provenance(
    publisher="European Union (Official Journal L 119, 4.5.2016)",
    source=ACT_ELI,
    version="OJ L 119, 4.5.2016, p. 1-88 (with the corrigendum of 23.5.2018 where identifiers are concerned)",
    issued=dt.date(2016, 4, 27),
    licence=(
        "EU legal acts are free to reuse (Commission Decision 2011/833/EU, "
        "https://eur-lex.europa.eu/content/legal-notice/legal-notice.html); only identifiers, titles and "
        "hierarchy are shipped"
    ),
)

DESCRIPTION = (
    "Regulation (EU) 2016/679 as a hierarchy: 11 chapters, their sections, 99 articles, numbered "
    "paragraphs and lettered points, each with its EUR-Lex ELI address (the article's address for "
    "paragraphs and points, the act's for chapters and sections). Chapters, sections and articles carry "
    "their official headings; paragraphs and points have none, so their labels are the project's own "
    "(titleOrigin 'project'). Parent is union of children: a chapter is exactly its sections or articles, "
    "a section its articles, an article with numbered paragraphs exactly those paragraphs. Caveat for "
    "coverage: a paragraph that introduces points may add wording of its own (Art.32(1) lists its measures "
    "'inter alia'), so treat a paragraph's points as evidence, not as the whole paragraph. Articles of a "
    "single unnumbered paragraph (e.g. Art.10, Art.16) have no children. The 26 definitions of Art.4 are "
    "points of one unnumbered paragraph (kind 'point', notation Art.4(1)...Art.4(26)), as are the points "
    "of Art.50 (Art.50(a)...). Unnumbered subparagraphs and indents have no identifier of their own and "
    "are part of their parent. W3C DPV concepts that denote a provision are linked by skos:closeMatch."
)
NOT_SHIPPED = (
    "Recitals and the text of every article, paragraph and point (read it at each item's EUR-Lex address)."
)

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

# The terms Art.4 defines, as the project's label of each definition point.
DEFINED_TERMS = (
    "personal data", "processing", "restriction of processing", "profiling", "pseudonymisation",
    "filing system", "controller", "processor", "recipient", "third party", "consent",
    "personal data breach", "genetic data", "biometric data", "data concerning health",
    "main establishment", "representative", "enterprise", "group of undertakings",
    "binding corporate rules", "supervisory authority", "supervisory authority concerned",
    "cross-border processing", "relevant and reasoned objection", "information society service",
    "international organisation",
)

# Short labels in the project's own words for the provisions most used in security and privacy
# programmes. Every other paragraph or point gets a neutral label naming its citation.
PROVISION_LABELS: dict[str, str] = {
    # Art.5 principles (the principle names are the Regulation's own terms)
    "Art.5(1)": "Core processing principles",
    "Art.5(1)(a)": "Lawfulness, fairness and transparency",
    "Art.5(1)(b)": "Purpose limitation",
    "Art.5(1)(c)": "Data minimisation",
    "Art.5(1)(d)": "Accuracy",
    "Art.5(1)(e)": "Storage limitation",
    "Art.5(1)(f)": "Integrity and confidentiality",
    "Art.5(2)": "Accountability of the controller",
    # Art.6 legal bases
    "Art.6(1)": "Lawful bases for processing",
    "Art.6(1)(a)": "Legal basis: consent",
    "Art.6(1)(b)": "Legal basis: contract",
    "Art.6(1)(c)": "Legal basis: legal obligation",
    "Art.6(1)(d)": "Legal basis: vital interests",
    "Art.6(1)(e)": "Legal basis: public task or official authority",
    "Art.6(1)(f)": "Legal basis: legitimate interests",
    # Art.24 responsibility of the controller
    "Art.24(1)": "Risk-based measures and demonstrable compliance",
    "Art.24(2)": "Data protection policies where proportionate",
    "Art.24(3)": "Codes or certification as evidence of compliance",
    # Art.25 by design and by default
    "Art.25(1)": "Data protection by design",
    "Art.25(2)": "Data protection by default",
    "Art.25(3)": "Certification as evidence for design and default",
    # Art.28 processor
    "Art.28(1)": "Use only processors with sufficient guarantees",
    "Art.28(2)": "Controller authorisation for sub-processors",
    "Art.28(3)": "Binding processing contract and its terms",
    "Art.28(3)(a)": "Process only on documented instructions",
    "Art.28(3)(b)": "Confidentiality commitments of staff",
    "Art.28(3)(c)": "Security measures as required by Art.32",
    "Art.28(3)(d)": "Conditions for engaging sub-processors",
    "Art.28(3)(e)": "Help with data subject requests",
    "Art.28(3)(f)": "Help with security, breach and DPIA duties",
    "Art.28(3)(g)": "Delete or return data when service ends",
    "Art.28(3)(h)": "Information and audits to show compliance",
    "Art.28(4)": "Flow-down of obligations to sub-processors",
    "Art.28(5)": "Codes or certification as processor guarantees",
    "Art.28(6)": "Standard clauses as basis of the contract",
    "Art.28(7)": "Commission standard contractual clauses",
    "Art.28(8)": "Authority standard contractual clauses",
    "Art.28(9)": "Contract in writing, electronic allowed",
    "Art.28(10)": "Processor deciding purposes becomes controller",
    # Art.30 records of processing activities
    "Art.30(1)": "Controller's record of processing",
    "Art.30(1)(a)": "Controller identity and contacts",
    "Art.30(1)(b)": "Processing purposes",
    "Art.30(1)(c)": "Kinds of data subjects and personal data",
    "Art.30(1)(d)": "Categories of recipients",
    "Art.30(1)(e)": "Third-country transfers and safeguards",
    "Art.30(1)(f)": "Planned erasure time limits",
    "Art.30(1)(g)": "Overview of security measures",
    "Art.30(2)": "Processor's record of processing",
    "Art.30(2)(a)": "Processor and controller identities and contacts",
    "Art.30(2)(b)": "Categories of processing per controller",
    "Art.30(2)(c)": "Third-country transfers and safeguards",
    "Art.30(2)(d)": "Overview of security measures",
    "Art.30(3)": "Records kept in writing or electronically",
    "Art.30(4)": "Records available to the authority on request",
    "Art.30(5)": "Exemption for organisations under 250 staff",
    # Art.32 security of processing
    "Art.32(1)": "Risk-appropriate security measures",
    "Art.32(1)(a)": "Pseudonymisation and encryption",
    "Art.32(1)(b)": "Secure and resilient processing systems",
    "Art.32(1)(c)": "Timely restoration after an incident",
    "Art.32(1)(d)": "Regular testing of security effectiveness",
    "Art.32(2)": "Risk factors for the level of security",
    "Art.32(3)": "Codes or certification as evidence of security",
    "Art.32(4)": "Staff act only on instructions",
    # Art.33 breach notification to the authority
    "Art.33(1)": "Notify the authority within 72 hours",
    "Art.33(2)": "Processor notifies the controller",
    "Art.33(3)": "Minimum content of the notification",
    "Art.33(3)(a)": "Nature and scale of the breach",
    "Art.33(3)(b)": "DPO or other contact point",
    "Art.33(3)(c)": "Likely consequences",
    "Art.33(3)(d)": "Measures taken or proposed",
    "Art.33(4)": "Information given in phases",
    "Art.33(5)": "Document every breach",
    # Art.34 communication to data subjects
    "Art.34(1)": "Tell data subjects of high-risk breaches",
    "Art.34(2)": "Content of the message to data subjects",
    "Art.34(3)": "When telling data subjects is not required",
    "Art.34(3)(a)": "Data unintelligible, e.g. encrypted",
    "Art.34(3)(b)": "High risk no longer likely",
    "Art.34(3)(c)": "Disproportionate effort: public notice instead",
    "Art.34(4)": "Authority may require the communication",
    # Art.35 data protection impact assessment
    "Art.35(1)": "DPIA for likely high-risk processing",
    "Art.35(2)": "Seek the DPO's advice",
    "Art.35(3)": "Cases that always need a DPIA",
    "Art.35(3)(a)": "Systematic automated evaluation with significant effects",
    "Art.35(3)(b)": "Large-scale special-category or criminal data",
    "Art.35(3)(c)": "Large-scale monitoring of public areas",
    "Art.35(4)": "Authority list of processing needing a DPIA",
    "Art.35(5)": "Authority list of processing exempt from a DPIA",
    "Art.35(6)": "Consistency mechanism for cross-border lists",
    "Art.35(7)": "Minimum content of a DPIA",
    "Art.35(7)(a)": "Description of processing and purposes",
    "Art.35(7)(b)": "Necessity and proportionality",
    "Art.35(7)(c)": "Risks to data subjects",
    "Art.35(7)(d)": "Measures to address the risks",
    "Art.35(8)": "Codes of conduct weighed in the assessment",
    "Art.35(9)": "Views of data subjects",
    "Art.35(10)": "Exemption where law already assessed impact",
    "Art.35(11)": "Review when risk changes",
    # Art.36 prior consultation
    "Art.36(1)": "Consult the authority when high risk remains",
    "Art.36(2)": "Authority's written advice and deadlines",
    "Art.36(3)": "Information to give the authority",
    "Art.36(3)(a)": "Responsibilities of the parties involved",
    "Art.36(3)(b)": "Purposes and means",
    "Art.36(3)(c)": "Protective measures and safeguards",
    "Art.36(3)(d)": "DPO contact details",
    "Art.36(3)(e)": "The DPIA itself",
    "Art.36(3)(f)": "Other requested information",
    "Art.36(4)": "Consultation on draft legislation",
    "Art.36(5)": "National prior authorisation regimes",
    # Art.37 to 39 data protection officer
    "Art.37(1)": "When a DPO must be designated",
    "Art.37(1)(a)": "Public authorities and bodies",
    "Art.37(1)(b)": "Large-scale regular monitoring as core activity",
    "Art.37(1)(c)": "Large-scale special-category data as core activity",
    "Art.37(2)": "One DPO for a group",
    "Art.37(3)": "One DPO for several public bodies",
    "Art.37(4)": "Voluntary or national-law DPO designation",
    "Art.37(5)": "DPO qualifications",
    "Art.37(6)": "Staff member or service contractor",
    "Art.37(7)": "Publish and notify DPO contacts",
    "Art.38(1)": "Timely involvement of the DPO",
    "Art.38(2)": "Resources and access for the DPO",
    "Art.38(3)": "DPO independence and reporting line",
    "Art.38(4)": "DPO reachable by data subjects",
    "Art.38(5)": "DPO secrecy and confidentiality",
    "Art.38(6)": "Other duties without conflict of interest",
    "Art.39(1)": "Minimum DPO tasks",
    "Art.39(1)(a)": "Inform and advise",
    "Art.39(1)(b)": "Monitor compliance, training and audits",
    "Art.39(1)(c)": "Advise on DPIAs",
    "Art.39(1)(d)": "Cooperate with the authority",
    "Art.39(1)(e)": "Contact point for the authority",
    "Art.39(2)": "Risk-based approach to DPO tasks",
    # Art.45 to 49 international transfers (Art.44 and Art.48 are single unnumbered paragraphs)
    "Art.45(1)": "Transfers to countries found adequate",
    "Art.45(2)": "Elements of the adequacy assessment",
    "Art.45(2)(a)": "Rule of law and public-authority access",
    "Art.45(2)(b)": "Independent supervision in the country",
    "Art.45(2)(c)": "International commitments",
    "Art.45(3)": "Adoption of adequacy decisions",
    "Art.45(4)": "Ongoing monitoring of adequacy",
    "Art.45(5)": "Repeal, amendment or suspension of adequacy",
    "Art.45(6)": "Consultations to remedy the situation",
    "Art.45(7)": "Other transfer grounds remain available",
    "Art.45(8)": "Published list of adequate destinations",
    "Art.45(9)": "Decisions under Directive 95/46/EC stay in force",
    "Art.46(1)": "Transfers with appropriate safeguards",
    "Art.46(2)": "Safeguards needing no specific authorisation",
    "Art.46(2)(a)": "Instrument between public authorities",
    "Art.46(2)(b)": "Binding corporate rules",
    "Art.46(2)(c)": "Commission standard clauses",
    "Art.46(2)(d)": "Authority standard clauses approved by the Commission",
    "Art.46(2)(e)": "Code of conduct with commitments",
    "Art.46(2)(f)": "Certification with commitments",
    "Art.46(3)": "Safeguards needing authorisation",
    "Art.46(3)(a)": "Ad hoc contractual clauses",
    "Art.46(3)(b)": "Administrative arrangements between public bodies",
    "Art.46(4)": "Consistency mechanism for authorisations",
    "Art.46(5)": "Earlier authorisations remain valid",
    "Art.47(1)": "Approval conditions for BCRs",
    "Art.47(1)(a)": "Binding on every group member",
    "Art.47(1)(b)": "Enforceable rights for data subjects",
    "Art.47(1)(c)": "Meet the content of paragraph 2",
    "Art.47(2)": "Minimum content of BCRs",
    "Art.47(2)(a)": "Group structure and contacts",
    "Art.47(2)(b)": "Transfers covered",
    "Art.47(2)(c)": "Binding nature",
    "Art.47(2)(d)": "Application of data protection principles",
    "Art.47(2)(e)": "Data subject rights and redress",
    "Art.47(2)(f)": "Liability of the EU establishment",
    "Art.47(2)(g)": "Informing data subjects about the BCRs",
    "Art.47(2)(h)": "Tasks of the DPO or compliance monitor",
    "Art.47(2)(i)": "Complaint procedures",
    "Art.47(2)(j)": "Verification of compliance in the group",
    "Art.47(2)(k)": "Recording and reporting rule changes",
    "Art.47(2)(l)": "Cooperation with the authority",
    "Art.47(2)(m)": "Reporting conflicting third-country laws",
    "Art.47(2)(n)": "Data protection training",
    "Art.47(3)": "Commission rules on information exchange",
    "Art.49(1)": "Transfer derogations without adequacy or safeguards",
    "Art.49(1)(a)": "Explicit consent to the transfer",
    "Art.49(1)(b)": "Contract with the data subject",
    "Art.49(1)(c)": "Contract in the data subject's interest",
    "Art.49(1)(d)": "Important public interest",
    "Art.49(1)(e)": "Legal claims",
    "Art.49(1)(f)": "Vital interests",
    "Art.49(1)(g)": "Transfer from a public register",
    "Art.49(2)": "Limits on register transfers",
    "Art.49(3)": "Public authorities excluded from some derogations",
    "Art.49(4)": "Public interest recognised in law",
    "Art.49(5)": "National limits on transferring some data categories",
    "Art.49(6)": "Document assessment and safeguards",
}

# DPV concepts whose code names a provision other than the one they denote.
DPV_MISNUMBERED: dict[str, str] = {
    "A49-2": (
        "denotes the compelling-legitimate-interests derogation, which is the second subparagraph of "
        "Art.49(1), not Art.49(2) (limits on transfers from registers); not linked"
    ),
}

PARAGRAPH_ID = re.compile(r"^(\d+)\.(\d+)$")
POINT_ID = re.compile(r"^(\d+)\.(\d+)\.([a-z])$")
ARTICLE_POINT_ID = re.compile(r"^(\d+)\.([a-z])$")  # points of an unnumbered paragraph (Art.50)
DPV_PROVISION = re.compile(r"^A(\d+)(?:-(\d+))?(?:-([a-z]))?$")


@dataclass(frozen=True)
class LogEntry:
    source_file: str
    source_row: str
    value: str
    action: str  # "rejected" or "repaired"
    reason: str


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


def reference_dir() -> Path:
    configured = os.environ.get("CONTROLGRAPH_REFERENCE")
    return Path(configured) if configured else REPO.parent / "shared" / "reference"


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


def dpv_links(
    rows: Iterable[dict[str, str]], notations: set[str]
) -> tuple[dict[str, list[str]], list[LogEntry]]:
    """skos:closeMatch targets per notation, from DPV concepts whose code denotes a provision."""
    links: dict[str, list[str]] = {}
    log: list[LogEntry] = []
    for row_number, row in enumerate(rows, start=2):  # row 1 is the header
        term = row["term"]
        if not re.match(r"^A\d", term):
            continue  # not named after an article: principles, breaches, justifications...
        reason = dpv_rejection(term, notations)
        if reason:
            log.append(LogEntry(DPV_CSV, str(row_number), term, "rejected", reason))
            continue
        links.setdefault(dpv_notation(term), []).append(row["iri"])
    return links, log


def dpv_notation(term: str) -> str:
    match = DPV_PROVISION.match(term)
    if match is None:
        raise ValueError(f"DPV term {term!r} does not name a provision")
    return Provision(int(match[1]), int(match[2]) if match[2] else None, match[3]).notation


def dpv_rejection(term: str, notations: set[str]) -> str:
    """Why a DPV concept named after an article is not linked, or '' when it is."""
    if term in DPV_MISNUMBERED:
        return DPV_MISNUMBERED[term]
    if DPV_PROVISION.match(term) is None:
        return "derived concept (impact, denial or narrower variant), not the provision itself"
    notation = dpv_notation(term)
    if notation not in notations:
        return f"{notation} does not exist in the OJ numbering (the concept splits its parent); not linked"
    return ""


def with_close_matches(records: Sequence[ControlRecord], links: dict[str, list[str]]) -> list[ControlRecord]:
    out = []
    for record in records:
        matches = sorted(links.get(record.notation, []))
        out.append(replace(record, close_matches=tuple(matches)) if matches else record)
    return out


def write_datalog(path: Path, entries: Sequence[LogEntry]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["source_file", "source_row", "value", "action", "reason"])
        for e in entries:
            writer.writerow([e.source_file, e.source_row, e.value, e.action, e.reason])


def main() -> None:
    reference = reference_dir()
    outline = yaml.safe_load((reference / GDPR_YAML).read_text(encoding="utf-8"))
    reader = OutlineReader(outline["objects"]["framework"]["requirement_nodes"])
    records = reader.read()
    check_structure(records)
    with (reference / DPV_CSV).open(encoding="utf-8", newline="") as handle:
        links, dpv_log = dpv_links(csv.DictReader(handle), {r.notation for r in records})
    records = with_semantics(with_close_matches(records, links))
    meta = FrameworkMeta(
        slug=SLUG,
        title="Regulation (EU) 2016/679 (General Data Protection Regulation)",
        provenance=PROVENANCE,
        description=DESCRIPTION,
        parent_is_union_of_children=True,
        not_shipped=NOT_SHIPPED,
    )
    header = (
        "Regulation (EU) 2016/679 (GDPR): chapters, sections, articles, paragraphs and points.",
        "Generated by scripts/generate_gdpr.py from public reference files; do not edit by hand.",
        "Identifiers, official headings and hierarchy only; labels of paragraphs and points are our own.",
    )
    write_text(OUTPUT, catalog_turtle(meta, records, header))
    write_datalog(DATALOG, [*reader.log, *dpv_log])
    counts: dict[str, int] = {}
    for record in records:
        counts[record.kind] = counts.get(record.kind, 0) + 1
    linked = sum(1 for r in records if r.close_matches)
    print(f"{OUTPUT.relative_to(REPO)}: {counts}, {linked} items with DPV links")
    print(f"{DATALOG.relative_to(REPO)}: {len(reader.log) + len(dpv_log)} rows")


if __name__ == "__main__":
    main()
