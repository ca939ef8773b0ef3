"""A small synthetic graph, built through the real pipeline, with one item per coverage rule.

Frameworks: ``tx`` (the target), ``mx`` (a middle framework chains pass through), ``hx`` (what is
implemented), ``nx`` (a second target where one control is linked to almost everything: a hub).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from controlgraph.data.authoring import (
    ControlRecord,
    CoverSetRecord,
    FrameworkMeta,
    MappingRecord,
    MappingSetMeta,
    Provenance,
    catalog_turtle,
    mapping_set_turtle,
)
from controlgraph.pipeline.build import build
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.vocabulary import Authority, Relation

REPO = Path(__file__).resolve().parents[1]
PROV = Provenance("test", "https://example.org/source", "1", dt.date(2026, 1, 1), "https://example.org/licence")
EQ, SUB, SUP, INT = Relation.EQUAL, Relation.SUBSET_OF, Relation.SUPERSET_OF, Relation.INTERSECTS_WITH


def _c(notation: str, parent: str | None = None, **extra: object) -> ControlRecord:
    return ControlRecord(notation, f"Item {notation}", "item" if parent else "group", parent, **extra)  # type: ignore[arg-type]


TARGET = [
    _c("T"),
    _c("T1", "T"), _c("T2", "T"), _c("T3", "T"), _c("T4", "T"),
    _c("PU"), _c("U1", "PU"), _c("U2", "PU"),
    _c("PA", hierarchy="AnyChild"), _c("A1", "PA"), _c("A2", "PA"),
    _c("PO", hierarchy="OwnRequirements"), _c("O1", "PO"), _c("O2", "PO"),
    _c("PS", applies_to=("controller",)), _c("S1", "PS"), _c("S2", "PS", applies_to=("processor",)),
    _c("PX", applies_to=("supervisory authority",)), _c("X1", "PX"),
    _c("PR"), _c("R1", "PR", responsibility="cloud service customer"),
    _c("R2", "PR", responsibility="cloud service provider"), _c("R3", "PR", responsibility="both"), _c("R4", "PR"),
]
MIDDLE = [_c(f"M{i}") for i in range(1, 4)]
HAVE = [_c(f"H{i}") for i in range(1, 11)]
HUBBED = [_c(f"N{i}") for i in range(1, 13)]


def _m(subject: tuple[str, str], obj: tuple[str, str], rel: Relation) -> MappingRecord:
    return MappingRecord(subject, obj, rel, strength=8, comment="test")


def _set(set_id: str, subject: str, obj: str, rows: list[MappingRecord],
         covers: list[CoverSetRecord] | None = None) -> str:
    meta = MappingSetMeta(set_id, f"Set {set_id}", PROV, Authority.PROJECT_CURATED, subject, obj)
    return mapping_set_turtle(meta, rows, cover_sets=covers or [])


def write_world(root: Path) -> Path:
    shutil.copytree(REPO / "ontology", root / "ontology")
    frameworks, sets = root / "mappings" / "frameworks", root / "mappings" / "sets"
    frameworks.mkdir(parents=True)
    sets.mkdir(parents=True)
    for slug, items in (("tx", TARGET), ("mx", MIDDLE), ("hx", HAVE), ("nx", HUBBED)):
        meta = FrameworkMeta(slug, f"Framework {slug}", PROV, parent_is_union_of_children=True)
        (frameworks / f"{slug}.ttl").write_text(catalog_turtle(meta, items), encoding="utf-8")
    t, m, h = (lambda n: ("tx", n)), (lambda n: ("mx", n)), (lambda n: ("hx", n))
    direct = [
        _m(t("T1"), h("H1"), EQ),
        _m(t("U1"), h("H6"), EQ), _m(t("U2"), h("H7"), EQ),
        _m(t("A1"), h("H6"), EQ),
        _m(t("O1"), h("H6"), EQ), _m(t("O2"), h("H7"), EQ),
        _m(t("S1"), h("H8"), EQ), _m(t("S2"), h("H8"), EQ), _m(t("X1"), h("H8"), EQ),
        _m(t("R1"), h("H9"), EQ), _m(t("R2"), h("H9"), EQ), _m(t("R3"), h("H9"), EQ), _m(t("R4"), h("H9"), EQ),
    ]
    covers = [CoverSetRecord(t("T3"), (h("H3"), h("H4")), 0.8, "T3 lies within H3 and H4 together.")]
    (sets / "tx--hx.ttl").write_text(_set("tx--hx", "tx", "hx", direct, covers), encoding="utf-8")
    # T2 superset-of M1, M1 subset-of H2: both contain M1, so T2 and H2 certainly overlap.
    # T4 subset-of M2, M2 intersects-with H5: {subset-of, intersects-with, not-related}, a candidate only.
    (sets / "tx--mx.ttl").write_text(_set("tx--mx", "tx", "mx", [_m(t("T2"), m("M1"), SUP),
                                                                 _m(t("T4"), m("M2"), SUB)]), encoding="utf-8")
    (sets / "mx--hx.ttl").write_text(_set("mx--hx", "mx", "hx", [_m(m("M1"), h("H2"), SUB),
                                                                 _m(m("M2"), h("H5"), INT)]), encoding="utf-8")
    hub_rows = [_m(("nx", f"N{i}"), h("H10"), INT) for i in range(1, 12)] + [_m(("nx", "N12"), h("H1"), INT)]
    (sets / "nx--hx.ttl").write_text(_set("nx--hx", "nx", "hx", hub_rows), encoding="utf-8")
    return root


def build_world(root: Path) -> EmbeddedStore:
    store = EmbeddedStore(None)
    build(Settings.from_env({}, store="memory", data_dir=str(write_world(root))), store)
    return store
