"""A small, transparent model of P(a publisher maps this pair): logistic regression, Platt-calibrated.

The model is fitted on rows of :mod:`pair_features` labelled by published sets (see
:mod:`probability_fit`): standardised features, L2-regularised logistic regression solved by
Newton's method (numpy only; each feature's scale at least a tenth of its range, and values
clipped to the range seen in training, see :meth:`ProbabilityModel.fit`), then Platt scaling (a
second, one-feature logistic regression on the first model's log-odds) fitted on out-of-fold
predictions, so the probabilities match observed frequencies on sets the model did not see. The
weights and each feature's contribution to one pair's log-odds are printable (``controlgraph model``, ``explain``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]
DEFAULT_THRESHOLD = 0.5  # only for a model fitted on nothing
# A feature's scale is at least this share of its range in training: a feature nearly constant there
# (two_hop is 1 on all but a handful of training rows) would otherwise be divided by a tiny standard
# deviation, and a pair unlike the training rows would get a log-odds of +-10 from it alone.
MIN_SCALE_OF_RANGE = 0.1


def fit_logistic(
    x: Matrix, y: Matrix, l2: float = 1.0, iterations: int = 25, sample_weight: Matrix | None = None,
    start: Matrix | None = None,
) -> tuple[Matrix, float]:
    """Weights and intercept of an L2-regularised logistic regression (intercept not penalised).

    ``sample_weight`` weighs each row's loss (default 1): the fit gives each published set the same
    say, however many rows it has. ``start`` (weights then intercept) warm-starts Newton's method.
    """
    n, d = x.shape
    sw = np.ones(n) if sample_weight is None else sample_weight
    design = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1) if start is None else start.astype(float).copy()
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = _sigmoid(design @ w)
        gradient = design.T @ (sw * (p - y)) + penalty * w
        hessian = (design * (sw * p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.max(np.abs(step))) < 1e-6:
            break
    return w[:-1], float(w[-1])


def _sigmoid(z: Matrix) -> Matrix:
    out: Matrix = 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))
    return out


@dataclass
class ProbabilityModel:
    """Standardisation, weights and Platt scaling; ``predict`` gives calibrated probabilities."""

    features: tuple[str, ...]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    intercept: float
    platt_a: float = 1.0
    platt_b: float = 0.0
    trained_on: dict[str, int] = field(default_factory=dict)  # rows per mapping set
    definite_precision: float | None = None  # measured over the held-out rows of definite relations
    definite_rows: int = 0
    # The operating threshold, chosen leave-one-set-out: the median over the training sets of the
    # cut that maximises each set's F1 on its out-of-fold probabilities (``probability_fit``).
    threshold: float = DEFAULT_THRESHOLD
    inputs_digest: str = ""  # what it was fitted on (probability_fit.inputs_digest): reused while unchanged
    # The range of each feature in training; values are clipped to it before scoring, so a pair
    # beyond anything the model has seen (a definite relation, when no held-out run found one) is
    # scored as the most extreme pair it has seen, not extrapolated. Empty: no clipping.
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    @classmethod
    def fit(
        cls, features: Sequence[str], x: Matrix, y: Matrix, l2: float = 1.0, sample_weight: Matrix | None = None,
        like: ProbabilityModel | None = None,
    ) -> ProbabilityModel:
        """Fit on ``x``; with ``like``, reuse its standardisation and start from its weights (the
        out-of-fold fits, on most of the same rows, then converge in a few steps). The clipping
        range is always that of ``x``."""
        lower, upper = x.min(axis=0), x.max(axis=0)
        if like is None:
            mean = x.mean(axis=0)
            scale = np.maximum(x.std(axis=0), MIN_SCALE_OF_RANGE * (upper - lower))
            scale[scale == 0] = 1.0
            start = None
        else:
            mean, scale = np.array(like.mean), np.array(like.scale)
            start = np.array([*like.weights, like.intercept])
        weights, intercept = fit_logistic((x - mean) / scale, y, l2, sample_weight=sample_weight, start=start)
        return cls(tuple(features), mean.tolist(), scale.tolist(), weights.tolist(), intercept,
                   lower=lower.tolist(), upper=upper.tolist())

    def clip(self, x: Matrix) -> Matrix:
        """``x`` clipped to the training range of each feature (unchanged for a model without one)."""
        if not self.lower:
            return x
        out: Matrix = np.clip(x, np.array(self.lower), np.array(self.upper))
        return out

    def log_odds(self, x: Matrix) -> Matrix:
        z: Matrix = ((self.clip(x) - np.array(self.mean)) / np.array(self.scale)) @ np.array(self.weights) \
            + self.intercept
        return z

    def calibrate(self, log_odds: Matrix, y: Matrix, sample_weight: Matrix | None = None) -> None:
        """Fit Platt scaling on out-of-fold log-odds and their labels (``sample_weight`` per row)."""
        (a,), b = fit_logistic(log_odds[:, None], y, l2=1e-3, sample_weight=sample_weight)
        self.platt_a, self.platt_b = float(a), b

    def platt(self, log_odds: Matrix) -> Matrix:
        """Calibrated probabilities of uncalibrated log-odds."""
        return _sigmoid(self.platt_a * log_odds + self.platt_b)

    def predict(self, x: Matrix) -> Matrix:
        return self.platt(self.log_odds(x))

    def predict_one(self, values: Sequence[float]) -> float:
        return float(self.predict(np.array([values], dtype=float))[0])

    def contributions(self, values: Sequence[float]) -> list[tuple[str, float, float]]:
        """(feature, value, contribution to the calibrated log-odds) per feature, largest first."""
        out = []
        clipped = self.clip(np.array([values], dtype=float))[0].tolist()
        for name, v, c, m, s, w in zip(self.features, values, clipped, self.mean, self.scale, self.weights,
                                       strict=True):
            out.append((name, float(v), self.platt_a * w * (c - m) / s))
        out.sort(key=lambda item: -abs(item[2]))
        return out

    def base_log_odds(self) -> float:
        """The calibrated log-odds of a pair whose every feature is at its training mean."""
        return self.platt_a * self.intercept + self.platt_b

    def describe(self) -> list[str]:
        """The weights, one line each, as ``controlgraph model`` prints them."""
        lines = [
            f"intercept {self.intercept:+.3f}; Platt scaling: p = sigmoid({self.platt_a:.3f} * z {self.platt_b:+.3f})",
            f"operating threshold {self.threshold:.2f} (leave-one-set-out: median of the training sets' best F1 cuts)",
            "feature               weight   mean     sd      (weight per standard deviation of the feature)",
        ]
        for name, w, m, s in zip(self.features, self.weights, self.mean, self.scale, strict=True):
            lines.append(f"{name:<20} {w:+.3f}  {m:7.3f}  {s:6.3f}")
        if self.definite_precision is not None:
            lines.append(
                f"definite relations: measured precision {self.definite_precision:.3f} over {self.definite_rows} "
                "held-out pairs"
            )
        sets = ", ".join(f"{k} ({v})" for k, v in sorted(self.trained_on.items()))
        lines.append(f"fitted leave-one-set-out on: {sets}")
        return lines

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "weights": dict(zip(self.features, self.weights, strict=True)),
            "mean": dict(zip(self.features, self.mean, strict=True)),
            "sd": dict(zip(self.features, self.scale, strict=True)),
            "intercept": self.intercept,
            "platt": {"a": self.platt_a, "b": self.platt_b},
            "trained_on": self.trained_on,
            "definite_precision": self.definite_precision,
            "definite_rows": self.definite_rows,
            "threshold": self.threshold,
            "inputs_digest": self.inputs_digest,
            # Empty for a model fitted on nothing (a flat prior clips nothing).
            "range": {f: [lo, hi] for f, lo, hi in zip(self.features, self.lower, self.upper, strict=True)}
            if self.lower else {},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProbabilityModel:
        """The model :meth:`to_json` wrote (the build graph's ``cg:probabilityModel``)."""
        features = tuple(data["features"])
        bounds = data.get("range") or {}  # absent from a model stored before clipping: none
        return cls(
            features, [data["mean"][f] for f in features], [data["sd"][f] for f in features],
            [data["weights"][f] for f in features], data["intercept"], data["platt"]["a"], data["platt"]["b"],
            dict(data["trained_on"]), data["definite_precision"], data["definite_rows"],
            float(data.get("threshold", DEFAULT_THRESHOLD)), str(data.get("inputs_digest", "")),
            [bounds[f][0] for f in features] if bounds else [], [bounds[f][1] for f in features] if bounds else [],
        )


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
