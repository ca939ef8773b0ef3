"""IRIs of the controlgraph ontology and of the data it describes.

Every stable identifier the project mints is built here, so the CLI, the web layer,
the importers and the catalog generators all agree on one IRI per thing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import quote, unquote

CG = "https://w3id.org/controlgraph/ontology#"
ID = "https://w3id.org/controlgraph/id/"
FRAMEWORK = ID + "framework/"
CONTROL = ID + "control/"
MAPPING_SET = ID + "mapping-set/"
MAPPING = ID + "mapping/"
GRAPH = ID + "graph/"
INFERRED_GRAPH = GRAPH + "inferred"
ONTOLOGY_GRAPH = GRAPH + "ontology"
TENANT_GRAPH = GRAPH + "tenant/"
IMPORT_GRAPH = GRAPH + "import/"

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES: dict[str, str] = {
    "cg": CG,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "prov": PROV,
    "sssom": SSSOM,
    "semapv": SEMAPV,
    "fw": FRAMEWORK,
    "ms": MAPPING_SET,
}


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace in PREFIXES, for SPARQL text."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


class Relation(Enum):
    """The five NIST IR 8477 set-theory relations; values are the CLI/API slugs."""

    EQUAL = "equal"
    SUBSET_OF = "subset-of"
    SUPERSET_OF = "superset-of"
    INTERSECTS_WITH = "intersects-with"
    NOT_RELATED = "not-related"

    @property
    def iri(self) -> str:
        return CG + _RELATION_LOCAL[self]

    @property
    def inverse(self) -> Relation:
        return _RELATION_INVERSE[self]

    @classmethod
    def from_iri(cls, iri: str) -> Relation:
        try:
            return _RELATION_BY_IRI[iri]
        except KeyError:
            raise ValueError(f"not a mapping relation: <{iri}>") from None

    @classmethod
    def parse(cls, text: str) -> Relation:
        """Accept the slug, the ontology local name, or the full IRI."""
        key = text.strip()
        for rel in cls:
            if key in (rel.value, _RELATION_LOCAL[rel], rel.iri):
                return rel
        allowed = ", ".join(r.value for r in cls)
        raise ValueError(f"unknown relation {text!r}; expected one of {allowed}")


_RELATION_LOCAL = {
    Relation.EQUAL: "equal",
    Relation.SUBSET_OF: "subsetOf",
    Relation.SUPERSET_OF: "supersetOf",
    Relation.INTERSECTS_WITH: "intersectsWith",
    Relation.NOT_RELATED: "notRelated",
}
_RELATION_INVERSE = {
    Relation.EQUAL: Relation.EQUAL,
    Relation.SUBSET_OF: Relation.SUPERSET_OF,
    Relation.SUPERSET_OF: Relation.SUBSET_OF,
    Relation.INTERSECTS_WITH: Relation.INTERSECTS_WITH,
    Relation.NOT_RELATED: Relation.NOT_RELATED,
}
_RELATION_BY_IRI = {CG + local: rel for rel, local in _RELATION_LOCAL.items()}
RELATION_IRIS: frozenset[str] = frozenset(_RELATION_BY_IRI)
# The bare triples the build materialises beside mapping nodes: a relation, or cg:overlaps for a mapping
# that states no single relation (reasoning/materialise.py). Derived: stripped before content is compared.
DIRECT_PREDICATES: frozenset[str] = RELATION_IRIS | {CG + "overlaps"}


class Rationale(Enum):
    SYNTACTIC = "syntactic"
    SEMANTIC = "semantic"
    FUNCTIONAL = "functional"

    @property
    def iri(self) -> str:
        return CG + self.value.capitalize()


class Authority(Enum):
    OFFICIAL = "official"
    THIRD_PARTY = "third-party"
    PROJECT_CURATED = "project-curated"
    USER = "user"
    INFERRED = "inferred"  # only the set of mappings the composition engine derives

    @property
    def iri(self) -> str:
        return CG + "".join(part.capitalize() for part in self.value.split("-"))

    @classmethod
    def from_iri(cls, iri: str) -> Authority:
        for a in cls:
            if a.iri == iri:
                return a
        raise ValueError(f"not an authority: <{iri}>")


# Characters kept as they are in the notation part of a control IRI; everything
# else is percent-encoded so that any official identifier yields a valid IRI.
_IRI_SAFE = "._~()-&!$'*+,;=:@"
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")


def framework_iri(slug: str) -> str:
    if not _SLUG_RE.match(slug):
        raise ValueError(f"invalid framework slug {slug!r}")
    return FRAMEWORK + slug


def control_iri(slug: str, notation: str) -> str:
    if not notation.strip():
        raise ValueError(f"empty notation for a control of {slug!r}")
    return f"{CONTROL}{framework_iri(slug)[len(FRAMEWORK):]}/{quote(notation, safe=_IRI_SAFE)}"


def mapping_set_iri(set_id: str) -> str:
    if not _SLUG_RE.match(set_id):
        raise ValueError(f"invalid mapping set id {set_id!r}")
    return MAPPING_SET + set_id


def mapping_iri(set_id: str, subject: str, obj: str) -> str:
    """One mapping per (subject, object) pair within a set: the IRI is derived from both."""
    digest = hashlib.sha256(f"{subject}\n{obj}".encode()).hexdigest()[:16]
    return f"{MAPPING}{set_id}/{digest}"


def mapping_set_of(mapping: str) -> str:
    """The id of the set a mapping IRI was minted in (``mapping_iri``), or the IRI itself if not ours."""
    if not mapping.startswith(MAPPING):
        return mapping
    return mapping[len(MAPPING):].rsplit("/", 1)[0]


def graph_iri(dataset_id: str) -> str:
    return GRAPH + dataset_id


@dataclass(frozen=True)
class ControlRef:
    """A control named as ``slug:notation`` (e.g. ``nist-csf-2.0:PR.AA-01``)."""

    slug: str
    notation: str

    @property
    def iri(self) -> str:
        return control_iri(self.slug, self.notation)

    def __str__(self) -> str:
        return f"{self.slug}:{self.notation}"


def parse_control_ref(text: str) -> ControlRef:
    """Parse ``slug:notation`` or a full control IRI."""
    text = text.strip()
    if text.startswith(CONTROL):
        rest = text[len(CONTROL):]
        slug, sep, notation = rest.partition("/")
        if not sep or not notation:
            raise ValueError(f"not a control IRI: {text!r}")
        return ControlRef(slug, unquote(notation))
    slug, sep, notation = text.partition(":")
    if not sep or not notation or not _SLUG_RE.match(slug):
        raise ValueError(
            f"cannot read control reference {text!r}; write it as FRAMEWORK:ID, e.g. nist-csf-2.0:PR.AA-01"
        )
    return ControlRef(slug, notation)


def control_ref_from_iri(iri: str) -> ControlRef | None:
    if not iri.startswith(CONTROL):
        return None
    try:
        return parse_control_ref(iri)
    except ValueError:
        return None
