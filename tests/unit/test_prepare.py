from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flight_delay.config import LEAKAGE_COLUMNS, LabelConfig, SplitConfig
from flight_delay.prepare import (
    KEY,
    LABEL,
    SPLITS,
    delay_label,
    drop_leakage,
    join_planes,
    join_weather,
    prepare,
    split_by_month,
)

DROP = LabelConfig(threshold_minutes=15, cancelled="drop")
COUNT_AS_DELAYED = LabelConfig(threshold_minutes=15, cancelled="delayed")
SPLIT = SplitConfig(train_months=[1, 2], valid_months=[9, 10], test_months=[11, 12])


def test_delayed_means_strictly_later_than_the_threshold(flights):
    # arr_delay: 11, 20, cancelled, -5, 15 (exactly the threshold), 16
    labelled = delay_label(flights, DROP)
    assert labelled["flight"].tolist() == [1545, 1714, 300, 200, 301]
    assert labelled[LABEL].tolist() == [0, 1, 0, 0, 1]
    assert labelled[LABEL].dtype == "int8"


def test_threshold_is_configurable(flights):
    labelled = delay_label(flights, LabelConfig(threshold_minutes=10, cancelled="drop"))
    assert labelled[LABEL].tolist() == [1, 1, 0, 1, 1]


def test_cancelled_flights_dropped_under_drop_policy(flights):
    labelled = delay_label(flights, DROP)
    assert labelled["arr_delay"].notna().all()
    assert 100 not in labelled["flight"].tolist()


def test_cancelled_flights_count_as_delayed_under_delayed_policy(flights):
    labelled = delay_label(flights, COUNT_AS_DELAYED)
    assert len(labelled) == len(flights)
    assert labelled[LABEL].tolist() == [0, 1, 1, 0, 0, 1]


def test_delay_label_does_not_change_its_input(flights):
    before = flights.copy()
    delay_label(flights, DROP)
    pd.testing.assert_frame_equal(flights, before)


def test_weather_is_joined_by_origin_and_hour(flights, weather):
    joined = join_weather(flights, weather)
    assert len(joined) == len(flights)
    # Rows 0 and 1 leave in the same hour from EWR and LGA; JFK that hour is not used.
    assert joined["temp"].tolist()[:2] == [39.0, 41.0]
    assert joined.loc[3, "temp"] == 60.0


def test_flight_without_weather_gets_missing_weather(flights, weather):
    joined = join_weather(flights, weather)
    assert joined.loc[5, ["temp", "pressure", "visib"]].isna().all()


def test_implausible_wind_speed_becomes_missing(flights, weather):
    joined = join_weather(flights, weather)
    assert np.isnan(joined.loc[2, "wind_speed"])  # 1048 mph at JFK
    assert joined.loc[2, "temp"] == 75.0  # the rest of that observation is kept
    assert joined.loc[0, "wind_speed"] == 10.0


def test_duplicate_weather_hour_is_refused(flights, weather):
    with pytest.raises(pd.errors.MergeError):
        join_weather(flights, pd.concat([weather, weather.iloc[[0]]]))


def test_planes_add_plane_year_and_seats(flights, planes):
    joined = join_planes(flights, planes)
    assert len(joined) == len(flights)
    assert joined["year"].tolist() == flights["year"].tolist()  # flight year untouched
    assert joined["plane_year"].tolist()[:4] == [1999.0, 1998.0, 1999.0, 1998.0]
    assert joined["seats"].tolist()[:4] == [149, 178, 149, 178]
    # Row 4 has no tail number, row 5 a plane that is not in the table.
    assert joined.loc[[4, 5], ["plane_year", "seats"]].isna().all().all()
    assert not {"manufacturer", "engines", "type"} & set(joined.columns)


def test_drop_leakage_removes_every_leakage_column(flights):
    frame = flights.assign(delayed_raw=1)
    assert set(frame.columns) >= LEAKAGE_COLUMNS
    dropped = drop_leakage(frame)
    assert not LEAKAGE_COLUMNS & set(dropped.columns)
    assert list(dropped.columns) == [c for c in frame.columns if c not in LEAKAGE_COLUMNS]


def test_drop_leakage_accepts_frames_with_only_some_leakage_columns(flights):
    assert list(drop_leakage(flights[["month", "arr_delay"]]).columns) == ["month"]


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


def test_prepare_labels_joins_and_splits_without_leakage(flights, weather, planes):
    splits, _ = prepare(flights, weather, planes, label=DROP, split=SPLIT)
    assert {n: p["flight"].tolist() for n, p in splits.items()} == {
        "train": [1545, 1714],
        "valid": [300],
        "test": [200, 301],
    }
    for part in splits.values():
        assert not LEAKAGE_COLUMNS & set(part.columns)
        assert {LABEL, "temp", "plane_year", "seats", *KEY} <= set(part.columns)
    assert splits["test"][LABEL].tolist() == [0, 1]
