"""Stage `prepare`: label each row of the dataset's label table (its rule, then a person's
overrides), join the other tables, split by time; describe the splits in the dataset card.

No column that the dataset marks as leaking the outcome survives this stage. The
dataset's hooks are applied by datasets/preparation.py; the card is core/datacard.py.
"""

from __future__ import annotations

import pandas as pd

from flight_delay.core.datacard import CardSubject, build_card, card_markdown
from flight_delay.core.label_overrides import OverrideError, read_overrides
from flight_delay.core.splits import absent_values, ordered_column, split_summary
from flight_delay.datasets import dataset_for
from flight_delay.datasets.preparation import override_format, prepared_splits, tables_to_prepare
from flight_delay.infra.config import load_config
from flight_delay.infra.io import file_md5, write_json, write_parquet, write_text
from flight_delay.infra.paths import (
    DATASET_CARD,
    DATASET_CARD_MD,
    PREPARED_DIR,
    RAW_DIR,
    SPLITS_SUMMARY,
    label_overrides,
)
from flight_delay.infra.progress import run_stage, say


def main() -> None:
    config = load_config()
    dataset = dataset_for(config)
    tables = {t: pd.read_parquet(RAW_DIR / f"{t}.parquet") for t in tables_to_prepare(dataset)}
    overrides_file = label_overrides(dataset.name)
    try:
        overrides = read_overrides(overrides_file, override_format(dataset))
        splits, summary = prepared_splits(tables, dataset, config.split, config.seed, overrides)
    except OverrideError as err:
        raise SystemExit(f"prepare: {err}") from None
    if summary is not None:
        say("prepare", f"label overrides ({overrides_file}): {summary.as_dict()}")
    label = dataset.label
    absent = absent_values(splits, config.split)  # checked before anything is written
    if absent:
        named = "; ".join(f"split.{name}: {values}" for name, values in absent.items())
        column = ordered_column(config.split)
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
    groups = config.engine.partition_rows  # row groups: the dask engine's partitions
    for name, frame in splits.items():
        write_parquet(frame, PREPARED_DIR / f"{name}.parquet", row_group_rows=groups)
        say("prepare", f"{name}: {len(frame):,} rows, {label} rate {frame[label].mean():.3f}")
    column = ordered_column(config.split)
    write_json(split_summary(splits, label, column), SPLITS_SUMMARY)
    described = [*(PREPARED_DIR / f"{name}.parquet" for name in splits), overrides_file]
    described = sorted(path for path in described if path.exists())
    subject = CardSubject(dataset.name, label, dataset.describe_label(),
                          column, dataset.period_columns, overrides_file.as_posix())  # fmt: skip
    card = build_card(splits, {path.as_posix(): file_md5(path) for path in described}, subject)
    write_json(card, DATASET_CARD)  # allow_nan=False: fails before anything is written
    write_text(card_markdown(card), DATASET_CARD_MD)
    say("prepare", f"wrote {DATASET_CARD_MD} and {DATASET_CARD}")


if __name__ == "__main__":
    run_stage("prepare", main)
