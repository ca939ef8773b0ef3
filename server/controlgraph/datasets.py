"""The datasets a build reads: the ontology, the SHACL shapes and every file in ``mappings/``."""

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
        packaged = Path(__file__).resolve().parent / "_data"
        root = packaged if packaged.is_dir() else Path(__file__).resolve().parents[2]
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
    files += [data_file(p) for p in sorted((root / "mappings").glob("*.ttl"))]
    return files


def data_file(path: Path) -> DatasetFile:
    return DatasetFile(path.stem, path, graph_iri(path.stem), "data")


def queries_dir(root: Path) -> Path:
    return root / "queries"
