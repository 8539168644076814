"""The paired bootstrap: weighted metrics equal sklearn's on repeated rows, identical
models give no change at all, and planted data tell a real regression from noise."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

from flight_delay.core.intervals import paired_delta, weighted_metric

SKLEARN = {
    "roc_auc": roc_auc_score,
    "pr_auc": average_precision_score,
    "brier": brier_score_loss,
    "log_loss": lambda t, s: log_loss(t, s, labels=[0, 1]),
    "precision": lambda t, s: precision_score(t, s >= 0.5, zero_division=0),
    "recall": lambda t, s: recall_score(t, s >= 0.5, zero_division=0),
    "f1": lambda t, s: f1_score(t, s >= 0.5, zero_division=0),
}


def scored(rows: int, skill: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and the scores of a model whose log-odds carry `skill` times the truth (ties
    included: scores rounded to 2 digits)."""
    rng = np.random.default_rng(seed)
    truth = (rng.random(rows) < 0.3).astype(int)
    logit = skill * (2 * truth - 1) + rng.normal(size=rows)
    return truth, np.round(1 / (1 + np.exp(-logit)), 2)


@pytest.mark.parametrize("metric", sorted(SKLEARN))
def test_a_weighted_metric_is_sklearns_on_the_rows_repeated_by_their_weights(metric):
    truth, score = scored(400, 0.8, seed=1)
    counts = np.random.default_rng(2).integers(0, 4, size=(3, len(truth))).astype(float)
    found = weighted_metric(metric, 0.5)(truth.astype(float), score, counts)
    for k, w in enumerate(counts):
        rows = np.repeat(np.arange(len(truth)), w.astype(int))
        assert found[k] == pytest.approx(SKLEARN[metric](truth[rows], score[rows]), abs=1e-12)


def test_the_same_model_on_both_sides_is_no_change_at_all():
    truth, score = scored(5_000, 0.8, seed=3)
    same = paired_delta("roc_auc", truth, score, score, resamples=200, seed=0)
    assert (same.delta, same.low, same.high) == (0.0, 0.0, 0.0)
    assert not same.excludes_zero and not same.worse_beyond(0.0)


def test_a_small_real_regression_on_many_rows_is_clear_and_on_few_rows_is_not():
    truth, good = scored(60_000, 0.8, seed=4)
    rng = np.random.default_rng(5)
    worse = np.clip(good + rng.normal(scale=0.08, size=len(good)), 0, 1)  # noisier scores
    many = paired_delta("roc_auc", truth, good, worse, resamples=300, seed=0)
    assert -0.03 < many.delta < -0.005  # small, and real
    assert many.high < 0 and many.excludes_zero
    assert many.worse_beyond(0.005)
    assert not many.worse_beyond(-many.delta + 0.01)  # not clearly beyond a wide tolerance
    few = paired_delta("roc_auc", truth[:150], good[:150], worse[:150], resamples=300, seed=0)
    assert few.high - few.low > 8 * (many.high - many.low)
    assert few.delta < -0.005 and not few.worse_beyond(0.005)  # beyond it, but not clearly


def test_the_interval_is_seeded_and_lower_is_better_metrics_turn_round():
    truth, good = scored(3_000, 0.8, seed=6)
    worse = np.clip(good + 0.1, 0, 1)  # overconfident: a higher Brier score
    first = paired_delta("brier", truth, good, worse, resamples=200, seed=7)
    assert first == paired_delta("brier", truth, good, worse, resamples=200, seed=7)
    assert first != paired_delta("brier", truth, good, worse, resamples=200, seed=8)
    assert first.delta > 0 and first.low > 0 and first.worse_beyond(0.0)


def test_rows_that_differ_between_the_sides_are_refused():
    with pytest.raises(ValueError, match="same rows"):
        paired_delta("roc_auc", np.zeros(3), np.zeros(3), np.zeros(4))


def test_unpaired_delta_resamples_each_side_and_tells_a_clear_drop_from_noise():
    from flight_delay.core.intervals import unpaired_delta

    truth, good = scored(20_000, 0.8, seed=9)
    later, worse = scored(20_000, 0.5, seed=10)  # other rows, a weaker signal
    clear = unpaired_delta("roc_auc", truth, good, later, worse, resamples=200)
    assert clear.base == pytest.approx(SKLEARN["roc_auc"](truth, good), abs=1e-12)
    assert clear.new == pytest.approx(SKLEARN["roc_auc"](later, worse), abs=1e-12)
    assert clear.rows == 20_000 and clear.high < 0 and clear.worse_beyond(0.03)
    few = unpaired_delta("roc_auc", truth, good, later[:80], worse[:80], resamples=200)
    assert few.high - few.low > 4 * (clear.high - clear.low)
    assert not few.worse_beyond(0.03)
    assert few == unpaired_delta("roc_auc", truth, good, later[:80], worse[:80], resamples=200)


def test_shared_draws_give_each_metric_the_interval_it_has_alone():
    from flight_delay.core.intervals import paired_deltas

    truth, good = scored(2_000, 0.8, seed=11)
    worse = np.clip(good + np.random.default_rng(12).normal(scale=0.1, size=len(good)), 0, 1)
    together = paired_deltas(sorted(SKLEARN), truth, good, worse, resamples=200, seed=3)
    for metric in SKLEARN:
        assert together[metric] == paired_delta(metric, truth, good, worse, resamples=200, seed=3)


def test_unpaired_sides_must_each_be_whole_and_a_one_class_side_has_no_interval():
    from flight_delay.core.intervals import unpaired_delta

    truth, score = scored(500, 0.8, seed=13)
    with pytest.raises(ValueError, match="each side's truth and scores must be the same rows"):
        unpaired_delta("roc_auc", truth, score, truth, score[:-1], resamples=10)
    one_class = unpaired_delta("roc_auc", truth, score, np.ones(50), score[:50], resamples=200)
    assert not one_class.finite and not one_class.settled and one_class.defined == 0
