"""PNG images for the PR report: the base and the candidate drawn on the same axes.

Each function takes the two sides (the base may be absent) and writes one image.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from flight_delay.infra.figures import new_axes, save_png

BASE_STYLE = {"linestyle": "--", "color": "tab:grey"}
NEW_STYLE = {"linestyle": "-", "color": "tab:blue"}
NEW = "this PR"  # the side being reviewed


def _label(side: str, value: float | None, name: str) -> str:
    return side if value is None else f"{side} ({name} {value:.3f})"


def overlaid_curves_png(
    curves: dict[str, pd.DataFrame | None],
    columns: tuple[str, str],
    title: str,
    axis_labels: tuple[str, str],
    target: Path,
    scores: dict[str, float | None] | None = None,
    diagonal: bool = False,
) -> None:
    """One line per side (`base`, `this PR`); `scores` adds e.g. the AUC to the legend."""
    figure, axes = new_axes(title, *axis_labels)
    x, y = columns
    for side, style in ((NEW, NEW_STYLE), ("base", BASE_STYLE)):  # base on top: both show
        curve = curves.get(side)
        if curve is not None:
            score = (scores or {}).get(side)
            axes.plot(curve[x], curve[y], label=_label(side, score, "AUC"), **style)
    if diagonal:
        axes.plot([0, 1], [0, 1], linestyle=":", color="lightgrey")
    axes.legend()
    save_png(figure, target)


def confusion_pair_png(
    sides: dict[str, dict], threshold: float | None, class_names: tuple[str, str], target: Path
) -> None:
    """A confusion matrix per side that has the counts (tn, fp, fn, tp)."""
    figure = Figure(figsize=(4.5 * len(sides), 4))
    at = f" at {threshold}" if threshold is not None else ""
    for index, (side, counts) in enumerate(sides.items(), start=1):
        axes = figure.add_subplot(1, len(sides), index)
        table = np.array([[counts["tn"], counts["fp"]], [counts["fn"], counts["tp"]]])
        axes.imshow(table, cmap="Blues")
        for (row, col), count in np.ndenumerate(table):
            color = "white" if count > table.max() / 2 else "black"  # readable on dark cells
            axes.text(col, row, f"{int(count):,}", ha="center", va="center", color=color)
        axes.set(title=f"{side}: confusion{at}", xlabel="predicted", ylabel="actual")
        axes.set_xticks([0, 1], list(class_names))
        axes.set_yticks([0, 1], list(class_names))
    save_png(figure, target)


def importance_pair_png(
    new: pd.DataFrame, base: pd.DataFrame | None, top: int, target: Path
) -> None:
    """The candidate's `top` features as bars, the base's value of each as a marker."""
    shown = new.nlargest(top, "importance_mean").iloc[::-1]
    figure, axes = new_axes(f"Permutation importance, top {top}", "ROC AUC drop", "")
    axes.barh(shown["feature"], shown["importance_mean"], color="tab:blue", label=NEW)
    if base is not None:
        base_values = base.groupby("feature")["importance_mean"].first()
        known = shown[shown["feature"].isin(base_values.index)]
        axes.scatter(
            base_values[known["feature"]], known["feature"], color="black", marker="|",
            s=200, label="base",
        )  # fmt: skip
    axes.legend()
    save_png(figure, target)
