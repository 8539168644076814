from __future__ import annotations

import json

import numpy as np
import pandas as pd

from flight_delay.core.datacard import CardSubject, build_card, card_markdown, column_profile
from flight_delay.core.label_overrides import OVERRIDDEN

SUBJECT = CardSubject(dataset="example", label="delayed", rule="arr_delay > 15 minutes",
                      split_column="month", period_columns=("year", "month"),
                      overrides="data/labels/example.csv")  # fmt: skip


def split_frame(months: list[int], delayed: list[int]) -> pd.DataFrame:
    n = len(months)
    return pd.DataFrame(
        {
            "year": 2013,
            "month": months,
            "carrier": pd.array(["UA", "AA", "UA", None][:n], dtype="str"),
            "temp": [40.0, np.nan, 60.0, 50.0][:n],
            "delayed": pd.array(delayed, dtype="int8"),
            OVERRIDDEN: [True] + [False] * (n - 1),
        }
    )


def test_card_counts_rows_label_rate_and_overrides_per_split_and_period():
    splits = {"train": split_frame([1, 1, 2, 2], [0, 1, 1, 1]),
              "valid": split_frame([3, 3], [0, 0])}  # fmt: skip
    card = build_card(splits, {"data/prepared/train.parquet": "abc"}, SUBJECT)
    assert card["splits"]["train"] == {
        "rows": 4, "delayed_rate": 0.75, "values": [1, 2], "label_overrides": 1
    }  # fmt: skip
    assert [(p["period"], p["rows"], p["delayed_rate"]) for p in card["periods"]] == [
        ("2013-01", 2, 0.5), ("2013-02", 2, 1.0), ("2013-03", 2, 0.0),
    ]  # fmt: skip
    assert card["files"] == {"data/prepared/train.parquet": "abc"}
    assert card["label"] == {"column": "delayed", "rule": "arr_delay > 15 minutes",
                             "overrides": "data/labels/example.csv"}  # fmt: skip
    assert card["dataset"] == "example"
    temp = card["columns"]["temp"]
    assert (temp["min"], temp["max"], temp["missing_rate"]) == (40, 60, round(2 / 6, 6))
    assert temp["missing_rate_by_split"] == {"train": 0.25, "valid": 0.5}
    json.dumps(card, allow_nan=False)  # JSON-ready: no NaN, no numpy types


def test_categorical_profile_lists_the_commonest_values_in_a_stable_order():
    frame = pd.DataFrame({"c": pd.array(["b", "a", "b", "a", "c", None], dtype="str")})
    profile = column_profile(frame, "c")
    assert profile["distinct"] == 3
    assert list(profile["top"].items()) == [("a", 2), ("b", 2), ("c", 1)]
    assert profile["missing_rate"] == round(1 / 6, 6)


def test_markdown_shows_every_split_period_column_and_file():
    splits = {"train": split_frame([1, 2], [0, 1]), "test": split_frame([3], [1])}
    card = build_card(splits, {"data/prepared/test.parquet": "f00d"}, SUBJECT)
    text = card_markdown(card)
    assert "**Label** `delayed`: arr_delay > 15 minutes." in text
    assert "| year-month | split | rows | delayed |" in text
    assert "| train | 1, 2 | 2 | 50.0% | 1 |" in text
    assert "| 2013-03 | test | 1 | 100.0% |" in text
    assert "| temp | float64 | 33.3% | train 50.0%, test 0.0% | 40 … 40 |" in text
    assert "| `data/prepared/test.parquet` | `f00d` |" in text


def test_a_dataset_without_periods_or_a_split_column_gets_a_card_without_those_sections():
    shuffled = CardSubject(dataset="example", label="delayed", rule="delayed (0/1 in the data)",
                           split_column=None, period_columns=(),
                           overrides="data/labels/example.csv")  # fmt: skip
    splits = {"train": split_frame([1, 2], [0, 1]), "test": split_frame([3], [1])}
    card = build_card(splits, {}, shuffled)
    assert card["periods"] == [] and card["split_column"] is None
    text = card_markdown(card)
    assert "## By" not in text
    assert "| split | split values | rows | delayed | hand-set labels |" in text
