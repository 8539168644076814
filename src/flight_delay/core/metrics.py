"""Pure metric functions for `evaluate`: scores in, plain dicts and frames out."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from flight_delay.infra.paths import CALIBRATION_COLUMNS


def _round(value: float) -> float:
    return round(float(value), 6)


def classification_metrics(
    y_true: np.ndarray, score: np.ndarray, threshold: float
) -> dict[str, Any]:
    predicted = (score >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y_true, predicted, labels=[0, 1]).ravel()
    values = {
        "roc_auc": roc_auc_score(y_true, score),
        "pr_auc": average_precision_score(y_true, score),
        "log_loss": log_loss(y_true, score, labels=[0, 1]),
        "brier": brier_score_loss(y_true, score),
        "f1": f1_score(y_true, predicted, zero_division=0),
        "precision": precision_score(y_true, predicted, zero_division=0),
        "recall": recall_score(y_true, predicted, zero_division=0),
        "base_rate": np.mean(y_true),
        "mean_score": np.mean(score),
    }
    counts = {"rows": len(y_true), "tp": tp, "fp": fp, "tn": tn, "fn": fn}
    return {**{k: _round(v) for k, v in values.items()}, **{k: int(v) for k, v in counts.items()}}


def slice_key(value: object) -> str:
    """How slices.json names a slice's value (12.0 as "12")."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def slice_metrics(
    frame: pd.DataFrame, score: np.ndarray, label: str, columns: list[str], min_rows: int = 50
) -> dict[str, Any]:
    """Per value of each slice column: rows, base rate, mean score, ROC AUC when defined."""
    scored = frame.assign(_score=score)
    slices: dict[str, Any] = {}
    for column in columns:
        entries = {}
        for value, group in scored.groupby(column, sort=True, observed=True):
            both_classes = group[label].nunique() == 2 and len(group) >= min_rows
            entries[slice_key(value)] = {
                "rows": len(group),
                "base_rate": _round(group[label].mean()),
                "mean_score": _round(group["_score"].mean()),
                "roc_auc": _round(roc_auc_score(group[label], group["_score"]))
                if both_classes
                else None,
            }
        slices[column] = entries
    return slices


def _thin(frame: pd.DataFrame, points: int) -> pd.DataFrame:
    """At most `points` evenly spaced rows, always keeping the first and last."""
    if len(frame) <= points:
        return frame.reset_index(drop=True)
    keep = np.unique(np.linspace(0, len(frame) - 1, points).round().astype(int))
    return frame.iloc[keep].reset_index(drop=True)


def roc_points(y_true: np.ndarray, score: np.ndarray, points: int) -> pd.DataFrame:
    fpr, tpr, thresholds = roc_curve(y_true, score)
    curve = pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": np.minimum(thresholds, 1.0)})
    return _thin(curve, points).round(6)


def precision_recall_points(y_true: np.ndarray, score: np.ndarray, points: int) -> pd.DataFrame:
    precision, recall, thresholds = precision_recall_curve(y_true, score)
    curve = pd.DataFrame(
        {"recall": recall[:-1], "precision": precision[:-1], "threshold": thresholds}
    )
    return _thin(curve, points).round(6)


def calibration_points(y_true: np.ndarray, score: np.ndarray, bins: int) -> pd.DataFrame:
    """Mean predicted probability and the observed positive rate per quantile bin."""
    fraction, mean_predicted = calibration_curve(y_true, score, n_bins=bins, strategy="quantile")
    predicted_column, observed_column = CALIBRATION_COLUMNS
    return pd.DataFrame({predicted_column: mean_predicted, observed_column: fraction}).round(6)
