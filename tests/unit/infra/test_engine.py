"""The engine setting (conf/engine/): validated with the key named, and a scheduler that
does not answer stops the stage at once, naming where the address came from."""

from __future__ import annotations

import time

import pytest

from flight_delay.infra.config import EngineConfig, parse_config
from flight_delay.infra.engine import ADDRESS_ENV, EngineError, engine_client, shared_environment
from flight_delay.infra.processes import free_port


def test_no_engine_in_params_means_in_process(raw_params):
    assert parse_config({k: v for k, v in raw_params.items() if k != "engine"}).engine.kind == (
        "local"
    )
    with engine_client(EngineConfig(kind="local"), "featurize") as client:
        assert client is None


@pytest.mark.parametrize(
    ("engine", "key"),
    [
        ({"kind": "spark"}, "engine.kind"),
        ({"kind": "dask", "address": "scheduler:8786"}, "engine.address"),
        ({"kind": "dask", "memory_limit": "lots"}, "engine.memory_limit"),
        ({"kind": "dask", "workers": 0}, "engine.workers"),
        ({"kind": "dask", "threads": 2}, "engine.threads"),
    ],
)
def test_a_bad_engine_setting_is_named(raw_params, engine, key):
    from flight_delay.infra.config import ConfigError

    with pytest.raises(ConfigError, match=rf"  {key}: "):
        parse_config({**raw_params, "engine": engine})


@pytest.mark.parametrize("model", ["hist_gradient_boosting", "logistic_regression"])
def test_a_model_the_engine_cannot_train_fails_at_start_naming_the_setting(
    raw_params, repo_root, model
):
    import yaml

    from flight_delay.infra.config import ConfigError

    chosen = yaml.safe_load((repo_root / f"conf/model/{model}.yaml").read_text())
    engine = {"kind": "dask"}
    with pytest.raises(ConfigError, match=rf"model: {model} trains in one process, not on "
                       r"engine.kind dask .* choose `model: lightgbm`"):  # fmt: skip
        parse_config({**raw_params, "model": chosen, "engine": engine})
    lightgbm = yaml.safe_load((repo_root / "conf/model/lightgbm.yaml").read_text())
    assert parse_config({**raw_params, "model": lightgbm, "engine": engine}).model.name == (
        "lightgbm"
    )
    assert parse_config({**raw_params, "model": chosen}).engine.kind == "local"


def test_a_split_drawn_over_the_whole_table_fails_on_dask_naming_the_setting(raw_params, repo_root):
    import yaml

    from flight_delay.infra.config import ConfigError

    lightgbm = yaml.safe_load((repo_root / "conf/model/lightgbm.yaml").read_text())
    shuffled = {"kind": "stratified", "valid_fraction": 0.2, "test_fraction": 0.2}
    with pytest.raises(ConfigError, match=r"split: kind stratified draws over the whole table, "
                       r"not on engine.kind dask .*`split.kind: ordered`"):  # fmt: skip
        parse_config(
            {**raw_params, "model": lightgbm, "split": shuffled, "engine": {"kind": "dask"}}
        )
    assert parse_config({**raw_params, "split": shuffled}).split.kind == "stratified"


@pytest.mark.parametrize("from_environment", [False, True])
def test_an_unreachable_scheduler_fails_at_start_naming_the_setting(monkeypatch, from_environment):
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    engine = EngineConfig(kind="dask", address=None if from_environment else address,
                          connect_timeout_s=1)  # fmt: skip
    if from_environment:
        monkeypatch.setenv(ADDRESS_ENV, address)
    else:
        monkeypatch.delenv(ADDRESS_ENV, raising=False)
    origin = ADDRESS_ENV if from_environment else "engine.address"
    start = time.monotonic()
    refusal = rf"prepare: no Dask scheduler answered at {origin} {address} within 1 s .* fix"
    with pytest.raises(EngineError, match=refusal), engine_client(engine, "prepare"):
        pass
    assert time.monotonic() - start < 20


def test_the_workers_get_the_stages_settings_and_credentials(monkeypatch):
    monkeypatch.setenv("DVC_REMOTE_TEST", "team")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("UNRELATED_SECRET", "x")
    shared = shared_environment()
    assert {"DVC_REMOTE_TEST", "MLFLOW_TRACKING_URI", "AWS_ACCESS_KEY_ID"} <= set(shared)
    assert "UNRELATED_SECRET" not in shared
