"""The pieces of the cluster fit that need no cluster: the encoding learned from each
partition's categories is the one a fit on the whole table learns, and a trained booster
keeps no trace of the cluster's addresses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from flight_delay.core.cluster_fit import category_sample, partition_categories, without_network
from flight_delay.core.models import build_model, fit_arguments, tree_columns
from flight_delay.infra.config import LightGBMConfig
from flight_delay.infra.partitions import partitions

LGBM = LightGBMConfig(
    name="lightgbm", learning_rate=0.1, n_estimators=5, num_leaves=4, min_child_samples=5,
    reg_lambda=0.0,
)  # fmt: skip


def test_the_encoding_from_partitions_equals_the_encoding_of_the_whole_table(
    tmp_path, training_frame, small_features
):
    frame = training_frame.copy()
    frame.loc[frame.index[250:], "shop"] = "zz"  # a category only the last partition has
    frame.loc[frame.index[10], "region"] = None  # a missing value in the first one only
    frame.to_parquet(tmp_path / "t.parquet", index=False, row_group_size=100)
    found = [partition_categories(part, small_features.categorical)
             for part in partitions(tmp_path / "t.parquet")]  # fmt: skip
    assert len(found) == 3
    from_parts = tree_columns(small_features).fit(category_sample(found, small_features))
    whole = tree_columns(small_features).fit(frame[small_features.columns])
    learned = from_parts.named_transformers_["categorical"].categories_
    expected = whole.named_transformers_["categorical"].categories_
    assert [list(map(str, c)) for c in learned] == [list(map(str, c)) for c in expected]
    assert "zz" in list(learned[0]) and any(pd.isna(v) for v in learned[1])
    np.testing.assert_array_equal(
        from_parts.transform(frame[small_features.columns]),
        whole.transform(frame[small_features.columns]),
    )


def test_a_trained_booster_keeps_no_network_settings(training_frame, small_features):
    model = build_model(LGBM, small_features, seed=0)
    network = {
        "machines": "127.0.0.1:1234",
        "local_listen_port": 1234,
        "num_machines": 1,
        "time_out": 10,
    }  # one machine: trains alone, but records them as a rank does
    model.set_params(**{f"classifier__{key}": value for key, value in network.items()})
    model.fit(training_frame[small_features.columns], training_frame["late"],
              **fit_arguments(LGBM, small_features))  # fmt: skip
    classifier = model.named_steps["classifier"]
    before = classifier.predict_proba(model[:-1].transform(training_frame[small_features.columns]))
    assert "[machines: 127.0.0.1:1234]" in classifier.booster_.model_to_string()
    cleaned = without_network(classifier)
    text = cleaned.booster_.model_to_string()
    assert "[machines:" not in text and "[local_listen_port:" not in text
    assert "[num_machines:" not in text and "[time_out:" not in text
    assert not set(network) & set(cleaned.get_params())
    after = cleaned.predict_proba(model[:-1].transform(training_frame[small_features.columns]))
    np.testing.assert_array_equal(after, before)
