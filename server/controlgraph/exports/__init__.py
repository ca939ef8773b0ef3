"""Exports of the graph for GRC tools and auditors: crosswalks and multi-certification programmes.

One module per format; :mod:`.catalogue` names every format with its media type and file name, so
the CLI and the web layer stay thin and agree on both.
"""
