"""How sure a comparison is: a paired bootstrap of the change in a metric between two
models scored on the same rows, and what it says about a regression.

Both models' scores on identical rows are resampled together (each resample draws the
rows with replacement, as multinomial counts, so one draw weighs both models alike);
the change in the metric over `resamples` draws gives a percentile interval at
`confidence`. Seeded: the same rows, scores and seed give the same interval. The
metrics take row weights, so a draw never copies the rows: ROC AUC and average
precision from the weight of each class in each group of equal scores (a sparse
product per batch of draws), the rest from weighted counts and means.
Monitoring compares one model on two sets of rows (its validation rows, a labelled
window): `unpaired_delta` resamples each side on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from flight_delay.infra.config import HIGHER_IS_BETTER

if TYPE_CHECKING:
    import pandas as pd

Weighted = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


Membership = tuple[Any, Any]  # sparse (rows x score groups): positives, negatives


def _membership(truth: np.ndarray, score: np.ndarray) -> Membership:
    """Which group of equal scores (ascending) each positive and each negative row is in,
    as two sparse indicator matrices: built once per model's scores, used by every draw."""
    from scipy import sparse

    _, group = np.unique(score, return_inverse=True)
    groups = int(group.max()) + 1 if len(group) else 0
    rows = np.arange(len(score))
    positive = truth.astype(bool)
    member = [
        sparse.csr_matrix((np.ones(mask.sum()), (rows[mask], group[mask])),
                          shape=(len(score), groups)).T.tocsr()
        for mask in (positive, ~positive)
    ]  # fmt: skip
    return member[0], member[1]


def _grouped(member: Membership, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The weight of positives and of negatives in each group of equal scores, groups in
    ascending score order (groups x draws): one sparse product per class."""
    pos, neg = (np.ascontiguousarray(side @ weights.T) for side in member)
    return pos, neg


def _roc_auc(member: Membership, weights: np.ndarray) -> np.ndarray:
    pos, neg = _grouped(member, weights)
    below = np.cumsum(neg, axis=0) - neg  # negatives scored lower than each group
    pairs = pos.sum(axis=0) * neg.sum(axis=0)
    won = np.einsum("gd,gd->d", pos, below + neg / 2)
    found: np.ndarray = np.divide(won, pairs, out=np.full(len(weights), np.nan), where=pairs > 0)
    return found


def _average_precision(member: Membership, weights: np.ndarray) -> np.ndarray:
    pos, neg = (side[::-1] for side in _grouped(member, weights))
    tp, seen = np.cumsum(pos, axis=0), np.cumsum(pos + neg, axis=0)
    precision = np.divide(tp, seen, out=np.zeros_like(tp), where=seen > 0)
    total = pos.sum(axis=0)
    weighted = np.einsum("gd,gd->d", pos, precision)
    found: np.ndarray = np.divide(weighted, total, out=np.full(len(weights), np.nan),
                                  where=total > 0)  # fmt: skip
    return found


def roc_auc(truth: np.ndarray, score: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC for each row of `weights` (draws x rows): the weighted chance that a
    positive scores above a negative, ties counting half."""
    return _roc_auc(_membership(truth, score), weights)


def average_precision(truth: np.ndarray, score: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """PR AUC as sklearn's average precision: the precision at each score threshold, from
    the highest down, weighted by the recall it adds."""
    return _average_precision(_membership(truth, score), weights)


def prepared(
    metric: str, threshold: float, truth: np.ndarray, score: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """`metric` of these rows and scores as a function of the draws' weights alone: the
    ranking metrics group the scores once, not once per batch of draws."""
    if metric in ("roc_auc", "pr_auc"):
        member = _membership(truth, score)
        ranked = _roc_auc if metric == "roc_auc" else _average_precision
        return lambda weights: ranked(member, weights)
    measure = weighted_metric(metric, threshold)
    return lambda weights: measure(truth, score, weights)


def _confusion(truth: np.ndarray, score: np.ndarray, weights: np.ndarray,
               threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    predicted, positive = score >= threshold, truth.astype(bool)
    tp = weights @ (predicted & positive)
    fp = weights @ (predicted & ~positive)
    fn = weights @ (~predicted & positive)
    return tp, fp, fn


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    out = np.zeros_like(top, dtype=float)
    np.divide(top, bottom, out=out, where=bottom > 0)
    return out


def weighted_metric(metric: str, threshold: float) -> Weighted:
    """The metric (metrics.json's names) of truth and score under each row of weights."""
    if metric == "roc_auc":
        return roc_auc
    if metric == "pr_auc":
        return average_precision
    if metric == "brier":
        return lambda t, s, w: (w @ (s - t) ** 2) / w.sum(axis=1)
    if metric == "log_loss":
        return lambda t, s, w: (w @ _log_loss_rows(t, s)) / w.sum(axis=1)

    def counted(t: np.ndarray, s: np.ndarray, w: np.ndarray) -> np.ndarray:
        tp, fp, fn = _confusion(t, s, w, threshold)
        if metric == "precision":
            return _ratio(tp, tp + fp)
        if metric == "recall":
            return _ratio(tp, tp + fn)
        return _ratio(2 * tp, 2 * tp + fp + fn)  # f1

    if metric in ("precision", "recall", "f1"):
        return counted
    raise ValueError(f"no interval for the metric {metric!r}")


def _log_loss_rows(truth: np.ndarray, score: np.ndarray) -> np.ndarray:
    clipped = np.clip(score, np.finfo(float).eps, 1 - np.finfo(float).eps)
    rows: np.ndarray = -(truth * np.log(clipped) + (1 - truth) * np.log(1 - clipped))
    return rows


@dataclass(frozen=True)
class DeltaInterval:
    """The change `new - base` of a metric with its interval: on the same rows (paired),
    or from one set of rows to another (unpaired; `rows` is the new side's). `defined`:
    the draws in which the metric was defined on both sides (an AUC needs both classes)."""

    metric: str
    rows: int
    base: float
    new: float
    low: float
    high: float
    confidence: float
    resamples: int
    defined: int = -1  # -1: as many as resamples

    @property
    def delta(self) -> float:
        return self.new - self.base

    @property
    def finite(self) -> bool:
        return all(np.isfinite([self.base, self.new, self.low, self.high]))

    @property
    def excludes_zero(self) -> bool:
        """The interval lies on one side of no change: distinguishable from zero."""
        return self.low > 0 or self.high < 0

    @property
    def clear(self) -> bool:
        """The change is distinguishable from zero, on the side of its point estimate."""
        return (self.delta > 0 and self.low > 0) or (self.delta < 0 and self.high < 0)

    @property
    def settled(self) -> bool:
        """Enough to go on: finite, of some width, and defined in at least 90% of the
        draws (a slice of a few rows, or of one class in many draws, is not)."""
        defined = self.resamples if self.defined < 0 else self.defined
        return self.finite and self.high > self.low and defined >= 0.9 * self.resamples

    def worse_beyond(self, tolerance: float) -> bool:
        """Clearly worse by more than `tolerance`: even the interval's most favourable
        bound is a regression beyond it."""
        if HIGHER_IS_BETTER[self.metric]:
            return self.high < -tolerance
        return self.low > tolerance


def draws(rows: int, resamples: int, seed: int) -> list[np.ndarray]:
    """The bootstrap's row counts (draws x rows), in batches of at most about 160 MB:
    each draw picks `rows` rows with replacement (how often each row was picked)."""
    rng = np.random.default_rng(seed)
    batch = max(1, min(64, 20_000_000 // max(rows, 1)))
    found = []
    for start in range(0, resamples, batch):
        size = min(batch, resamples - start)
        picked = rng.integers(0, rows, size=(size, rows)) + rows * np.arange(size)[:, None]
        counts = np.bincount(picked.ravel(), minlength=size * rows)
        found.append(counts.reshape(size, rows).astype(float))
    return found


def paired_deltas(
    metrics: list[str], truth: np.ndarray, base_score: np.ndarray, new_score: np.ndarray,
    *, threshold: float = 0.5, resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
) -> dict[str, DeltaInterval]:  # fmt: skip
    """The change in each of `metrics` from `base_score` to `new_score` on the same rows,
    each with its paired-bootstrap percentile interval. The draws are made once and shared:
    a metric's interval does not depend on which others were asked for."""
    if not len(truth) == len(base_score) == len(new_score):
        raise ValueError("paired_delta: truth and both scores must be the same rows")
    truth = np.asarray(truth, dtype=float)
    base_score, new_score = np.asarray(base_score, float), np.asarray(new_score, float)
    sides = {
        metric: tuple(
            prepared(metric, threshold, truth, score) for score in (base_score, new_score)
        )
        for metric in metrics
    }
    ones = np.ones((1, len(truth)))
    found: dict[str, list[np.ndarray]] = {metric: [] for metric in metrics}
    for w in draws(len(truth), resamples, seed):
        for metric, (base_of, new_of) in sides.items():
            found[metric].append(new_of(w) - base_of(w))
    intervals = {}
    for metric, (base_of, new_of) in sides.items():
        deltas = np.concatenate(found[metric]) if found[metric] else np.zeros(0)
        intervals[metric] = _interval(metric, len(truth), float(base_of(ones)[0]),
                                      float(new_of(ones)[0]), deltas, confidence,
                                      resamples)  # fmt: skip
    return intervals


def _interval(metric: str, rows: int, base: float, new: float, deltas: np.ndarray,
              confidence: float, resamples: int) -> DeltaInterval:  # fmt: skip
    """The percentile interval of the bootstrap's `deltas` (undefined draws left out)."""
    deltas = deltas[np.isfinite(deltas)]
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(deltas, [tail, 100 - tail]) if len(deltas) else (np.nan, np.nan)
    return DeltaInterval(metric, rows, base, new, float(low), float(high), confidence, resamples,
                         len(deltas))  # fmt: skip


def unpaired_delta(
    metric: str, base_truth: np.ndarray, base_score: np.ndarray, new_truth: np.ndarray,
    new_score: np.ndarray, *, resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
) -> DeltaInterval:  # fmt: skip
    """The change in `metric` from one model's rows to other rows (monitoring: its
    validation rows, then a labelled window), each side resampled on its own; `rows` is
    the new side's."""
    sides = []
    for k, (truth, score) in enumerate(((base_truth, base_score), (new_truth, new_score))):
        truth, score = np.asarray(truth, float), np.asarray(score, float)
        if len(truth) != len(score):
            raise ValueError("unpaired_delta: each side's truth and scores must be the same rows")
        measure = prepared(metric, 0.5, truth, score)
        point = float(measure(np.ones((1, len(truth))))[0])
        drawn = [measure(w) for w in draws(len(truth), resamples, seed + k)]
        sides.append((point, np.concatenate(drawn) if drawn else np.zeros(0)))
    (base, base_draws), (new, new_draws) = sides
    return _interval(metric, len(new_truth), base, new, new_draws - base_draws, confidence,
                     resamples)  # fmt: skip


def paired_delta(
    metric: str, truth: np.ndarray, base_score: np.ndarray, new_score: np.ndarray,
    *, threshold: float = 0.5, resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
) -> DeltaInterval:  # fmt: skip
    """The change in `metric` from `base_score` to `new_score` on the same rows and its
    paired-bootstrap percentile interval (paired_deltas for one metric)."""
    return paired_deltas(
        [metric],
        truth,
        base_score,
        new_score,
        threshold=threshold,
        resamples=resamples,
        confidence=confidence,
        seed=seed,
    )[metric]


def slice_deltas(
    frame: pd.DataFrame, truth: np.ndarray, base_score: np.ndarray, new_score: np.ndarray,
    columns: list[str], *, metric: str = "roc_auc", threshold: float = 0.5,
    resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
) -> dict[tuple[str, str], DeltaInterval]:  # fmt: skip
    """(column, value) -> the change in `metric` on that slice's rows (a value of one of
    `columns` in `frame`), each slice bootstrapped on its own rows; named as slices.json
    names them. A slice with one class has no interval (NaN bounds)."""
    from flight_delay.core.metrics import slice_key

    found = {}
    for column in columns:
        for value, rows in frame.groupby(column, sort=True, observed=True).indices.items():
            found[(column, slice_key(value))] = paired_delta(
                metric, truth[rows], base_score[rows], new_score[rows], threshold=threshold,
                resamples=resamples, confidence=confidence, seed=seed)  # fmt: skip
    return found
