"""The web layer: FastAPI app over the engine (GraphQL, SPARQL, saved queries, exports)."""
