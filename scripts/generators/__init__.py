"""The generators that turn the public reference files into the shipped ``mappings/`` files.

One module per source or framework; ``common`` holds what they share (paths, the reference folder,
the data log, CISO Assistant library reading). The entry points are ``scripts/generate_*.py``.
"""
