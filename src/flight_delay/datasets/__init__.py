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
    from flight_delay.datasets.spec import DatasetHome, DatasetSpec
    from flight_delay.infra.config import PipelineConfig


def load_dataset(name: str) -> DatasetHome:
    """`DATASET` of the package flight_delay.datasets.<name> (imported on demand)."""
    from flight_delay.datasets.spec import DatasetHome

    try:
        home = importlib.import_module(f"flight_delay.datasets.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"flight_delay.datasets.{name}":
            raise
        raise ConfigError(
            f"data.dataset: no dataset home flight_delay/datasets/{name}/ (got {name!r})"
        ) from None
    spec = getattr(home, "DATASET", None)
    if not isinstance(spec, DatasetHome):
        raise ConfigError(f"data.dataset: flight_delay.datasets.{name} defines no DATASET")
    return spec


def dataset_named_in(params: dict[str, Any]) -> DatasetSpec:
    """The dataset a params.yaml mapping names (`data.dataset`) with its label rule
    (`label`), without validating the rest (the PR checks read params that may be
    invalid: they report it themselves)."""
    from pydantic import ValidationError

    from flight_delay.datasets.spec import DatasetSpec
    from flight_delay.infra.config import LabelConfig

    data = params.get("data") if isinstance(params, dict) else None
    name = data.get("dataset") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        raise ConfigError("params.yaml: data.dataset names no dataset home")
    try:
        label = LabelConfig.model_validate(params.get("label"))
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        key = ".".join(["label", *map(str, first["loc"])])
        raise ConfigError(f"params.yaml: {key}: {first['msg']}") from None
    return DatasetSpec.of(load_dataset(name), label)


def configuration_problems(config: PipelineConfig, dataset: DatasetHome) -> list[str]:
    """Where the configuration asks what the dataset cannot give, one line per key."""
    features = config.features
    problems = []
    leaked = sorted(dataset.leakage & {*features.numeric, *features.categorical})
    if leaked:
        problems.append(f"features: {leaked} are only known after the outcome (leakage)")
    unruled = [c for c in features.columns if c not in dataset.feature_rules and c not in leaked]
    if unruled:
        problems.append(f"features: no rule for {unruled} in the {dataset.name} dataset's rules")
    label = config.label
    if label.column in features.columns or label.source in features.columns:
        problems.append(f"features: the label ({label.column}, from {label.source}) is no input")
    if label.column in dataset.leakage:
        problems.append(f"label.column: {label.column!r} is one of the dataset's leakage columns")
    elif label.source not in dataset.leakage and label.source != label.column:
        problems.append(f"label.source: {label.source!r} is the outcome; list it in the "
                        f"{dataset.name} dataset's leakage columns")  # fmt: skip
    return problems


def dataset_for(config: PipelineConfig) -> DatasetSpec:
    """The configured dataset with its label rule, after checking the configuration
    against it."""
    from flight_delay.datasets.spec import DatasetSpec

    home = load_dataset(config.data.dataset)
    problems = configuration_problems(config, home)
    if problems:
        raise ConfigError("invalid configuration for the dataset:\n  " + "\n  ".join(problems))
    return DatasetSpec.of(home, config.label)
