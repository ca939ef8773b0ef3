"""The walk of the composition engine: possibility sets propagated from one class, hop by hop.

Composition is sound along any walk of true relations, so the walk need not enumerate chains: it
keeps states (class, possibility set), each with one witness chain to explain it. The intersection
over the distinct sets reaching a class equals the intersection over all chains reaching it, so
the witnesses of the sets that narrow a result are a complete explanation of it. A state is
extended once, at the first (shallowest) depth it is reached. Walks never revisit a class of their
own witness chain (cheap to check; revisits would be sound anyway).
"""

from __future__ import annotations

from collections.abc import Sequence

from controlgraph.reasoning import possibilities as P
from controlgraph.reasoning.class_graph import ClassGraph

LinkGroups = list[list[tuple[P.Possibilities, tuple[tuple[int, int, int], ...]]]]

FirstChain = tuple[P.Possibilities, tuple[int, ...], tuple[int, ...], int, int]
"""The evidence of a class pair reached by a single chain, as :class:`PairEvidence` takes it.

Most pairs of a large walk are reached once (three in four on the synthetic graphs); a tuple is
several times cheaper to make and drop than the object, which is made when a second chain comes.
"""

Found = dict[int, "PairEvidence | FirstChain"]


class PairEvidence:
    """What the walks from one class found about one other class."""

    __slots__ = (
        "any_count",
        "any_kept",
        "count",
        "independent",
        "kept",
        "mask",
        "narrowing",
        "publisher_bits",
        "strength",
        "used",
    )

    def __init__(
        self,
        mask: P.Possibilities = P.ANY,
        chain: tuple[int, ...] | None = None,
        inner: tuple[int, ...] = (),
        rank: int = -1,
        bits: int = 0,
    ) -> None:
        """Empty evidence, or (the walk's common case, in one call) evidence of one chain that narrows.

        ``chain`` is the chain's classes after the start class, ``inner`` its intermediate classes,
        ``rank`` its weakest link's rank and ``bits`` its publishers.
        """
        self.any_count = 0
        self.any_kept: list[tuple[int, ...]] = []
        self.kept: list[tuple[P.Possibilities, tuple[int, ...]]] = []
        self.strength = rank  # the best shown chain's weakest link rank, -1 when unknown
        self.publisher_bits = bits  # publishers of the shown chains' links, a bit each
        if chain is None:
            self.mask = P.ANY
            self.count = 0
            self.narrowing: list[tuple[P.Possibilities, tuple[int, ...]]] = []
            self.independent = 0
            self.used: set[int] = set()
        else:
            self.mask = mask
            self.count = 1
            self.narrowing = [(mask, chain)]
            self.independent = 1
            self.used = set(inner)

    def note_chain(self, weakest_rank: int, publisher_bits: int) -> None:
        """Fold a shown chain's weakest link and publishers into the candidate evidence."""
        if weakest_rank > self.strength:
            self.strength = weakest_rank
        self.publisher_bits |= publisher_bits

    def note_independence(self, inner: tuple[int, ...]) -> None:
        """Count a chain whose intermediate classes are ``inner`` if it shares none with those counted.

        Greedy, and walks go shortest chains first, so this is the number of disjoint detours.
        """
        used = self.used
        for node in inner:
            if node in used:
                return
        self.independent += 1
        used.update(inner)


def grouped_links(graph: ClassGraph) -> LinkGroups:
    """Per class, the links leaving it grouped by possibility set: (set, ((class, rank, publisher bits), ...))."""
    groups: LinkGroups = []
    for cls, row in enumerate(graph.adjacency):
        by_mask: dict[P.Possibilities, list[tuple[int, int, int]]] = {}
        for nxt, mask in row:
            link = graph.links[(cls, nxt) if cls < nxt else (nxt, cls)]
            by_mask.setdefault(mask, []).append((nxt, link.rank, link.publisher_bits))
        groups.append([(mask, tuple(members)) for mask, members in by_mask.items()])
    return groups


def walk_from(
    start: int,
    groups: LinkGroups,
    sole_framework: Sequence[str | None],
    max_hops: int,
    keep: int,
    shared_neighbour: bool,
) -> tuple[Found, int, int]:
    """Propagate possibility sets from class ``start`` for 2..max_hops links, recording classes above it.

    The frontier holds states (class, possibility set), each with one witness chain: a state
    reached again (by another chain, or later at a greater depth) is not extended again, since
    its extensions would give the same sets with fewer hops to spare. Links leaving a class are
    grouped by their possibility set, so a group that turns the state into "any" is skipped
    whole, without looking at its members. Returns the evidence per class reached (above ``start``,
    in another framework, as a :data:`FirstChain` while one chain reached it), the number of chains
    examined and how many of them were pruned as "any".
    """
    compose = P.COMPOSE
    any_mask = P.ANY
    sole = sole_framework
    own = sole[start]
    found: Found = {}
    seen: set[tuple[int, P.Possibilities]] = set()
    # A state: class, possibility set, witness chain (classes after start), weakest link rank, publisher bits.
    frontier: list[tuple[int, P.Possibilities, tuple[int, ...], int, int]] = []
    for mask, members in groups[start]:
        for n, rank, bits in members:
            seen.add((n, mask))
            frontier.append((n, mask, (n,), rank, bits))
    chains = pruned = 0
    for depth in range(2, max_hops + 1):
        extend = depth < max_hops
        any_evidence = shared_neighbour and depth == 2
        following: list[tuple[int, P.Possibilities, tuple[int, ...], int, int]] = []
        for node, mask, path, path_rank, path_bits in frontier:
            row = compose[mask]
            for link_mask, members in groups[node]:
                combined = row[link_mask]
                if combined == any_mask:
                    chains += len(members)
                    pruned += len(members)
                    if not any_evidence:
                        continue
                    for nxt, rank, bits in members:
                        # Only pairs (start, nxt) with nxt above start are recorded: the walk
                        # from the lower class sees every chain of the pair once.
                        if nxt > start and nxt not in path and (own is None or own != sole[nxt]):
                            known = found.get(nxt)
                            if known is None:
                                ev = found[nxt] = PairEvidence()
                            elif isinstance(known, tuple):
                                ev = found[nxt] = PairEvidence(*known)
                            else:
                                ev = known
                            ev.any_count += 1
                            ev.note_independence(path)
                            if len(ev.any_kept) < keep:
                                ev.any_kept.append((*path, nxt))
                                ev.note_chain(rank if rank < path_rank else path_rank, path_bits | bits)
                    continue
                for nxt, rank, bits in members:
                    if nxt == start or nxt in path:
                        continue
                    chains += 1
                    if nxt > start and (own is None or own != sole[nxt]):
                        weakest_rank = rank if rank < path_rank else path_rank
                        known = found.get(nxt)
                        if known is None:
                            found[nxt] = (combined, (*path, nxt), path, weakest_rank, path_bits | bits)
                        else:
                            if isinstance(known, tuple):
                                ev = found[nxt] = PairEvidence(*known)  # a second chain
                            else:
                                ev = known
                            ev.count += 1
                            # Greedy count of chains sharing no intermediate class (note_independence, inlined).
                            used = ev.used
                            if used.isdisjoint(path):
                                ev.independent += 1
                                used.update(path)
                            if ev.mask & combined != ev.mask:
                                ev.mask &= combined
                                ev.narrowing.append((combined, (*path, nxt)))
                                ev.note_chain(weakest_rank, path_bits | bits)
                            elif len(ev.kept) < keep:
                                ev.kept.append((combined, (*path, nxt)))
                                ev.note_chain(weakest_rank, path_bits | bits)
                    if extend:
                        state = (nxt, combined)
                        if state not in seen:
                            seen.add(state)
                            weakest_rank = rank if rank < path_rank else path_rank
                            following.append((nxt, combined, (*path, nxt), weakest_rank, path_bits | bits))
        frontier = following
    return found, chains, pruned
