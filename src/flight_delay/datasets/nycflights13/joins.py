"""What `prepare` joins to each labelled flight: the weather at its origin in the scheduled
hour, and its plane's year and seats."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from flight_delay.core.validation import null_implausible
from flight_delay.datasets.nycflights13.schemas import PLAUSIBILITY

JOINED_TABLES = ("weather", "planes")
WEATHER_COLUMNS = [
    "temp",
    "dewp",
    "humid",
    "wind_dir",
    "wind_speed",
    "wind_gust",
    "precip",
    "pressure",
    "visib",
]


def join_weather(flights: pd.DataFrame, weather: pd.DataFrame) -> pd.DataFrame:
    """Weather observed at the origin in the scheduled departure hour (UTC)."""
    plausible = null_implausible(weather, PLAUSIBILITY.get("weather", {}))
    hourly = plausible[["origin", "time_hour", *WEATHER_COLUMNS]]
    return flights.merge(hourly, on=["origin", "time_hour"], how="left", validate="many_to_one")


def join_planes(flights: pd.DataFrame, planes: pd.DataFrame) -> pd.DataFrame:
    fleet = planes[["tailnum", "year", "seats"]].rename(columns={"year": "plane_year"})
    return flights.merge(fleet, on="tailnum", how="left", validate="many_to_one")


def join_tables(flights: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return join_planes(join_weather(flights, tables["weather"]), tables["planes"])
