"""`make label-sample` and `make label-apply` (curation/labeling.py) on the tests' own
dataset (tests/synthetic.py: orders, late when more than 10 minutes late, named by
their order_id)."""

from __future__ import annotations

import pandas as pd
import pytest

from flight_delay.core.label_overrides import OverrideError, check_overrides
from flight_delay.curation.labeling import MISS, NEAR, merge_review, review_columns, review_sample
from flight_delay.datasets.preparation import override_format
from tests import synthetic

DATASET = synthetic.spec()
FORM = override_format(DATASET)
SHOWN = list(DATASET.review_columns)


def sample_of(rows: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    near = DATASET.near_boundary(rows, 2)  # within 2 minutes of the threshold
    return review_sample(rows, near, FORM, SHOWN, size=size, seed=seed)


def scored_orders(n: int = 40) -> pd.DataFrame:
    """Order i arrives i - 5 minutes late; the model says 0.9 for even orders."""
    minutes = [float(i - 5) for i in range(n)]
    return pd.DataFrame(
        {
            "order_id": range(1, n + 1), "weekday": "mon", "hour": 12,
            "minutes_late": minutes, "late": [int(m > 10) for m in minutes],
            "model_probability": [0.9 if i % 2 == 0 else 0.1 for i in range(n)],
        }
    )  # fmt: skip


def test_review_sample_takes_orders_near_the_threshold_and_confident_misses():
    sample = sample_of(scored_orders(), size=10, seed=0)
    assert list(sample.columns) == review_columns(FORM, SHOWN)
    near = sample[sample["why"] == NEAR]
    assert len(near) == 5 and set(near["minutes_late"]) == {8.0, 9.0, 10.0, 11.0, 12.0}
    misses = sample[sample["why"] == MISS]
    assert len(misses) == 5
    # confident misses: on time but scored 0.9, or late but scored 0.1
    assert ((misses["late"] - misses["model_probability"]).abs() == 0.9).all()
    assert sample["corrected_late"].eq("").all()


def test_a_row_the_model_gets_right_is_never_a_confident_miss():
    rows = scored_orders().assign(
        model_probability=lambda f: f["late"] * 0.8 + 0.1  # right about every order
    )
    sample = sample_of(rows, size=10, seed=0)
    assert set(sample["why"]) == {NEAR}  # only the rows near the threshold
    assert len(sample) == 5


def test_review_sample_is_deterministic_and_never_repeats_an_order():
    first = sample_of(scored_orders(), size=12, seed=7)
    again = sample_of(scored_orders(), size=12, seed=7)
    pd.testing.assert_frame_equal(first, again)
    assert not first.duplicated(["order_id"]).any()


def review(*verdicts: tuple) -> pd.DataFrame:
    """Review rows of (order_id, corrected_late or None, reviewer or None)."""
    return pd.DataFrame(
        {
            "order_id": [str(o) for o, _, _ in verdicts], "late": "0",
            "corrected_late": pd.array([v for _, v, _ in verdicts], dtype="string"),
            "reviewer": pd.array([r for _, _, r in verdicts], dtype="string"),
            "reason": "courier's log",
        }
    )  # fmt: skip


EMPTY = check_overrides(pd.DataFrame(columns=FORM.columns, dtype="string"), FORM)


def test_only_rows_with_a_verdict_are_merged():
    merged, added, updated = merge_review(EMPTY, review((1, "1", "ana"), (2, None, None)), FORM)
    assert (added, updated) == (1, 0)
    assert merged["order_id"].tolist() == [1] and merged["late"].tolist() == [1]


def test_an_order_reviewed_again_takes_the_new_verdict():
    first, _, _ = merge_review(EMPTY, review((1, "1", "ana"), (3, "0", "ana")), FORM)
    merged, added, updated = merge_review(first, review((1, "0", "bo"), (2, "1", "bo")), FORM)
    assert (added, updated) == (1, 1)
    assert merged[["order_id", "late", "reviewer"]].values.tolist() == [
        [1, 0, "bo"], [2, 1, "bo"], [3, 0, "ana"],
    ]  # fmt: skip


def test_a_verdict_without_a_reviewer_is_refused_unless_one_is_given():
    with pytest.raises(OverrideError, match=r"line\(s\) \[3\] have a verdict but no reviewer"):
        merge_review(EMPTY, review((1, None, None), (2, "1", None)), FORM)
    merged, _, _ = merge_review(EMPTY, review((2, "1", None)), FORM, reviewer="cy")
    assert merged["reviewer"].tolist() == ["cy"]


def test_a_bad_verdict_is_refused_naming_its_line_in_the_review_file():
    verdicts = review((1, None, None), (2, None, None), (3, "yes", "ana"))
    with pytest.raises(OverrideError, match=r"review file: late must be 0 or 1 .*\[4\]"):
        merge_review(EMPTY, verdicts, FORM)
