from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from flight_delay.datasets.nycflights13.hypothesis import (
    SET_NAMES,
    HypothesisError,
    ablation,
    feature_sets,
    verdict,
)
from flight_delay.infra.config import FeaturesConfig

GROUPS = {
    "carrier_route": ["carrier", "distance"],
    "schedule": ["dep_hour"],
    "weather": ["precip"],
    "plane": ["seats"],
}
SMALL = FeaturesConfig(
    numeric=["distance", "dep_hour", "precip", "seats"], categorical=["carrier"], groups=GROUPS
)


@pytest.fixture
def small_config(config):
    """The configured model, fewer boosting rounds, on the five SMALL features."""
    model = config.model.model_copy(update={"max_iter": 30})
    return config.model_copy(update={"features": SMALL, "model": model})


def flights(n: int, seed: int, delayed_by: str) -> pd.DataFrame:
    """Synthetic flights whose label is driven by weather and hour, or by carrier and plane."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "distance": rng.uniform(100, 2500, n),
            "dep_hour": rng.integers(5, 23, n).astype("float64"),
            "precip": np.where(rng.uniform(size=n) < 0.3, rng.uniform(0.01, 0.5, n), 0.0),
            "seats": rng.choice([50.0, 150.0, 300.0], n),
            "carrier": pd.array(rng.choice(["AA", "B6", "DL", "UA"], n), dtype="str"),
        }
    )
    signal = {
        "weather_and_hour": (frame["precip"] > 0).astype(int) + (frame["dep_hour"] >= 17),
        "carrier_and_plane": (frame["carrier"] == "AA").astype(int) + (frame["seats"] == 50),
    }[delayed_by]
    return frame.assign(delayed=(signal + rng.normal(0, 0.5, n) > 0.8).astype("int8"))


def table(aucs: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"set": SET_NAMES, "columns": "", "roc_auc": aucs})


def test_feature_sets_are_the_nested_groups_in_column_order():
    sets = feature_sets(SMALL)
    assert sets == {
        "carrier_route": ["distance", "carrier"],
        "carrier_route+schedule": ["distance", "dep_hour", "carrier"],
        "carrier_route+weather": ["distance", "precip", "carrier"],
        "carrier_route+schedule+weather": ["distance", "dep_hour", "precip", "carrier"],
        "all": ["distance", "dep_hour", "precip", "seats", "carrier"],
    }


def test_feature_sets_of_the_real_config_add_up_its_groups(config):
    groups = config.features.resolved_groups()
    sets = {name: set(columns) for name, columns in feature_sets(config.features).items()}
    base = set(groups["carrier_route"])
    assert sets["carrier_route"] == base
    assert sets["carrier_route+schedule"] == base | set(groups["schedule"])
    assert sets["carrier_route+weather"] == base | set(groups["weather"])
    assert sets["carrier_route+schedule+weather"] == sets["carrier_route+schedule"] | set(
        groups["weather"]
    )
    assert sets["all"] == set(config.features.columns)
    assert sets["carrier_route"] < sets["carrier_route+schedule"] < sets["all"]
    assert sets["carrier_route"] < sets["carrier_route+weather"] < sets["all"]
    assert sets["carrier_route+schedule+weather"] < sets["all"]  # plane is left out


@pytest.mark.parametrize(
    "groups",
    [
        {k: v for k, v in GROUPS.items() if k != "weather"},  # no weather group
        GROUPS | {"weather": ["visib"]},  # a weather group with no model input in it
    ],
)
def test_a_missing_group_is_a_clear_error(groups):
    features = SMALL.model_copy(update={"groups": groups})
    with pytest.raises(HypothesisError, match=r"missing \['weather'\]"):
        feature_sets(features)


def test_ablation_finds_the_hypothesis_where_weather_and_hour_drive_delays(small_config):
    train, valid = (flights(4000, s, "weather_and_hour") for s in (1, 2))
    result = ablation(train, valid, small_config)
    assert list(result["set"]) == SET_NAMES
    assert list(result["columns"]) == [" ".join(c) for c in feature_sets(SMALL).values()]
    assert result["roc_auc"].between(0, 1).all()
    found = verdict(result)
    assert found.holds and found.schedule_adds and found.weather_adds
    assert found.share >= 0.5
    assert found.text.endswith("The hypothesis holds.")
    assert found.headline == "HYPOTHESIS: holds"


def test_ablation_rejects_the_hypothesis_where_carrier_and_plane_drive_delays(small_config):
    train, valid = (flights(4000, s, "carrier_and_plane") for s in (1, 2))
    found = verdict(ablation(train, valid, small_config))
    assert not found.holds
    assert found.share < 0.5
    assert "deliver less than 50% of the gain" in found.text
    assert found.headline == "HYPOTHESIS: does not hold"


def test_the_row_cap_is_a_seeded_sample(small_config):
    train, valid = (flights(2000, s, "weather_and_hour") for s in (1, 2))
    capped = ablation(train, valid, small_config, max_rows=300)
    pd.testing.assert_frame_equal(capped, ablation(train, valid, small_config, max_rows=300))
    assert not capped.equals(ablation(train, valid, small_config))


def test_verdict_applies_the_rule():
    found = verdict(table([0.60, 0.65, 0.64, 0.68, 0.70]))
    assert (found.schedule_weather_gain, found.all_gain) == (0.08, 0.1)
    assert found.share == pytest.approx(0.8)
    assert found.holds
    assert "carrier_route alone: 0.6000" in found.text
    assert "+0.0800 of the +0.1000 that all features add (80%)" in found.text


@pytest.mark.parametrize(
    ("aucs", "reason"),
    [
        ([0.60, 0.61, 0.605, 0.62, 0.70], "deliver less than 50% of the gain"),
        ([0.60, 0.68, 0.60, 0.68, 0.69], "weather alone adds nothing"),
        ([0.60, 0.59, 0.66, 0.68, 0.69], "schedule alone adds nothing"),
        ([0.70, 0.70, 0.71, 0.71, 0.69], "all features together add nothing to carrier_route"),
    ],
)
def test_verdict_rejects(aucs, reason):
    found = verdict(table(aucs))
    assert not found.holds
    assert reason in found.text
    assert found.headline == "HYPOTHESIS: does not hold"


def test_no_gain_from_all_features_leaves_the_share_undefined():
    assert math.isnan(verdict(table([0.70, 0.71, 0.71, 0.71, 0.69])).share)


def test_verdict_needs_every_set():
    with pytest.raises(HypothesisError, match=r"no row for \['all'\]"):
        verdict(table([0.6, 0.65, 0.64, 0.68, 0.7]).iloc[:4])
