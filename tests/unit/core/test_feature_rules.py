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


# Every kind of rule, and values on both sides of each: the service (JSON through the
# request validator) and batch scoring (a frame through row_problems) must agree.
AGREEING = input_rules(
    {"items": Numeric(1, 50, integer=True), "stock": Numeric(0, 9, nullable=True, integer=True),
     "km": Numeric(0, 60, nullable=True), "shop": Categorical("^(a|b)$"),
     "note": Categorical("^[a-z]+$", nullable=True),
     "placed": Categorical(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", moment=True)},
    {"order_id": Numeric(1, np.inf, integer=True),
     "due": Categorical(r"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$", moment=True)},
    ["items", "stock", "km"], ["shop", "note", "placed"],
)  # fmt: skip
VALID_ROW = {"items": 3, "stock": 1, "km": 2.5, "shop": "a", "note": "ok", "order_id": 7,
             "placed": "2024-02-29T10:30:00Z", "due": "2024-03-01T10:00:00Z"}  # fmt: skip
TRIED = {
    "items": [3, 3.0, 2.5, 0, 51, None, "3", True],
    "stock": [0, 9.0, None, 4.5, -1],
    "km": [0, 60, 2.5, 60.5, None, "far"],
    "shop": ["a", "c", None, "A"],
    "note": ["ok", None, "OK", "two words"],
    "placed": ["2024-02-29T10:30:00Z", "2023-02-29T10:30:00Z", "2024-13-45T99:00:00Z",
               "2024-01-01T10:30:00", "2024-01-01 10:30:00Z", None],
    "order_id": [7, 7.0, 7.5, 0, 10**12, None],
    "due": ["2024-03-01T10:00:00Z", "2024-02-30T10:00:00Z", "2024-03-01T10:30:00Z", None],
}  # fmt: skip


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, vs in TRIED.items() for v in vs])
def test_the_service_and_batch_scoring_agree_on_every_rule(field, value):
    import json

    row = VALID_ROW | {field: value}
    try:
        request_validator(AGREEING, {"shop": ["a", "b"]}).validate_json(json.dumps([row]))
        served = True
    except ValidationError:
        served = False
    scored = row_problems(pd.DataFrame([row]), AGREEING, {"shop": ["a", "b"]}).iloc[0] == ""
    assert served == scored, f"{field}={value!r}: service {served}, batch {scored}"


def test_integral_floats_are_integers_and_impossible_moments_are_refused():
    validate = request_validator(AGREEING)
    assert validate.validate_python([VALID_ROW | {"order_id": 2243.0}])[0].order_id == 2243
    for broken in ({"order_id": 2243.5}, {"due": "2013-13-45T99:00:00Z"}):
        with pytest.raises(ValidationError) as raised:
            validate.validate_python([VALID_ROW | broken])
        [error] = [describe_error(e, AGREEING) for e in raised.value.errors()]
        assert error["rule"].startswith("must be an")
    assert (
        "due: must be an ISO 8601 date and time"
        in row_problems(pd.DataFrame([VALID_ROW | {"due": "2013-02-29T10:00:00Z"}]), AGREEING).iloc[
            0
        ]
    )


def test_both_paths_anchor_patterns_round_int_bounds_inwards_and_cap_unbounded_ints():
    offered = {"code": Categorical("[A-Z]{3}"), "n": Numeric(0.5, 9.5, integer=True),
               "big": Numeric(0, np.inf, integer=True)}  # fmt: skip
    rules = input_rules(offered, {}, ["n", "big"], ["code"])
    validate = request_validator(rules)
    good = {"code": "ABC", "n": 1, "big": 1}
    for change in ({"code": "xxABCxx"}, {"n": 0}, {"n": 10}, {"big": 10**400}):
        row = good | change
        with pytest.raises(ValidationError):
            validate.validate_python([row])
        assert row_problems(pd.DataFrame([row]).astype({"big": object}), rules).iloc[0] != ""
