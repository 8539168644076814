from __future__ import annotations

import io

import pandas as pd
import pytest

from flight_delay.core.validation import plausibility_warnings as warnings_with
from flight_delay.core.validation import schema_errors
from flight_delay.core.validation import validate_tables as validate_with
from flight_delay.infra.sources import unreadable_table
from tests.flights import SCHEMA

PLAUSIBILITY = SCHEMA.plausibility()
RAW_SCHEMAS = SCHEMA.schema_factories()


def table_schema(table: str, rows: int | None = None):  # the flights' raw tables
    return SCHEMA.pandera_schema(table, min_rows=rows)


def plausibility_warnings(table: str, frame: pd.DataFrame) -> list[dict]:
    return warnings_with(table, frame, PLAUSIBILITY)


def validate_tables(tables: dict[str, pd.DataFrame]) -> dict:
    """With the flights' schemas and plausibility checks."""
    return validate_with(tables, RAW_SCHEMAS, PLAUSIBILITY)


def _set(frame: pd.DataFrame, row: int, column: str, value) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[row, column] = value
    return frame


def test_hand_made_tables_pass_their_schemas(flights, weather, planes):
    # The baseline for every test below: each breaks exactly one thing.
    assert schema_errors("flights", flights, table_schema("flights", 1)) == []
    assert schema_errors("weather", weather, table_schema("weather", 1)) == []
    assert schema_errors("planes", planes, table_schema("planes", 1)) == []


BROKEN_FLIGHTS = {
    "missing column": (
        lambda f: f.drop(columns=["hour"]),
        "column_in_dataframe",
        "flights: missing column(s) ['hour']",
    ),
    "unexpected column": (
        lambda f: f.assign(wheels=4),
        "column_in_schema",
        "flights: unexpected column(s) ['wheels']",
    ),
    "wrong dtype": (
        lambda f: f.assign(distance=f["distance"].astype("float64")),
        "dtype('int64')",
        "flights.distance: dtype is float64, schema wants 'int64'",
    ),
    "missing value in a required column": (
        lambda f: _set(f, 3, "carrier", None),
        "not_nullable",
        "flights.carrier: 1 missing value(s) in a required column (rows [3])",
    ),
    "out of range": (
        lambda f: _set(f, 1, "minute", 75),
        "in_range(0, 59)",
        "flights.minute: rule in_range(0, 59) failed for 1 row(s) (rows [1]), values ['75']",
    ),
    "unseen category in a closed set": (
        lambda f: _set(f, 2, "origin", "BOS"),
        "isin(['EWR', 'JFK', 'LGA'])",
        "flights.origin: rule isin(['EWR', 'JFK', 'LGA']) failed for 1 row(s) (rows [2]), "
        "values ['BOS']",
    ),
    "bad pattern": (
        lambda f: _set(f, 0, "time_hour", "2013-01-01 10:00"),
        "str_matches('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:00:00Z$')",
        "flights.time_hour: rule str_matches",
    ),
    "duplicate key": (
        lambda f: pd.concat([f, f.iloc[[4]]], ignore_index=True),
        "multiple_fields_uniqueness",
        "flights: 2 rows share a key (year,month,day,carrier,flight,origin) (rows [4, 6])",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FLIGHTS))
def test_each_violation_is_reported_once_naming_table_column_and_rule(flights, case):
    breaks, check, message = BROKEN_FLIGHTS[case]
    errors = schema_errors("flights", breaks(flights), table_schema("flights", 1))
    assert [e["check"] for e in errors] == [check]
    assert errors[0]["message"].startswith(message)


def test_a_wrong_dtype_hides_the_value_rules_of_that_column(flights):
    text_distance = flights.assign(distance=flights["distance"].astype(str) + " mi")
    errors = schema_errors("flights", text_distance, table_schema("flights", 1))
    assert [(e["column"], e["check"]) for e in errors] == [("distance", "dtype('int64')")]


def test_several_violations_are_sorted_by_column(flights):
    broken = _set(_set(flights, 1, "minute", 75), 0, "day", 32)
    errors = schema_errors("flights", broken, table_schema("flights", 1))
    assert [(e["column"], e["rows"]) for e in errors] == [("day", [0]), ("minute", [1])]


def test_header_only_table_is_too_small(weather):
    errors = schema_errors("weather", weather.iloc[:0], table_schema("weather", 1))
    assert [e["message"] for e in errors] == ["weather: table must have at least 1 rows"]


def test_header_only_csv_fails_on_rows_and_dtypes():
    header_only = pd.read_csv(io.StringIO("carrier,name\n"))
    messages = [
        e["message"] for e in schema_errors("airlines", header_only, table_schema("airlines"))
    ]
    assert "airlines: table must have at least 1 rows" in messages
    assert any(m.startswith("airlines.carrier: dtype is object") for m in messages)


def test_too_few_rows_names_the_minimum(planes):
    errors = schema_errors("planes", planes, table_schema("planes", 5))
    assert [e["message"] for e in errors] == ["planes: table must have at least 5 rows"]


def test_duplicate_plane_rows_share_a_key(planes):
    twice = pd.concat([planes, planes.iloc[[0]]], ignore_index=True)
    errors = schema_errors("planes", twice, table_schema("planes", 1))
    assert [e["message"] for e in errors] == ["planes: 2 rows share a key (tailnum) (rows [0, 3])"]


def test_implausible_wind_speed_is_a_warning_not_an_error(weather):
    assert schema_errors("weather", weather, table_schema("weather", 1)) == []
    [warning] = plausibility_warnings("weather", weather)
    assert warning["column"] == "wind_speed"
    assert (warning["failures"], warning["rows"]) == (1, [3])
    assert warning["message"].startswith("weather.wind_speed: 1 value(s) not at most 150 mph")


def test_missing_and_plausible_wind_speeds_give_no_warning(weather):
    calm = weather.assign(wind_speed=[0.0, 150.0, None, 20.0, 5.0, None])
    assert plausibility_warnings("weather", calm) == []


def test_plausibility_skips_tables_and_columns_it_cannot_check(weather, flights):
    assert plausibility_warnings("flights", flights) == []
    assert plausibility_warnings("weather", weather.drop(columns=["wind_speed"])) == []
    text_wind = weather.assign(wind_speed=weather["wind_speed"].astype(str))
    assert plausibility_warnings("weather", text_wind) == []


def test_validate_tables_reports_every_table(flights, weather):
    report = validate_tables({"weather": weather, "flights": flights, "gates": flights})
    assert report["passed"] is False
    assert list(report["tables"]) == ["flights", "gates", "weather"]
    # Default schemas want the real data's row counts: 1000 flights, 100 weather rows.
    assert [e["message"] for e in report["tables"]["flights"]["errors"]] == [
        "flights: table must have at least 1000 rows"
    ]
    assert report["tables"]["gates"]["errors"][0]["check"] == "has_schema"
    assert report["tables"]["weather"]["rows"] == 6
    assert report["tables"]["weather"]["columns"] == 15
    assert [w["column"] for w in report["tables"]["weather"]["warnings"]] == ["wind_speed"]


def test_validate_tables_passes_when_tables_meet_their_schemas(flights):
    enough = pd.concat([flights.assign(year=year, flight=flights["flight"] + 50_000 * j)
                        for year in range(2000, 2100) for j in range(2)])  # fmt: skip
    report = validate_tables({"flights": enough.reset_index(drop=True)})
    assert report["passed"] is True
    assert report["tables"]["flights"]["errors"] == []


def test_validate_tables_reports_an_unreadable_source():
    reason = "data/source/planes.csv: file is empty (0 bytes)"
    report = validate_tables({"planes": unreadable_table(reason)})
    assert report["passed"] is False
    [error] = report["tables"]["planes"]["errors"]
    assert error["message"] == f"planes: source unreadable: {reason}"


def test_validate_tables_fails_a_table_without_a_schema():
    report = validate_tables({"gates": pd.DataFrame({"gate": ["A1"]})})
    assert report["passed"] is False
    [error] = report["tables"]["gates"]["errors"]
    assert (error["check"], error["message"]) == (
        "has_schema",
        "gates: no schema in the dataset's schemas",
    )
