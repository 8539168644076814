from __future__ import annotations

import io

import pandas as pd
import pytest

from flight_delay.core.schema import schema_from_mapping
from flight_delay.core.validation import plausibility_warnings as warnings_with
from flight_delay.core.validation import schema_errors
from flight_delay.core.validation import validate_tables as validate_with
from flight_delay.infra.sources import unreadable_table
from tests import synthetic

SCHEMA = schema_from_mapping(synthetic.SCHEMA)  # the tests' own orders and shops
PLAUSIBILITY = SCHEMA.plausibility()
RAW_SCHEMAS = SCHEMA.schema_factories()


def table_schema(table: str, rows: int | None = None):
    return SCHEMA.pandera_schema(table, min_rows=rows)


def plausibility_warnings(table: str, frame: pd.DataFrame) -> list[dict]:
    return warnings_with(table, frame, PLAUSIBILITY)


def validate_tables(tables: dict[str, pd.DataFrame]) -> dict:
    """With the orders' schemas and plausibility checks."""
    return validate_with(tables, RAW_SCHEMAS, PLAUSIBILITY)


def _set(frame: pd.DataFrame, row: int, column: str, value) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[row, column] = value
    return frame


def test_hand_made_tables_pass_their_schemas(orders, shops):
    # The baseline for every test below: each breaks exactly one thing.
    assert schema_errors("orders", orders, table_schema("orders", 1)) == []
    assert schema_errors("shops", shops, table_schema("shops", 1)) == []


BROKEN_ORDERS = {
    "missing column": (
        lambda f: f.drop(columns=["hour"]),
        "column_in_dataframe",
        "orders: missing column(s) ['hour']",
    ),
    "unexpected column": (
        lambda f: f.assign(wheels=4),
        "column_in_schema",
        "orders: unexpected column(s) ['wheels']",
    ),
    "wrong dtype": (
        lambda f: f.assign(items=f["items"].astype("float64")),
        "dtype('int64')",
        "orders.items: dtype is float64, schema wants 'int64'",
    ),
    "missing value in a required column": (
        lambda f: _set(f, 3, "weekday", None),
        "not_nullable",
        "orders.weekday: 1 missing value(s) in a required column (rows [3])",
    ),
    "out of range": (
        lambda f: _set(f, 1, "hour", 25),
        "in_range(0, 23)",
        "orders.hour: rule in_range(0, 23) failed for 1 row(s) (rows [1]), values ['25']",
    ),
    "unseen category in a closed set": (
        lambda f: _set(f, 2, "weekday", "holiday"),
        "isin(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])",
        "orders.weekday: rule isin(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) failed "
        "for 1 row(s) (rows [2]), values ['holiday']",
    ),
    "duplicate key": (
        lambda f: pd.concat([f, f.iloc[[4]]], ignore_index=True),
        "multiple_fields_uniqueness",
        "orders: 2 rows share a key (order_id) (rows [4, 6])",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_ORDERS))
def test_each_violation_is_reported_once_naming_table_column_and_rule(orders, case):
    breaks, check, message = BROKEN_ORDERS[case]
    errors = schema_errors("orders", breaks(orders), table_schema("orders", 1))
    assert [e["check"] for e in errors] == [check]
    assert errors[0]["message"].startswith(message)


PARCELS = schema_from_mapping({
    "tables": {
        "parcels": {
            "key": ["year", "week", "depot", "parcel"],
            "columns": {
                "year": {"kind": "int", "low": 2000, "high": 2100},
                "week": {"kind": "int", "low": 1, "high": 53},
                "depot": {"kind": "str"},
                "parcel": {"kind": "int", "low": 1},
                "slot": {"kind": "str", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$"},
            },
        }
    }
})  # fmt: skip
PARCEL_ROWS = pd.DataFrame({
    "year": [2024, 2024, 2025], "week": [1, 1, 1], "depot": ["n", "s", "n"],
    "parcel": [7, 7, 7], "slot": ["2024-01-01T10:00:00Z"] * 3,
})  # fmt: skip


def test_a_composite_key_and_a_pattern_are_checked_naming_their_columns():
    parcels = PARCELS.pandera_schema("parcels", min_rows=1)
    assert schema_errors("parcels", PARCEL_ROWS, parcels) == []
    twice = pd.concat([PARCEL_ROWS, PARCEL_ROWS.iloc[[1]]], ignore_index=True)
    [error] = schema_errors("parcels", twice, parcels)
    assert error["message"] == "parcels: 2 rows share a key (year,week,depot,parcel) (rows [1, 3])"
    [error] = schema_errors("parcels", _set(PARCEL_ROWS, 0, "slot", "2024-01-01 10:00"), parcels)
    assert error["check"].startswith("str_matches(")
    assert error["message"].startswith("parcels.slot: rule str_matches")


def test_a_wrong_dtype_hides_the_value_rules_of_that_column(orders):
    text_distance = orders.assign(distance_km=orders["distance_km"].astype(str) + " km")
    errors = schema_errors("orders", text_distance, table_schema("orders", 1))
    assert [(e["column"], e["check"]) for e in errors] == [("distance_km", "dtype('float64')")]


def test_several_violations_are_sorted_by_column(orders):
    broken = _set(_set(orders, 1, "week", 60), 0, "hour", 25)
    errors = schema_errors("orders", broken, table_schema("orders", 1))
    assert [(e["column"], e["rows"]) for e in errors] == [("hour", [0]), ("week", [1])]


def test_header_only_table_is_too_small(shops):
    errors = schema_errors("shops", shops.iloc[:0], table_schema("shops", 1))
    assert [e["message"] for e in errors] == ["shops: table must have at least 1 rows"]


def test_header_only_csv_fails_on_rows_and_dtypes():
    header_only = pd.read_csv(io.StringIO("shop,region,staff\n"))
    messages = [e["message"] for e in schema_errors("shops", header_only, table_schema("shops"))]
    assert "shops: table must have at least 1 rows" in messages
    assert any(m.startswith("shops.shop: dtype is object") for m in messages)


def test_too_few_rows_names_the_minimum(shops):
    errors = schema_errors("shops", shops, table_schema("shops", 5))
    assert [e["message"] for e in errors] == ["shops: table must have at least 5 rows"]


def test_duplicate_shop_rows_share_a_key(shops):
    twice = pd.concat([shops, shops.iloc[[0]]], ignore_index=True)
    errors = schema_errors("shops", twice, table_schema("shops", 1))
    assert [e["message"] for e in errors] == ["shops: 2 rows share a key (shop) (rows [0, 3])"]


def test_an_implausible_distance_is_a_warning_not_an_error(orders):
    typo = _set(orders, 3, "distance_km", 900.0)
    assert schema_errors("orders", typo, table_schema("orders", 1)) == []
    [warning] = plausibility_warnings("orders", typo)
    assert warning["column"] == "distance_km"
    assert (warning["failures"], warning["rows"]) == (1, [3])
    assert warning["message"].startswith("orders.distance_km: 1 value(s) not at most 60 km")


def test_missing_and_plausible_distances_give_no_warning(orders):
    near = orders.assign(distance_km=[0.0, 60.0, None, 20.0, 5.0, None])
    assert plausibility_warnings("orders", near) == []


def test_plausibility_skips_tables_and_columns_it_cannot_check(orders, shops):
    typo = _set(orders, 3, "distance_km", 900.0)
    assert plausibility_warnings("shops", shops) == []
    assert plausibility_warnings("orders", typo.drop(columns=["distance_km"])) == []
    text_distance = typo.assign(distance_km=typo["distance_km"].astype(str))
    assert plausibility_warnings("orders", text_distance) == []


def test_validate_tables_reports_every_table(orders, shops):
    typo = _set(orders, 3, "distance_km", 900.0)
    report = validate_tables({"shops": shops, "orders": typo, "gates": shops})
    assert report["passed"] is False
    assert list(report["tables"]) == ["gates", "orders", "shops"]
    # The schema wants at least 10 orders (min_rows).
    assert [e["message"] for e in report["tables"]["orders"]["errors"]] == [
        "orders: table must have at least 10 rows"
    ]
    assert report["tables"]["gates"]["errors"][0]["check"] == "has_schema"
    assert (report["tables"]["orders"]["rows"], report["tables"]["orders"]["columns"]) == (6, 9)
    assert [w["column"] for w in report["tables"]["orders"]["warnings"]] == ["distance_km"]
    assert report["tables"]["shops"]["errors"] == []


def test_validate_tables_passes_when_tables_meet_their_schemas(orders):
    enough = pd.concat([orders.assign(order_id=orders["order_id"] + 100 * j) for j in range(2)])
    report = validate_tables({"orders": enough.reset_index(drop=True)})
    assert report["passed"] is True
    assert report["tables"]["orders"]["errors"] == []


def test_validate_tables_reports_an_unreadable_source():
    reason = "data/source/shops.csv: file is empty (0 bytes)"
    report = validate_tables({"shops": unreadable_table(reason)})
    assert report["passed"] is False
    [error] = report["tables"]["shops"]["errors"]
    assert error["message"] == f"shops: source unreadable: {reason}"


def test_validate_tables_fails_a_table_without_a_schema():
    report = validate_tables({"gates": pd.DataFrame({"gate": ["A1"]})})
    assert report["passed"] is False
    [error] = report["tables"]["gates"]["errors"]
    assert (error["check"], error["message"]) == (
        "has_schema",
        "gates: no schema in the dataset's schemas",
    )


def test_the_partitions_findings_merge_into_the_whole_tables():
    from flight_delay.core.validation import (
        duplicated,
        failure_errors,
        key_failure,
        merge_failures,
        merge_warnings,
        schema_failures,
    )

    orders = synthetic.tables()["orders"]
    orders.loc[[3, 1400, 2800], "weekday"] = ["zzz", "aaa", "zzz"]  # one rule, three parts
    orders.loc[[7, 2900], "hour"] = [40, 50]
    orders.loc[2100, "distance_km"] = 80.0  # implausible, as row 5 is
    orders.loc[2999, "order_id"] = orders.loc[0, "order_id"]  # the key, first and last part
    whole = table_schema("orders", rows=0)
    expected = schema_errors("orders", orders, whole)
    per_part = table_schema("orders", rows=0)
    per_part.unique = None  # the key is checked over the whole table
    bounds = [(0, 1000), (1000, 2000), (2000, 3000)]
    found = [schema_failures("orders", orders.iloc[a:b], per_part) for a, b in bounds]
    hashes = pd.util.hash_pandas_object(orders[["order_id"]], index=False).to_numpy()
    merged = merge_failures(found)
    merged += key_failure("orders", ["order_id"], duplicated(hashes), merged)
    assert failure_errors("orders", merged) == expected
    assert {e["check"] for e in expected} >= {"multiple_fields_uniqueness", "in_range(0, 23)"}
    parts = [plausibility_warnings("orders", orders.iloc[a:b]) for a, b in bounds]
    assert merge_warnings("orders", parts) == plausibility_warnings("orders", orders)

    # failures of whole columns: said once, as the whole table says them, not once a part
    odd = orders.assign(order_id=orders["order_id"].astype(str), courier="x").drop(columns="items")
    expected = schema_errors("orders", odd, whole)
    found = [schema_failures("orders", odd.iloc[a:b], per_part) for a, b in bounds]
    merged = merge_failures(found)
    merged += key_failure("orders", ["order_id"], duplicated(hashes), merged)
    assert failure_errors("orders", merged) == expected
    assert {e["check"] for e in expected} >= {"dtype('int64')", "column_in_schema",
                                              "column_in_dataframe"}  # fmt: skip


def test_duplicated_names_every_position_of_a_repeated_value():
    import numpy as np

    from flight_delay.core.validation import duplicated

    assert duplicated(np.array([5, 1, 5, 2, 1, 9], dtype=np.uint64)).tolist() == [0, 1, 2, 4]
    assert duplicated(np.array([], dtype=np.uint64)).tolist() == []
    assert duplicated(np.array([3], dtype=np.uint64)).tolist() == []


def test_too_few_rows_over_the_parts_is_the_schemas_own_failure(shops):
    from flight_delay.core.validation import failure_errors, too_few_rows

    expected = schema_errors("shops", shops.head(2), table_schema("shops", rows=5))
    assert failure_errors("shops", too_few_rows("shops", 2, 5)) == expected
    assert too_few_rows("shops", 5, 5) == []
