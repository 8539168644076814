"""The seam: `data.dataset` names a dataset's home (schema.yaml, hook.py), which the
machinery reads through DatasetSpec, and the configuration is checked against it before
any work starts."""

from __future__ import annotations

import pytest

from flight_delay.datasets import dataset_for, dataset_named_in, load_dataset
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import ConfigError, parse_config
from tests.flights import HOME as DATASET


def test_the_configured_home_is_loaded_with_its_label_rule(config):
    assert config.data.dataset == "nycflights13"
    dataset = dataset_for(config)
    assert isinstance(dataset, DatasetSpec)
    assert dataset.schema == DATASET.schema and dataset.key == DATASET.key
    assert (dataset.label, dataset.class_names) == ("delayed", ("on time", "delayed"))


def test_an_unknown_home_is_a_clear_error(config):
    data = config.data.model_copy(update={"dataset": "nope"})
    with pytest.raises(ConfigError, match=r"no dataset home src/flight_delay/datasets/nope/"):
        load_dataset(data)


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
    with pytest.raises(ConfigError, match="data.source: Field required"):
        dataset_named_in({"data": {"dataset": "nycflights13"}, "label": {}})
    data = {"dataset": "nycflights13", "source": "s", "files": {"flights": "f.csv"}}
    with pytest.raises(ConfigError, match="label.column: Field required"):
        dataset_named_in({"data": data, "label": {}})


def test_the_label_must_not_be_an_input_and_its_source_must_be_leakage(raw_params):
    raw_params["label"]["source"] = "distance"  # an input, and not on the leakage list
    with pytest.raises(ConfigError) as raised:
        dataset_for(parse_config(raw_params))
    assert "features: the label (delayed, from distance) is no input" in str(raised.value)
    assert "label.source: 'distance' is the outcome; list it in the" in str(raised.value)


def test_an_unknown_label_column_is_named(raw_params):
    raw_params["label"]["source"] = "arr_dely"
    with pytest.raises(ConfigError) as raised:
        dataset_for(parse_config(raw_params))
    assert "label.source: 'arr_dely' is not a column of the flights table" in str(raised.value)
    assert "leakage" not in str(raised.value)  # not also the wrong advice


@pytest.mark.parametrize(
    ("column", "why"),
    [("monthh", "(schema.yaml)"), ("dep_hour", "(a derived column is computed after the split")],
)
def test_a_split_column_that_is_not_in_the_label_table_is_named(raw_params, column, why):
    raw_params["split"]["column"] = column
    with pytest.raises(ConfigError) as raised:
        dataset_for(parse_config(raw_params))
    assert f"split.column: {column!r} is not a column of the flights table {why}" in str(
        raised.value
    )
