"""Stage `prepare`: label each row of the dataset's label table (its rule, then a person's
overrides), join the other tables, split by time; describe the splits in the dataset card.

No column that the dataset marks as leaking the outcome survives this stage. The
dataset's hooks are applied by datasets/preparation.py; the card is core/datacard.py.
On the `dask` engine (conf/engine/) each partition of the label table is one task
(datasets/partitioned.py) that writes its rows of each split as one part of
data/prepared/<split>.parquet/, and the card is built a few columns at a time: the same
rows (in each part sorted by the key), checks and card, never a whole table in memory.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flight_delay.core.datacard import CardSubject, SplitColumns, card_markdown, card_of_columns
from flight_delay.core.label_overrides import (
    OVERRIDDEN,
    OverrideError,
    OverrideSummary,
    read_overrides,
    refuse_unknown,
)
from flight_delay.core.splits import SPLITS, absent_values, ordered_column, split_summary
from flight_delay.datasets import dataset_for
from flight_delay.datasets.partitioned import override_matches, prepare_partition
from flight_delay.datasets.preparation import override_format, prepared_splits, tables_to_prepare
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import OrderedSplit, PipelineConfig, load_config
from flight_delay.infra.engine import engine_client
from flight_delay.infra.io import path_md5, write_json, write_parquet, write_text
from flight_delay.infra.partitions import gather, one_schema, partitions, staged_table
from flight_delay.infra.paths import (
    DATASET_CARD,
    DATASET_CARD_MD,
    PREPARED_DIR,
    RAW_DIR,
    SPLITS_SUMMARY,
    label_overrides,
)
from flight_delay.infra.progress import run_stage, say


def check_splits(read: SplitColumns, config: PipelineConfig, dataset: DatasetSpec) -> None:
    """Stop, before anything is written, on a split value without rows, an empty split or
    a split of one class."""
    label = dataset.label
    column = ordered_column(config.split)
    splits = read([label] + ([column] if column else []))
    absent = absent_values(splits, config.split)
    if absent:
        named = "; ".join(f"split.{name}: {values}" for name, values in absent.items())
        raise SystemExit(f"prepare: {named} have no labelled rows in column {column!r} (not "
                         "in the data, or left out by data.keep or the label rule); check "
                         "split.* and data.keep")  # fmt: skip
    for name, frame in splits.items():
        if frame.empty:
            raise SystemExit(f"prepare: the {name} split is empty; check split.* and data.keep")
        present = sorted(int(v) for v in frame[label].unique())
        if len(present) < 2:
            only = dataset.class_names[present[0]]
            rule = dataset.describe_label()
            raise SystemExit(f"prepare: every {name} row is labelled {present[0]} ({only}): "
                             f"the label rule ({rule}) does not fit the data; check "
                             "label.source and label.threshold or label.values")  # fmt: skip


def describe_splits(
    columns: list[str], read: SplitColumns, config: PipelineConfig, dataset: DatasetSpec
) -> None:
    """reports/splits.json and the dataset card of the written splits."""
    label, column = dataset.label, ordered_column(config.split)
    wanted = [c for c in (label, column, OVERRIDDEN) if c is not None and c in columns]
    summary = split_summary(read(wanted), label, column)
    for name, split in summary.items():
        say("prepare", f"{name}: {split['rows']:,} rows, {label} rate {split[f'{label}_rate']:.3f}")
    write_json(summary, SPLITS_SUMMARY)
    overrides_file = label_overrides(dataset.name)
    described = [*(PREPARED_DIR / f"{name}.parquet" for name in SPLITS), overrides_file]
    described = sorted(path for path in described if path.exists())
    subject = CardSubject(dataset.name, label, dataset.describe_label(),
                          column, dataset.period_columns, overrides_file.as_posix())  # fmt: skip
    files = {path.as_posix(): path_md5(path) for path in described}
    card = card_of_columns(columns, read, files, subject)
    write_json(card, DATASET_CARD)  # allow_nan=False: fails before anything is written
    write_text(card_markdown(card), DATASET_CARD_MD)
    say("prepare", f"wrote {DATASET_CARD_MD} and {DATASET_CARD}")


def in_process(config: PipelineConfig, dataset: DatasetSpec) -> None:
    tables = {t: pd.read_parquet(RAW_DIR / f"{t}.parquet") for t in tables_to_prepare(dataset)}
    overrides_file = label_overrides(dataset.name)
    try:
        overrides = read_overrides(overrides_file, override_format(dataset))
        splits, summary = prepared_splits(tables, dataset, config.split, config.seed, overrides)
    except OverrideError as err:
        raise SystemExit(f"prepare: {err}") from None
    if summary is not None:
        say("prepare", f"label overrides ({overrides_file}): {summary.as_dict()}")

    def read(names: list[str]) -> dict[str, pd.DataFrame]:
        return {name: frame[names] for name, frame in splits.items()}

    check_splits(read, config, dataset)
    groups = config.engine.partition_rows  # row groups: the dask engine's partitions
    for name, frame in splits.items():
        write_parquet(frame, PREPARED_DIR / f"{name}.parquet", row_group_rows=groups)
    describe_splits(list(splits["train"].columns), read, config, dataset)


def on_cluster(client: Any, config: PipelineConfig, dataset: DatasetSpec) -> None:
    """One task per partition of the label table; the splits' parts swapped in together
    only when every task has succeeded and the splits pass their checks."""
    if not isinstance(config.split, OrderedSplit):  # the config refuses it first
        raise SystemExit(f"prepare: split.kind {config.split.kind} needs the whole table")
    form, overrides_file = override_format(dataset), label_overrides(dataset.name)
    parts = partitions(RAW_DIR / f"{dataset.label_table}.parquet")
    try:
        overrides = read_overrides(overrides_file, form)
        found = gather(client, [client.submit(override_matches, part, overrides, form,
                                              pure=False) for part in parts])  # fmt: skip
        in_raw = pd.Series(np.logical_or.reduce([f[0] for f in found]), index=overrides.index)
        held = pd.Series(np.logical_or.reduce([f[1] for f in found]), index=overrides.index)
        refuse_unknown(overrides, in_raw, held, form)
    except OverrideError as err:
        raise SystemExit(f"prepare: {err}") from None
    joined = {t: (RAW_DIR / f"{t}.parquet").resolve() for t in dataset.joined_tables}
    futures: list[Any] = []
    with ExitStack() as stack:
        staged = {
            name: stack.enter_context(staged_table((PREPARED_DIR / f"{name}.parquet").resolve(),
                                                   on_failure=lambda: client.cancel(futures)))
            for name in SPLITS
        }  # fmt: skip
        futures += [client.submit(prepare_partition, part, i, config, joined, staged, overrides,
                                  pure=False) for i, part in enumerate(parts)]  # fmt: skip
        results = gather(client, futures)
        used = np.logical_or.reduce([r["used"] for r in results])
        summary = OverrideSummary(
            listed=len(overrides),
            applied=sum(r["applied"] for r in results),
            changed=sum(r["changed"] for r in results),
            outside_data=int((~held).sum()),
            not_labelled=int((in_raw & ~used).sum()),
        )
        say("prepare", f"label overrides ({overrides_file}): {summary.as_dict()}")
        for folder in staged.values():
            if any(folder.iterdir()):
                one_schema(folder)
        check_splits(lambda names: read_staged(staged, names), config, dataset)
    finals = {name: PREPARED_DIR / f"{name}.parquet" for name in SPLITS}
    columns = _schema(finals["train"]).names
    describe_splits(columns, lambda names: read_staged(finals, names), config, dataset)


def read_staged(folders: dict[str, Path], names: list[str]) -> dict[str, pd.DataFrame]:
    """Each split's rows of the columns `names`, from its folder of parts (or none)."""
    return {
        name: pd.read_parquet(folder, columns=names) if any(folder.iterdir())
        else pd.DataFrame(columns=names)
        for name, folder in folders.items()
    }  # fmt: skip


def _schema(table: Path) -> Any:
    import pyarrow.parquet as pq

    return pq.read_schema(sorted(table.glob("*.parquet"))[0])


def main() -> None:
    config = load_config()
    dataset = dataset_for(config)
    with engine_client(config.engine, "prepare") as client:
        if client is None:
            in_process(config, dataset)
        else:
            on_cluster(client, config, dataset)


if __name__ == "__main__":
    run_stage("prepare", main)
