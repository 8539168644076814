from __future__ import annotations

import pandas as pd
import yaml

from flight_delay.config import SplitConfig
from flight_delay.retrain import extend_split, months_after, split_yaml

SPLIT = SplitConfig(train_months=[1, 2], valid_months=[3], test_months=[4])


def test_the_newest_window_is_the_months_after_the_test_months():
    flights = pd.DataFrame({"month": [1, 4, 5, 6, 6, 2]})
    assert months_after(flights, SPLIT) == [5, 6]
    assert months_after(flights[flights["month"] <= 4], SPLIT) == []


def test_the_window_moves_forward_by_one_step():
    moved = extend_split(SPLIT, [6, 5])
    assert moved == SplitConfig(train_months=[1, 2, 3], valid_months=[4], test_months=[5, 6])


def test_the_split_file_reads_back_as_the_same_split():
    text = split_yaml(SplitConfig(train_months=[1, 2, 3], valid_months=[4], test_months=[5]))
    assert text.startswith("# Time-ordered split")
    assert SplitConfig.model_validate(yaml.safe_load(text)) == SplitConfig(
        train_months=[1, 2, 3], valid_months=[4], test_months=[5])  # fmt: skip
