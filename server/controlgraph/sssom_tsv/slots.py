"""The SSSOM slots, prefixes and extension slots controlgraph reads and writes, in one place.

Both directions use these tables, so what :mod:`.writing` exports is exactly what :mod:`.reading`
takes back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from controlgraph.vocabulary import (
    CG,
    DCTERMS,
    MAPPING_SET,
    OWL,
    PROV,
    RDF,
    RDFS,
    SEMAPV,
    SKOS,
    SSSOM,
    XSD,
    Relation,
)

PAV = "http://purl.org/pav/"
LINKML = "https://w3id.org/linkml/"

# Prefixes every SSSOM file may use without declaring them (the SSSOM built-in prefixes).
BUILTIN_PREFIXES: dict[str, str] = {
    "sssom": SSSOM,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "semapv": SEMAPV,
    "xsd": XSD,
    "dcterms": DCTERMS,
    "pav": PAV,
    "prov": PROV,
    "linkml": LINKML,
}

# SSSOM requires an IRI for the licence; a set whose licence is a statement of terms exports
# ``<set IRI>#licence`` as that IRI and the statement itself in the licence_statement slot.
LICENCE_FRAGMENT = "#licence"

PREDICATE_RELATION: dict[str, Relation] = {
    SKOS + "exactMatch": Relation.EQUAL,
    SKOS + "broadMatch": Relation.SUBSET_OF,
    SKOS + "narrowMatch": Relation.SUPERSET_OF,
    SKOS + "relatedMatch": Relation.INTERSECTS_WITH,
    SKOS + "closeMatch": Relation.INTERSECTS_WITH,
    **{rel.iri: rel for rel in Relation},
}
# SKOS predicates that say two concepts overlap without saying how: read as a defaulted intersects-with.
OVERLAP_ONLY = frozenset({SKOS + "relatedMatch", SKOS + "closeMatch"})
# How each relation is written: (predicate_id, predicate_modifier). "Not related" is the SSSOM
# negation of skos:relatedMatch; the exact relation also travels in the ir8477_relation slot.
RELATION_PREDICATE: dict[Relation, tuple[str, str]] = {
    Relation.EQUAL: ("skos:exactMatch", ""),
    Relation.SUBSET_OF: ("skos:broadMatch", ""),
    Relation.SUPERSET_OF: ("skos:narrowMatch", ""),
    Relation.INTERSECTS_WITH: ("skos:relatedMatch", ""),
    Relation.NOT_RELATED: ("skos:relatedMatch", "Not"),
}
ALLOWED_PREDICATES = ("skos:exactMatch, skos:broadMatch, skos:narrowMatch, skos:closeMatch, skos:relatedMatch "
                      "or a cg: relation")


@dataclass(frozen=True)
class ExtensionSlot:
    """A non-standard SSSOM slot: recognised in a file by its property, written under ``name``."""

    name: str
    property: str  # full IRI
    type_hint: str  # CURIE
    on_set: bool = False


EXT_RELATION = ExtensionSlot("ir8477_relation", CG + "relation", "linkml:Uriorcurie")
EXT_RATIONALE = ExtensionSlot("rationale", CG + "rationale", "linkml:Uriorcurie")
EXT_STRENGTH = ExtensionSlot("strength", CG + "strength", "xsd:integer")
EXT_RELATION_SOURCE = ExtensionSlot("relation_source", CG + "relationSource", "xsd:string")
EXT_AUTHORITY = ExtensionSlot("authority", CG + "authority", "linkml:Uriorcurie", on_set=True)
EXT_LICENCE_STATEMENT = ExtensionSlot("licence_statement", DCTERMS + "rights", "xsd:string", on_set=True)
EXTENSIONS = (EXT_RELATION, EXT_RATIONALE, EXT_STRENGTH, EXT_RELATION_SOURCE, EXT_AUTHORITY, EXT_LICENCE_STATEMENT)
MAPPING_EXTENSIONS = tuple(e for e in EXTENSIONS if not e.on_set)

# Cover-set statements ("X is covered by the union of Y1..Yn", cg:CoverSet) travel as the rows X -> Yi
# sharing the statement's IRI in ``cover_set``; the statement's own confidence and comment ride on each
# of its rows. A member with no pairwise mapping of its own gets a row whose relation_source is
# COVER_SET_ONLY (predicate skos:relatedMatch for plain readers): it carries the member, no mapping.
# Written (and declared) only by files holding cover sets.
EXT_COVER_SET = ExtensionSlot("cover_set", CG + "coverSet", "linkml:Uriorcurie")
EXT_COVER_SET_CONFIDENCE = ExtensionSlot("cover_set_confidence", CG + "coverSetConfidence", "xsd:double")
EXT_COVER_SET_COMMENT = ExtensionSlot("cover_set_comment", CG + "coverSetComment", "xsd:string")
COVER_EXTENSIONS = (EXT_COVER_SET, EXT_COVER_SET_CONFIDENCE, EXT_COVER_SET_COMMENT)
# Whose obligation each end is (27017 customer/provider/shared, CCM ownership when imported): written by
# crosswalk exports as information about the two controls; not read back (the catalogs hold it).
EXT_SUBJECT_RESPONSIBILITY = ExtensionSlot("subject_responsibility", CG + "subjectResponsibility", "xsd:string")
EXT_OBJECT_RESPONSIBILITY = ExtensionSlot("object_responsibility", CG + "objectResponsibility", "xsd:string")
OPTIONAL_EXTENSIONS = (*COVER_EXTENSIONS, EXT_SUBJECT_RESPONSIBILITY, EXT_OBJECT_RESPONSIBILITY)
COVER_SET_ONLY = "cover-set"
COVER_SET_ONLY_JUSTIFICATION = SEMAPV + "UnspecifiedMatching"


@dataclass(frozen=True)
class CarriedSlot:
    """A standard SSSOM mapping slot kept as it is, under the property the SSSOM schema gives it."""

    name: str
    property: str
    kind: str  # "iri" (written as a CURIE), "url" (written in full: the slot's range is a URI), "text", "date"
    multivalued: bool = True


CARRIED_SLOTS = (
    CarriedSlot("author_id", PAV + "authoredBy", "iri"),
    CarriedSlot("author_label", SSSOM + "author_label", "text"),
    CarriedSlot("reviewer_id", SSSOM + "reviewer_id", "iri"),
    CarriedSlot("reviewer_label", SSSOM + "reviewer_label", "text"),
    CarriedSlot("creator_id", DCTERMS + "creator", "iri"),
    CarriedSlot("creator_label", SSSOM + "creator_label", "text"),
    CarriedSlot("mapping_date", DCTERMS + "created", "date", multivalued=False),
    CarriedSlot("see_also", RDFS + "seeAlso", "url"),
    # The set a mapping was first published in, when a file gathers mappings of several sets (a crosswalk).
    CarriedSlot("mapping_source", SSSOM + "mapping_source", "iri", multivalued=False),
)
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
MULTIVALUE_SEPARATOR = "|"

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://")


class PrefixMap:
    """CURIE expansion and contraction, the SSSOM built-ins behind a file's ``curie_map``."""

    def __init__(self, declared: dict[str, str]) -> None:
        self.declared = dict(declared)
        self.prefixes = {**BUILTIN_PREFIXES, **declared}

    def expand(self, text: str) -> str | None:
        """The IRI a CURIE (or an absolute IRI) stands for; None when its prefix is not declared."""
        if _SCHEME.match(text):
            return text
        prefix, sep, local = text.partition(":")
        if not sep or prefix not in self.prefixes:
            return None
        return self.prefixes[prefix] + local

    def contract(self, iri: str) -> str:
        """The CURIE of ``iri`` under the longest matching namespace, or the IRI itself."""
        matches = [p for p, ns in self.prefixes.items() if iri.startswith(ns) and len(iri) > len(ns)]
        if not matches:
            return iri
        best = max(matches, key=lambda p: len(self.prefixes[p]))
        return f"{best}:{iri[len(self.prefixes[best]):]}"


def import_graph_name(mapping_set_id: str) -> str:
    """``sssom-<slug>``: the local name of an imported set's graph and node, from its mapping_set_id.

    A set of ours keeps its set id as the slug, and a set already imported keeps its name, so
    exporting an imported set and importing the file again lands on the same graph.
    """
    if mapping_set_id.startswith(MAPPING_SET):
        slug = mapping_set_id[len(MAPPING_SET):]
    else:
        slug = _SCHEME.sub("", mapping_set_id)
    slug = re.sub(r"[^a-z0-9.\-]+", "-", slug.lower()).strip("-.")
    if not slug:
        raise ValueError(f"mapping_set_id {mapping_set_id!r} yields no usable name")
    return slug if slug.startswith("sssom-") else f"sssom-{slug}"
