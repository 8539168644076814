from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scale_data import DELAY_JITTER_MINUTES, copies_of, replicate, shift_years, write_scaled

FLIGHTS = pd.DataFrame({
    "year": [2013, 2013, 2013], "month": [1, 6, 12], "day": [1, 15, 31],
    "carrier": ["UA", "AA", "B6"], "flight": [1545, 11, 725], "origin": ["EWR", "JFK", "JFK"],
    "dep_delay": [2.0, -4.0, np.nan], "arr_delay": [11.0, 20.0, np.nan],
    "time_hour": ["2013-01-01T10:00:00Z", "2013-06-15T17:00:00Z", "2013-12-31T23:00:00Z"],
})  # fmt: skip
WEATHER = pd.DataFrame({
    "origin": ["EWR", "JFK"], "year": [2013, 2013], "temp": [39.02, 80.1], "dewp": [26.06, 60.0],
    "time_hour": ["2013-01-01T10:00:00Z", "2013-06-15T17:00:00Z"],
})  # fmt: skip
KEY = ["year", "month", "day", "carrier", "flight", "origin"]


def test_shift_moves_year_and_time_hour_together_and_keeps_the_month():
    shifted = shift_years(FLIGHTS, 3)
    assert shifted["year"].tolist() == [2016, 2016, 2016]
    assert shifted["time_hour"].tolist() == [
        "2016-01-01T10:00:00Z", "2016-06-15T17:00:00Z", "2016-12-31T23:00:00Z"
    ]  # fmt: skip
    assert shifted["month"].tolist() == FLIGHTS["month"].tolist()


def test_a_utc_hour_already_in_the_next_year_moves_by_its_own_year():
    late = FLIGHTS.tail(1).assign(time_hour="2014-01-01T04:00:00Z")  # 31 Dec, 23:00 local
    shifted = shift_years(late, 2)
    assert (shifted["year"].item(), shifted["time_hour"].item()) == (2015, "2016-01-01T04:00:00Z")


def test_copy_zero_is_the_real_data_and_the_copies_keep_keys_unique():
    scaled = replicate("flights", FLIGHTS, 4, seed=1)
    assert len(scaled) == 12 and not scaled.duplicated(KEY).any()
    pd.testing.assert_frame_equal(scaled.head(3), FLIGHTS)
    assert sorted(scaled["year"].unique()) == [2013, 2014, 2015, 2016]


def test_flight_jitter_is_bounded_keeps_missing_and_is_seeded():
    scaled = replicate("flights", FLIGHTS, 16, seed=1)
    original = pd.concat([FLIGHTS] * 16, ignore_index=True)
    moved = scaled["arr_delay"] - original["arr_delay"]
    assert moved.abs().max() <= DELAY_JITTER_MINUTES and moved.abs().max() > 0
    assert scaled["arr_delay"].isna().sum() == 16  # cancelled stays cancelled
    pd.testing.assert_frame_equal(scaled, replicate("flights", FLIGHTS, 16, seed=1))
    assert not scaled.equals(replicate("flights", FLIGHTS, 16, seed=2))


def test_every_flight_copy_finds_its_hour_of_weather():
    flights = replicate("flights", FLIGHTS.head(2), 5, seed=0)
    weather = replicate("weather", WEATHER, 5, seed=0)
    joined = flights.merge(weather, on=["origin", "time_hour"], how="left", validate="many_to_one")
    assert joined["temp"].notna().all()
    assert (joined["temp"] - pd.concat([WEATHER["temp"]] * 5, ignore_index=True)).abs().max() <= 1


@pytest.mark.parametrize("table", ["planes", "airports", "airlines"])
def test_reference_tables_are_written_once(table):
    frame = pd.DataFrame({"code": ["A", "B"]})
    (only,) = copies_of(table, frame, 16, seed=0)
    assert only is frame
    pd.testing.assert_frame_equal(replicate(table, frame, 16, seed=0), frame)


def test_the_scaled_files_hold_every_copy_as_one_row_group(tmp_path):
    import pyarrow.parquet as pq

    rows = write_scaled(tmp_path, 3, seed=1)
    flights = pq.ParquetFile(tmp_path / "flights.parquet")
    assert flights.num_row_groups == 3 and flights.metadata.num_rows == rows["flights"]
    assert pq.ParquetFile(tmp_path / "planes.parquet").num_row_groups == 1
    years = pd.read_parquet(tmp_path / "flights.parquet", columns=["year"])["year"]
    assert sorted(years.unique()) == [2013, 2014, 2015]
