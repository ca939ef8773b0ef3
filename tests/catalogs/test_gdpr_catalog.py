"""The shipped GDPR catalog (mappings/gdpr.ttl) against the public reference files.

The catalog is read with rdflib, independently of the generator, and compared with intuitem's GDPR
outline (ciso-assistant/gdpr.yaml), the W3C DPV GDPR extension and the Regulation's official
structure as published in the OJ (restated below).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, SKOS

CG = Namespace("https://w3id.org/controlgraph/ontology#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FRAMEWORK = URIRef("https://w3id.org/controlgraph/id/framework/gdpr")
ARTICLE_ELI = "https://eur-lex.europa.eu/eli/reg/2016/679/art_{}/oj"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI")

# Official structure of Regulation (EU) 2016/679 (OJ L 119, 4.5.2016): article ranges per chapter and section.
CHAPTER_ARTICLES = {
    "Ch.I": (1, 4), "Ch.II": (5, 11), "Ch.III": (12, 23), "Ch.IV": (24, 43), "Ch.V": (44, 50),
    "Ch.VI": (51, 59), "Ch.VII": (60, 76), "Ch.VIII": (77, 84), "Ch.IX": (85, 91), "Ch.X": (92, 93),
    "Ch.XI": (94, 99),
}
SECTION_ARTICLES = {
    "Ch.III.Sec.1": (12, 12), "Ch.III.Sec.2": (13, 15), "Ch.III.Sec.3": (16, 20), "Ch.III.Sec.4": (21, 22),
    "Ch.III.Sec.5": (23, 23), "Ch.IV.Sec.1": (24, 31), "Ch.IV.Sec.2": (32, 34), "Ch.IV.Sec.3": (35, 36),
    "Ch.IV.Sec.4": (37, 39), "Ch.IV.Sec.5": (40, 43), "Ch.VI.Sec.1": (51, 54), "Ch.VI.Sec.2": (55, 59),
    "Ch.VII.Sec.1": (60, 62), "Ch.VII.Sec.2": (63, 67), "Ch.VII.Sec.3": (68, 76),
}
# Where the source outline is known to differ from the OJ (each logged in mappings/datalog/gdpr.csv).
SOURCE_MISPLACED_ARTICLES = {"Art.39": "Ch.IV"}  # the outline puts Art.39 outside Section 4

PARAGRAPH = re.compile(r"^Art\.(\d+)\((\d+)\)$")
POINT = re.compile(r"^Art\.(\d+)(?:\((\d+)\))?\(([a-z])\)$")
DPV_PROVISION = re.compile(r"^A(\d+)(?:-(\d+))?(?:-([a-z]))?$")
COPY_WINDOW = 5  # no run of this many words of a project label may appear in the source's text


@dataclass(frozen=True)
class Item:
    notation: str
    label: str
    kind: str
    parent: str | None
    title_origin: str
    address: str
    close_matches: frozenset[str]


@dataclass(frozen=True)
class Outline:
    chapters: dict[str, str]  # notation -> heading
    sections: dict[str, str]
    articles: dict[str, str]
    article_parent: dict[str, str]  # article notation -> notation of its parent in the outline
    provisions: set[str]  # paragraph and point notations as the outline's ref_ids give them
    texts: list[str]  # every text of paragraphs, points and recitals (never shipped)


def _one(graph: Graph, subject: URIRef, predicate: URIRef) -> str | None:
    values = list(graph.objects(subject, predicate))
    assert len(values) <= 1, f"{subject} has {len(values)} values for {predicate}"
    return str(values[0]) if values else None


@pytest.fixture(scope="module")
def graph(mappings_dir: Path) -> Graph:
    g = Graph()
    g.parse(mappings_dir / "frameworks" / "gdpr.ttl", format="turtle")
    return g


@pytest.fixture(scope="module")
def catalog(graph: Graph) -> dict[str, Item]:
    notation_of = {
        s: str(n) for s in graph.subjects(SKOS.inScheme, FRAMEWORK) for n in graph.objects(s, SKOS.notation)
    }
    items = {}
    for subject, notation in notation_of.items():
        assert isinstance(subject, URIRef)
        broader = _one(graph, subject, SKOS.broader)
        items[notation] = Item(
            notation=notation,
            label=_one(graph, subject, SKOS.prefLabel) or "",
            kind=_one(graph, subject, CG.kind) or "",
            parent=notation_of[URIRef(broader)] if broader else None,
            title_origin=_one(graph, subject, CG.titleOrigin) or "official",
            address=_one(graph, subject, CG.address) or "",
            close_matches=frozenset(str(o) for o in graph.objects(subject, SKOS.closeMatch)),
        )
    return items


def _provision_notation(ref_id: str) -> str:
    parts = ref_id.split(".")
    return f"Art.{parts[0]}" + "".join(f"({p})" for p in parts[1:])


@pytest.fixture(scope="module")
def outline(reference_dir: Path) -> Outline:
    data = yaml.safe_load((reference_dir / "ciso-assistant" / "gdpr.yaml").read_text(encoding="utf-8"))
    nodes = data["objects"]["framework"]["requirement_nodes"]
    notation_of_urn: dict[str, str] = {}
    result = Outline({}, {}, {}, {}, set(), [])
    for node in nodes:
        ref_id = str(node.get("ref_id") or "")
        heading = " ".join(str(node.get("description", "")).split())
        parent = notation_of_urn.get(str(node.get("parent_urn")))
        if ref_id.startswith("CHAPTER "):
            notation = "Ch." + ref_id.split()[1]
            result.chapters[notation] = heading
        elif str(node.get("name") or "").startswith("Section "):
            notation = f"{parent}.Sec.{str(node['name']).split()[1]}"
            result.sections[notation] = heading
        elif ref_id.startswith("Article "):
            notation = "Art." + ref_id.split()[1]
            result.articles[notation] = heading
            result.article_parent[notation] = parent or ""
        else:
            if re.fullmatch(r"\d+\.(\d+|[a-z])(\.[a-z])?", ref_id):
                result.provisions.add(_provision_notation(ref_id))
            result.texts.append(heading)
            continue
        notation_of_urn[str(node["urn"])] = notation
    return result


def _official_parent(article: int) -> str:
    for table in (SECTION_ARTICLES, CHAPTER_ARTICLES):
        for notation, (first, last) in table.items():
            if first <= article <= last:
                return notation
    raise AssertionError(f"no chapter for article {article}")


def _of_kind(catalog: dict[str, Item], kind: str) -> dict[str, Item]:
    return {n: i for n, i in catalog.items() if i.kind == kind}


def test_provenance_is_complete(graph: Graph) -> None:
    for predicate in (DCTERMS.publisher, DCTERMS.source, OWL.versionInfo, DCTERMS.issued, DCTERMS.license):
        assert _one(graph, FRAMEWORK, predicate), f"framework lacks {predicate}"
    assert _one(graph, FRAMEWORK, DCTERMS.source) == "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
    assert _one(graph, FRAMEWORK, DCTERMS.issued) == "2016-04-27"
    assert _one(graph, FRAMEWORK, CG.parentIsUnionOfChildren) == "true"


def test_dpv_links_carry_their_provenance(graph: Graph, dpv: Graph) -> None:
    """Issue 17 item 4: the skos:closeMatch links name their source, version and W3C licence."""
    sources = list(graph.objects(FRAMEWORK, CG.linkSource))
    assert [str(s) for s in sources] == ["https://w3id.org/dpv/legal/eu/gdpr"]
    source = sources[0]
    assert _one(graph, source, CG.linkProperty) == str(SKOS.closeMatch)
    for predicate in (DCTERMS.publisher, DCTERMS.source, OWL.versionInfo, DCTERMS.issued, DCTERMS.license):
        assert _one(graph, source, predicate), f"DPV link source lacks {predicate}"
    # The facts agree with the DPV file's own metadata.
    ontology = URIRef("https://w3id.org/dpv/legal/eu/gdpr")
    assert str(dpv.value(ontology, OWL.versionInfo)) in str(_one(graph, source, OWL.versionInfo))
    assert _one(graph, source, DCTERMS.license) == str(dpv.value(ontology, URIRef(str(DCTERMS) + "license")))
    assert "w3.org" in str(_one(graph, source, DCTERMS.license))
    linked = [o for o in graph.objects(None, SKOS.closeMatch)]
    assert linked and all(str(o).startswith(str(source) + "#") for o in linked)


def test_eleven_chapters_with_official_headings(catalog: dict[str, Item], outline: Outline) -> None:
    chapters = _of_kind(catalog, "chapter")
    assert sorted(chapters) == sorted(f"Ch.{r}" for r in ROMAN)
    wrong = {n: i.label for n, i in chapters.items() if i.label != outline.chapters.get(n)}
    assert not wrong, f"chapter headings differ from the reference: {wrong}"
    assert all(i.parent is None for i in chapters.values())


def test_sections_match_the_official_structure(catalog: dict[str, Item], outline: Outline) -> None:
    sections = _of_kind(catalog, "section")
    assert set(sections) == set(SECTION_ARTICLES) == set(outline.sections)
    wrong = [
        n for n, i in sections.items() if (i.label, i.parent) != (outline.sections[n], n.split(".Sec")[0])
    ]
    assert not wrong, f"sections with a wrong heading or chapter: {wrong}"


def test_ninety_nine_articles_with_official_titles(catalog: dict[str, Item], outline: Outline) -> None:
    articles = _of_kind(catalog, "article")
    assert sorted(articles) == sorted(f"Art.{n}" for n in range(1, 100))
    wrong = {n: (i.label, outline.articles[n]) for n, i in articles.items() if i.label != outline.articles[n]}
    assert not wrong, f"article titles differ from the reference: {wrong}"
    assert catalog["Art.32"].label == "Security of processing"


def test_each_article_is_under_its_chapter_or_section(catalog: dict[str, Item], outline: Outline) -> None:
    articles = _of_kind(catalog, "article")
    misplaced = {n: i.parent for n, i in articles.items() if i.parent != _official_parent(int(n[4:]))}
    assert not misplaced, f"articles under the wrong chapter or section: {misplaced}"
    # The outline agrees with the OJ except where a repair is logged.
    disagreements = {
        n: p for n, p in outline.article_parent.items() if p != _official_parent(int(n[4:]))
    }
    assert disagreements == SOURCE_MISPLACED_ARTICLES


def test_paragraph_and_point_ids_and_parent_chains(catalog: dict[str, Item]) -> None:
    bad = []
    for notation, item in catalog.items():
        if item.kind == "paragraph":
            match = PARAGRAPH.match(notation)
            if not match or item.parent != f"Art.{match[1]}" or match[1] == "4":
                bad.append(notation)
        elif item.kind == "point":
            paragraph = PARAGRAPH.match(notation)
            point = POINT.match(notation)
            if paragraph and paragraph[1] == "4":  # the definitions of Art.4 are points (1)-(26)
                ok = item.parent == "Art.4"
            elif point:
                ok = item.parent == notation[: notation.rindex("(")]
            else:
                ok = False
            if not ok:
                bad.append(notation)
    assert not bad, f"malformed identifiers or wrong parents: {bad}"
    # Every chain ends at a chapter.
    for notation in catalog:
        seen = [notation]
        while catalog[seen[-1]].parent is not None:
            seen.append(catalog[seen[-1]].parent or "")
            assert len(seen) < 6, f"parent chain too long or cyclic: {seen}"
        assert catalog[seen[-1]].kind == "chapter", f"{notation} does not end at a chapter: {seen}"


def test_numbering_has_no_gaps(catalog: dict[str, Item]) -> None:
    children: dict[str, list[str]] = {}
    for item in catalog.values():
        if item.kind in ("paragraph", "point") and item.parent:
            children.setdefault(item.parent, []).append(item.notation[len(item.parent):].strip("()"))
    gaps = {}
    for parent, numbers in children.items():
        if numbers[0].isdigit():
            expected = [str(n) for n in range(1, len(numbers) + 1)]
            actual = sorted(numbers, key=int)
        else:
            expected = [chr(ord("a") + i) for i in range(len(numbers))]
            actual = sorted(numbers)
        if actual != expected:
            gaps[parent] = actual
    assert not gaps, f"numbering gaps: {gaps}"


def test_every_numbered_provision_of_the_reference_is_present(
    catalog: dict[str, Item], outline: Outline
) -> None:
    shipped = {n for n, i in catalog.items() if i.kind in ("paragraph", "point")}
    assert shipped == outline.provisions, (
        f"missing: {sorted(outline.provisions - shipped)}; extra: {sorted(shipped - outline.provisions)}"
    )
    assert {"Art.32(1)(a)", "Art.32(1)(b)", "Art.32(1)(c)", "Art.32(1)(d)"} <= shipped
    assert "Art.32(1)(e)" not in shipped
    assert {"Art.72(2)", "Art.73(2)"} <= shipped  # swapped identifiers in the source, repaired
    assert catalog["Art.6(4)"].parent == "Art.6"  # nested under 6(3) in the source, repaired


def test_no_recitals_shipped(catalog: dict[str, Item]) -> None:
    assert not [n for n in catalog if "recital" in n.lower() or "preamb" in n.lower()]


def test_addresses_are_eur_lex_eli(catalog: dict[str, Item]) -> None:
    wrong = []
    for notation, item in catalog.items():
        article = re.match(r"^Art\.(\d+)", notation)
        expected = ARTICLE_ELI.format(article[1]) if article else "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
        if item.address != expected:
            wrong.append(notation)
    assert not wrong, f"wrong ELI addresses: {wrong}"


def test_labels_of_paragraphs_and_points_are_the_projects_own(catalog: dict[str, Item]) -> None:
    provisions = [i for i in catalog.values() if i.kind in ("paragraph", "point")]
    assert all(i.title_origin == "project" for i in provisions)
    assert all(i.title_origin == "official" for i in catalog.values() if i.kind not in ("paragraph", "point"))
    long_labels = [i.notation for i in provisions if len(i.label.split()) > 8]
    assert not long_labels, f"labels longer than a few words: {long_labels}"
    central = ("Art.32(1)(a)", "Art.33(1)", "Art.28(3)(a)")
    neutral = [n for n in central if catalog[n].label.startswith("Article")]
    assert not neutral, f"provisions central to security work lack a meaningful label: {neutral}"


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower().replace("’", "'"))


def test_no_source_text_is_copied(catalog: dict[str, Item], outline: Outline, graph: Graph) -> None:
    source = " " + " ".join(" ".join(_words(t)) for t in outline.texts) + " "
    copied = []
    for item in catalog.values():
        if item.title_origin != "project":
            continue
        words = _words(item.label)
        for start in range(len(words) - COPY_WINDOW + 1):
            if " " + " ".join(words[start : start + COPY_WINDOW]) + " " in source:
                copied.append(item.notation)
                break
    assert not copied, f"labels copying {COPY_WINDOW}+ words of the source text: {copied}"
    # No literal anywhere in the file reproduces a sentence of a paragraph, point or recital.
    long_texts = {" ".join(_words(t)) for t in outline.texts if len(_words(t)) >= 12}
    literals = [" ".join(_words(str(o))) for o in graph.objects() if isinstance(o, Literal)]
    leaked = [text[:60] for text in long_texts if any(text in literal for literal in literals)]
    assert not leaked, f"source text found in the catalog: {leaked}"


@pytest.fixture(scope="module")
def dpv(reference_dir: Path) -> Graph:
    g = Graph()
    g.parse(reference_dir / "w3c-dpv" / "eu-gdpr-2.2.ttl", format="turtle")
    return g


def _dpv_notation(term: str) -> str | None:
    match = DPV_PROVISION.match(term)
    if match is None:
        return None
    return f"Art.{match[1]}" + (f"({match[2]})" if match[2] else "") + (f"({match[3]})" if match[3] else "")


def test_dpv_links_exist_and_denote_the_provision(catalog: dict[str, Item], dpv: Graph) -> None:
    namespace = "https://w3id.org/dpv/legal/eu/gdpr#"
    dpv_subjects = {str(s) for s in dpv.subjects()}
    wrong = []
    for item in catalog.values():
        for iri in item.close_matches:
            term = iri.removeprefix(namespace)
            known = iri in dpv_subjects and iri.startswith(namespace)
            if not known or _dpv_notation(term) != item.notation:
                wrong.append((item.notation, iri))
    assert not wrong, f"DPV links to unknown concepts or to concepts of another provision: {wrong}"
    linked = {iri for item in catalog.values() for iri in item.close_matches}
    assert "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a" in catalog["Art.6(1)(a)"].close_matches
    assert "https://w3id.org/dpv/legal/eu/gdpr#A13" in catalog["Art.13"].close_matches
    # A49-2 is DPV's compelling-legitimate-interests derogation: Art.49(1) second subparagraph.
    assert "https://w3id.org/dpv/legal/eu/gdpr#A49-2" not in linked
    # Every other DPV concept coded as an existing provision is linked.
    expected = {
        iri
        for iri in dpv_subjects
        if iri.startswith(namespace)
        and (n := _dpv_notation(iri.removeprefix(namespace))) in catalog
        and n != "Art.49(2)"
    }
    assert linked == expected, f"missing: {sorted(expected - linked)}; extra: {sorted(linked - expected)}"


def test_no_owl_same_as(graph: Graph) -> None:
    assert not list(graph.triples((None, OWL.sameAs, None)))


def test_hierarchy_kinds_where_parents_are_not_the_union_of_their_children(graph: Graph) -> None:
    kinds = {str(graph.value(s, SKOS.notation)): str(o).rsplit("#", 1)[-1]
             for s, o in graph.subject_objects(CG.hierarchy)}
    # Opening words add requirements (32(1) lists its measures "inter alia"); the others are either-or lists.
    assert kinds == {"Art.28(3)": "OwnRequirements", "Art.32(1)": "OwnRequirements",
                     **dict.fromkeys(("Art.6(1)", "Art.9(2)", "Art.17(1)", "Art.34(3)", "Art.46(2)", "Art.49(1)"),
                                     "AnyChild")}
    for notation in kinds:
        item = next(graph.subjects(SKOS.notation, Literal(notation)))
        assert any(graph.subjects(SKOS.broader, item)), f"{notation} has no children"


def test_addressees_leave_authorities_and_final_provisions_out(graph: Graph) -> None:
    applies = {str(graph.value(s, SKOS.notation)): set() for s in graph.subjects(CG.appliesTo, None)}
    for s, o in graph.subject_objects(CG.appliesTo):
        applies[str(graph.value(s, SKOS.notation))].add(str(o))
    organisations = {"controller", "processor"}
    assert all(not applies[f"Ch.{r}"] & organisations for r in ("I", "VI", "VII", "X", "XI"))
    assert all(applies[f"Ch.{r}"] == organisations for r in ("IV", "V", "VIII", "IX"))
    assert applies["Ch.II"] == applies["Ch.III"] == applies["Art.33(1)"] == {"controller"}
    assert applies["Art.30(2)"] == applies["Art.33(2)"] == {"processor"}
