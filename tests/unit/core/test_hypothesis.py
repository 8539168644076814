"""A spec's hypothesis about its feature groups, tested by ablation (core/ablation.py): the
sets it names, the decision rule, and what the configuration refuses. Rows are made here:
shops' orders whose lateness is driven by timing and traffic, or by the shop."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from flight_delay.core.ablation import (
    ALL,
    HypothesisError,
    ablation,
    feature_sets,
    verdict,
)
from flight_delay.infra.config import (
    ConfigError,
    FeaturesConfig,
    HistGradientBoostingConfig,
    HypothesisConfig,
    parse_config,
)

GROUPS = {
    "place": ["shop", "distance"],
    "timing": ["hour"],
    "traffic": ["rain"],
    "load": ["items"],
}
SMALL = FeaturesConfig(
    numeric=["distance", "hour", "rain", "items"], categorical=["shop"], groups=GROUPS
)
HYPOTHESIS = HypothesisConfig(
    statement="Beyond the place, timing and traffic carry most of the rest.",
    base=["place"], groups=["timing", "traffic"], share=0.5,
)  # fmt: skip
SET_NAMES = ["place", "place+timing", "place+traffic", "place+timing+traffic", ALL]
MODEL = HistGradientBoostingConfig(
    name="hist_gradient_boosting", learning_rate=0.1, max_iter=30, max_leaf_nodes=31,
    min_samples_leaf=20, l2_regularization=0.0,
)  # fmt: skip


def orders(n: int, seed: int, late_by: str) -> pd.DataFrame:
    """Orders whose label is driven by timing and rain, or by the shop and the load."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "distance": rng.uniform(1, 30, n),
            "hour": rng.integers(8, 23, n).astype("float64"),
            "rain": np.where(rng.uniform(size=n) < 0.3, rng.uniform(0.1, 5, n), 0.0),
            "items": rng.choice([1.0, 5.0, 20.0], n),
            "shop": pd.array(rng.choice(["a", "b", "c", "d"], n), dtype="str"),
        }
    )
    signal = {
        "timing_and_traffic": (frame["rain"] > 0).astype(int) + (frame["hour"] >= 17),
        "shop_and_load": (frame["shop"] == "a").astype(int) + (frame["items"] == 20),
    }[late_by]
    return frame.assign(late=(signal + rng.normal(0, 0.5, n) > 0.8).astype("int8"))


def run(train: pd.DataFrame, valid: pd.DataFrame, max_rows: int | None = None) -> pd.DataFrame:
    sets = feature_sets(SMALL, HYPOTHESIS)
    return ablation(train, valid, sets, SMALL, MODEL, "late", seed=0, max_rows=max_rows)


def table(aucs: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"set": SET_NAMES, "columns": "", "roc_auc": aucs})


def test_feature_sets_are_the_base_plus_each_group_then_all_in_column_order():
    assert feature_sets(SMALL, HYPOTHESIS) == {
        "place": ["distance", "shop"],
        "place+timing": ["distance", "hour", "shop"],
        "place+traffic": ["distance", "rain", "shop"],
        "place+timing+traffic": ["distance", "hour", "rain", "shop"],
        "all": ["distance", "hour", "rain", "items", "shop"],
    }


def test_without_a_hypothesis_each_group_is_scored_alone():
    assert feature_sets(SMALL, None) == {
        "place": ["distance", "shop"], "timing": ["hour"], "traffic": ["rain"],
        "load": ["items"], "all": ["distance", "hour", "rain", "items", "shop"],
    }  # fmt: skip
    assert feature_sets(SMALL.model_copy(update={"groups": {}}), None) == {
        "all": ["distance", "hour", "rain", "items", "shop"]
    }


def test_one_tested_group_is_judged_by_its_share_alone():
    one = HYPOTHESIS.model_copy(update={"groups": ["timing"]})
    assert list(feature_sets(SMALL, one)) == ["place", "place+timing", "all"]
    found = verdict(
        pd.DataFrame({"set": ["place", "place+timing", ALL], "roc_auc": [0.6, 0.7, 0.71]}), one
    )
    assert found.holds and found.share == pytest.approx(10 / 11)


def test_a_group_without_inputs_is_a_clear_error():
    features = SMALL.model_copy(update={"groups": GROUPS | {"traffic": ["visibility"]}})
    with pytest.raises(HypothesisError, match=r"no model inputs in the groups \['traffic'\]"):
        feature_sets(features, HYPOTHESIS)


def test_the_config_names_a_hypothesis_group_that_is_not_a_group(raw_params):
    raw_params["hypothesis"] = {"statement": "s", "base": ["route"], "groups": ["lod"]}
    with pytest.raises(ConfigError, match=r"hypothesis: \['lod'\] are no groups of model inputs"):
        parse_config(raw_params)
    raw_params["hypothesis"] = {"statement": "s", "base": ["load"], "groups": ["load"]}
    with pytest.raises(ConfigError, match=r"\['load'\] are in both base and groups"):
        parse_config(raw_params)
    raw_params["hypothesis"] = {
        "statement": "s",
        "base": ["route"],
        "groups": ["load"],
        "share": 2,
    }
    with pytest.raises(ConfigError, match="hypothesis.share: Input should be less than or equal"):
        parse_config(raw_params)


def test_ablation_finds_the_hypothesis_where_timing_and_traffic_drive_lateness():
    train, valid = (orders(4000, s, "timing_and_traffic") for s in (1, 2))
    result = run(train, valid)
    assert list(result["set"]) == SET_NAMES
    assert list(result["columns"]) == [
        " ".join(c) for c in feature_sets(SMALL, HYPOTHESIS).values()
    ]
    assert result["roc_auc"].between(0, 1).all()
    found = verdict(result, HYPOTHESIS)
    assert found.holds and found.adds == {"timing": True, "traffic": True}
    assert found.share >= 0.5
    assert found.text.endswith("The hypothesis holds.")
    assert found.headline == "HYPOTHESIS: holds"


def test_ablation_rejects_the_hypothesis_where_the_shop_and_load_drive_lateness():
    train, valid = (orders(4000, s, "shop_and_load") for s in (1, 2))
    found = verdict(run(train, valid), HYPOTHESIS)
    assert not found.holds
    assert found.share < 0.5
    assert "timing and traffic deliver less than 50% of the gain" in found.text
    assert found.headline == "HYPOTHESIS: does not hold"


def test_the_row_cap_is_a_seeded_sample():
    train, valid = (orders(2000, s, "timing_and_traffic") for s in (1, 2))
    capped = run(train, valid, max_rows=300)
    pd.testing.assert_frame_equal(capped, run(train, valid, max_rows=300))
    assert not capped.equals(run(train, valid))


def test_verdict_applies_the_rule():
    found = verdict(table([0.60, 0.65, 0.64, 0.68, 0.70]), HYPOTHESIS)
    assert (found.tested_gain, found.all_gain) == (0.08, 0.1)
    assert found.share == pytest.approx(0.8)
    assert found.holds
    assert "place alone: 0.6000" in found.text
    assert "+0.0800 of the +0.1000 that all features add (80%)" in found.text


@pytest.mark.parametrize(
    ("aucs", "reason"),
    [
        ([0.60, 0.61, 0.605, 0.62, 0.70], "deliver less than 50% of the gain"),
        ([0.60, 0.68, 0.60, 0.68, 0.69], "traffic alone adds nothing"),
        ([0.60, 0.59, 0.66, 0.68, 0.69], "timing alone adds nothing"),
        ([0.70, 0.70, 0.71, 0.71, 0.69], "all features together add nothing to place"),
    ],
)
def test_verdict_rejects(aucs, reason):
    found = verdict(table(aucs), HYPOTHESIS)
    assert not found.holds
    assert reason in found.text
    assert found.headline == "HYPOTHESIS: does not hold"


def test_a_higher_share_is_a_stricter_rule():
    strict = HYPOTHESIS.model_copy(update={"share": 0.9})
    assert verdict(table([0.60, 0.65, 0.64, 0.68, 0.70]), HYPOTHESIS).holds
    assert not verdict(table([0.60, 0.65, 0.64, 0.68, 0.70]), strict).holds


def test_no_gain_from_all_features_leaves_the_share_undefined():
    assert math.isnan(verdict(table([0.70, 0.71, 0.71, 0.71, 0.69]), HYPOTHESIS).share)


def test_verdict_needs_every_set():
    with pytest.raises(HypothesisError, match=r"no row for \['all'\]"):
        verdict(table([0.6, 0.65, 0.64, 0.68, 0.7]).iloc[:4], HYPOTHESIS)
