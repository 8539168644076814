"""`make predict` (score_batch) on the tests' own dataset (tests/synthetic.py)."""

from __future__ import annotations

import numpy as np
import pytest

from flight_delay.operate.predict import BatchError, score_batch


@pytest.fixture(scope="module")
def lightgbm_served(orders_config, orders_features, tmp_path_factory):
    """A LightGBM model (the one that trains on the dask engine), saved and served."""
    from flight_delay.core.models import fit_model
    from flight_delay.infra.config import LightGBMConfig
    from flight_delay.infra.persistence import save_model
    from tests import synthetic

    settings = LightGBMConfig(name="lightgbm", learning_rate=0.1, n_estimators=50,
                              num_leaves=15, min_child_samples=20, reg_lambda=0.0)  # fmt: skip
    model = fit_model(orders_features["train"], "late", orders_config.features, settings, 0)
    path = tmp_path_factory.mktemp("lightgbm") / "model.skops"
    save_model(model, path)
    return synthetic.served_model(path)


@pytest.mark.parametrize("model", ["configured", "lightgbm"])
def test_a_features_file_is_scored_in_order_and_rows_that_break_a_rule_are_named(
    request, orders_features, model
):
    served = request.getfixturevalue(
        "orders_served" if model == "configured" else f"{model}_served"
    )
    batch = orders_features["test"].head(300).copy()
    batch.loc[batch.index[3], "region"] = "ZQX"
    batch.loc[batch.index[7], "hour"] = 99.0
    scored = score_batch(batch, served)
    assert scored["order_id"].tolist() == batch["order_id"].tolist()
    assert "region: not a category the model was trained on" in scored.loc[3, "problem"]
    assert scored.loc[7, "problem"] == "hour: must be an integer from 0 to 23"
    good = scored["problem"] == ""
    assert good.sum() == 298 and scored.loc[~good, "probability"].isna().all()
    inputs = batch[served.model.feature_names_in_].reset_index(drop=True)[good]
    np.testing.assert_allclose(
        scored.loc[good, "probability"], served.model.predict_proba(inputs)[:, 1], atol=1e-12
    )
    assert set(scored["model_version"]) == {"workspace"}


def test_a_missing_or_unknown_column_fails_the_whole_file(orders_served, orders_features):
    batch = orders_features["test"].head(10)
    with pytest.raises(BatchError, match="distance_km: required column is missing"):
        score_batch(batch.drop(columns="distance_km"), orders_served)
    with pytest.raises(BatchError, match="courier: unknown column"):
        score_batch(batch.assign(courier="N1"), orders_served)
