"""Hostile files through every importer: only ControlGraphError escapes, and a refused commit changes nothing.

Inputs are the real reference files (and small valid samples) mutated by hypothesis: byte flips,
truncation, inserted and repeated spans, and for JSON / YAML structural mutations of the parsed
document (wrong types, removed keys, huge strings, deep nesting). Runs are derandomised so CI is
reproducible; the example counts are kept small so the suite stays fast (see EXAMPLES).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controlgraph.data.loader import parse_file
from controlgraph.errors import ControlGraphError
from controlgraph.importers import GraphContext, import_file, read_file
from controlgraph.store.embedded import EmbeddedStore
from importer_inputs import STRATEGIES, Seeds, context_for, framework_context, injected_terms, options_for, write_input

REPO = Path(__file__).resolve().parents[2]
# Per target; see docs/security.md for the totals.
EXAMPLES = {"bytes": 40, "structure": 40, "commit": 3, "generated": 6}
FUZZ = settings(max_examples=EXAMPLES["bytes"], deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

SSSOM_SAMPLE = """\
# curie_map:
#   gdpr: https://w3id.org/controlgraph/id/control/gdpr/
#   iso27002-2022: https://w3id.org/controlgraph/id/control/iso27002-2022/
# mapping_set_id: https://example.org/sssom/fuzz.sssom.tsv
# mapping_set_version: "1"
# license: https://creativecommons.org/publicdomain/zero/1.0/
subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\tcomment
gdpr:Art.32%281%29%28a%29\tskos:relatedMatch\tiso27002-2022:8.24\tsemapv:ManualMappingCuration\t0.9\tcryptography
gdpr:Art.25\tskos:relatedMatch\tiso27002-2022:8.27\tsemapv:ManualMappingCuration\t0.5\tby design
"""


@pytest.fixture(scope="module")
def context(built_store: EmbeddedStore) -> GraphContext:
    return GraphContext.from_store(built_store)


def mutate_bytes(data: bytes, draw: Callable[[Any], Any]) -> bytes:
    """One to three byte-level edits: flip, truncate, insert junk, delete or repeat a span."""
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            return data
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "repeat"]))
        if op == "flip":
            data = data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1:]
        elif op == "truncate":
            data = data[:at]
        elif op == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)):]
        else:
            span = data[at:at + draw(st.integers(1, 256))]
            data = data[:at] + span * draw(st.integers(2, 50)) + data[at:]
    return data


HOSTILE_VALUES: list[Any] = [None, 0, -1, 10**30, 1.5e308, True, "", "x" * 200_000, "\u0000\ud7ff\ufffd", [], {},
                             [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]], {"": {"": {"": None}}}, ["a", 1, None]]


def _paths(doc: Any, prefix: tuple[Any, ...] = (), limit: int = 4000) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [prefix]
    stack = [(doc, prefix)]
    while stack and len(found) < limit:
        node, path = stack.pop()
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in children:
            found.append((*path, key))
            stack.append((child, (*path, key)))
    return found


def mutate_structure(doc: Any, draw: Callable[[Any], Any]) -> Any:
    """Replace a node by a value of another type, drop it, or bury it under deep nesting."""
    doc = json.loads(json.dumps(doc, default=str))  # a private copy
    paths = _paths(doc)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        if not path:
            doc = draw(st.sampled_from(HOSTILE_VALUES))
            break
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            op = draw(st.sampled_from(["replace", "drop", "nest"]))
            if op == "drop" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif op == "nest":
                value: Any = parent[path[-1]]
                for _ in range(draw(st.integers(50, 400))):
                    value = [value]
                parent[path[-1]] = value
            else:
                parent[path[-1]] = draw(st.sampled_from(HOSTILE_VALUES))
        except (KeyError, IndexError, TypeError):
            continue  # the path went away with an earlier edit
    return doc


def expect_clean(call: Callable[[], Any]) -> None:
    try:
        call()
    except ControlGraphError as exc:
        assert str(exc).strip() and "\n" not in str(exc).strip()[:300]  # one clear line first
    except RecursionError:  # would be a bug: deep nesting must be reported as bad input
        raise


# ------------------------------------------------------------------ byte-level mutations


BYTE_TARGETS = {
    "ciso-yaml": "ciso-assistant/mapping-iso27001-2013-to-iso27001-2022.yaml",
    "oscal-catalog": "csa-ccm-4.0.12/oscal-dataset/ccm-lite-v4.0.12-oscal.json",
    "csf-xlsx": "nist-csf-2.0/csf2-reference-tool-export_2024-06-17.xlsx",
}


@pytest.mark.parametrize("kind", sorted(BYTE_TARGETS))
def test_mutated_reference_files(kind: str, reference_dir: Path, context: GraphContext, tmp_path: Path) -> None:
    source = reference_dir / BYTE_TARGETS[kind]
    original = source.read_bytes()
    target = tmp_path / source.name

    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        target.write_bytes(mutate_bytes(original, data.draw))
        expect_clean(lambda: read_file(kind, target, context))

    run()


def test_mutated_ccm_bundle(reference_dir: Path, context: GraphContext, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(reference_dir / "csa-ccm-4.0.12" / "json-dataset", bundle)
    for path in bundle.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # the reference files are read-only
    files = sorted(p for p in bundle.rglob("*.json"))
    originals = {p: p.read_bytes() for p in files}

    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        chosen = data.draw(st.sampled_from([bundle / "CCM" / "primary-dataset.json", *files[:12]]))
        try:
            chosen.write_bytes(mutate_bytes(originals[chosen], data.draw))
            expect_clean(lambda: read_file("ccm", bundle, context))
        finally:
            chosen.write_bytes(originals[chosen])

    run()


def test_mutated_sssom_and_turtle(context: GraphContext, tmp_path: Path) -> None:
    sssom = tmp_path / "fuzz.sssom.tsv"
    turtle = tmp_path / "fuzz.ttl"
    turtle_original = (REPO / "mappings" / "sets" / "iso27017-2015--nist-csf-2.0--curated.ttl").read_bytes()

    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        sssom.write_bytes(mutate_bytes(SSSOM_SAMPLE.encode(), data.draw))
        expect_clean(lambda: read_file("sssom", sssom, context))
        turtle.write_bytes(mutate_bytes(turtle_original, data.draw))
        expect_clean(lambda: parse_file(turtle))

    run()


# ------------------------------------------------------------------ structural mutations


STRUCTURE_TARGETS = {
    "ciso-yaml": ("ciso-assistant/mapping-iso27001-2013-to-iso27001-2022.yaml", "yaml"),
    "oscal-catalog": ("csa-ccm-4.0.12/oscal-dataset/ccm-lite-v4.0.12-oscal.json", "json"),
    "ccm": ("csa-ccm-4.0.12/json-dataset/CCM/primary-dataset.json", "json"),
}


@pytest.mark.parametrize("kind", sorted(STRUCTURE_TARGETS))
def test_structurally_mutated_documents(kind: str, reference_dir: Path, context: GraphContext,
                                        tmp_path: Path) -> None:
    relative, syntax = STRUCTURE_TARGETS[kind]
    source = reference_dir / relative
    document = yaml.safe_load(source.read_text("utf-8")) if syntax == "yaml" else json.loads(source.read_text("utf-8"))
    if kind == "ccm":
        bundle = tmp_path / "bundle"
        shutil.copytree(reference_dir / "csa-ccm-4.0.12" / "json-dataset", bundle)
        for path in bundle.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        target, read_path = bundle / "CCM" / "primary-dataset.json", bundle
    else:
        target = read_path = tmp_path / source.name

    @settings(FUZZ, max_examples=EXAMPLES["structure"])
    @given(st.data())
    def run(data: st.DataObject) -> None:
        mutated = mutate_structure(document, data.draw)
        try:
            text = yaml.safe_dump(mutated) if syntax == "yaml" else json.dumps(mutated)
        except RecursionError:
            return  # the dumper itself cannot write it; nothing to read
        target.write_text(text, "utf-8")
        expect_clean(lambda: read_file(kind, read_path, context))

    run()


def test_deep_nesting_is_bad_input_not_a_crash(context: GraphContext, tmp_path: Path) -> None:
    deep_json = tmp_path / "deep.json"
    deep_json.write_text("[" * 200_000 + "]" * 200_000)
    deep_yaml = tmp_path / "deep.yaml"
    deep_yaml.write_text("[" * 50_000 + "]" * 50_000)
    for kind, path in (("oscal-catalog", deep_json), ("ciso-yaml", deep_yaml)):
        with pytest.raises(ControlGraphError):
            read_file(kind, path, context)


# ------------------------------------------------------------------ commits


def test_refused_imports_leave_the_store_as_it_was(built_store: EmbeddedStore, reference_dir: Path,
                                                   tmp_path: Path) -> None:
    stores = [built_store.copy()]  # replaced by a fresh copy after an import that committed
    before = stores[0].fingerprint()
    source = reference_dir / STRUCTURE_TARGETS["ciso-yaml"][0]
    document = yaml.safe_load(source.read_text("utf-8"))
    target = tmp_path / "commit.yaml"
    outcomes: list[str] = []

    @settings(FUZZ, max_examples=EXAMPLES["commit"])
    @given(st.data())
    def run(data: st.DataObject) -> None:
        target.write_text(yaml.safe_dump(mutate_structure(document, data.draw)), "utf-8")
        try:
            import_file(stores[-1], "ciso-yaml", target)
        except ControlGraphError as exc:
            outcomes.append(type(exc).__name__)
            assert stores[-1].fingerprint() == before
        else:
            outcomes.append("committed")
            stores[-1] = built_store.copy()

    run()
    assert outcomes


# ------------------------------------------------------------------ generated inputs (tests/importer_inputs.py)
# The strategies bench/fuzz_importers.py drives by the ten thousand, a few inputs each here: alias bombs
# (CISO libraries, SSSOM metadata), IRI / Turtle break-outs and formula text in every string the
# importers read (CCM url, OSCAL href, CISO copyright aimed at half of the time), damaged workbook XML,
# links out of a CCM bundle. Only ControlGraphError may escape, no dataset holds an injected term, no
# input takes over 10 s, and a refused input leaves the work folder as it was.

GENERATED = [(kind, strategy) for kind, strategies in STRATEGIES.items() for strategy in strategies]


@pytest.fixture(scope="module")
def seeds(reference_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    return Seeds.make(reference_dir, tmp_path_factory.mktemp("fuzz-seeds"))


@pytest.fixture(scope="module")
def shipped_frameworks() -> GraphContext:
    return framework_context(REPO / "mappings")


def _files(root: Path) -> set[tuple[str, int]]:
    return {(os.path.join(d, n), os.lstat(os.path.join(d, n)).st_size)
            for d, dirs, files in os.walk(root) for n in dirs + files}


@pytest.mark.parametrize(("kind", "strategy"), GENERATED, ids=[f"{k}-{s}" for k, s in GENERATED])
def test_generated_hostile_inputs(kind: str, strategy: str, seeds: Seeds, shipped_frameworks: GraphContext) -> None:
    rng = random.Random(f"21-{kind}-{strategy}")
    target = seeds.target(kind)
    outcomes = []
    for _ in range(EXAMPLES["generated"]):
        write_input(kind, strategy, seeds, rng)
        before = _files(seeds.root)
        started = time.monotonic()
        try:
            dataset = read_file(kind, target, context_for(kind, shipped_frameworks, rng), options_for(kind, rng))
        except ControlGraphError as exc:
            assert str(exc).strip() and "\n" not in str(exc).strip()[:300]
            assert _files(seeds.root) == before, "a refused input wrote files"
            outcomes.append("refused")
        else:
            assert injected_terms(dataset.triples) == []
            outcomes.append("read")
        assert time.monotonic() - started < 10
    if kind == "ccm":
        seeds.reset_ccm()
    assert len(outcomes) == EXAMPLES["generated"]


# ------------------------------------------------------------------ open imports (issue 14)

OPEN_TARGETS = {  # (kind, file, syntax): new framework libraries, deep catalogs, mapping collections
    "ciso-framework": ("ciso-yaml", "ciso-assistant/soc2_2017_with_rev_2022.yaml", "yaml"),
    "oscal-800-53": ("oscal-catalog",
                     "nist-sp800-53/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json", "json"),
    "oscal-mapping": ("oscal-mapping", "csa-ccm-4.0.12/oscal-dataset/ccm-oscal-mappings.json", "json"),
}


@pytest.mark.parametrize("target", sorted(OPEN_TARGETS))
def test_open_importers_on_mutated_files(target: str, reference_dir: Path, context: GraphContext,
                                         tmp_path: Path) -> None:
    kind, relative, syntax = OPEN_TARGETS[target]
    source = reference_dir / relative
    original = source.read_bytes()
    document = yaml.safe_load(original) if syntax == "yaml" else json.loads(original)
    path = tmp_path / source.name

    @settings(FUZZ, max_examples=EXAMPLES["structure"] // 2)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        if data.draw(st.booleans()):
            path.write_bytes(mutate_bytes(original, data.draw))
        else:
            mutated = mutate_structure(document, data.draw)
            try:
                path.write_text(yaml.safe_dump(mutated) if syntax == "yaml" else json.dumps(mutated), "utf-8")
            except RecursionError:
                return
        expect_clean(lambda: read_file(kind, path, context))

    run()


def test_open_imports_refused_leave_the_store_as_it_was(built_store: EmbeddedStore, reference_dir: Path,
                                                        tmp_path: Path) -> None:
    store = built_store.copy()
    before = store.fingerprint()
    path = tmp_path / "mapping.json"
    # A collection whose catalogs are in the graph but whose maps are all unusable, then one that is not JSON.
    path.write_text(json.dumps({"mapping-collection": {"metadata": {"title": "t"}, "mappings": [{
        "source-resource": {"href": "https://w3id.org/controlgraph/id/framework/nist-csf-2.0"},
        "target-resource": {"href": "https://w3id.org/controlgraph/id/framework/iso27001-2022"},
        "maps": [{"relationship": "equal-to", "sources": [{"id-ref": "NOPE"}], "targets": [{"id-ref": "A.5.1"}]},
                 {"relationship": "bogus", "sources": [{"id-ref": "GV.OC-01"}], "targets": [{"id-ref": "A.5.1"}]}],
    }]}}), "utf-8")
    for text in (None, "{not json"):
        if text is not None:
            path.write_text(text, "utf-8")
        with pytest.raises(ControlGraphError):
            import_file(store, "oscal-mapping", path)
        assert store.fingerprint() == before
