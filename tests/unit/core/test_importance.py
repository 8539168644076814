from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flight_delay.core.explanations import (
    ExplainError,
    group_shap,
    shap_by_feature,
    shap_importance,
    shap_summary_png,
    source_columns,
)
from flight_delay.core.importance import group_importance
from flight_delay.core.models import fit_model
from flight_delay.infra.config import (
    HistGradientBoostingConfig,
    LightGBMConfig,
    LogisticRegressionConfig,
    RandomForestConfig,
)

HGB = HistGradientBoostingConfig(
    name="hist_gradient_boosting", learning_rate=0.1, max_iter=30, max_leaf_nodes=8,
    min_samples_leaf=5, l2_regularization=0.0,
)  # fmt: skip
LOGREG = LogisticRegressionConfig(name="logistic_regression", C=1.0, max_iter=200)
LGBM = LightGBMConfig(
    name="lightgbm", learning_rate=0.1, n_estimators=30, num_leaves=8, min_child_samples=5,
    reg_lambda=0.0,
)  # fmt: skip
FOREST = RandomForestConfig(name="random_forest", n_estimators=10, max_depth=4, min_samples_leaf=5)
GROUPS = {"place": ["shop", "region"], "order": ["distance_km", "items"]}


def fitted(model_config, small_features, training_frame):
    return fit_model(training_frame, "late", small_features, model_config, seed=0)


def test_the_group_that_carries_the_label_matters_and_the_other_does_not(
    small_features, training_frame
):
    model = fitted(LOGREG, small_features, training_frame)  # does not learn the noise
    table = group_importance(model, training_frame, small_features.columns, GROUPS,
                             "late", repeats=3, seed=0)  # fmt: skip
    drop = dict(zip(table["group"], table["importance_mean"], strict=True))
    assert table["group"].tolist() == ["place", "order"]  # sorted by importance
    assert drop["place"] > 0.2
    assert abs(drop["order"]) < 0.05
    again = group_importance(model, training_frame, small_features.columns, GROUPS,
                             "late", repeats=3, seed=0)  # fmt: skip
    pd.testing.assert_frame_equal(table, again)


@pytest.mark.parametrize("model_config", [HGB, LGBM, LOGREG, FOREST], ids=lambda c: c.name)
def test_shap_values_explain_each_raw_feature_and_favour_the_late_shop(
    model_config, small_features, training_frame
):
    model = fitted(model_config, small_features, training_frame)
    values = shap_by_feature(model, training_frame, small_features.columns)
    assert list(values.columns) == small_features.columns
    assert len(values) == len(training_frame)
    is_a = (training_frame["shop"] == "a").to_numpy()
    assert values.loc[is_a, "shop"].mean() > 0 > values.loc[~is_a, "shop"].mean()
    table = shap_importance(values)
    assert table["feature"].iloc[0] == "shop"


@pytest.mark.parametrize("model_config", [HGB, LGBM], ids=lambda c: c.name)
def test_shap_values_add_up_to_the_models_log_odds(model_config, small_features, training_frame):
    model = fitted(model_config, small_features, training_frame)
    values = shap_by_feature(model, training_frame, small_features.columns)
    probability = model.predict_proba(training_frame[small_features.columns])[:, 1]
    log_odds = np.log(probability / (1 - probability))
    offset = log_odds - values.sum(axis=1).to_numpy()
    assert np.ptp(offset) < 1e-6  # the same expected value for every row


def test_one_hot_columns_map_back_to_their_feature(small_features, training_frame):
    model = fitted(LOGREG, small_features, training_frame)
    assert source_columns(model[0]) == [
        "shop", "shop", "shop", "region", "region", "region", "distance_km", "items",
    ]  # fmt: skip


def test_group_shap_adds_members_before_taking_the_absolute_value():
    values = pd.DataFrame({"a": [1.0, -1.0], "b": [-1.0, 1.0], "c": [0.5, -0.5]})
    assert group_shap(values, {"ab": ["a", "b"], "c": ["c"]}).to_dict() == {"ab": 0.0, "c": 0.5}


def test_an_estimator_without_an_explainer_is_refused(small_features, training_frame):
    from sklearn.naive_bayes import GaussianNB

    model = fitted(LOGREG, small_features, training_frame)
    model.steps[-1] = ("classifier", GaussianNB().fit(np.zeros((2, 8)), [0, 1]))
    with pytest.raises(ExplainError, match="no SHAP explainer configured for GaussianNB"):
        shap_by_feature(model, training_frame, small_features.columns)


def test_the_summary_image_is_the_same_bytes_each_time(small_features, training_frame, tmp_path):
    model = fitted(HGB, small_features, training_frame)
    values = shap_by_feature(model, training_frame, small_features.columns)
    for name in ("a.png", "b.png"):
        shap_summary_png(values, training_frame, small_features.numeric, tmp_path / name, seed=0,
                         event="delay")  # fmt: skip
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
