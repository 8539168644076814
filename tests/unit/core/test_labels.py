"""The label rule on small tables: above a threshold, equal to some values, 0/1 already;
rows without a source dropped or counted as one class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from flight_delay.core.labels import LabelError, apply_rule, describe_rule, near_boundary
from flight_delay.infra.config import LabelConfig


def rule(**settings: object) -> LabelConfig:
    base = {"column": "won", "source": "score", "missing": "drop", "classes": ["lost", "won"],
            "event": "a win"}  # fmt: skip
    return LabelConfig.model_validate(base | settings)


TABLE = pd.DataFrame({"score": [1.0, 5.0, np.nan, 3.0], "colour": ["red", "blue", None, "red"],
                      "flag": [0, 1, None, 1]})  # fmt: skip


def test_above_is_strictly_greater_and_drops_missing_sources():
    labelled = apply_rule(TABLE, rule(rule="above", threshold=3))
    assert labelled["won"].tolist() == [0, 1, 0] and labelled["won"].dtype == "int8"
    assert labelled.index.tolist() == [0, 1, 3]  # row 2 has no score


@pytest.mark.parametrize(("missing", "expected"), [("positive", 1), ("negative", 0)])
def test_a_missing_source_can_count_as_a_class(missing, expected):
    labelled = apply_rule(TABLE, rule(rule="above", threshold=3, missing=missing))
    assert len(labelled) == 4 and labelled.loc[2, "won"] == expected


def test_equals_takes_one_or_more_values():
    labelled = apply_rule(TABLE, rule(rule="equals", source="colour", values=["red"]))
    assert labelled["won"].tolist() == [1, 0, 1]
    both = apply_rule(TABLE, rule(rule="equals", source="colour", values=["red", "blue"]))
    assert both["won"].tolist() == [1, 1, 1]


def test_existing_takes_a_0_1_column_as_it_is():
    labelled = apply_rule(TABLE, rule(rule="existing", source="flag", missing="negative"))
    assert labelled["won"].tolist() == [0, 1, 0, 1]
    with pytest.raises(LabelError, match="'score' holds values other than 0 and 1"):
        apply_rule(TABLE, rule(rule="existing"))


def test_a_missing_source_column_is_named():
    with pytest.raises(LabelError, match="label.source: no column 'points'"):
        apply_rule(TABLE, rule(rule="above", threshold=1, source="points"))


def test_the_input_is_not_changed():
    before = TABLE.copy()
    apply_rule(TABLE, rule(rule="above", threshold=3))
    pd.testing.assert_frame_equal(TABLE, before)


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"rule": "above"}, "rule 'above' needs label.threshold"),
        ({"rule": "equals"}, "rule 'equals' needs label.values"),
        ({"rule": "existing", "threshold": 1}, "rule 'existing' takes no label.threshold"),
        ({"rule": "above", "threshold": 1, "classes": ["x", "x"]}, "need two names"),
        ({"rule": "below", "threshold": 1}, "rule"),
    ],
)
def test_an_incomplete_rule_is_refused_naming_the_key(settings, complaint):
    with pytest.raises(ValidationError, match=complaint):
        rule(**settings)


def test_the_rule_in_words_and_its_boundary():
    above = rule(rule="above", threshold=3, missing="positive")
    assert describe_rule(above) == "score > 3; rows without score: counted as 'won'"
    assert describe_rule(rule(rule="equals", source="colour", values=["red"])) == (
        "colour in ['red']; rows without colour: dropped")  # fmt: skip
    assert near_boundary(TABLE, above, margin=0).tolist() == [False, False, False, True]
    assert not near_boundary(TABLE, rule(rule="existing", source="flag"), 5).any()
