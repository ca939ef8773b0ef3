"""The datasets a build reads: the ontology, the SHACL shapes and every file in ``mappings/``.

``mappings/frameworks/`` holds one catalog per framework, ``mappings/sets/`` one file per mapping set
(named ``SUBJECT--OBJECT[--qualifier]``); ``curation/`` and ``datalog/`` hold their sources and logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from controlgraph.errors import ConfigurationError
from controlgraph.vocabulary import ONTOLOGY_GRAPH, graph_iri

SHAPES_GRAPH = graph_iri("shapes")


def data_root(configured: str = "") -> Path:
    """The folder holding ``ontology/`` and ``mappings/``.

    A wheel ships them as ``controlgraph/_data``; a checkout has them at the repository top.
    """
    if configured:
        root = Path(configured)
    else:
        package = Path(__file__).resolve().parents[1]
        packaged = package / "_data"
        root = packaged if packaged.is_dir() else package.parents[1]
    if not (root / "ontology").is_dir() or not (root / "mappings").is_dir():
        raise ConfigurationError(f"{root}: no ontology/ and mappings/ folders here")
    return root


@dataclass(frozen=True)
class DatasetFile:
    """One file of source data and the named graph it becomes."""

    dataset_id: str
    path: Path
    graph: str
    role: str  # "ontology", "shapes" or "data"


def shipped_datasets(root: Path) -> list[DatasetFile]:
    files = [DatasetFile("ontology", root / "ontology" / "controlgraph.ttl", ONTOLOGY_GRAPH, "ontology")]
    shapes = sorted((root / "ontology" / "shapes").glob("*.ttl"))
    files += [DatasetFile("shapes", p, SHAPES_GRAPH, "shapes") for p in shapes]
    data = [*(root / "mappings" / "frameworks").glob("*.ttl"), *(root / "mappings" / "sets").glob("*.ttl")]
    files += [data_file(p) for p in sorted(data, key=lambda p: p.name)]
    return files


def data_file(path: Path) -> DatasetFile:
    return DatasetFile(path.stem, path, graph_iri(path.stem), "data")


def queries_dir(root: Path) -> Path:
    return root / "queries"


def dataset_path(root: Path, dataset_id: str) -> Path:
    """The shipped file of a dataset: a catalog in ``mappings/frameworks/``, a mapping set in ``mappings/sets/``."""
    folder = "sets" if "--" in dataset_id else "frameworks"
    return root / "mappings" / folder / f"{dataset_id}.ttl"
