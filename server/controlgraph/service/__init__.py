"""Machinery of a running service: query workers and datasets per caller, the public view, saved queries,
result formats, and tenants' writes. Used by the web app and the CLI; imports neither.
"""
