"""The flights' hook: what configuration cannot say (datasets/home.py lists the names a hook
may define). The weather at the origin in the scheduled hour and the plane's year and
seats are joined to each flight; the columns the model reads are derived from them;
`make simulate` can send a client's bug (the weather in metric units); and one check of
the schema (a scheduled time written as hhmm) is code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd


def clock_hhmm() -> Any:
    """A scheduled time as the data writes it: hours * 100 + minutes, 0000 to 2400."""
    from pandera import Check

    return Check(lambda s: (s % 100 < 60) & (s <= 2400), name="clock_time_hhmm")


CHECKS = {"clock_hhmm": clock_hhmm}  # `checks: [clock_hhmm]` in schema.yaml
JOINED_TABLES = ("weather", "planes")
WEATHER_COLUMNS = ["temp", "dewp", "humid", "wind_dir", "wind_speed", "wind_gust", "precip",
                   "pressure", "visib"]  # fmt: skip


def join_weather(flights: pd.DataFrame, weather: pd.DataFrame) -> pd.DataFrame:
    """Weather observed at the origin in the scheduled departure hour (UTC); `prepare` has
    set its implausible values (schema.yaml: plausible_high) to missing."""
    hourly = weather[["origin", "time_hour", *WEATHER_COLUMNS]]
    return flights.merge(hourly, on=["origin", "time_hour"], how="left", validate="many_to_one")


def join_planes(flights: pd.DataFrame, planes: pd.DataFrame) -> pd.DataFrame:
    fleet = planes[["tailnum", "year", "seats"]].rename(columns={"year": "plane_year"})
    return flights.merge(fleet, on="tailnum", how="left", validate="many_to_one")


def join_tables(flights: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return join_planes(join_weather(flights, tables["weather"]), tables["planes"])


def derive_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of schema.yaml's `derived`, from a prepared flight."""
    scheduled_date = pd.to_datetime(frame[["year", "month", "day"]])
    return frame.assign(
        day_of_week=scheduled_date.dt.day_of_week.astype("int64"),  # 0 = Monday, local date
        dep_hour=frame["sched_dep_time"] // 100,
        arr_hour=frame["sched_arr_time"] // 100,
        route=frame["origin"] + "-" + frame["dest"],
        plane_age=frame["year"] - frame["plane_year"],
    )


def simulated_drift(frame: pd.DataFrame) -> pd.DataFrame:
    """The weather in metric units, a client's unit bug: temperatures in Celsius, wind in
    m/s, visibility in km."""
    return frame.assign(
        temp=(frame["temp"] - 32) / 1.8, dewp=(frame["dewp"] - 32) / 1.8,
        wind_speed=frame["wind_speed"] * 0.44704, visib=frame["visib"] * 1.609344,
    )  # fmt: skip
