"""Retraining on the newest window: which months came after the test months, their
features as the pipeline makes them, the drift verdict on them, and the split moved
forward (the validation months join training, the test months become validation, the
new window becomes the test). Used by `make retrain` and `make simulate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import PipelineConfig, SplitConfig

if TYPE_CHECKING:
    from flight_delay.operate.served_model import ServedModel

SPLIT_HEADER = """\
# Time-ordered split: every validation month follows every training month, and so on.
# `make retrain` and `make simulate` move this window forward when the data drifts.
"""


def months_after(rows: pd.DataFrame, column: str, split: SplitConfig) -> list[int]:
    """The values of the split column (months of one year, as the split is: data spanning
    years needs a split by date first) that come after the test months."""
    return sorted(int(m) for m in rows[column].unique() if m > max(split.test_months))


def extend_split(split: SplitConfig, window: list[int]) -> SplitConfig:
    """The old validation months join training, the old test months become the
    validation months, and the new window is the test."""
    return SplitConfig(
        train_months=sorted({*split.train_months, *split.valid_months}),
        valid_months=list(split.test_months),
        test_months=sorted(window),
    )


def split_yaml(split: SplitConfig) -> str:
    fields = split.model_dump().items()
    lines = [f"{key}: [{', '.join(map(str, months))}]" for key, months in fields]
    return SPLIT_HEADER + "\n".join(lines) + "\n"


def window_features(
    tables: dict[str, pd.DataFrame], dataset: DatasetSpec, config: PipelineConfig,
    months: list[int],
) -> pd.DataFrame:  # fmt: skip
    """Labelled features of these months, as prepare and featurize would make them."""
    from flight_delay.datasets.preparation import features_of, labelled_rows

    labelled_table = tables[dataset.label_table]
    window = labelled_table[labelled_table[dataset.split_column].isin(months)]
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
    return compare(reference.rows, current, served, config.monitor, reference.score,
                   reference.held_out)  # fmt: skip
