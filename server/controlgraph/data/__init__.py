"""Data handling: the shipped datasets, loading them into named graphs, authoring Turtle, SHACL validation.

Depends only on the package root (vocabulary, settings, errors); never on the store, reasoning or any surface.
"""
