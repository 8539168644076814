"""Behaviour of the default model trained on the real train split.

The floor sits a little below the first honest run (test ROC AUC 0.696).
"""

from __future__ import annotations

import pytest
from sklearn.metrics import roc_auc_score

from flight_delay.core.models import fit_model
from tests.flights import LABEL

ROC_AUC_FLOOR = 0.68


@pytest.fixture(scope="module")
def model(real_features, real_config):
    config = real_config
    return fit_model(real_features["train"], "delayed", config.features, config.model, config.seed)


def scores(model, frame, config):
    return model.predict_proba(frame[config.features.columns])[:, 1]


def test_test_split_roc_auc_is_above_the_floor(model, real_features, real_config):
    test = real_features["test"]
    assert roc_auc_score(test[LABEL], scores(model, test, real_config)) >= ROC_AUC_FLOOR


def test_model_beats_the_base_rate_on_pr_auc(model, real_features, real_config):
    from sklearn.metrics import average_precision_score

    test = real_features["test"]
    pr_auc = average_precision_score(test[LABEL], scores(model, test, real_config))
    assert pr_auc > 1.5 * test[LABEL].mean()


def test_evening_departures_score_higher_than_early_morning(model, real_features, real_config):
    sample = real_features["test"].sample(2000, random_state=0)
    morning = scores(model, sample.assign(dep_hour=7.0), real_config).mean()
    evening = scores(model, sample.assign(dep_hour=19.0), real_config).mean()
    assert evening > morning


def test_rain_and_fog_raise_the_delay_score(model, real_features, real_config):
    sample = real_features["test"].sample(2000, random_state=0)
    clear = scores(model, sample.assign(precip=0.0, visib=10.0), real_config).mean()
    stormy = scores(model, sample.assign(precip=0.3, visib=1.0), real_config).mean()
    assert stormy > clear


def test_context_columns_do_not_change_the_score(model, real_features, real_config):
    sample = real_features["test"].head(500)
    shuffled = sample.assign(flight=sample["flight"].sample(frac=1, random_state=1).to_numpy())
    assert (scores(model, sample, real_config) == scores(model, shuffled, real_config)).all()
