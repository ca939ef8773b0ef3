"""The fast conformance check agrees with pyshacl: it says "conforms" exactly when pyshacl reports nothing.

:func:`controlgraph.data.shape_check.certainly_conforms` lets a validation skip pyshacl. It must never say
"conforms" where pyshacl reports a result (that would hide a violation); and it should say so where
pyshacl reports nothing (else it saves nothing). Both directions are checked, whole-graph and limited to
focus nodes, on the build's bad-input corpus, on an edit breaking each constraint of the shapes, and on
seeded random edits of a slice of the shipped data.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from controlgraph.data.datasets import DatasetFile, data_file, shipped_datasets
from controlgraph.data.loader import load_files
from controlgraph.data.pyshacl_report import validate_with_pyshacl
from controlgraph.data.shape_check import certainly_conforms, compiled_shapes
from controlgraph.data.validation import ValidationReport, validate_triples
from controlgraph.vocabulary import CG, CONTROL, RDF, SH, SSSOM, XSD
from test_build_pipeline import BAD_INPUTS

REPO = Path(__file__).resolve().parent.parent
SLICE = ["nist-csf-2.0", "nist-csf-1.1", "iso27001-2022", "iso27001-2013", "nist-csf-2.0--iso27001-2022--olir"]
Triples = list[ox.Triple]


def _files() -> list[DatasetFile]:
    return [f for f in shipped_datasets(REPO) if f.role != "data" or f.dataset_id in SLICE]


@pytest.fixture(scope="module")
def base() -> tuple[Triples, Triples]:
    loaded = load_files(_files())
    shapes = [t for d in loaded.by_role("shapes") for t in d.triples]
    data = [t for d in loaded.datasets if d.source.role != "shapes" for t in d.triples]
    return data, shapes


def _agree(data: Triples, shapes: Triples, focus: set[str] | None = None) -> bool:
    """Assert both answers agree; return whether the data conform."""
    return not _agreed_report(data, shapes, focus).violations


def _agreed_report(data: Triples, shapes: Triples, focus: set[str] | None = None) -> ValidationReport:
    """pyshacl's report, once both answers were found to agree."""
    report = validate_with_pyshacl(data, shapes, focus=focus)
    clean = not report.violations
    assert certainly_conforms(data, shapes, focus=focus) == clean, (
        "fast check says conforms, pyshacl reports a result" if not clean else "fast check doubts clean data")
    return report


def test_the_shipped_shapes_are_understood(base: tuple[Triples, Triples]) -> None:
    compiled = compiled_shapes(base[1])
    assert compiled is not None
    assert sum(len(s.properties) for s in compiled.values()) > 40
    assert sum(len(s.sparql) for s in compiled.values()) == 4


def test_the_slice_conforms_for_both(base: tuple[Triples, Triples]) -> None:
    assert _agree(*base)


def test_the_whole_shipped_data_passes_the_fast_check() -> None:
    loaded = load_files(shipped_datasets(REPO))
    shapes = [t for d in loaded.by_role("shapes") for t in d.triples]
    data = [t for d in loaded.datasets if d.source.role != "shapes" for t in d.triples]
    assert certainly_conforms(data, shapes)  # pyshacl's verdict on it is the build's test (test_build_pipeline)


def test_unknown_shape_terms_turn_the_check_off(base: tuple[Triples, Triples]) -> None:
    data, shapes = base
    shape = next(t.subject for t in shapes if t.predicate.value == SH + "targetClass")
    closed = ox.Triple(shape, ox.NamedNode(SH + "closed"), ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")))
    odd = [*shapes, closed]
    assert compiled_shapes(odd) is None
    assert not certainly_conforms(data, odd)


@pytest.mark.parametrize("case", sorted(c for c in BAD_INPUTS if c != "malformed-turtle"))
def test_bad_input_corpus(case: str, base: tuple[Triples, Triples], tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD_INPUTS[case][0], encoding="utf-8")
    added = load_files([data_file(bad)]).datasets[0].triples
    data, shapes = base
    report = _agreed_report(data + added, shapes)  # one pyshacl run serves both comparisons
    assert report.violations
    assert validate_triples(data + added, shapes) == report


_N = ox.NamedNode


def _lit(value: str, datatype: str = XSD + "string", language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=_N(datatype))


# Values that break one constraint or another (wrong datatype, ill-typed, out of range, not in a list...).
ODD_VALUES = [
    _lit("11", XSD + "integer"), _lit("-1", XSD + "integer"), _lit("five", XSD + "integer"), _lit("3", XSD + "integer"),
    _lit("1.5", XSD + "double"), _lit("0.5", XSD + "double"), _lit("0.5", XSD + "decimal"), _lit("NaN", XSD + "double"),
    _lit("2024-02-30", XSD + "date"), _lit("2024-02-03", XSD + "date"), _lit("2024-02-03Z", XSD + "date"),
    _lit("Upper Case"), _lit("ok-slug"), _lit("official"), _lit("official", language="en"),
    _lit("true", XSD + "boolean"), _lit("yes", XSD + "boolean"),
    _N(CG + "equal"), _N(CG + "Semantic"), _N(CG + "Nonsense"), _N(CONTROL + "no/such"),
    ox.BlankNode("b0"),
]


def _random_edit(data: Triples, rng: random.Random) -> tuple[Triples, set[str]]:
    """``data`` with 1-3 random changes, and the subjects they touched."""
    out = list(data)
    touched: set[str] = set()
    nodes = sorted({t.subject.value for t in data if isinstance(t.subject, ox.NamedNode)})
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(out))
        t = out[i]
        kind = rng.choice(("delete", "odd-value", "retarget", "duplicate", "move"))
        if kind == "delete":
            out.pop(i)
        elif kind == "odd-value":
            out[i] = ox.Triple(t.subject, t.predicate, rng.choice(ODD_VALUES))
        elif kind == "retarget":
            out[i] = ox.Triple(t.subject, t.predicate, _N(rng.choice(nodes)))
        elif kind == "duplicate":
            out.append(ox.Triple(t.subject, t.predicate, rng.choice([*ODD_VALUES, rng.choice(data).object])))
        else:
            out[i] = ox.Triple(_N(rng.choice(nodes)), t.predicate, t.object)
            touched.add(out[i].subject.value)  # type: ignore[union-attr]
        if isinstance(t.subject, ox.NamedNode):
            touched.add(t.subject.value)
    return out, touched


def _mapping_edits(data: Triples, rng: random.Random) -> Triples:
    """A random change aimed at one mapping's constrained properties."""
    mappings = sorted({t.subject.value for t in data if t.predicate.value == CG + "relation"})
    node = _N(rng.choice(mappings))
    predicate = _N(rng.choice([CG + "strength", SSSOM + "confidence", CG + "relation", CG + "rationale",
                               CG + "mappingSubject", CG + "mappingObject", CG + "inMappingSet",
                               SSSOM + "mapping_justification", RDF + "type"]))
    kept = [t for t in data if not (t.subject == node and t.predicate == predicate)] if rng.random() < 0.5 else data
    return [*kept, ox.Triple(node, predicate, rng.choice(ODD_VALUES))]


def test_random_edits_agree(base: tuple[Triples, Triples]) -> None:
    rng = random.Random(2020)
    data, shapes = base
    outcomes = []
    for _ in range(8):
        changed, touched = _random_edit(data, rng)
        outcomes.append(_agree(changed, shapes))
        outcomes.append(_agree(changed, shapes, focus=touched))
    for _ in range(8):
        outcomes.append(_agree(_mapping_edits(data, rng), shapes))
    # Most random edits break a shape; some (a duplicate that changes nothing, a valid new value) do not.
    assert outcomes.count(False) >= 8 and outcomes.count(True) >= 2, outcomes
