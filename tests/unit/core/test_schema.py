"""One schema, two uses: a small dataset's declarations give both the pandera schemas of
its raw tables and the rules of its model inputs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from flight_delay.core.feature_rules import Categorical, Numeric
from flight_delay.core.schema import Column, DatasetSchema, Table
from flight_delay.core.validation import schema_errors

SCHEMA = DatasetSchema(
    tables={
        "shops": Table(
            columns={
                "shop": Column("int", low=1),
                "region": Column("str", values=("north", "south")),
                "visits": Column("float", nullable=True, low=0, plausible_high=1e4, unit="per day"),
                "code": Column("str", pattern=r"^[A-Z]{2}$"),
            },
            unique=("shop",),
            min_rows=2,
        ),
        "weather": Table(columns={"shop": Column("int"), "rain": Column("float", low=0, high=500)}),
    },
    derived={"visits_per_rain": Column("float", nullable=True, above=0)},
    identity={"shop": Column("int", low=1, high=10_000)},
)  # fmt: skip
SHOPS = pd.DataFrame({"shop": [1, 2], "region": ["north", "south"], "visits": [3.0, None],
                      "code": ["AB", "CD"]})  # fmt: skip


def test_a_table_that_keeps_its_schema_passes_and_each_break_is_named():
    schema = SCHEMA.pandera_schema("shops")
    assert schema_errors("shops", SHOPS, schema) == []
    broken = SHOPS.assign(region=["north", "west"], code=["AB", "x"])
    messages = [e["message"] for e in schema_errors("shops", broken, schema)]
    assert any("shops.region: rule isin(['north', 'south'])" in m for m in messages)
    assert any("shops.code: rule str_matches" in m for m in messages)
    twice = pd.concat([SHOPS, SHOPS.iloc[[0]]], ignore_index=True)
    assert any("rows share a key (shop)" in e["message"]
               for e in schema_errors("shops", twice, schema))  # fmt: skip
    short = [e["message"] for e in schema_errors("shops", SHOPS.iloc[:1], schema)]
    assert short == ["shops: table must have at least 2 rows"]


def test_the_model_input_rules_come_from_the_same_declarations():
    rules = SCHEMA.feature_rules("shops", joined=("weather",))
    assert rules["region"] == Categorical("^(north|south)$")
    assert rules["code"] == Categorical(r"^[A-Z]{2}$")
    assert rules["visits"] == Numeric(0, 1e4, nullable=True)  # the plausible bound caps it
    assert rules["shop"] == Numeric(1, math.inf)  # the label table's column wins a clash
    assert rules["rain"] == Numeric(0, 500, nullable=True)  # joined: a left join may miss
    assert rules["visits_per_rain"] == Numeric(0, math.inf, nullable=True)  # derived
    assert SCHEMA.identity_rules() == {"shop": Numeric(1, 10_000, integer=True)}


def test_a_plausibility_bound_is_a_warning_said_in_words():
    [(said, plausible)] = SCHEMA.plausibility()["shops"].values()
    assert said == "at most 10000 per day"
    assert plausible(pd.Series([1.0, None, 2e4])).tolist() == [True, True, False]


def test_an_unknown_custom_check_is_a_clear_error():
    schema = DatasetSchema(tables={"t": Table(columns={"x": Column("int", checks=("odd",))})})
    with pytest.raises(KeyError, match="odd"):
        schema.pandera_schema("t")
