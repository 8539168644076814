"""The worked example as the tests see it: the flights' home with its configured label rule
(conf/label/arrival_delay.yaml), for the tests that still use flight-shaped tables."""

from __future__ import annotations

from pathlib import Path

import yaml

from flight_delay.datasets.nycflights13 import DATASET as HOME
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import LabelConfig

REPO_ROOT = Path(__file__).resolve().parents[1]
LABEL_RULE = LabelConfig.model_validate(
    yaml.safe_load((REPO_ROOT / "conf/label/arrival_delay.yaml").read_text(encoding="utf-8"))
)
FLIGHTS = DatasetSpec.of(HOME, LABEL_RULE)
LABEL = FLIGHTS.label


def rule(**changes: object) -> LabelConfig:
    """The flights' label rule with some settings changed (threshold=10, missing=...)."""
    return LABEL_RULE.model_copy(update=changes)


def flights_with(**changes: object) -> DatasetSpec:
    return DatasetSpec.of(HOME, rule(**changes))
