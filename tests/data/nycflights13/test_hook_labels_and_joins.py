"""The flights' label rule (conf/label/arrival_delay.yaml, applied by core/labels.py) and
joins (hook.py), on the hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest

from flight_delay.core.labels import apply_rule as delay_label
from flight_delay.core.labels import describe_rule
from flight_delay.datasets.nycflights13.hook import join_planes, join_weather
from flight_delay.datasets.preparation import labelled_rows
from tests.flights import LABEL, LABEL_RULE, flights_with, rule

DROP = LABEL_RULE  # as configured: cancelled and diverted flights dropped
COUNT_AS_DELAYED = rule(missing="positive")


def test_delayed_means_strictly_later_than_the_threshold(flights):
    # arr_delay: 11, 20, cancelled, -5, 15 (exactly the threshold), 16
    labelled = delay_label(flights, DROP)
    assert labelled["flight"].tolist() == [1545, 1714, 300, 200, 301]
    assert labelled[LABEL].tolist() == [0, 1, 0, 0, 1]
    assert labelled[LABEL].dtype == "int8"


def test_threshold_is_configurable(flights):
    labelled = delay_label(flights, rule(threshold=10))
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


def test_the_configured_rule_is_arrival_delay_above_15_minutes_dropping_cancellations():
    assert (DROP.column, DROP.source, DROP.threshold, DROP.missing) == (
        "delayed", "arr_delay", 15, "drop")  # fmt: skip
    assert describe_rule(DROP) == "arr_delay > 15; rows without arr_delay: dropped"


def test_weather_is_joined_by_origin_and_hour(flights, weather):
    joined = join_weather(flights, weather)
    assert len(joined) == len(flights)
    # Rows 0 and 1 leave in the same hour from EWR and LGA; JFK that hour is not used.
    assert joined["temp"].tolist()[:2] == [39.0, 41.0]
    assert joined.loc[3, "temp"] == 60.0


def test_flight_without_weather_gets_missing_weather(flights, weather):
    joined = join_weather(flights, weather)
    assert joined.loc[5, ["temp", "pressure", "visib"]].isna().all()


def test_implausible_wind_speed_becomes_missing_before_the_join(flights, weather, planes):
    tables = {"flights": flights, "weather": weather, "planes": planes}
    joined = labelled_rows(tables, flights_with(missing="positive"))  # every flight kept
    assert joined.loc[2, "wind_speed"] != joined.loc[2, "wind_speed"]  # 1048 mph at JFK: NaN
    assert joined.loc[2, "temp"] == 75.0  # the rest of that observation is kept
    assert joined.loc[0, "wind_speed"] == 10.0
    assert weather["wind_speed"].max() == 1048  # the raw table is left as it was


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
