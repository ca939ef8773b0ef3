"""Scores of a ranked, probability-labelled set of pairs against gold pairs.

Precision, recall and F1 at a threshold and at the best one, average precision, precision at k,
and a calibration table (mean predicted probability vs observed frequency per bin, Brier score).
Pairs never predicted count against recall only; probabilities are those of the predicted pairs.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

Pair = tuple[str, str]


@dataclass(frozen=True)
class Scores:
    found: int
    correct: int
    expected: int

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, float | int]:
        return {
            "found": self.found,
            "correct": self.correct,
            "expected": self.expected,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    pairs: int
    predicted: float  # mean predicted probability
    observed: float  # share of the bin's pairs that are gold


@dataclass
class RankingReport:
    at_default: Scores
    default_threshold: float
    at_best: Scores
    best_threshold: float
    average_precision: float
    precision_at: dict[int, float]
    calibration: list[CalibrationBin] = field(default_factory=list)
    brier: float = 0.0
    max_calibration_gap: float = 0.0  # largest |predicted - observed| over bins of 20 pairs or more

    def to_json(self) -> dict[str, object]:
        return {
            "at_default_threshold": {"threshold": self.default_threshold, **self.at_default.to_json()},
            "at_best_threshold": {"threshold": round(self.best_threshold, 4), **self.at_best.to_json()},
            "average_precision": round(self.average_precision, 4),
            "precision_at_k": {str(k): round(v, 4) for k, v in self.precision_at.items()},
            "calibration": [
                {"bin": f"{b.low:.1f}-{b.high:.1f}", "pairs": b.pairs, "predicted": round(b.predicted, 4),
                 "observed": round(b.observed, 4)}
                for b in self.calibration
            ],
            "brier": round(self.brier, 4),
            "max_calibration_gap": round(self.max_calibration_gap, 4),
        }


def scores(found: Collection[Pair], gold: Collection[Pair]) -> Scores:
    found_set, gold_set = set(found), set(gold)
    return Scores(len(found_set), len(found_set & gold_set), len(gold_set))


def rank_report(
    predicted: Sequence[tuple[Pair, float]],
    gold: Collection[Pair],
    *,
    threshold: float = 0.5,
    ks: Sequence[int] = (10, 50),
    bins: int = 10,
    min_bin: int = 20,
) -> RankingReport:
    """Scores of ``predicted`` (pair, probability), ranked by probability, against ``gold``."""
    gold_set = set(gold)
    ranked = sorted(predicted, key=lambda item: (-item[1], item[0]))
    hits = [int(pair in gold_set) for pair, _ in ranked]
    expected = len(gold_set)
    best, best_threshold, correct, ap = Scores(0, 0, expected), 1.0, 0, 0.0
    for i, (hit, (_, p)) in enumerate(zip(hits, ranked, strict=True), start=1):
        correct += hit
        if hit:
            ap += correct / i
        # Cut only between distinct probabilities: a threshold keeps every pair at or above it.
        if i == len(ranked) or ranked[i][1] != p:
            candidate = Scores(i, correct, expected)
            if candidate.f1 > best.f1:
                best, best_threshold = candidate, p
    k_all = sorted({*ks, expected})
    precision_at = {k: (sum(hits[:k]) / k if k else 0.0) for k in k_all if k > 0}
    at_default = scores([pair for pair, p in ranked if p >= threshold], gold_set)
    table, gap = _calibration(ranked, hits, bins, min_bin)
    brier = sum((p - h) ** 2 for (_, p), h in zip(ranked, hits, strict=True)) / len(ranked) if ranked else 0.0
    return RankingReport(
        at_default, threshold, best, best_threshold, ap / expected if expected else 0.0, precision_at, table, brier, gap
    )


def _calibration(
    ranked: Sequence[tuple[Pair, float]], hits: Sequence[int], bins: int, min_bin: int
) -> tuple[list[CalibrationBin], float]:
    table = []
    gap = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [
            (p, h) for (_, p), h in zip(ranked, hits, strict=True) if low <= p < high or (b == bins - 1 and p == 1.0)
        ]
        if not inside:
            continue
        predicted = sum(p for p, _ in inside) / len(inside)
        observed = sum(h for _, h in inside) / len(inside)
        table.append(CalibrationBin(low, high, len(inside), predicted, observed))
        if len(inside) >= min_bin:
            gap = max(gap, abs(predicted - observed))
    return table, gap
