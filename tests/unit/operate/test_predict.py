from __future__ import annotations

import numpy as np
import pytest

from flight_delay.operate.predict import BatchError, score_batch
from flight_delay.operate.served_model import from_file


@pytest.fixture(scope="module")
def served(real_model_file, real_config):
    return from_file(real_model_file, real_config)


def test_a_features_file_is_scored_in_order_and_rows_that_break_a_rule_are_named(
    served, real_features
):
    batch = real_features["test"].head(300).copy()
    batch.loc[batch.index[3], "dest"] = "ZQX"
    batch.loc[batch.index[7], "temp"] = 999.0
    scored = score_batch(batch, served)
    assert scored["flight"].tolist() == batch["flight"].tolist()
    assert scored.loc[3, "problem"] == "dest: not a category the model was trained on"
    assert scored.loc[7, "problem"] == "temp: must be a number from -60 to 130, or null"
    good = scored["problem"] == ""
    assert good.sum() == 298 and scored.loc[~good, "probability"].isna().all()
    inputs = batch[served.model.feature_names_in_].reset_index(drop=True)[good]
    np.testing.assert_allclose(
        scored.loc[good, "probability"], served.model.predict_proba(inputs)[:, 1], atol=1e-12
    )
    assert set(scored["model_version"]) == {"workspace"}


def test_a_missing_or_unknown_column_fails_the_whole_file(served, real_features):
    batch = real_features["test"].head(10)
    with pytest.raises(BatchError, match="temp: required column is missing"):
        score_batch(batch.drop(columns="temp"), served)
    with pytest.raises(BatchError, match="tail: unknown column"):
        score_batch(batch.assign(tail="N1"), served)
