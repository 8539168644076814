"""What `evaluate` computes from a fitted model and the scored splits: metrics per split,
slice metrics, the curves, and which features the model relies on (permutation importance
per feature and per group, SHAP values on a sample). Pure: frames in, frames and dicts out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from flight_delay.core import explanations
from flight_delay.core import metrics as m
from flight_delay.core.importance import feature_importance, group_importance, importance_sample
from flight_delay.infra.config import EvaluateConfig, FeaturesConfig, PipelineConfig
from flight_delay.infra.progress import say, step


def score(model: Pipeline, frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return np.asarray(model.predict_proba(frame[columns])[:, 1], dtype=np.float64)


def evaluate(
    model: Pipeline, splits: dict[str, pd.DataFrame], config: PipelineConfig, label: str
) -> dict[str, Any]:
    """`label`: the column of the true classes in `splits`."""
    columns, ev = config.features.columns, config.evaluate
    scores = {name: score(model, frame, columns) for name, frame in splits.items()}
    test, test_score = splits["test"], scores["test"]
    truth = test[label].to_numpy()
    results = {
        "metrics": {
            name: m.classification_metrics(
                frame[label].to_numpy(), scores[name], ev.decision_threshold
            )
            for name, frame in splits.items()
        },
        "slices": m.slice_metrics(
            test, test_score, label, [c for c in ev.slice_columns if c in test.columns]
        ),
        "roc": m.roc_points(truth, test_score, ev.curve_points),
        "precision_recall": m.precision_recall_points(truth, test_score, ev.curve_points),
        "calibration": m.calibration_points(truth, test_score, ev.calibration_bins),
    }
    results |= reliance(model, test, config.features, ev, config.seed, label)
    return results


def reliance(
    model: Pipeline, test: pd.DataFrame, features: FeaturesConfig, ev: EvaluateConfig,
    seed: int, label: str,
) -> dict[str, Any]:  # fmt: skip
    """Permutation importance per feature and per group; SHAP values on a sample."""
    columns, groups = features.columns, features.resolved_groups()
    sample = importance_sample(test, ev.permutation_max_rows, seed)
    with step("evaluate", "permutation importance"):
        per_feature = feature_importance(
            model, sample, columns, label, ev.permutation_repeats, seed
        )
        per_group = group_importance(
            model, sample, columns, groups, label, ev.permutation_repeats, seed
        )
    per_group["mean_abs_shap"] = float("nan")  # filled below when SHAP values are computed
    found = {"importance": per_feature, "group_importance": per_group, "shap": None}
    if ev.shap_max_rows == 0:
        return found
    explained = importance_sample(test, ev.shap_max_rows, seed)
    try:
        with step("evaluate", f"SHAP values of {len(explained):,} rows"):
            values = explanations.shap_by_feature(model, explained, columns)
    except explanations.ExplainError as err:
        say("evaluate", f"no SHAP values: {err}")
        return found
    per_group["mean_abs_shap"] = per_group["group"].map(explanations.group_shap(values, groups))
    return found | {"shap": (values, explained)}


def trained_on(config: PipelineConfig) -> dict[str, Any]:
    """The params that shaped the model and its evaluation (not gate, registry, serving
    or monitoring settings)."""
    return config.model_dump(
        mode="json",
        exclude={"gate": True, "registry": True, "serve": True, "monitor": True,
                 "features": {"groups"}},
    )  # fmt: skip
