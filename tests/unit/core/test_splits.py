"""The time-ordered split by the values of one column, sorted by the row key."""

from __future__ import annotations

import pandas as pd

from flight_delay.core.splits import SPLITS, split_by_values, split_summary
from flight_delay.infra.config import SplitConfig

SPLIT = SplitConfig(train_months=[1, 2], valid_months=[9, 10], test_months=[11, 12])
KEY = ["time_hour", "carrier", "flight", "origin"]


def split_by_month(frame: pd.DataFrame, split: SplitConfig) -> dict[str, pd.DataFrame]:
    return split_by_values(frame, "month", split, KEY)


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
    summary = split_summary(split_by_values(frame, "month", SPLIT, KEY), "won", "month")
    assert summary["train"] == {"rows": 2, "won_rate": 0.5, "months": [1], "label_overrides": 0}
    assert summary["test"]["won_rate"] == 0.0
