"""`make simulate`'s planted drift: a client that sends the weather in metric units."""

from __future__ import annotations

import pandas as pd


def weather_in_metric_units(frame: pd.DataFrame) -> pd.DataFrame:
    """Temperatures in Celsius, wind in m/s, visibility in km (a client's unit bug)."""
    return frame.assign(
        temp=(frame["temp"] - 32) / 1.8, dewp=(frame["dewp"] - 32) / 1.8,
        wind_speed=frame["wind_speed"] * 0.44704, visib=frame["visib"] * 1.609344,
    )  # fmt: skip
