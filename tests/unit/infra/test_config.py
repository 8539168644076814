from __future__ import annotations

import re

import pytest
import yaml
from pydantic import ValidationError

from flight_delay.infra.config import (
    ConfigError,
    HistGradientBoostingConfig,
    LightGBMConfig,
    LogisticRegressionConfig,
    RandomForestConfig,
    flatten,
    load_config,
    parse_config,
)

MODEL_CLASSES = {
    "hist_gradient_boosting": HistGradientBoostingConfig,
    "lightgbm": LightGBMConfig,
    "logistic_regression": LogisticRegressionConfig,
    "random_forest": RandomForestConfig,
}


def _error(raw: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    return str(caught.value)


def test_params_yaml_is_valid(repo_root):
    config = load_config(repo_root / "params.yaml")
    assert isinstance(config.model, HistGradientBoostingConfig)
    assert config.features.columns == [*config.features.numeric, *config.features.categorical]
    assert config.label.missing in {"drop", "positive", "negative"}


@pytest.mark.parametrize("name", sorted(MODEL_CLASSES))
def test_model_name_selects_its_config_class(raw_params, repo_root, name):
    raw_params["model"] = yaml.safe_load((repo_root / f"conf/model/{name}.yaml").read_text())
    assert type(parse_config(raw_params).model) is MODEL_CLASSES[name]


def test_unknown_key_in_model_is_named_by_its_params_path(raw_params):
    raw_params["model"]["foo"] = 1
    message = _error(raw_params)
    assert "  model.foo: Extra inputs are not permitted (got 1)" in message.splitlines()


def test_unknown_top_level_key_is_named(raw_params):
    raw_params["sede"] = 42
    assert "  sede: Extra inputs are not permitted (got 42)" in _error(raw_params).splitlines()


def test_ill_typed_value_names_key_and_value(raw_params):
    raw_params["label"]["threshold"] = "soon"
    message = _error(raw_params)
    assert "label.threshold:" in message
    assert "(got 'soon')" in message


def test_ill_typed_model_value_names_key(raw_params):
    raw_params["model"]["max_iter"] = "many"
    assert "  model.max_iter: Input should be a valid integer" in _error(raw_params)


def test_missing_key_is_named(raw_params):
    del raw_params["seed"]
    assert "  seed: Field required" in _error(raw_params).splitlines()


def test_unknown_model_name_lists_the_choices(raw_params):
    raw_params["model"]["name"] = "xgboost"
    message = _error(raw_params)
    assert "model: Input tag 'xgboost'" in message
    assert "'random_forest'" in message


def test_rows_to_keep_are_named_by_column(raw_params):
    raw_params["data"]["keep"] = [1, 2]
    assert "data.keep: Input should be a valid dictionary" in _error(raw_params)


def test_unknown_missing_policy_is_rejected(raw_params):
    raw_params["label"]["missing"] = "ignore"
    assert "label.missing:" in _error(raw_params)


def test_deploying_a_stage_without_the_gate_is_rejected(raw_params):
    raw_params["registry"]["gated_stages"] = ["staging"]
    message = _error(raw_params)
    assert "registry: deploy_stage 'prod' must be one of the gated_stages ['staging']" in message


@pytest.mark.parametrize("name", ["Flight Delay", "flight_delay", "-x"])
def test_an_artifact_name_gto_cannot_tag_is_rejected(raw_params, name):
    raw_params["registry"]["artifact"] = name
    assert "registry.artifact:" in _error(raw_params)


def test_feature_both_numeric_and_categorical_is_rejected(raw_params):
    raw_params["features"]["categorical"].append("hour")
    assert "features: ['hour'] listed as both numeric and categorical" in _error(raw_params)


@pytest.mark.parametrize(
    ("train", "valid", "test", "complaint"),
    [
        ([1, 2, 8], [9, 10], [11, 12], None),
        ([1, 2, 9], [9, 10], [11, 12], "a value is in two splits"),
        ([1, 2], [5, 3], [4, 12], "every test value must come after every valid value"),
        ([11, 12], [9, 10], [1, 2], "every valid value must come after every train value"),
        (["2019"], ["2020"], [2021], "train, valid and test values must be all numbers or all"),
    ],
)
def test_an_ordered_split_must_follow_time(raw_params, train, valid, test, complaint):
    raw_params["split"] = {"kind": "ordered", "column": "week", "train": train, "valid": valid,
                           "test": test}  # fmt: skip
    if complaint is None:
        parse_config(raw_params)
    else:
        assert f"split: {complaint}" in _error(raw_params)


def test_empty_split_is_rejected(raw_params):
    raw_params["split"]["test"] = []
    assert "split.test: List should have at least 1 item" in _error(raw_params)


def test_a_shuffled_split_takes_fractions_not_values(raw_params):
    raw_params["split"] = {"kind": "random", "valid_fraction": 0.2, "test_fraction": 0.2}
    assert parse_config(raw_params).split.kind == "random"
    raw_params["split"]["train"] = [1]
    assert "split.train: Extra inputs are not permitted" in _error(raw_params)
    raw_params["split"] = {"kind": "by_year"}
    assert "split: Input tag 'by_year' found using 'kind' does not match" in _error(raw_params)


def test_long_values_are_shortened_in_messages(raw_params):
    raw_params["label"]["threshold"] = "x" * 500
    line = next(x for x in _error(raw_params).splitlines() if "threshold" in x)
    assert line.endswith("...)")
    assert len(line) < 250


def test_config_is_frozen(config):
    with pytest.raises(ValidationError):
        config.seed = 7
    with pytest.raises(ValidationError):
        config.label.threshold = 30


def test_load_config_reads_the_given_file(tmp_path, raw_params):
    raw_params["seed"] = 7
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    assert load_config(path).seed == 7


def test_load_config_names_the_file_in_errors(tmp_path, raw_params):
    raw_params["label"]["threshold_minutes"] = 15  # the old name: no longer a key
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    expected = f"invalid configuration in {path}:\n  label.threshold_minutes:"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_config(path)


def test_load_config_missing_file_says_how_to_make_it(tmp_path):
    with pytest.raises(ConfigError, match=r"not found: run `make params`"):
        load_config(tmp_path / "params.yaml")


def test_empty_params_file_is_a_config_error(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load_config(path)


def test_flatten_gives_sorted_dotted_keys():
    tree = {"model": {"name": "rf", "depth": 3}, "seed": 1, "split": {"test": [11, 12]}}
    flat = flatten(tree)
    assert flat == {"model.depth": 3, "model.name": "rf", "seed": 1, "split.test": [11, 12]}
    assert list(flat) == sorted(flat)


def test_flatten_of_a_whole_config(config):
    flat = flatten(config.model_dump(mode="json"))
    assert flat["model.name"] == "hist_gradient_boosting"
    assert flat["label.threshold"] == 10  # the orders' (tests/synthetic.py)
    assert flat["split.train"] == list(range(1, 9))
    assert not any(isinstance(v, dict) for v in flat.values())


@pytest.mark.parametrize("section", ["gate", "monitor"])
def test_too_few_bootstrap_draws_for_the_confidence_are_refused(section):
    from flight_delay.infra.config import GateConfig, MonitorConfig

    model = {"gate": GateConfig, "monitor": MonitorConfig}[section]
    base = ({"metric": "roc_auc", "split": "valid", "tolerance": 0.005} if section == "gate" else
            {"bins": 10, "psi_threshold": 0.2, "p_value": 0.01, "drift_share": 0.25,
             "prediction_psi": 0.2, "metric": "roc_auc", "performance_drop": 0.03,
             "min_rows": 200})  # fmt: skip
    with pytest.raises(ValueError, match=rf"{section}.resamples: 50 draws cannot bound a 95% "
                                         r"interval \(at least 200"):  # fmt: skip
        model.model_validate(base | {"resamples": 50})
    assert model.model_validate(base | {"resamples": 0}).resamples == 0
    assert model.model_validate(base | {"resamples": 200, "confidence": 0.95}).resamples == 200
