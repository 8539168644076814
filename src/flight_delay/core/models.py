"""The sklearn Pipeline for a `model/` config: encoding + estimator in one artifact."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from flight_delay.infra.config import (
    FeaturesConfig,
    HistGradientBoostingConfig,
    LightGBMConfig,
    LogisticRegressionConfig,
    ModelConfig,
    RandomForestConfig,
)


def _ordinal(unknown: float) -> OrdinalEncoder:
    return OrdinalEncoder(
        handle_unknown="use_encoded_value",
        unknown_value=unknown,
        encoded_missing_value=unknown,
        dtype=np.float64,
    )


def _columns(features: FeaturesConfig, categorical: Any, numeric: Any) -> ColumnTransformer:
    return ColumnTransformer(
        [
            ("categorical", categorical, features.categorical),
            ("numeric", numeric, features.numeric),
        ],
        verbose_feature_names_out=False,
    )


def lightgbm_classifier(model: LightGBMConfig, seed: int) -> Any:
    """LightGBM's classifier for the config; `deterministic`: the same data, parameters
    and threads give the same trees."""
    from lightgbm import LGBMClassifier

    return LGBMClassifier(
        learning_rate=model.learning_rate,
        n_estimators=model.n_estimators,
        num_leaves=model.num_leaves,
        min_child_samples=model.min_child_samples,
        reg_lambda=model.reg_lambda,
        n_jobs=model.n_jobs,
        random_state=seed,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )


def tree_columns(features: FeaturesConfig) -> ColumnTransformer:
    """The trees' encoding: categories as ordinal codes (missing or unknown: NaN), numbers
    as they are; the categorical inputs come first."""
    return _columns(features, _ordinal(np.nan), "passthrough")


def fit_arguments(model: ModelConfig, features: FeaturesConfig) -> dict[str, Any]:
    """What Pipeline.fit passes the classifier: LightGBM learns which columns are
    categories at fit."""
    if isinstance(model, LightGBMConfig):
        return {"classifier__categorical_feature": list(range(len(features.categorical)))}
    return {}


def build_model(model: ModelConfig, features: FeaturesConfig, seed: int) -> Pipeline:
    n_categorical = len(features.categorical)
    if isinstance(model, LightGBMConfig):
        return Pipeline(
            [("columns", tree_columns(features)), ("classifier", lightgbm_classifier(model, seed))]
        )
    if isinstance(model, HistGradientBoostingConfig):
        columns = tree_columns(features)
        estimator = HistGradientBoostingClassifier(
            learning_rate=model.learning_rate,
            max_iter=model.max_iter,
            max_leaf_nodes=model.max_leaf_nodes,
            min_samples_leaf=model.min_samples_leaf,
            l2_regularization=model.l2_regularization,
            early_stopping=False,
            categorical_features=[i < n_categorical for i in range(len(features.columns))],
            random_state=seed,
        )
    elif isinstance(model, LogisticRegressionConfig):
        scaled = Pipeline(
            [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
        )
        onehot = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20)
        columns = _columns(features, onehot, scaled)
        estimator = LogisticRegression(C=model.C, max_iter=model.max_iter, random_state=seed)
    elif isinstance(model, RandomForestConfig):
        columns = _columns(features, _ordinal(-1), SimpleImputer(strategy="median"))
        estimator = RandomForestClassifier(
            n_estimators=model.n_estimators,
            max_depth=model.max_depth,
            min_samples_leaf=model.min_samples_leaf,
            n_jobs=model.n_jobs,
            random_state=seed,
        )
    else:  # pragma: no cover - pydantic rejects other names first
        raise TypeError(f"unsupported model config {type(model).__name__}")
    return Pipeline([("columns", columns), ("classifier", estimator)])


def fit_model(
    train: pd.DataFrame, label: str, features: FeaturesConfig, model: ModelConfig, seed: int
) -> Pipeline:
    """The configured pipeline fitted on `train`'s input columns and its `label`."""
    pipeline = build_model(model, features, seed)
    return pipeline.fit(train[features.columns], train[label], **fit_arguments(model, features))


def fitted_categories(pipeline: Any) -> list[Any]:
    """The categories the pipeline's encoder learned, one array per categorical input; none
    when the model has no categorical input (sklearn then leaves the encoder unfitted)."""
    encoder = pipeline.named_steps["columns"].named_transformers_["categorical"]
    return list(getattr(encoder, "categories_", []))
