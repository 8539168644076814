"""The machinery that applies a dataset's hooks (datasets/preparation.py), here with the
flights' hooks on the hand-made tables."""

from __future__ import annotations

from flight_delay.datasets.preparation import drop_leakage, prepared_splits
from flight_delay.infra.config import OrderedSplit
from tests.flights import FLIGHTS as DATASET
from tests.flights import LABEL

SPLIT = OrderedSplit(kind="ordered", column="month", train=[1, 2], valid=[9, 10], test=[11, 12])
LEAKAGE_COLUMNS = DATASET.leakage
KEY = list(DATASET.key)


def prepare(flights, weather, planes, split):
    tables = {"flights": flights, "weather": weather, "planes": planes}
    return prepared_splits(tables, DATASET, split, seed=0)


def test_drop_leakage_removes_every_leakage_column(flights):
    frame = flights.assign(delayed_raw=1)
    assert set(frame.columns) >= LEAKAGE_COLUMNS
    dropped = drop_leakage(frame, LEAKAGE_COLUMNS)
    assert not LEAKAGE_COLUMNS & set(dropped.columns)
    assert list(dropped.columns) == [c for c in frame.columns if c not in LEAKAGE_COLUMNS]


def test_drop_leakage_accepts_frames_with_only_some_leakage_columns(flights):
    assert list(drop_leakage(flights[["month", "arr_delay"]], LEAKAGE_COLUMNS).columns) == ["month"]


def test_prepare_labels_joins_and_splits_without_leakage(flights, weather, planes):
    splits, _ = prepare(flights, weather, planes, split=SPLIT)
    assert {n: p["flight"].tolist() for n, p in splits.items()} == {
        "train": [1545, 1714],
        "valid": [300],
        "test": [200, 301],
    }
    for part in splits.values():
        assert not LEAKAGE_COLUMNS & set(part.columns)
        assert {LABEL, "temp", "plane_year", "seats", *KEY} <= set(part.columns)
    assert splits["test"][LABEL].tolist() == [0, 1]
