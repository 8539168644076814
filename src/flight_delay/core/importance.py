"""Which features the model relies on: permutation importance, per feature and per group.

Shuffling one column at a time understates features that share their signal
(the seven weather columns, the route and its endpoints): the model falls back
on the others. Shuffling a whole group at once measures what the group carries
as a whole, which is the question the hypothesis in docs/data-definition.md asks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline


def importance_sample(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    """The rows importance is measured on: a fixed sample, the same for every method."""
    return frame.sample(n=min(max_rows, len(frame)), random_state=seed).reset_index(drop=True)


def feature_importance(
    model: Pipeline, sample: pd.DataFrame, columns: list[str], label: str, repeats: int, seed: int
) -> pd.DataFrame:
    """Drop in ROC AUC when each raw feature column is shuffled."""
    result = permutation_importance(
        model, sample[columns], sample[label], scoring="roc_auc",
        n_repeats=repeats, random_state=seed, n_jobs=1,
    )  # fmt: skip
    table = pd.DataFrame(
        {
            "feature": columns,
            "importance_mean": result.importances_mean,
            "importance_std": result.importances_std,
        }
    )
    return table.sort_values(["importance_mean", "feature"], ascending=[False, True]).round(6)


def group_importance(
    model: Pipeline,
    sample: pd.DataFrame,
    columns: list[str],
    groups: dict[str, list[str]],
    label: str,
    repeats: int,
    seed: int,
) -> pd.DataFrame:
    """Drop in ROC AUC when all columns of a group are shuffled together (rows keep
    their values within the group, so the group's own correlations survive)."""
    rng = np.random.default_rng(seed)
    features = sample[columns].reset_index(drop=True)
    truth = sample[label].to_numpy()
    baseline = roc_auc_score(truth, model.predict_proba(features)[:, 1])
    rows = []
    for group, members in groups.items():
        drops = []
        for _ in range(repeats):
            order = rng.permutation(len(features))
            shuffled = features.assign(
                **{c: features[c].iloc[order].reset_index(drop=True) for c in members}
            )
            drops.append(baseline - roc_auc_score(truth, model.predict_proba(shuffled)[:, 1]))
        rows.append({"group": group, "columns": " ".join(members),
                     "importance_mean": float(np.mean(drops)),
                     "importance_std": float(np.std(drops))})  # fmt: skip
    table = pd.DataFrame(rows, columns=["group", "columns", "importance_mean", "importance_std"])
    return table.sort_values(["importance_mean", "group"], ascending=[False, True]).round(6)
