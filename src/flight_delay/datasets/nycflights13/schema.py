"""The NYC flights' schema, written once: the raw tables as `validate` checks them, and
from the same declarations the rules of every column that may be a model input (the
columns the hook derives are at the end), and the identity fields a request may carry.

Keyed by the table names in `data.files` (conf/data/nycflights13.yaml).
"""

from __future__ import annotations

from typing import Any

from flight_delay.core.schema import Column, DatasetSchema, Table

ORIGINS = ("EWR", "JFK", "LGA")
CARRIERS = ("9E", "AA", "AS", "B6", "DL", "EV", "F9", "FL", "HA", "MQ", "OO", "UA", "US",
            "VX", "WN", "YV")  # fmt: skip
PLANE_TYPES = ("Fixed wing multi engine", "Fixed wing single engine", "Rotorcraft")
AIRPORT_CODE = r"^[A-Z0-9]{3}$"
UTC_HOUR = r"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$"
TWO_DAYS = 24 * 60 * 2  # minutes


def clock_hhmm() -> Any:
    """A scheduled time as the data writes it: hours * 100 + minutes, 0000 to 2400."""
    from pandera import Check

    return Check(lambda s: (s % 100 < 60) & (s <= 2400), name="clock_time_hhmm")


YEAR = Column("int", low=2000, high=2100)
MONTH = Column("int", low=1, high=12)
DAY = Column("int", low=1, high=31)
HOUR = Column("int", low=0, high=23)
ORIGIN = Column("str", values=ORIGINS)
TIME_HOUR = Column("str", pattern=UTC_HOUR)

FLIGHTS = Table(
    columns={
        "year": YEAR, "month": MONTH, "day": DAY,
        "dep_time": Column("float", nullable=True, low=0, high=2400),
        "sched_dep_time": Column("int", checks=("clock_hhmm",)),
        "dep_delay": Column("float", nullable=True, low=-120, high=TWO_DAYS),
        "arr_time": Column("float", nullable=True, low=0, high=2400),
        "sched_arr_time": Column("int", checks=("clock_hhmm",)),
        "arr_delay": Column("float", nullable=True, low=-180, high=TWO_DAYS),
        "carrier": Column("str", values=CARRIERS),
        "flight": Column("int", low=1),
        "tailnum": Column("str", nullable=True),
        "origin": ORIGIN,
        "dest": Column("str", pattern=AIRPORT_CODE),
        "air_time": Column("float", nullable=True, low=1, high=24 * 60),
        "distance": Column("int", low=1, high=6000),
        "hour": HOUR,
        "minute": Column("int", low=0, high=59),
        "time_hour": TIME_HOUR,
    },
    unique=("year", "month", "day", "carrier", "flight", "origin"),
    min_rows=1000,
)  # fmt: skip
WEATHER = Table(
    columns={
        "origin": ORIGIN, "year": YEAR, "month": MONTH, "day": DAY, "hour": HOUR,
        "temp": Column("float", nullable=True, low=-60, high=130),
        "dewp": Column("float", nullable=True, low=-80, high=100),
        "humid": Column("float", nullable=True, low=0, high=100),
        "wind_dir": Column("float", nullable=True, low=0, high=360),
        # One reading of 1048 mph is in the real data: reported, and nulled by `prepare`.
        "wind_speed": Column("float", nullable=True, low=0, plausible_high=150, unit="mph"),
        "wind_gust": Column("float", nullable=True, low=0, high=200),
        "precip": Column("float", nullable=True, low=0, high=10),
        "pressure": Column("float", nullable=True, low=900, high=1100),
        "visib": Column("float", nullable=True, low=0, high=100),
        "time_hour": TIME_HOUR,
    },
    unique=("origin", "time_hour"),
    min_rows=100,
)  # fmt: skip
PLANES = Table(
    columns={
        "tailnum": Column("str"),
        "year": Column("float", nullable=True, low=1900, high=2100),
        "type": Column("str", values=PLANE_TYPES),
        "manufacturer": Column("str"), "model": Column("str"),
        "engines": Column("int", low=1, high=8),
        "seats": Column("int", low=1, high=1000),
        "speed": Column("float", nullable=True, above=0),
        "engine": Column("str"),
    },
    unique=("tailnum",),
    min_rows=100,
)  # fmt: skip
AIRPORTS = Table(
    columns={
        "faa": Column("str", pattern=AIRPORT_CODE), "name": Column("str"),
        "lat": Column("float", low=-90, high=90), "lon": Column("float", low=-180, high=180),
        "alt": Column("int"), "tz": Column("int", low=-12, high=14),
        "dst": Column("str", values=("A", "N", "U")), "tzone": Column("str", nullable=True),
    },
    unique=("faa",),
    min_rows=100,
)  # fmt: skip
AIRLINES = Table(
    columns={"carrier": Column("str", values=CARRIERS), "name": Column("str")},
    unique=("carrier",),
)

SCHEMA = DatasetSchema(
    tables={
        "flights": FLIGHTS,
        "weather": WEATHER,
        "planes": PLANES,
        "airports": AIRPORTS,
        "airlines": AIRLINES,
    },  # fmt: skip
    derived={  # what hook.derive_features adds
        "day_of_week": Column("int", low=0, high=6),  # 0 = Monday, local date
        "dep_hour": Column("int", low=0, high=24),
        "arr_hour": Column("int", low=0, high=24),
        "route": Column("str", pattern=r"^[A-Z0-9]{3}-[A-Z0-9]{3}$"),
        "plane_year": Column("float", nullable=True, low=1900, high=2100),  # planes.year
        "plane_age": Column("float", nullable=True, low=0, high=120),  # unknown plane: null
    },
    # Optional in a request, never a model input: they identify the flight, so that the
    # prediction log can be joined with the real outcome later (`make feedback`).
    identity={"time_hour": TIME_HOUR, "flight": Column("int", low=1, high=99999)},
    checks={"clock_hhmm": clock_hhmm},
)
