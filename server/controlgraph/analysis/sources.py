"""One row per pair: a pair of controls asserted by several mapping sets is shown once, with all its sources.

Two published sets may state the same pair (an official set and a user's import, say), each with its
own relation, strength and licence. A GRC user reads one line per pair of controls and, on it, who says
so: :func:`by_pair` folds the asserted satisfiers of one pair into the first of them (the best coverage,
as the satisfiers are sorted) and keeps every one, its own included, in ``sources``. Inferred relations
are not folded: each names its chain. Per-statement formats (SSSOM, RDF) keep one row per source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from controlgraph.analysis.satisfiers import Satisfier, source_record

__all__ = ["by_pair", "several_text", "source_record", "source_text", "sources_of"]


def by_pair(found: Iterable[Satisfier]) -> list[Satisfier]:
    """The satisfiers with each asserted pair once, its sources in order; order of first appearance kept."""
    out: list[Satisfier] = []
    index: dict[tuple[str, str | None], int] = {}
    for s in found:
        if s.inferred:
            out.append(s)
            continue
        key = (s.control.iri, s.rolled_up_from.iri if s.rolled_up_from else None)
        at = index.get(key)
        if at is None:
            index[key] = len(out)
            out.append(replace(s, sources=(s,)))
        else:
            kept = out[at]
            out[at] = replace(kept, sources=(*kept.sources, s))
    return out


def sources_of(s: Satisfier) -> tuple[Satisfier, ...]:
    """Who states the pair: the folded sources, or the satisfier itself."""
    return s.sources or (s,)


def source_text(s: Satisfier) -> str:
    """All sources in one cell: ``set [authority, publisher] relation``, separated by ``; ``."""
    parts = []
    for src in sources_of(s):
        who = ", ".join(x for x in (src.authority, src.publisher) if x)
        parts.append(f"{src.mapping_set or 'inferred'}{f' [{who}]' if who else ''} {src.relation.value}")
    return "; ".join(parts)


def several_text(s: Satisfier) -> str | None:
    """For a pair several sets assert: ``N sets: set [authority] relation; ...``; None for one source."""
    found = sources_of(s)
    if len(found) < 2:
        return None
    return f"{len(found)} sets: " + "; ".join(f"{x.mapping_set} [{x.authority}] {x.relation.value}" for x in found)
