"""Datasets: the seam (`spec.DatasetSpec`), the machinery that applies a dataset's hooks
(`preparation`), and one home per dataset (`nycflights13/`, the worked example).

`dataset_for(config)` loads the home that `data.dataset` names and checks the
configuration against it, so a feature that leaks the outcome, or has no rule, fails
before any work starts, naming the key.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from flight_delay.infra.config import ConfigError

if TYPE_CHECKING:
    from flight_delay.datasets.spec import DatasetSpec
    from flight_delay.infra.config import PipelineConfig


def load_dataset(name: str) -> DatasetSpec:
    """`DATASET` of the package flight_delay.datasets.<name> (imported on demand)."""
    from flight_delay.datasets.spec import DatasetSpec

    try:
        home = importlib.import_module(f"flight_delay.datasets.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"flight_delay.datasets.{name}":
            raise
        raise ConfigError(
            f"data.dataset: no dataset home flight_delay/datasets/{name}/ (got {name!r})"
        ) from None
    spec = getattr(home, "DATASET", None)
    if not isinstance(spec, DatasetSpec):
        raise ConfigError(f"data.dataset: flight_delay.datasets.{name} defines no DATASET")
    return spec


def dataset_named_in(params: dict[str, Any]) -> DatasetSpec:
    """The dataset a params.yaml mapping names (`data.dataset`), without validating the
    rest (the PR checks read params that may be invalid: they report it themselves)."""
    data = params.get("data") if isinstance(params, dict) else None
    name = data.get("dataset") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        raise ConfigError("params.yaml: data.dataset names no dataset home")
    return load_dataset(name)


def configuration_problems(config: PipelineConfig, dataset: DatasetSpec) -> list[str]:
    """Where the configuration asks what the dataset cannot give, one line per key."""
    features = config.features
    problems = []
    leaked = sorted(dataset.leakage & {*features.numeric, *features.categorical})
    if leaked:
        problems.append(f"features: {leaked} are only known after the outcome (leakage)")
    unruled = [c for c in features.columns if c not in dataset.feature_rules and c not in leaked]
    if unruled:
        problems.append(f"features: no rule for {unruled} in the {dataset.name} dataset's rules")
    return problems


def dataset_for(config: PipelineConfig) -> DatasetSpec:
    """The configured dataset, after checking the configuration against it."""
    dataset = load_dataset(config.data.dataset)
    problems = configuration_problems(config, dataset)
    if problems:
        raise ConfigError("invalid configuration for the dataset:\n  " + "\n  ".join(problems))
    return dataset
