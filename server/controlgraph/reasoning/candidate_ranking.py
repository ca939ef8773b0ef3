"""How candidate links are ranked: a transparent weighted score of their evidence.

Each term is scaled to 0..1 and weighted; the weights add up to 1, so a score reads as a share
of the best possible evidence. The terms are the ones DESIGN.md names for candidates:

- independent chains (sharing no intermediate control): 1 - 0.5**n, so the second and third
  chains add much, the tenth little;
- how constrained the possibility set is: two relations left scores 1, "any" (a bare shared
  neighbour) scores 0;
- strength: the strongest chain's weakest link, over 10; unknown counts as the midpoint 0.5, so
  unrated data is neither rewarded nor punished against rated data;
- publishers agreeing: distinct publishers behind the chains, 1 - 0.5**(n - 1), so one publisher
  scores 0 and independent confirmation counts;
- shared parents: 1 when the two controls' parents are equal or mapped to each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CandidateWeights:
    independent_paths: float = 0.35
    constrained: float = 0.2
    strength: float = 0.15
    publishers: float = 0.15
    shared_parents: float = 0.15


def candidate_score(
    weights: CandidateWeights,
    *,
    independent_paths: int,
    possible: int,
    strength: int | None,
    publishers: int,
    shared_parents: bool,
) -> float:
    """The ranking score of one candidate; ``possible`` is how many relations remain (2..5)."""
    paths_term = 1.0 - 0.5 ** max(independent_paths, 0)
    constrained_term = min(max((5 - possible) / 3, 0.0), 1.0)
    strength_term = 0.5 if strength is None else min(max(strength / 10, 0.0), 1.0)
    publishers_term = 1.0 - 0.5 ** max(publishers - 1, 0)
    parents_term = 1.0 if shared_parents else 0.0
    return round(
        weights.independent_paths * paths_term
        + weights.constrained * constrained_term
        + weights.strength * strength_term
        + weights.publishers * publishers_term
        + weights.shared_parents * parents_term,
        6,
    )


class ScoreTable:
    """:func:`candidate_score` by table look-up, for the millions of class pairs a large walk scores.

    Each weighted term is worked out once per possible input and the terms are added in the same
    order as :func:`candidate_score`, so the result is the same float, bit for bit. Inputs outside
    the tables (a strength outside 0..10, very many chains or publishers) fall back to it.
    """

    __slots__ = ("_constrained", "_parents", "_paths", "_publishers", "_strength", "weights")

    _LIMIT = 64  # chains or publishers counted past this change no term (0.5**63 is below rounding)

    def __init__(self, weights: CandidateWeights) -> None:
        self.weights = weights
        w = weights
        self._paths = [w.independent_paths * (1.0 - 0.5 ** max(n, 0)) for n in range(self._LIMIT)]
        self._constrained = [w.constrained * min(max((5 - n) / 3, 0.0), 1.0) for n in range(6)]
        # Index 0 is an unknown strength (rank -1), 1..11 the strengths 0..10.
        self._strength = [w.strength * 0.5] + [w.strength * min(max(s / 10, 0.0), 1.0) for s in range(11)]
        self._publishers = [w.publishers * (1.0 - 0.5 ** max(n - 1, 0)) for n in range(self._LIMIT)]
        self._parents = (w.shared_parents * 0.0, w.shared_parents * 1.0)

    def score(self, independent_paths: int, possible: int, strength_rank: int, publishers: int, shared: bool) -> float:
        """The score of :func:`candidate_score`; ``strength_rank`` is -1 for an unknown strength."""
        if (
            0 <= independent_paths < self._LIMIT
            and 0 <= possible <= 5
            and -1 <= strength_rank <= 10
            and 0 <= publishers < self._LIMIT
        ):
            return round(
                self._paths[independent_paths]
                + self._constrained[possible]
                + self._strength[strength_rank + 1]
                + self._publishers[publishers]
                + self._parents[shared],
                6,
            )
        return candidate_score(
            self.weights,
            independent_paths=independent_paths,
            possible=possible,
            strength=None if strength_rank < 0 else strength_rank,
            publishers=publishers,
            shared_parents=shared,
        )
