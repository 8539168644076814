"""Small hand-made tables and a valid config shared by the unit tests, all of the tests'
own dataset (tests/synthetic.py): the machinery's unit tests never lean on a shipped
example."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flight_delay.infra.config import FeaturesConfig, PipelineConfig, parse_config

REPO_ROOT = Path(__file__).resolve().parents[2]
NAN = np.nan


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def orders_params() -> dict:
    """The params of the tests' own dataset (tests/synthetic.py), as `compose` writes them
    with the orders chosen, whatever conf/config.yaml chooses."""
    from tests import synthetic

    return synthetic.raw_params()


@pytest.fixture
def raw_params(orders_params: dict) -> dict:
    """The orders' params as a plain dict, fresh for each test (safe to mutate)."""
    return copy.deepcopy(orders_params)


@pytest.fixture
def config(raw_params: dict) -> PipelineConfig:
    return parse_config(raw_params)


@pytest.fixture
def small_features() -> FeaturesConfig:
    return FeaturesConfig(numeric=["distance_km", "items"], categorical=["shop", "region"])


@pytest.fixture
def training_frame() -> pd.DataFrame:
    """300 orders; shop a is late far more often than the others."""
    rng = np.random.default_rng(0)
    n = 300
    shop = rng.choice(["a", "b", "c"], n)
    frame = pd.DataFrame(
        {
            "distance_km": rng.uniform(100, 2500, n),
            "items": rng.normal(55, 15, n),
            "shop": pd.array(shop, dtype="str"),
            "region": pd.array(rng.choice(["north", "south", "east"], n), dtype="str"),
            "late": ((shop == "a") | (rng.uniform(size=n) < 0.15)).astype("int8"),
        }
    )
    frame.loc[::17, "items"] = NAN  # missing values at fit time too
    return frame


@pytest.fixture(scope="session")
def orders_config():
    """The tests' own dataset (tests/synthetic.py): the machinery's unit tests on real-sized
    data use it, never a shipped example."""
    from tests import synthetic

    return synthetic.config()


@pytest.fixture(scope="session")
def orders_features(tmp_path_factory) -> dict[str, pd.DataFrame]:
    from tests import synthetic

    return synthetic.features(tmp_path_factory.mktemp("orders"))


@pytest.fixture(scope="session")
def orders_model_file(orders_config, orders_features, tmp_path_factory) -> Path:
    """The configured model fitted on the orders' train split, saved as `train` saves it."""
    from flight_delay.core.models import fit_model
    from flight_delay.infra.persistence import save_model

    config = orders_config
    model = fit_model(orders_features["train"], config.label.column, config.features,
                      config.model, config.seed)  # fmt: skip
    path = tmp_path_factory.mktemp("orders_model") / "model.skops"
    save_model(model, path)
    return path


@pytest.fixture(scope="session")
def orders_served(orders_model_file):
    from tests import synthetic

    return synthetic.served_model(orders_model_file)


@pytest.fixture
def orders() -> pd.DataFrame:
    """Six orders of the tests' own dataset (tests/synthetic.py), one per week of the split:
    order 4 has no outcome yet, order 5 comes from a shop absent from `shops` and
    order 3 has no distance. Late (minutes_late > 10): 0, 1, 1, -, 0, 1."""
    return pd.DataFrame(
        {
            "order_id": [1, 2, 3, 4, 5, 6],
            "placed_at": [
                "2024-01-01T09:00:00Z",
                "2024-01-09T12:00:00Z",
                "2024-02-28T18:00:00Z",
                "2024-03-07T20:00:00Z",
                "2024-03-15T08:00:00Z",
                "2024-03-23T22:00:00Z",
            ],
            "week": [1, 2, 9, 10, 11, 12],
            "weekday": ["mon", "tue", "wed", "thu", "fri", "sat"],
            "hour": [9, 12, 18, 20, 8, 22],
            "shop": [1, 2, 3, 1, 9, 2],
            "items": [1, 5, 2, 30, 3, 4],
            "distance_km": [2.5, 10.0, NAN, 4.0, 7.0, 3.0],
            "minutes_late": [-5.0, 20.0, 12.0, NAN, 3.0, 45.0],
        }
    )


@pytest.fixture
def shops() -> pd.DataFrame:
    return pd.DataFrame({"shop": [1, 2, 3], "region": ["north", "south", "east"],
                         "staff": [3, 12, 7]})  # fmt: skip
