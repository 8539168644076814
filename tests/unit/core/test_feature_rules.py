from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from flight_delay.core.feature_rules import (
    Categorical,
    FeatureError,
    Numeric,
    describe_error,
    frame_problems,
    input_rules,
    request_validator,
    row_problems,
)

# Rules as a dataset's home gives them: every column it offers, and the identity fields.
DATASET_RULES = {
    "temp": Numeric(-60, 130, nullable=True),
    "dep_hour": Numeric(0, 24),
    "origin": Categorical("^(EWR|JFK|LGA)$"),
}
IDENTITY = {"time_hour": Categorical(r"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$"),
            "flight": Numeric(1, 99999, integer=True)}  # fmt: skip
RULES = input_rules(DATASET_RULES, IDENTITY, ["temp", "dep_hour"], ["origin"])


def frame(**columns) -> pd.DataFrame:
    base = {"temp": [50.0, np.nan], "dep_hour": [5.0, 23.0], "origin": ["JFK", "LGA"]}
    return pd.DataFrame(base | columns)


def test_a_clean_frame_has_no_problems():
    assert frame_problems(frame(), RULES) == []
    assert row_problems(frame(), RULES).tolist() == ["", ""]


def test_each_broken_rule_is_named_with_a_count_and_no_value():
    bad = frame(dep_hour=[99.0, np.nan], origin=["XXX", "JFK"], extra=[1, 2])
    problems = frame_problems(bad, RULES)
    assert "extra: unknown column" in problems
    assert "dep_hour: must not be null (1 row)" in problems
    assert "dep_hour: must be a number from 0 to 24 (1 row)" in problems
    assert any(p.startswith("origin: must be a string matching") for p in problems)
    assert not any("99" in p or "XXX" in p for p in problems)
    assert row_problems(bad.drop(columns="extra"), RULES).tolist() == [
        "dep_hour: must be a number from 0 to 24; "
        "origin: must be a string matching ^(EWR|JFK|LGA)$",
        "dep_hour: must not be null",
    ]


def test_categories_the_model_never_saw_are_flagged():
    problems = frame_problems(frame(), RULES, categories={"origin": ["JFK"]})
    assert problems == ["origin: not a category the model was trained on (1 row)"]


def test_a_missing_column_and_a_text_column_for_a_number():
    assert "temp: required column is missing" in frame_problems(frame().drop(columns="temp"), RULES)
    text = frame(temp=["warm", "cold"])
    assert (
        "temp: must be a number from -60 to 130, or null (not numeric) (2 rows)"
        in frame_problems(text, RULES)
    )


def test_every_feature_needs_a_rule_of_its_kind():
    with pytest.raises(FeatureError, match="no rule for column 'gate'"):
        input_rules(DATASET_RULES, IDENTITY, ["gate"], [])
    with pytest.raises(FeatureError, match="'origin' is numeric in conf but not in its rule"):
        input_rules(DATASET_RULES, IDENTITY, ["origin"], [])


def test_request_validator_accepts_identity_fields_and_rejects_the_rest():
    validate = request_validator(RULES, {"origin": ["JFK", "LGA"]})
    rows = validate.validate_json(b'[{"temp": null, "dep_hour": 5, "origin": "JFK", "flight": 7}]')
    assert rows[0].dep_hour == 5.0 and rows[0].temp is None and rows[0].time_hour is None
    with pytest.raises(ValidationError) as raised:
        validate.validate_json(b'[{"temp": "hot", "dep_hour": null, "origin": "SFO", "x": 1}]')
    described = [describe_error(e, RULES) for e in raised.value.errors()]
    assert {(d["field"], d["rule"]) for d in described} == {
        ("temp", "must be a number from -60 to 130, or null"),
        ("dep_hour", "must not be null"),
        ("origin", "not a category the model was trained on"),
        ("x", "unknown field"),
    }
    assert "hot" not in str(described) and "SFO" not in str(described)


def test_numeric_rule_describes_itself():
    assert Numeric(0, 1, nullable=True).describe() == "a number from 0 to 1, or null"


def test_an_integer_field_without_an_upper_bound_is_validated_from_its_lower_one():
    rules = input_rules(DATASET_RULES, {"row_number": Numeric(0, np.inf, integer=True)},
                        ["temp", "dep_hour"], ["origin"])  # fmt: skip
    validate = request_validator(rules)
    row = {"temp": 50.0, "dep_hour": 9.0, "origin": "JFK"}
    assert validate.validate_python([row | {"row_number": 10**12}])[0].row_number == 10**12
    with pytest.raises(ValidationError):
        validate.validate_python([row | {"row_number": -1}])


def test_a_nullable_category_accepts_null_everywhere_and_a_required_one_does_not():
    rules = input_rules({"sex": Categorical("^(f|m)$", nullable=True),
                         "island": Categorical("^(a|b)$")}, {}, [], ["sex", "island"])  # fmt: skip
    rows = pd.DataFrame({"sex": ["f", None], "island": ["a", None]})
    assert frame_problems(rows, rules) == ["island: must not be null (1 row)"]
    validate = request_validator(rules, {"sex": ["f", "m"], "island": ["a", "b"]})
    assert validate.validate_python([{"sex": None, "island": "b"}])[0].sex is None
    with pytest.raises(ValidationError):
        validate.validate_python([{"sex": "f", "island": None}])
    assert Categorical("^(f|m)$", nullable=True).describe() == "a string matching ^(f|m)$, or null"
