"""The seam: `data.dataset` names a dataset's home (schema.yaml, hook.py), which the
machinery reads through DatasetSpec, and the configuration is checked against it before
any work starts. The checks run on the tests' own dataset (tests/synthetic.py)."""

from __future__ import annotations

import pytest
import yaml

from flight_delay.datasets import (
    configuration_problems,
    dataset_for,
    dataset_named_in,
    load_dataset,
)
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import ConfigError, parse_config
from tests import synthetic
from tests.conftest import REPO_ROOT

ORDERS = synthetic.spec()


def problems(raw_params: dict) -> str:
    """What dataset_for says of these params with the orders' home."""
    return "\n".join(configuration_problems(parse_config(raw_params), ORDERS))


def chosen_params() -> dict:
    """The params of the dataset conf/config.yaml chooses, whichever it is."""
    from flight_delay.infra.params import compose_params

    return yaml.safe_load(compose_params(REPO_ROOT / "conf"))


def test_the_configured_home_is_loaded_with_its_label_rule():
    config = parse_config(chosen_params())
    dataset = dataset_for(config)
    assert isinstance(dataset, DatasetSpec) and dataset.name == config.data.dataset
    assert dataset.label == config.label.column
    assert dataset.class_names == tuple(config.label.classes)


def test_the_orders_params_fit_the_orders_home(raw_params):
    assert problems(raw_params) == ""


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
@pytest.mark.parametrize("column", sorted(ORDERS.leakage))
def test_leakage_column_as_feature_is_rejected(raw_params, kind, column):
    raw_params["features"][kind].append(column)
    assert f"features: ['{column}'] are only known after the outcome (leakage)" in problems(
        raw_params
    )


def test_a_feature_without_a_rule_is_named(raw_params):
    raw_params["features"]["numeric"].append("parking_spots")
    assert "features: no rule for ['parking_spots'] in the orders dataset's rules" in problems(
        raw_params
    )


def test_params_without_a_dataset_are_a_clear_error():
    with pytest.raises(ConfigError, match="data.dataset names no dataset home"):
        dataset_named_in({"data": {}})
    with pytest.raises(ConfigError, match="data.source: Field required"):
        dataset_named_in({"data": {"dataset": "orders"}, "label": {}})
    data = {"dataset": "orders", "source": "s", "files": {"orders": "o.csv"}}
    with pytest.raises(ConfigError, match="label.column: Field required"):
        dataset_named_in({"data": data, "label": {}})


def test_the_label_must_not_be_an_input_and_its_source_must_be_leakage(raw_params):
    raw_params["label"]["source"] = "items"  # an input, and not on the leakage list
    found = problems(raw_params)
    assert "features: the label (late, from items) is no input" in found
    assert "label.source: 'items' is the outcome; list it in the orders dataset's" in found


def test_an_unknown_label_column_is_named(raw_params):
    raw_params["label"]["source"] = "minutes_lat"
    found = problems(raw_params)
    assert "label.source: 'minutes_lat' is not a column of the orders table" in found
    assert "leakage" not in found  # not also the wrong advice


@pytest.mark.parametrize(
    ("column", "why"),
    [("weeek", "(schema.yaml)"), ("evening", "(a derived column is computed after the split")],
)
def test_a_split_column_that_is_not_in_the_label_table_is_named(raw_params, column, why):
    raw_params["split"]["column"] = column
    assert f"split.column: {column!r} is not a column of the orders table {why}" in problems(
        raw_params
    )


def test_dataset_for_refuses_the_configured_home_naming_every_problem():
    raw = chosen_params()
    raw["features"]["numeric"] += ["parking_spots", raw["label"]["source"]]
    with pytest.raises(ConfigError) as raised:
        dataset_for(parse_config(raw))
    lines = str(raised.value).splitlines()
    assert lines[0] == "invalid configuration for the dataset:"
    assert "  features: no rule for ['parking_spots'] in the" in "\n".join(lines)
    assert any(line.startswith("  features: the label (") for line in lines)
