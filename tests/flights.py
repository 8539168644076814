"""The worked example as the tests see it: the flights' home with its configured label rule
(conf/label/arrival_delay.yaml), for the tests that still use flight-shaped tables."""

from __future__ import annotations

from pathlib import Path

import yaml

from flight_delay.datasets import load_dataset
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import DataConfig, LabelConfig

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
