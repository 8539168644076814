"""The feature table: context columns, the configured model inputs (numbers as float64)
and the label, checked against the rules that serving checks requests against.

Encoding and scaling are not done here: they live in the model's sklearn Pipeline
(core/models.py), so one artifact maps these raw feature columns to a prediction.
"""

from __future__ import annotations

import pandas as pd

from flight_delay.core.feature_rules import FeatureError, InputRules, frame_problems
from flight_delay.infra.config import FeaturesConfig


def select_features(
    frame: pd.DataFrame, features: FeaturesConfig, rules: InputRules, context: list[str],
    label: str,
) -> pd.DataFrame:  # fmt: skip
    """Context columns (those that are not also inputs), the inputs and the label;
    FeatureError naming each missing column or broken rule."""
    missing = [c for c in features.columns if c not in frame.columns]
    if missing:
        raise FeatureError(f"features: no column {missing}; available: {sorted(frame.columns)}")
    numeric = frame[features.numeric].astype("float64")
    problems = frame_problems(pd.concat([numeric, frame[features.categorical]], axis=1), rules)
    if problems:
        raise FeatureError("features break their rules (the dataset's feature rules):\n  "
                           + "\n  ".join(problems))  # fmt: skip
    kept = [c for c in context if c not in features.columns]
    return pd.concat([frame[kept], numeric, frame[features.categorical], frame[[label]]], axis=1)
