"""PNG images of the evaluation (the same data DVC plots renders from CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flight_delay.infra.figures import new_axes, save_png
from flight_delay.infra.paths import CALIBRATION_COLUMNS


def roc_png(curve: pd.DataFrame, roc_auc: float, target: Path) -> None:
    figure, axes = new_axes(
        f"ROC, test (AUC {roc_auc:.3f})", "false positive rate", "true positive rate"
    )
    axes.plot(curve["fpr"], curve["tpr"])
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey")
    save_png(figure, target)


def precision_recall_png(curve: pd.DataFrame, base_rate: float, target: Path) -> None:
    figure, axes = new_axes("Precision-recall, test", "recall", "precision")
    axes.plot(curve["recall"], curve["precision"])
    axes.axhline(base_rate, linestyle=":", color="grey", label=f"base rate {base_rate:.3f}")
    axes.legend()
    save_png(figure, target)


def calibration_png(curve: pd.DataFrame, positive_class: str, target: Path) -> None:
    """`curve`: calibration_points' table; `positive_class`: the name of class 1."""
    predicted, observed = CALIBRATION_COLUMNS
    ylabel = f"fraction {positive_class}"
    figure, axes = new_axes("Calibration, test", "mean predicted probability", ylabel)
    axes.plot(curve[predicted], curve[observed], marker="o")
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey")
    save_png(figure, target)


def confusion_png(
    metrics: dict[str, Any], threshold: float, class_names: tuple[str, str], target: Path
) -> None:
    counts = np.array([[metrics["tn"], metrics["fp"]], [metrics["fn"], metrics["tp"]]])
    figure, axes = new_axes(f"Confusion matrix, threshold {threshold}", "predicted", "actual")
    axes.imshow(counts, cmap="Blues")
    for (row, col), count in np.ndenumerate(counts):
        color = "white" if count > counts.max() / 2 else "black"  # readable on dark cells
        axes.text(col, row, f"{count:,}", ha="center", va="center", color=color)
    axes.set_xticks([0, 1], list(class_names))
    axes.set_yticks([0, 1], list(class_names))
    save_png(figure, target)


def importance_png(importance: pd.DataFrame, target: Path) -> None:
    ordered = importance.sort_values("importance_mean")
    figure, axes = new_axes("Permutation importance (ROC AUC drop)", "mean drop", "")
    axes.barh(ordered["feature"], ordered["importance_mean"], xerr=ordered["importance_std"])
    save_png(figure, target)


def group_importance_png(groups: pd.DataFrame, target: Path) -> None:
    ordered = groups.sort_values("importance_mean")
    figure, axes = new_axes("Grouped permutation importance", "ROC AUC drop (group shuffled)", "")
    axes.barh(ordered["group"], ordered["importance_mean"], xerr=ordered["importance_std"])
    save_png(figure, target)
