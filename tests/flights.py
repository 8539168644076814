"""The worked example as the tests see it: the flights' home with its configured label rule
(conf/label/arrival_delay.yaml), for the tests that still use flight-shaped tables; and the
fixtures of the flights' own tests (tests/data/nycflights13, tests/model/nycflights13, the
EDA notebook's test of its hypothesis): its real data as its spec makes it, whatever
conf/config.yaml chooses."""

from __future__ import annotations

from pathlib import Path

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
