"""Where the graph lives: the embedded pyoxigraph store, or a remote SPARQL server."""

from controlgraph.store.base import GraphStore, QueryResult
from controlgraph.store.factory import open_store

__all__ = ["GraphStore", "QueryResult", "open_store"]
