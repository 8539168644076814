"""The seam: `data.dataset` names a dataset's home, whose DATASET the machinery reads, and
the configuration is checked against it before any work starts."""

from __future__ import annotations

import pytest

from flight_delay.datasets import dataset_for, dataset_named_in, load_dataset
from flight_delay.datasets.nycflights13 import DATASET
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import ConfigError, parse_config


def test_the_configured_home_is_loaded(config):
    assert config.data.dataset == "nycflights13"
    assert dataset_for(config) is DATASET
    assert isinstance(DATASET, DatasetSpec)


def test_an_unknown_home_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"no dataset home flight_delay/datasets/nope/"):
        load_dataset("nope")


@pytest.mark.parametrize("name", ["Flights", "../x", ""])
def test_a_home_name_that_is_no_package_name_is_refused_by_the_config(raw_params, name):
    raw_params["data"]["dataset"] = name
    with pytest.raises(ConfigError, match="data.dataset"):
        parse_config(raw_params)


@pytest.mark.parametrize("kind", ["numeric", "categorical"])
@pytest.mark.parametrize("column", sorted(DATASET.leakage))
def test_leakage_column_as_feature_is_rejected(raw_params, kind, column):
    raw_params["features"][kind].append(column)
    with pytest.raises(ConfigError) as raised:
        dataset_for(parse_config(raw_params))
    assert f"features: ['{column}'] are only known after the outcome (leakage)" in str(raised.value)


def test_a_feature_without_a_rule_is_named(raw_params):
    raw_params["features"]["numeric"].append("runway_length")
    with pytest.raises(ConfigError, match=r"no rule for \['runway_length'\] in the nycflights13"):
        dataset_for(parse_config(raw_params))


def test_params_without_a_dataset_are_a_clear_error():
    with pytest.raises(ConfigError, match="data.dataset names no dataset home"):
        dataset_named_in({"data": {}})
    assert dataset_named_in({"data": {"dataset": "nycflights13"}}) is DATASET
