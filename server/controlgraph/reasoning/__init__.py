"""Reasoning over mappings: the ontology's relation axioms and, later, chained composition."""

import os

# The probability model's matrices are small (thousands of rows by about twenty features): OpenBLAS
# threads cost more to start and synchronise than they save, and on a shared machine they spin
# against other jobs (13 logistic fits of a build: 0.30 s of CPU with threads, 0.04 s without). Set
# before anything here imports numpy; an explicit OPENBLAS_NUM_THREADS is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
