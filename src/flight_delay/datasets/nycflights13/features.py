"""The flights' features: the columns derived from a prepared flight, and the rule of every
column `conf/features` may choose as a model input (checked when featurizing and serving).

Adapting: a new feature is a column added in `add_derived_features` (or joined in
joins.py) plus its rule in FEATURE_RULES; then list it in conf/features.
"""

from __future__ import annotations

import pandas as pd

from flight_delay.core.feature_rules import Categorical, Numeric, Rule
from flight_delay.datasets.nycflights13.schemas import AIRPORT_CODE, CARRIERS, ORIGINS, UTC_HOUR

# A prepared flight: its scheduled hour (UTC), carrier, flight number and origin.
KEY = ("time_hour", "carrier", "flight", "origin")
# Kept beside the features to identify rows and slice the metrics (and the month the
# split reads: conf/split/by_month.yaml); not model inputs.
CONTEXT_COLUMNS = (*KEY, "month")


def add_derived_features(frame: pd.DataFrame) -> pd.DataFrame:
    scheduled_date = pd.to_datetime(frame[["year", "month", "day"]])
    return frame.assign(
        day_of_week=scheduled_date.dt.day_of_week.astype("int64"),  # 0 = Monday, local date
        dep_hour=frame["sched_dep_time"] // 100,
        arr_hour=frame["sched_arr_time"] // 100,
        route=frame["origin"] + "-" + frame["dest"],
        plane_age=frame["year"] - frame["plane_year"],
    )


_WEATHER: dict[str, Rule] = {  # observed at the origin in the scheduled hour; null: none
    "temp": Numeric(-60, 130, nullable=True),
    "dewp": Numeric(-80, 100, nullable=True),
    "humid": Numeric(0, 100, nullable=True),
    "wind_dir": Numeric(0, 360, nullable=True),
    "wind_speed": Numeric(0, 150, nullable=True),
    "wind_gust": Numeric(0, 200, nullable=True),
    "precip": Numeric(0, 10, nullable=True),
    "pressure": Numeric(900, 1100, nullable=True),
    "visib": Numeric(0, 100, nullable=True),
}
FEATURE_RULES: dict[str, Rule] = {
    "month": Numeric(1, 12),
    "day": Numeric(1, 31),
    "day_of_week": Numeric(0, 6),
    "dep_hour": Numeric(0, 24),
    "arr_hour": Numeric(0, 24),
    "distance": Numeric(1, 6000),
    "plane_age": Numeric(0, 120, nullable=True),  # unknown plane: null
    "seats": Numeric(1, 1000, nullable=True),
    **_WEATHER,
    "carrier": Categorical(f"^({'|'.join(CARRIERS)})$"),
    "origin": Categorical(f"^({'|'.join(ORIGINS)})$"),
    "dest": Categorical(AIRPORT_CODE),
    "route": Categorical(r"^[A-Z0-9]{3}-[A-Z0-9]{3}$"),
}
# Optional in a request, never a model input: they identify the flight, so that the
# prediction log can be joined with the real outcome later (`make feedback`).
IDENTITY_RULES: dict[str, Rule] = {
    "time_hour": Categorical(UTC_HOUR),
    "flight": Numeric(1, 99999, integer=True),
}
