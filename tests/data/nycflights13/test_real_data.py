"""Expectations on the real bundled data: schema, size, label rate, join coverage, leakage."""

from __future__ import annotations

import pytest

from flight_delay.core.validation import validate_tables as validate_with
from tests.flights import HOME as DATASET
from tests.flights import LABEL


def test_bundled_tables_pass_their_schemas(real_raw):
    report = validate_with(real_raw, DATASET.raw_schemas, DATASET.plausibility)
    problems = [e["message"] for t in report["tables"].values() for e in t["errors"]]
    assert report["passed"], problems


def test_bundled_tables_have_the_documented_size(real_raw):
    assert real_raw["flights"].shape == (336_776, 19)
    assert real_raw["weather"].shape == (26_115, 15)
    assert len(real_raw["planes"]) == 3_322


def test_the_known_wind_speed_outlier_is_reported_not_fatal(real_raw):
    report = validate_with(real_raw, DATASET.raw_schemas, DATASET.plausibility)
    warnings = report["tables"]["weather"]["warnings"]
    assert [(w["column"], w["failures"]) for w in warnings] == [("wind_speed", 1)]


def test_splits_follow_the_configured_months(real_prepared, real_config):
    split = real_config.split
    expected = split.values()
    for name, frame in real_prepared.items():
        assert sorted(frame["month"].unique()) == expected[name]


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_label_rate_is_plausible(real_prepared, split):
    rate = real_prepared[split][LABEL].mean()
    assert 0.10 < rate < 0.35, f"{split}: delayed rate {rate:.3f}"


def test_cancelled_flights_are_dropped_by_default(real_prepared, real_raw):
    kept = sum(len(f) for f in real_prepared.values())
    assert kept == real_raw["flights"]["arr_delay"].notna().sum()


def test_weather_joins_for_almost_every_flight(real_prepared):
    missing = real_prepared["train"]["temp"].isna().mean()
    assert missing < 0.01


def test_no_leakage_column_survives_prepare_or_featurize(real_prepared, real_features):
    for frame in [*real_prepared.values(), *real_features.values()]:
        assert not DATASET.leakage & set(frame.columns)


def test_features_hold_exactly_the_configured_inputs(real_features, real_config):
    for frame in real_features.values():
        assert set(real_config.features.columns) <= set(frame.columns)
        assert frame[real_config.features.numeric].dtypes.eq("float64").all()
