"""Datasets: the seam (`spec.DatasetSpec`), how a home is built from its declarations
(`home`), the machinery that applies a dataset's hook (`preparation`), and one folder per
dataset (`nycflights13/`, the worked example; `breast_cancer/`): its schema.yaml and, if
it needs one, its hook.py.

`dataset_for(config)` loads the home that `data.dataset` names and checks the
configuration against it, so a feature that leaks the outcome, or has no rule, fails
before any work starts, naming the key.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flight_delay.infra.config import ConfigError

if TYPE_CHECKING:
    from flight_delay.datasets.spec import DatasetHome, DatasetSpec
    from flight_delay.infra.config import DataConfig, PipelineConfig


HOMES = Path(__file__).parent  # one folder per dataset: schema.yaml, and hook.py if any


def load_dataset(data: DataConfig, homes: Path = HOMES) -> DatasetHome:
    """The home of `data.dataset`: its schema.yaml and its hook.py (imported on demand, when
    there is one), checked against `data` (datasets/home.py)."""
    import yaml

    from flight_delay.datasets.home import build_home, read_schema

    name = data.dataset
    folder = homes / name
    shown = f"src/flight_delay/datasets/{name}" if homes == HOMES else folder.as_posix()
    if not (folder / "schema.yaml").is_file():
        raise ConfigError(f"data.dataset: no dataset home {shown}/schema.yaml (got {name!r})")
    hook = None
    if (folder / "hook.py").is_file() and homes == HOMES:
        hook = importlib.import_module(f"flight_delay.datasets.{name}.hook")
    try:
        raw = yaml.safe_load((folder / "schema.yaml").read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{shown}/schema.yaml: not valid YAML: {err}") from None
    return build_home(data, read_schema(raw, hook, f"{shown}/schema.yaml"), hook)


def dataset_named_in(params: dict[str, Any]) -> DatasetSpec:
    """The dataset a params.yaml mapping names (`data.dataset`) with its label rule
    (`label`), without validating the rest (the PR checks read params that may be
    invalid: they report it themselves)."""
    from pydantic import ValidationError

    from flight_delay.datasets.spec import DatasetSpec
    from flight_delay.infra.config import DataConfig, LabelConfig

    data = params.get("data") if isinstance(params, dict) else None
    name = data.get("dataset") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        raise ConfigError("params.yaml: data.dataset names no dataset home")
    sections: dict[str, Any] = {}
    for section, model in (("data", DataConfig), ("label", LabelConfig)):
        try:
            sections[section] = model.model_validate(params.get(section))
        except ValidationError as err:
            first = err.errors(include_url=False)[0]
            key = ".".join([section, *map(str, first["loc"])])
            raise ConfigError(f"params.yaml: {key}: {first['msg']}") from None
    return DatasetSpec.of(load_dataset(sections["data"]), sections["label"])


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
    columns = dataset.schema.tables[dataset.label_table].columns
    if label.source not in columns:
        problems.append(f"label.source: {label.source!r} is not a column of the "
                        f"{dataset.label_table} table (schema.yaml)")  # fmt: skip
    split_column = getattr(config.split, "column", None)  # ordered splits only
    if split_column is not None and split_column not in columns:
        derived = split_column in dataset.schema.derived
        why = (" (a derived column is computed after the split: add the column to the "
               "source data)") if derived else " (schema.yaml)"  # fmt: skip
        problems.append(f"split.column: {split_column!r} is not a column of the "
                        f"{dataset.label_table} table{why}")  # fmt: skip
    if label.column in features.columns or label.source in features.columns:
        problems.append(f"features: the label ({label.column}, from {label.source}) is no input")
    if label.column in dataset.leakage:
        problems.append(f"label.column: {label.column!r} is one of the dataset's leakage columns")
    elif label.source in columns and label.source not in dataset.leakage | {label.column}:
        problems.append(f"label.source: {label.source!r} is the outcome; list it in the "
                        f"{dataset.name} dataset's leakage columns")  # fmt: skip
    return problems


def dataset_for(config: PipelineConfig) -> DatasetSpec:
    """The configured dataset with its label rule, after checking the configuration
    against it."""
    from flight_delay.datasets.spec import DatasetSpec

    home = load_dataset(config.data)
    problems = configuration_problems(config, home)
    if problems:
        raise ConfigError("invalid configuration for the dataset:\n  " + "\n  ".join(problems))
    return DatasetSpec.of(home, config.label)
