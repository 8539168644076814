"""The split into train, validation and test: by the values of one column in time order
(`ordered`), or at random with the seed (`random`; `stratified` keeps the label's rate in
each split). Each split's rows are sorted by the row key, so the same data and config
always give the same files."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from flight_delay.core.label_overrides import OVERRIDDEN
from flight_delay.infra.config import OrderedSplit, ShuffledSplit

SPLITS = ("train", "valid", "test")  # in time order, as reports and cards show them


def split_rows(
    frame: pd.DataFrame, split: OrderedSplit | ShuffledSplit, key: list[str], label: str,
    seed: int,
) -> dict[str, pd.DataFrame]:  # fmt: skip
    """Each split's rows, sorted by `key` (and renumbered from 0)."""
    if isinstance(split, OrderedSplit):
        values = split.values()
        chosen = {name: frame[split.column].isin(values[name]) for name in SPLITS}
    else:
        shuffled = shuffled_assignment(frame.sort_values(key), split, label, seed)
        chosen = {name: mask.reindex(frame.index) for name, mask in shuffled.items()}
    return {name: frame[chosen[name]].sort_values(key).reset_index(drop=True) for name in SPLITS}


def absent_values(
    splits: dict[str, pd.DataFrame], split: OrderedSplit | ShuffledSplit
) -> dict[str, list[Any]]:
    """The values an ordered split names that none of its rows has, per split (a value
    that is not in the data, or that data.keep or the label rule left without rows)."""
    if not isinstance(split, OrderedSplit):
        return {}
    named = split.values()
    absent = {}
    for name in SPLITS:
        present = set(splits[name][split.column].dropna().unique().tolist())
        missing = [value for value in named[name] if value not in present]
        if missing:
            absent[name] = missing
    return absent


def shuffled_assignment(
    ordered: pd.DataFrame, split: ShuffledSplit, label: str, seed: int
) -> dict[str, pd.Series]:
    """Which rows go to which split: a seeded permutation of the rows in key order (per
    label class when stratified), its first test_fraction to test, then valid_fraction
    to valid, the rest to train."""
    rng = np.random.default_rng(seed)
    assigned = pd.Series("train", index=ordered.index, dtype="object")
    if split.kind == "stratified":
        groups = [ordered.index[ordered[label] == value] for value in (0, 1)]
    else:
        groups = [ordered.index]
    for rows in groups:
        permuted = rng.permutation(np.asarray(rows))
        n_test = round(len(permuted) * split.test_fraction)
        n_valid = round(len(permuted) * split.valid_fraction)
        assigned[permuted[:n_test]] = "test"
        assigned[permuted[n_test : n_test + n_valid]] = "valid"
    return {name: assigned == name for name in SPLITS}


def split_summary(
    splits: dict[str, pd.DataFrame], label: str, column: str | None
) -> dict[str, dict[str, Any]]:
    """Rows, label rate (`<label>_rate`), values of the split `column` (for an ordered
    split) and hand-set labels of each split."""
    return {
        name: {
            "rows": len(frame),
            f"{label}_rate": round(float(frame[label].mean()), 6) if len(frame) else None,
            "values": sorted(_plain(v) for v in frame[column].unique()) if column else [],
            "label_overrides": int(frame[OVERRIDDEN].sum()) if OVERRIDDEN in frame else 0,
        }
        for name, frame in splits.items()
    }


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (JSON and YAML write those)."""
    return value.item() if hasattr(value, "item") else value


def ordered_column(split: OrderedSplit | ShuffledSplit) -> str | None:
    return split.column if isinstance(split, OrderedSplit) else None
