"""Ablation: the configured model fitted on named subsets of the features, each scored on
held-out rows, so that a hypothesis about which features carry the signal can be tested
(a dataset's hypothesis module names the subsets and the decision rule)."""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import roc_auc_score

from flight_delay.core.importance import importance_sample
from flight_delay.core.models import build_model
from flight_delay.infra.config import FeaturesConfig, ModelConfig


def restricted(features: FeaturesConfig, columns: list[str]) -> FeaturesConfig:
    """The features config with only `columns` as inputs (their kinds kept)."""
    return FeaturesConfig(
        numeric=[c for c in features.numeric if c in columns],
        categorical=[c for c in features.categorical if c in columns],
    )


def ablation(
    train: pd.DataFrame,
    valid: pd.DataFrame,
    sets: dict[str, list[str]],
    features: FeaturesConfig,
    model: ModelConfig,
    label: str,
    seed: int,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Valid ROC AUC of `model` fitted on each set's columns of `train` (a seeded sample of
    `max_rows` rows when given): one row per set (set, columns, roc_auc)."""
    if max_rows is not None:
        train = importance_sample(train, max_rows, seed)
    rows = []
    for name, columns in sets.items():
        chosen = restricted(features, columns)
        fitted = build_model(model, chosen, seed).fit(train[chosen.columns], train[label])
        score = fitted.predict_proba(valid[chosen.columns])[:, 1]
        rows.append({"set": name, "columns": " ".join(columns),
                     "roc_auc": round(float(roc_auc_score(valid[label], score)), 6)})  # fmt: skip
    return pd.DataFrame(rows, columns=["set", "columns", "roc_auc"])
