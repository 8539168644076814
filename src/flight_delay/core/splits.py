"""The time-ordered split: train, then validation, then test, by values of one column
(the months of `split.*_months`), and a summary of each split."""

from __future__ import annotations

from typing import Any

import pandas as pd

from flight_delay.core.label_overrides import OVERRIDDEN
from flight_delay.infra.config import SplitConfig

SPLITS = ("train", "valid", "test")  # in time order, as reports and cards show them


def split_values(split: SplitConfig) -> dict[str, list[int]]:
    return {"train": split.train_months, "valid": split.valid_months, "test": split.test_months}


def split_by_values(
    frame: pd.DataFrame, column: str, split: SplitConfig, key: list[str]
) -> dict[str, pd.DataFrame]:
    """Each split's rows (those whose `column` is one of its values), sorted by `key`."""
    values = split_values(split)
    return {
        name: frame[frame[column].isin(values[name])].sort_values(key).reset_index(drop=True)
        for name in SPLITS
    }


def split_summary(
    splits: dict[str, pd.DataFrame], label: str, column: str
) -> dict[str, dict[str, Any]]:
    """Rows, label rate (`<label>_rate`), values of `column` and hand-set labels of each
    split."""
    return {
        name: {
            "rows": len(frame),
            f"{label}_rate": round(float(frame[label].mean()), 6) if len(frame) else None,
            "months": sorted(int(m) for m in frame[column].unique()),
            "label_overrides": int(frame[OVERRIDDEN].sum()) if OVERRIDDEN in frame else 0,
        }
        for name, frame in splits.items()
    }
