"""controlgraph: a cross-framework control-mapping knowledge graph."""

__version__ = "0.1.0"
