from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from pydantic import TypeAdapter

from flight_delay.core.models import build_model, fit_model
from flight_delay.infra.config import ModelConfig

MODEL_NAMES = ["hist_gradient_boosting", "lightgbm", "logistic_regression", "random_forest"]

LABEL = "late"  # the hand-made frames' label (tests/unit/conftest.py)


def model_config(repo_root, name: str) -> ModelConfig:
    raw = yaml.safe_load((repo_root / f"conf/model/{name}.yaml").read_text())
    return TypeAdapter(ModelConfig).validate_python(raw)


@pytest.fixture
def unseen() -> pd.DataFrame:
    """Rows unlike any training row: unseen categories and missing values."""
    return pd.DataFrame(
        {
            "distance_km": [500.0, np.nan, 1000.0],
            "items": [np.nan, 40.0, 60.0],
            "shop": pd.array(["zz", None, "a"], dtype="str"),
            "region": pd.array(["west", "north", None], dtype="str"),
        }
    )


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_each_model_config_fits_and_scores_unseen_rows(
    repo_root, training_frame, small_features, unseen, name
):
    model = fit_model(training_frame, LABEL, small_features, model_config(repo_root, name), 0)

    proba = model.predict_proba(unseen[small_features.columns])
    assert proba.shape == (3, 2)
    assert np.isfinite(proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_each_model_learns_the_late_prone_shop(repo_root, training_frame, small_features, name):
    model = fit_model(training_frame, LABEL, small_features, model_config(repo_root, name), 0)
    score = model.predict_proba(training_frame[small_features.columns])[:, 1]
    is_a = (training_frame["shop"] == "a").to_numpy()
    assert score[is_a].mean() > score[~is_a].mean() + 0.3


def test_gradient_boosting_treats_exactly_the_categorical_columns_as_categorical(
    repo_root, training_frame, small_features
):
    model = build_model(model_config(repo_root, "hist_gradient_boosting"), small_features, seed=0)
    model.fit(training_frame[small_features.columns], training_frame[LABEL])
    names = list(model.named_steps["columns"].get_feature_names_out())
    assert names == ["shop", "region", "distance_km", "items"]
    is_categorical = model.named_steps["classifier"].is_categorical_.tolist()
    assert is_categorical == [name in small_features.categorical for name in names]


def test_lightgbm_splits_on_categories_only_in_the_categorical_columns(
    repo_root, training_frame, small_features
):
    config = model_config(repo_root, "lightgbm")
    model = fit_model(training_frame, LABEL, small_features, config, seed=0)
    names = list(model.named_steps["columns"].get_feature_names_out())
    assert names == ["shop", "region", "distance_km", "items"]

    def splits(node):
        if "split_feature" not in node:
            return []
        here = [(names[node["split_feature"]], node["decision_type"])]
        return here + splits(node["left_child"]) + splits(node["right_child"])

    trees = model.named_steps["classifier"].booster_.dump_model()["tree_info"]
    found = {split for tree in trees for split in splits(tree["tree_structure"])}
    assert ("shop", "==") in found  # the late-prone shop, as a category
    assert {kind for name, kind in found if name in small_features.categorical} == {"=="}
    assert {kind for name, kind in found if name in small_features.numeric} <= {"<="}


def test_same_seed_gives_the_same_model(repo_root, training_frame, small_features):
    config = model_config(repo_root, "random_forest")
    X, y = training_frame[small_features.columns], training_frame[LABEL]
    first = build_model(config, small_features, seed=3).fit(X, y).predict_proba(X)
    second = build_model(config, small_features, seed=3).fit(X, y).predict_proba(X)
    # n_jobs=2 sums the trees in thread order: equal up to rounding, not bit for bit.
    np.testing.assert_allclose(first, second, rtol=1e-12)
    other = build_model(config, small_features, seed=4).fit(X, y).predict_proba(X)
    assert not np.allclose(first, other)


def test_hyperparameters_reach_the_estimator(repo_root, small_features):
    config = model_config(repo_root, "random_forest")
    forest = build_model(config, small_features, seed=7).named_steps["classifier"]
    assert (forest.n_estimators, forest.max_depth, forest.random_state) == (
        config.n_estimators,
        config.max_depth,
        7,
    )
