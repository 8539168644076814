"""Retraining on the newest window: which values of the split column (months, for the
flights) came after the test values, their features as the pipeline makes them, the
drift verdict on them, and the split moved forward (the validation values join
training, the test values become validation, the new window becomes the test). Used by
`make retrain` and `make simulate`; both need a split with a time order.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from flight_delay.core.splits import SPLITS
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import OrderedSplit, PipelineConfig, ShuffledSplit

if TYPE_CHECKING:
    from flight_delay.operate.served_model import ServedModel

SPLIT_HEADER = """\
# Time-ordered split by the values of one column: every validation value follows every
# training value, and so on. `make retrain` and `make simulate` move this window forward
# when the data drifts.
"""


class RetrainError(ValueError):
    """The split has no time order to move forward."""


def ordered(split: OrderedSplit | ShuffledSplit) -> OrderedSplit:
    """The split, when it has a time order; RetrainError naming the kind otherwise."""
    if not isinstance(split, OrderedSplit):
        raise RetrainError(
            f"split.kind is {split.kind!r}: retraining on a newer window and the replay need "
            "a split with a time order (kind: ordered, by a column such as a month or a year)"
        )
    return split


def values_after(rows: pd.DataFrame, split: OrderedSplit) -> list[int | str]:
    """The values of the split column in `rows` that come after every test value, in order."""
    latest = max(split.test)
    return sorted(v.item() if hasattr(v, "item") else v
                  for v in rows[split.column].dropna().unique() if v > latest)  # fmt: skip


def extend_split(split: OrderedSplit, window: list[int | str]) -> OrderedSplit:
    """The old validation values join training, the old test values become the
    validation values, and the new window is the test."""
    return OrderedSplit(
        kind="ordered",
        column=split.column,
        train=sorted({*split.train, *split.valid}),
        valid=list(split.test),
        test=sorted(window),
    )


def split_yaml(split: OrderedSplit) -> str:
    """The split's conf file, values on one line per split."""
    lines = [f"kind: {split.kind}", f"column: {split.column}"]
    values = split.values()
    lines += [f"{name}: {yaml.safe_dump(values[name], default_flow_style=True).strip()}"
              for name in SPLITS]  # fmt: skip
    return SPLIT_HEADER + "\n".join(lines) + "\n"


def write_split(split: OrderedSplit, conf_dir: Path | None = None) -> Path:
    """The new split where the configuration keeps it: its own conf file (written whole,
    values on one line each), or the `split:` section of a dataset spec in one file."""
    from flight_delay.infra.io import write_text
    from flight_delay.infra.params import section_file, write_section
    from flight_delay.infra.paths import CONF_DIR

    conf = conf_dir or CONF_DIR
    path, whole = section_file("split", conf)
    if whole:
        write_text(split_yaml(split), path)
        return path
    return write_section("split", yaml.safe_load(split_yaml(split)), conf)


def window_features(
    tables: dict[str, pd.DataFrame], dataset: DatasetSpec, config: PipelineConfig,
    values: list[int | str],
) -> pd.DataFrame:  # fmt: skip
    """Labelled features of the rows whose split column holds these values, as prepare
    and featurize would make them."""
    from flight_delay.datasets.preparation import features_of, labelled_rows

    column = ordered(config.split).column
    labelled_table = tables[dataset.label_table]
    window = labelled_table[labelled_table[column].isin(values)]
    joined = labelled_rows({**tables, dataset.label_table: window}, dataset)
    featured = features_of(joined, dataset, config.features)
    return featured.sort_values(list(dataset.key)).reset_index(drop=True)


def read_tables(dataset: DatasetSpec, root: Path = Path(".")) -> dict[str, pd.DataFrame]:
    """The raw tables `prepare` reads, as `ingest` left them."""
    from flight_delay.datasets.preparation import tables_to_prepare
    from flight_delay.infra.paths import RAW_DIR

    return {t: pd.read_parquet(root / RAW_DIR / f"{t}.parquet")
            for t in tables_to_prepare(dataset)}  # fmt: skip


def judge_window(
    current: pd.DataFrame, served: ServedModel, config: PipelineConfig, root: Path = Path(".")
) -> dict:
    """The drift report of `current` against the served model's training data."""
    from flight_delay.infra.paths import FEATURES_DIR
    from flight_delay.operate.monitoring import compare, load_reference, scores

    reference = load_reference(served, root / FEATURES_DIR / "train.parquet",
                               root / FEATURES_DIR / "valid.parquet", config.monitor)  # fmt: skip
    current = scores(current, served, "window")
    return compare(reference.rows, current, served, config.monitor, reference)
