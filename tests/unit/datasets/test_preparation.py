"""The machinery that applies a dataset's hooks (datasets/preparation.py), here with the
tests' own dataset (tests/synthetic.py: orders joined with their shops) on hand-made tables."""

from __future__ import annotations

from flight_delay.datasets.preparation import drop_leakage, prepared_splits
from flight_delay.infra.config import OrderedSplit
from tests import synthetic

DATASET = synthetic.spec()
SPLIT = OrderedSplit(kind="ordered", column="week", train=[1, 2], valid=[9, 10], test=[11, 12])
LEAKAGE_COLUMNS = DATASET.leakage
LABEL = DATASET.label


def test_drop_leakage_removes_every_leakage_column(orders):
    frame = orders.assign(late_raw=1)
    assert set(frame.columns) >= LEAKAGE_COLUMNS == {"minutes_late"}
    dropped = drop_leakage(frame, LEAKAGE_COLUMNS)
    assert not LEAKAGE_COLUMNS & set(dropped.columns)
    assert list(dropped.columns) == [c for c in frame.columns if c not in LEAKAGE_COLUMNS]


def test_drop_leakage_accepts_frames_with_only_some_leakage_columns(orders):
    assert list(drop_leakage(orders[["week", "minutes_late"]], LEAKAGE_COLUMNS).columns) == ["week"]


def test_prepare_labels_joins_and_splits_without_leakage(orders, shops):
    splits, _ = prepared_splits({"orders": orders, "shops": shops}, DATASET, SPLIT, seed=0)
    assert {n: p["order_id"].tolist() for n, p in splits.items()} == {
        "train": [1, 2],
        "valid": [3],  # order 4 has no outcome yet: dropped (label.missing)
        "test": [5, 6],
    }
    for part in splits.values():
        assert not LEAKAGE_COLUMNS & set(part.columns)
        assert {LABEL, "region", "staff", "order_id"} <= set(part.columns)
    assert splits["test"][LABEL].tolist() == [0, 1]
    assert splits["test"]["region"].isna().tolist() == [True, False]  # shop 9 is unknown
