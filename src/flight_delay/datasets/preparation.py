"""The machinery that applies a dataset's hooks, for the stages and for retraining:
raw tables -> labelled rows (the rule, then a person's overrides) -> time-ordered
splits -> features. Pure: frames in, frames out."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path

import pandas as pd

from flight_delay.core.feature_rules import InputRules, input_rules
from flight_delay.core.features import select_features
from flight_delay.core.label_overrides import OverrideFormat, OverrideSummary, apply_overrides
from flight_delay.core.schema import ROW_NUMBER, DatasetSchema
from flight_delay.core.splits import split_rows
from flight_delay.core.validation import null_implausible
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import (
    DataConfig,
    FeaturesConfig,
    OrderedSplit,
    PipelineConfig,
    ShuffledSplit,
)
from flight_delay.infra.sources import read_source_chunks, read_sources, resolve_source


def _reading(schema: DatasetSchema) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(table -> the column that numbers its rows, table -> its float columns)."""
    numbered = {name: ROW_NUMBER for name, table in schema.tables.items() if table.numbered}
    floats = {name: [c for c, column in table.columns.items() if column.kind == "float"]
              for name, table in schema.tables.items()}  # fmt: skip
    return numbered, floats


def read_source_tables(
    data: DataConfig, schema: DatasetSchema, root: Path = Path(".")
) -> dict[str, pd.DataFrame]:
    """The source tables as `ingest` copies them: a table without a key gets its row
    numbers (`row_number`), and the schema's float columns are read as floats."""
    numbered, floats = _reading(schema)
    return read_sources(data, root, numbered=numbered, floats=floats)


def source_table_chunks(
    data: DataConfig, schema: DatasetSchema, chunk_rows: int, root: Path = Path(".")
) -> dict[str, Callable[[], Iterator[pd.DataFrame]]]:
    """table -> a reader of its chunks: read_source_tables' rows, a chunk at a time (the
    `dask` engine's `ingest`, whose memory holds one chunk)."""
    numbered, floats = _reading(schema)
    folder = resolve_source(data.source, root)
    return {
        table: partial(
            read_source_chunks,
            folder / file_name,
            data.keep,
            numbered.get(table),
            floats.get(table, []),
            chunk_rows,
        )  # fmt: skip
        for table, file_name in sorted(data.files.items())
    }


def tables_to_prepare(dataset: DatasetSpec) -> list[str]:
    """The raw tables `prepare` reads: the labelled one, then those joined to it."""
    return [dataset.label_table, *dataset.joined_tables]


def override_format(dataset: DatasetSpec) -> OverrideFormat:
    periods = tuple(c for c in dataset.period_columns if c in dataset.natural_key)
    return OverrideFormat(key=dataset.natural_key, label=dataset.label, periods=periods)


def drop_leakage(frame: pd.DataFrame, leakage: frozenset[str]) -> pd.DataFrame:
    return frame.drop(columns=sorted(leakage & set(frame.columns)))


def labelled_rows(tables: Mapping[str, pd.DataFrame], dataset: DatasetSpec) -> pd.DataFrame:
    """The label table's rows labelled by the rule, joined with the other tables, without
    the columns that leak the outcome. Implausible values (the schema's plausible_high)
    are missing first, in every table."""
    plausibility = dataset.plausibility
    tables = {name: null_implausible(frame, plausibility.get(name, {}))
              for name, frame in tables.items()}  # fmt: skip
    labelled = dataset.label_rows(tables[dataset.label_table])
    return drop_leakage(dataset.join_tables(labelled, tables), dataset.leakage)


def prepared_splits(
    tables: Mapping[str, pd.DataFrame],
    dataset: DatasetSpec,
    split: OrderedSplit | ShuffledSplit,
    seed: int,
    overrides: pd.DataFrame | None = None,
) -> tuple[dict[str, pd.DataFrame], OverrideSummary | None]:
    """The splits, with the overrides (a person's labels) applied after the rule."""
    joined, summary = labelled_rows(tables, dataset), None
    if overrides is not None:
        raw = tables[dataset.label_table]
        joined, summary = apply_overrides(joined, raw, overrides, override_format(dataset))
    return split_rows(joined, split, list(dataset.key), dataset.label, seed), summary


def rules_for(dataset: DatasetSpec, numeric: list[str], categorical: list[str]) -> InputRules:
    """The rules of these model inputs (the config's, or a fitted model's own columns)."""
    return input_rules(dict(dataset.feature_rules), dict(dataset.identity_rules),
                       numeric, categorical)  # fmt: skip


def features_of(
    prepared: pd.DataFrame, dataset: DatasetSpec, features: FeaturesConfig
) -> pd.DataFrame:
    """The feature table of prepared rows: derived columns added, inputs selected."""
    derived = dataset.derive_features(prepared)
    rules = rules_for(dataset, features.numeric, features.categorical)
    return select_features(derived, features, rules,
                           list(dataset.context_columns), dataset.label)  # fmt: skip


def features_of_partition(prepared: pd.DataFrame, config: PipelineConfig) -> pd.DataFrame:
    """features_of one partition, the dataset loaded from the config in the task's own
    process (a Dask worker's, with the `dask` engine): derived features are row-wise, so
    the parts together are the whole table's features."""
    from flight_delay.datasets import dataset_for

    return features_of(prepared, dataset_for(config), config.features)
