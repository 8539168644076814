from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flight_delay.core.metrics import (
    calibration_points,
    classification_metrics,
    precision_recall_points,
    roc_points,
    slice_metrics,
)

# Of the 2 x 2 (delayed, on time) pairs, 3 are ranked right: ROC AUC 0.75.
Y_TRUE = np.array([0, 0, 1, 1])
SCORE = np.array([0.1, 0.4, 0.35, 0.8])


def test_classification_metrics_on_a_known_example():
    result = classification_metrics(Y_TRUE, SCORE, threshold=0.5)
    # Only 0.8 is at or above 0.5: one true positive, one missed delay.
    assert {k: result[k] for k in ("rows", "tp", "fp", "tn", "fn")} == {
        "rows": 4,
        "tp": 1,
        "fp": 0,
        "tn": 2,
        "fn": 1,
    }
    assert result["roc_auc"] == 0.75
    assert result["precision"] == 1.0
    assert result["recall"] == 0.5
    assert result["f1"] == pytest.approx(2 / 3, abs=1e-6)
    assert result["base_rate"] == 0.5
    assert result["mean_score"] == 0.4125
    assert result["brier"] == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4, abs=1e-6)


def test_threshold_is_inclusive():
    result = classification_metrics(Y_TRUE, SCORE, threshold=0.35)
    assert (result["tp"], result["fp"], result["tn"], result["fn"]) == (2, 1, 1, 0)


def test_metrics_are_plain_rounded_numbers():
    result = classification_metrics(Y_TRUE, SCORE / 3, threshold=0.5)
    assert all(type(v) in (int, float) for v in result.values())
    assert all(round(v, 6) == v for v in result.values())
    assert result["precision"] == 0.0  # nothing predicted delayed: no error, zero


@pytest.fixture
def scored() -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.DataFrame(
        {
            "carrier": ["AA", "AA", "AA", "AA", "UA", "UA"],
            "month": [1.0, 1.0, 2.0, 2.0, 1.0, 2.0],
            "delayed": [0, 1, 0, 1, 1, 1],
        }
    )
    return frame, np.array([0.2, 0.7, 0.6, 0.4, 0.9, 0.5])


def test_slice_metrics_per_value_of_each_column(scored):
    # AA: delayed at 0.7 and 0.4, on time at 0.2 and 0.6: 3 of 4 pairs ranked right.
    frame, score = scored
    slices = slice_metrics(frame, score, "delayed", ["carrier", "month"], min_rows=2)
    assert slices["carrier"]["AA"] == {
        "rows": 4,
        "base_rate": 0.5,
        "mean_score": 0.475,
        "roc_auc": 0.75,
    }
    assert list(slices["month"]) == ["1", "2"]  # 1.0 and 2.0, written as months
    assert slices["month"]["1"]["roc_auc"] == 1.0


def test_slice_with_a_single_class_has_no_roc_auc(scored):
    frame, score = scored
    slices = slice_metrics(frame, score, "delayed", ["carrier"], min_rows=2)
    assert slices["carrier"]["UA"]["roc_auc"] is None  # every UA flight was delayed
    assert slices["carrier"]["UA"]["base_rate"] == 1.0


def test_slice_smaller_than_min_rows_has_no_roc_auc(scored):
    frame, score = scored
    slices = slice_metrics(frame, score, "delayed", ["carrier"], min_rows=5)
    assert slices["carrier"]["AA"]["roc_auc"] is None
    assert slices["carrier"]["AA"]["rows"] == 4


@pytest.fixture
def many_scores() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    return y, np.clip(0.3 * y + rng.uniform(0, 0.7, 500), 0, 1)


@pytest.mark.parametrize("points", [2, 7, 50])
def test_roc_points_are_thinned_keeping_both_ends(many_scores, points):
    y, score = many_scores
    curve = roc_points(y, score, points)
    assert 2 <= len(curve) <= points
    assert curve.iloc[0][["fpr", "tpr"]].tolist() == [0.0, 0.0]
    assert curve.iloc[-1][["fpr", "tpr"]].tolist() == [1.0, 1.0]
    assert curve["fpr"].is_monotonic_increasing
    assert curve["threshold"].max() <= 1.0  # roc_curve starts at +inf


@pytest.mark.parametrize("points", [2, 7, 50])
def test_precision_recall_points_are_thinned_keeping_both_ends(many_scores, points):
    y, score = many_scores
    full = precision_recall_points(y, score, 10**6)
    curve = precision_recall_points(y, score, points)
    assert len(full) > points
    assert 2 <= len(curve) <= points
    pd.testing.assert_series_equal(curve.iloc[0], full.iloc[0])
    pd.testing.assert_series_equal(curve.iloc[-1], full.iloc[-1], check_names=False)
    assert curve.iloc[0]["recall"] == 1.0


def test_short_curves_are_kept_whole():
    curve = roc_points(Y_TRUE, SCORE, points=100)
    assert len(curve) == len(set(SCORE)) + 1
    assert curve.index.tolist() == list(range(len(curve)))


def test_calibration_points_have_at_most_one_row_per_bin(many_scores):
    y, score = many_scores
    table = calibration_points(y, score, bins=5)
    assert list(table.columns) == ["mean_predicted", "fraction_positive"]
    assert len(table) <= 5
    assert table["mean_predicted"].is_monotonic_increasing
    assert table["fraction_positive"].between(0, 1).all()
