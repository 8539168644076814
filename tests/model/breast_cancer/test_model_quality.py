"""Behaviour of the default model on the breast cancer data (its spec's model and split):
it ranks well above the gate's floor, and larger nuclei raise the malignancy score."""

from __future__ import annotations

import pytest
from sklearn.metrics import roc_auc_score

from flight_delay.core.models import fit_model


@pytest.fixture(scope="module")
def model(biopsy_splits, biopsy_config, biopsy_dataset):
    config = biopsy_config
    return fit_model(biopsy_splits["train"], biopsy_dataset.label, config.features,
                     config.model, config.seed)  # fmt: skip


def scores(model, frame, config):
    return model.predict_proba(frame[config.features.columns])[:, 1]


def test_test_roc_auc_is_above_the_gate_floor(model, biopsy_splits, biopsy_config):
    test = biopsy_splits["test"]
    auc = roc_auc_score(test["malignant"], scores(model, test, biopsy_config))
    assert auc >= biopsy_config.gate.floor


def test_larger_nuclei_score_higher(model, biopsy_splits, biopsy_config):
    test = biopsy_splits["test"]
    sizes = ["worst_radius", "worst_perimeter", "worst_area"]
    small = scores(model, test.assign(**{c: test[c].quantile(0.1) for c in sizes}), biopsy_config)
    large = scores(model, test.assign(**{c: test[c].quantile(0.9) for c in sizes}), biopsy_config)
    assert large.mean() > small.mean() + 0.2
