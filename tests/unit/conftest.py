"""Small hand-made tables and a valid config shared by the unit tests.

The three raw tables agree with each other (tail numbers, origins, hours) and
pass their schemas, so a test can break exactly one thing and see it reported.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from flight_delay.infra.config import FeaturesConfig, PipelineConfig, parse_config

REPO_ROOT = Path(__file__).resolve().parents[2]
NAN = np.nan


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def flights_params_text() -> str:
    """The worked example's params (conf/ with `dataset=flights`), whatever conf/config.yaml
    chooses: the unit tests' tables below are flights."""
    from flight_delay.infra.params import compose_params

    return compose_params(REPO_ROOT / "conf", ("dataset=flights",))


@pytest.fixture
def raw_params(flights_params_text: str) -> dict:
    """The flights' params as a plain dict, fresh for each test (safe to mutate)."""
    return yaml.safe_load(flights_params_text)


@pytest.fixture
def config(raw_params: dict) -> PipelineConfig:
    return parse_config(raw_params)


@pytest.fixture
def flights() -> pd.DataFrame:
    """Six flights. Row 2 is cancelled; row 4 arrives exactly 15 min late and has no
    tail number; row 5 flies a plane absent from `planes` in an hour absent from `weather`."""
    return pd.DataFrame(
        {
            "year": [2013] * 6,
            "month": [1, 1, 9, 10, 11, 12],
            "day": [1, 1, 15, 7, 4, 24],
            "dep_time": [517.0, 533.0, NAN, 655.0, 1402.0, 2359.0],
            "sched_dep_time": [515, 529, 1300, 700, 1359, 2359],
            "dep_delay": [2.0, 4.0, NAN, -5.0, 3.0, 0.0],
            "arr_time": [830.0, 850.0, NAN, 815.0, 1715.0, 116.0],
            "sched_arr_time": [819, 830, 1600, 820, 1700, 100],
            "arr_delay": [11.0, 20.0, NAN, -5.0, 15.0, 16.0],
            "carrier": ["UA", "UA", "AA", "B6", "DL", "B6"],
            "flight": [1545, 1714, 100, 300, 200, 301],
            "tailnum": ["N14228", "N24211", "N14228", "N24211", None, "N99999"],
            "origin": ["EWR", "LGA", "JFK", "JFK", "EWR", "JFK"],
            "dest": ["IAH", "IAH", "MIA", "BOS", "ATL", "BOS"],
            "air_time": [227.0, 227.0, NAN, 40.0, 120.0, 38.0],
            "distance": [1400, 1416, 1089, 187, 746, 187],
            "hour": [5, 5, 13, 7, 13, 23],
            "minute": [15, 29, 0, 0, 59, 59],
            "time_hour": [
                "2013-01-01T10:00:00Z",
                "2013-01-01T10:00:00Z",
                "2013-09-15T17:00:00Z",
                "2013-10-07T11:00:00Z",
                "2013-11-04T18:00:00Z",
                "2013-12-25T04:00:00Z",
            ],
        }
    )


@pytest.fixture
def weather() -> pd.DataFrame:
    """Hourly weather; JFK at 2013-01-01T10 has no flight, row 3 has an implausible wind."""
    return pd.DataFrame(
        {
            "origin": ["EWR", "LGA", "JFK", "JFK", "JFK", "EWR"],
            "year": [2013] * 6,
            "month": [1, 1, 1, 9, 10, 11],
            "day": [1, 1, 1, 15, 7, 4],
            "hour": [5, 5, 5, 13, 7, 13],
            "temp": [39.0, 41.0, 40.0, 75.0, 60.0, 50.0],
            "dewp": [26.0, 27.0, 26.5, 60.0, 50.0, 40.0],
            "humid": [59.4, 61.6, 60.0, 60.0, 70.0, 68.0],
            "wind_dir": [270.0, 250.0, 260.0, 180.0, 90.0, 0.0],
            "wind_speed": [10.0, 12.0, 11.0, 1048.0, 5.0, NAN],
            "wind_gust": [NAN, NAN, NAN, NAN, NAN, NAN],
            "precip": [0.0, 0.0, 0.0, 0.1, 0.0, 0.0],
            "pressure": [1012.0, 1012.3, 1012.1, 1015.0, 1020.0, 1018.0],
            "visib": [10.0, 10.0, 10.0, 8.0, 10.0, 9.0],
            "time_hour": [
                "2013-01-01T10:00:00Z",
                "2013-01-01T10:00:00Z",
                "2013-01-01T10:00:00Z",
                "2013-09-15T17:00:00Z",
                "2013-10-07T11:00:00Z",
                "2013-11-04T18:00:00Z",
            ],
        }
    )


@pytest.fixture
def planes() -> pd.DataFrame:
    """Three planes; N10156 flies none of the fixture flights, N99999 is absent."""
    return pd.DataFrame(
        {
            "tailnum": ["N14228", "N24211", "N10156"],
            "year": [1999.0, 1998.0, 2004.0],
            "type": ["Fixed wing multi engine"] * 3,
            "manufacturer": ["BOEING", "BOEING", "EMBRAER"],
            "model": ["737-824", "737-824", "EMB-145XR"],
            "engines": [2, 2, 2],
            "seats": [149, 178, 55],
            "speed": [NAN, NAN, NAN],
            "engine": ["Turbo-fan"] * 3,
        }
    )


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
