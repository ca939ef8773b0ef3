"""SSSOM/TSV (Simple Standard for Sharing Ontological Mappings) in and out of the graph.

- :func:`read_sssom` reads a user's SSSOM/TSV file as an :class:`~controlgraph.pipeline.imports.ImportedDataset`;
- :func:`import_sssom` reads it against the graph and commits it as the user's named graph;
- :func:`write_sssom` exports any mapping set of the graph as SSSOM/TSV.

How our model maps onto SSSOM (extension slots, CURIEs, licences) is in :mod:`.slots` and in
``docs/sssom.md``.
"""

from controlgraph.sssom_tsv.importing import control_iris, import_sssom, require_usable
from controlgraph.sssom_tsv.reading import read_sssom
from controlgraph.sssom_tsv.writing import write_sssom

__all__ = ["control_iris", "import_sssom", "read_sssom", "require_usable", "write_sssom"]
