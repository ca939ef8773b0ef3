"""Reasoning over mappings: the ontology's relation axioms and, later, chained composition."""
