"""The fast scorer against sklearn, on the tests' own dataset (tests/synthetic.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from flight_delay.core.models import build_model
from flight_delay.infra.persistence import load_model
from flight_delay.operate.fast_scoring import FLAT_MAX_ROWS, FastScorer


@pytest.fixture(scope="module")
def pipeline(orders_model_file):
    return load_model(orders_model_file)


@pytest.fixture(scope="module")
def rows(orders_features):
    test = orders_features["test"]
    return test, json.loads(test.to_json(orient="records"))


def test_the_flattened_forest_gives_sklearns_probabilities(pipeline, rows):
    frame, records = rows
    scorer = FastScorer.of(pipeline)
    assert scorer is not None
    expected = pipeline.predict_proba(frame[pipeline.feature_names_in_])[:, 1]
    flat = np.concatenate([scorer.probabilities(records[i : i + FLAT_MAX_ROWS])
                           for i in range(0, len(records), FLAT_MAX_ROWS)])  # fmt: skip
    np.testing.assert_allclose(flat, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(scorer.probabilities(records), expected, rtol=0, atol=1e-12)


def test_missing_and_unknown_categories_follow_sklearns_rules(pipeline, rows):
    frame, records = rows
    odd = [dict(r, region="ZZZ", weekday=None, distance_km=None, staff=None) for r in records[:40]]
    scorer = FastScorer.of(pipeline)
    changed = frame.head(40).assign(region="ZZZ", weekday=np.nan, distance_km=np.nan, staff=np.nan)
    changed = changed.astype({"weekday": frame["weekday"].dtype})
    expected = pipeline.predict_proba(changed[pipeline.feature_names_in_])[:, 1]
    np.testing.assert_allclose(scorer.probabilities(odd), expected, rtol=0, atol=1e-12)


def test_other_models_keep_the_sklearn_path(orders_config, orders_features):
    from flight_delay.infra.config import LogisticRegressionConfig

    logistic = LogisticRegressionConfig(name="logistic_regression", C=1.0, max_iter=500)
    train = orders_features["train"].head(1000)
    model = build_model(logistic, orders_config.features, 0)
    model.fit(train[orders_config.features.columns], train["late"])
    assert FastScorer.of(model) is None


def test_a_model_without_categorical_inputs_is_flattened_too():
    from flight_delay.core.models import fitted_categories
    from flight_delay.infra.config import FeaturesConfig, HistGradientBoostingConfig

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    target = (frame["a"] + rng.normal(scale=0.5, size=400) > 0).astype(int)
    features = FeaturesConfig(numeric=["a", "b"], categorical=[])
    settings = HistGradientBoostingConfig(name="hist_gradient_boosting", learning_rate=0.1,
                                          max_iter=20, max_leaf_nodes=15, min_samples_leaf=20,
                                          l2_regularization=0.0)  # fmt: skip
    model = build_model(settings, features, 0).fit(frame, target)
    assert fitted_categories(model) == []  # sklearn leaves the empty encoder unfitted
    scorer = FastScorer.of(model)
    assert scorer is not None and scorer.categorical == []
    records = json.loads(frame.head(30).to_json(orient="records"))
    expected = model.predict_proba(frame.head(30))[:, 1]
    np.testing.assert_allclose(scorer.probabilities(records), expected, rtol=0, atol=1e-12)
