"""One schema, two uses: a small dataset's declarations (as schema.yaml writes them) give
both the pandera schemas of its raw tables and the rules of its model inputs."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from flight_delay.core.feature_rules import Categorical, Numeric
from flight_delay.core.schema import (
    ROW_NUMBER,
    Column,
    SchemaError,
    schema_from_mapping,
)
from flight_delay.core.validation import schema_errors

DECLARED = {
    "tables": {
        "shops": {
            "key": ["shop"],
            "min_rows": 2,
            "columns": {
                "shop": {"kind": "int", "low": 1, "high": 10_000},
                "region": {"kind": "str", "values": ["north", "south"]},
                "visits": {"kind": "float", "nullable": True, "low": 0, "plausible_high": 1e4,
                           "unit": "per day"},
                "code": {"kind": "str", "pattern": r"^[A-Z]{2}$"},
                "opened": {"kind": "str", "nullable": True, "format": "date-time"},
            },
        },
        "weather": {"columns": {"shop": {"kind": "int"},
                                "rain": {"kind": "float", "low": 0, "high": 500}}},
    },
    "derived": {"visits_per_rain": {"kind": "float", "nullable": True, "above": 0}},
}  # fmt: skip
SCHEMA = schema_from_mapping(DECLARED)
SHOPS = pd.DataFrame({"shop": [1, 2], "region": ["north", "south"], "visits": [3.0, None],
                      "code": ["AB", "CD"],
                      "opened": ["2020-02-29T08:00:00+01:00", None]})  # fmt: skip


def test_a_table_that_keeps_its_schema_passes_and_each_break_is_named():
    schema = SCHEMA.pandera_schema("shops")
    assert schema_errors("shops", SHOPS, schema) == []
    broken = SHOPS.assign(region=["north", "west"], code=["AB", "x"],
                          opened=["2021-02-29T08:00:00Z", None])  # fmt: skip
    messages = [e["message"] for e in schema_errors("shops", broken, schema)]
    assert any("shops.region: rule isin(['north', 'south'])" in m for m in messages)
    assert any("shops.code: rule str_matches" in m for m in messages)
    assert any(m.startswith("shops.opened: rule a real ISO 8601 date and time with a timezone "
                            "failed for 1 row(s) (rows [0])") for m in messages)  # fmt: skip
    twice = pd.concat([SHOPS, SHOPS.iloc[[0]]], ignore_index=True)
    assert any("rows share a key (shop)" in e["message"]
               for e in schema_errors("shops", twice, schema))  # fmt: skip
    short = [e["message"] for e in schema_errors("shops", SHOPS.iloc[:1], schema)]
    assert short == ["shops: table must have at least 2 rows"]


def test_the_model_input_rules_come_from_the_same_declarations():
    rules = SCHEMA.feature_rules("shops", joined=("weather",))
    assert rules["region"] == Categorical("^(north|south)$")
    assert rules["code"] == Categorical(r"^[A-Z]{2}$")
    assert rules["opened"] == Categorical("^.*$", nullable=True, moment=True)
    assert rules["visits"] == Numeric(0, 1e4, nullable=True)  # the plausible bound caps it
    assert rules["shop"] == Numeric(1, 10_000, integer=True)  # the label table's wins a clash
    assert rules["rain"] == Numeric(0, 500, nullable=True)  # joined: a left join may miss
    assert rules["visits_per_rain"] == Numeric(0, math.inf, nullable=True)  # derived
    assert SCHEMA.identity_rules("shops", ("shop",)) == {"shop": Numeric(1, 10_000, integer=True)}


def test_a_plausibility_bound_is_a_warning_said_in_words():
    [(said, plausible)] = SCHEMA.plausibility()["shops"].values()
    assert said == "at most 10000 per day"
    assert plausible(pd.Series([1.0, None, 2e4])).tolist() == [True, True, False]


def test_the_declarations_read_as_written_with_ints_kept_ints():
    shops = SCHEMA.tables["shops"]
    assert shops.unique == ("shop",) and shops.min_rows == 2 and not shops.numbered
    assert shops.columns["shop"] == Column("int", low=1, high=10_000)
    assert isinstance(shops.columns["shop"].low, int)  # said "1" in messages, not "1.0"
    assert shops.columns["region"].values == ("north", "south")
    assert SCHEMA.tables["weather"].unique == () and SCHEMA.tables["weather"].min_rows == 1


def test_a_table_without_a_key_is_numbered_by_a_row_number_column():
    schema = schema_from_mapping(
        {"tables": {"t": {"key": "row_number", "columns": {"x": {"kind": "float"}}}}}
    )
    table = schema.tables["t"]
    assert table.numbered and table.unique == (ROW_NUMBER,)
    assert table.columns[ROW_NUMBER] == Column("int", low=0)
    frame = pd.DataFrame({"x": [0.5, 0.5], ROW_NUMBER: [0, 1]})
    assert schema_errors("t", frame, schema.pandera_schema("t")) == []  # equal rows, two names


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "integer"}, "tables.shops.columns.shop.kind: Input should be 'int', 'float' or"),
        ({"kind": "int", "hgih": 3}, "tables.shops.columns.shop.hgih: Unexpected keyword argument"),
        ({"kind": "int", "checks": ["odd"]},
         "tables.shops.columns.shop: check 'odd' is not defined (the hook's CHECKS defines none)"),
        ({"kind": "int", "format": "date-time"},
         "tables.shops.columns.shop: Value error, format: date-time is for a str column"),
        ({"kind": "str", "format": "date"}, "tables.shops.columns.shop.format: Input should be"),
    ],
)  # fmt: skip
def test_a_wrong_column_declaration_names_its_key(change, message):
    declared = {"tables": {"shops": {"columns": {"shop": change}}}}
    with pytest.raises(SchemaError, match=re.escape(message)):
        schema_from_mapping(declared)


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({}, "tables: Field required"),
        ({"tables": {}}, "tables: Dictionary should have at least 1 item"),
        ({"tables": {"t": {"columns": {"x": {"kind": "int"}}, "key": ["y"]}}},
         "tables.t.key: ['y'] are not columns of the table"),
        ({"tables": {"t": {"columns": {"row_number": {"kind": "int"}}, "key": "row_number"}}},
         "tables.t.columns: 'row_number' is the column `key: row_number` adds; rename yours"),
        ({"tables": {"t": {"columns": {"x": {"kind": "int"}}}}, "derived": {"x": {"kind": "int"}}},
         "derived: ['x'] are already columns of a table"),
        ({"tables": {"t": {"columns": {"x": {"kind": "int"}}, "min_rows": 0}}},
         "tables.t.min_rows: Input should be greater than or equal to 1"),
    ],
)  # fmt: skip
def test_a_wrong_schema_names_its_key(declared, message):
    with pytest.raises(SchemaError, match=re.escape(message)):
        schema_from_mapping(declared)


def test_a_named_check_of_the_hook_is_used():
    from pandera import Check

    checks = {"odd": lambda: Check(lambda s: s % 2 == 1, name="odd")}
    declared = {"tables": {"t": {"columns": {"x": {"kind": "int", "checks": ["odd"]}}}}}
    schema = schema_from_mapping(declared, checks)
    errors = schema_errors("t", pd.DataFrame({"x": [1, 2]}), schema.pandera_schema("t"))
    assert [e["message"] for e in errors if "odd" in e["message"]]


def test_a_nullable_string_column_is_a_nullable_category_and_joined_ones_too():
    declared = {"tables": {
        "orders": {"columns": {"shop": {"kind": "int"}, "note": {"kind": "str", "nullable": True},
                               "channel": {"kind": "str", "values": ["web", "phone"]}}},
        "shops": {"columns": {"shop": {"kind": "int"}, "region": {"kind": "str"}}},
    }}  # fmt: skip
    rules = schema_from_mapping(declared).feature_rules("orders", joined=("shops",))
    assert rules["note"] == Categorical("^.*$", nullable=True)
    assert rules["channel"] == Categorical("^(web|phone)$")
    assert rules["region"] == Categorical("^.*$", nullable=True)  # a left join may miss
