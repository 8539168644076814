"""The split: by the values of one column in time order, or a seeded random or stratified
draw; each split's rows sorted by the row key."""

from __future__ import annotations

import pandas as pd
import pytest

from flight_delay.core.splits import SPLITS, absent_values, split_rows, split_summary
from flight_delay.infra.config import OrderedSplit, ShuffledSplit

SPLIT = OrderedSplit(kind="ordered", column="month", train=[1, 2], valid=[9, 10], test=[11, 12])
KEY = ["time_hour", "carrier", "flight", "origin"]


def split_by_month(frame: pd.DataFrame, split: OrderedSplit) -> dict[str, pd.DataFrame]:
    return split_rows(frame, split, KEY, "won", seed=0)


def test_split_by_month_respects_months_and_sorts_by_key():
    frame = pd.DataFrame(
        {
            "month": [11, 1, 9, 1, 12, 5, 2],
            "time_hour": [
                "2013-11-02T10:00:00Z",
                "2013-01-05T10:00:00Z",
                "2013-09-01T10:00:00Z",
                "2013-01-01T10:00:00Z",
                "2013-12-01T10:00:00Z",
                "2013-05-01T10:00:00Z",
                "2013-02-01T10:00:00Z",
            ],
            "carrier": ["UA"] * 7,
            "flight": [1, 2, 3, 4, 5, 6, 7],
            "origin": ["EWR"] * 7,
        }
    )
    splits = split_by_month(frame, SPLIT)
    assert list(splits) == list(SPLITS)
    assert splits["train"]["flight"].tolist() == [4, 2, 7]
    assert splits["valid"]["flight"].tolist() == [3]
    assert splits["test"]["flight"].tolist() == [1, 5]
    for part in splits.values():
        assert part.index.tolist() == list(range(len(part)))
        assert part.equals(part.sort_values(KEY, ignore_index=True))
    assert 5 not in pd.concat(splits.values())["month"].tolist()  # May is in no split


def test_split_by_month_sorts_on_the_whole_key():
    same_hour = pd.DataFrame(
        {
            "month": [1, 1, 1],
            "time_hour": ["2013-01-01T10:00:00Z"] * 3,
            "carrier": ["UA", "AA", "UA"],
            "flight": [20, 99, 10],
            "origin": ["EWR"] * 3,
        }
    )
    assert split_by_month(same_hour, SPLIT)["train"]["flight"].tolist() == [99, 10, 20]


def test_the_summary_names_the_label_rate_after_the_label():
    frame = pd.DataFrame({"month": [1, 1, 9, 11], "won": [1, 0, 1, 0], "time_hour": "t",
                          "carrier": "UA", "flight": [1, 2, 3, 4], "origin": "EWR"})  # fmt: skip
    summary = split_summary(split_by_month(frame, SPLIT), "won", "month")
    assert summary["train"] == {"rows": 2, "won_rate": 0.5, "values": [1], "label_overrides": 0}
    assert summary["test"]["won_rate"] == 0.0


def rows(n: int, positives: int) -> pd.DataFrame:
    return pd.DataFrame({"id": range(n), "won": [1] * positives + [0] * (n - positives)})


@pytest.mark.parametrize("kind", ["random", "stratified"])
def test_a_shuffled_split_is_seeded_complete_and_sorted(kind):
    split = ShuffledSplit(kind=kind, valid_fraction=0.2, test_fraction=0.25)
    frame = rows(200, 40)
    first = split_rows(frame, split, ["id"], "won", seed=7)
    again = split_rows(frame.sample(frac=1, random_state=3), split, ["id"], "won", seed=7)
    for name in SPLITS:  # the input's order does not matter: rows are taken in key order
        pd.testing.assert_frame_equal(first[name], again[name])
        assert first[name]["id"].is_monotonic_increasing
    ids = sorted(i for part in first.values() for i in part["id"])
    assert ids == list(range(200))  # every row in exactly one split
    assert [len(first[n]) for n in SPLITS] == [110, 40, 50]
    other = split_rows(frame, split, ["id"], "won", seed=8)
    assert not first["test"]["id"].equals(other["test"]["id"])  # the seed decides


def test_a_stratified_split_keeps_the_label_rate_in_each_split():
    split = ShuffledSplit(kind="stratified", valid_fraction=0.2, test_fraction=0.25)
    parts = split_rows(rows(200, 40), split, ["id"], "won", seed=1)
    assert {n: int(parts[n]["won"].sum()) for n in SPLITS} == {"train": 22, "valid": 8, "test": 10}


def test_a_split_without_rows_to_train_on_is_refused():
    with pytest.raises(ValueError, match="must leave rows to train on"):
        ShuffledSplit(kind="random", valid_fraction=0.5, test_fraction=0.5)


def test_split_values_with_no_rows_are_named_per_split():
    frame = pd.DataFrame({"month": [1, 2, 9, 10, 11], "won": [0, 1, 0, 1, 1]})
    splits = {"train": frame[frame["month"] <= 2], "valid": frame[frame["month"].isin([9, 10])],
              "test": frame[frame["month"] == 11]}  # fmt: skip
    assert absent_values(splits, SPLIT) == {"test": [12]}
    assert absent_values(splits, SPLIT.model_copy(update={"test": [11]})) == {}
    shuffled = ShuffledSplit(kind="random", valid_fraction=0.2, test_fraction=0.2)
    assert absent_values(splits, shuffled) == {}
