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
