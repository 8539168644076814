from __future__ import annotations

import pandas as pd
import pytest

from flight_delay.core.label_overrides import (
    OVERRIDDEN,
    OverrideError,
    apply_overrides,
    check_overrides,
    read_overrides,
)
from flight_delay.core.labels import apply_rule as delay_label
from flight_delay.datasets.preparation import override_format
from tests.flights import FLIGHTS as DATASET
from tests.flights import LABEL, LABEL_RULE

DROP = LABEL_RULE  # cancelled flights dropped
FORM = override_format(DATASET)  # the flights' natural key, `delayed`, periods (year, month)
OVERRIDE_COLUMNS = FORM.columns


def overrides(*rows: tuple) -> pd.DataFrame:
    """Rows of (year, month, day, carrier, flight, origin, delayed), as read from CSV."""
    frame = pd.DataFrame(
        [(*r, "ana", "reviewed") for r in rows], columns=OVERRIDE_COLUMNS, dtype="string"
    )
    return check_overrides(frame, FORM)


def test_an_override_changes_exactly_the_listed_flights(flights):
    labelled = delay_label(flights, DROP)  # labels 0, 1, 0, 0, 1 (flights 1545 ... 301)
    listed = overrides(("2013", "1", "1", "UA", "1545", "EWR", "1"),
                       ("2013", "11", "4", "DL", "200", "EWR", "1"))  # fmt: skip
    result, summary = apply_overrides(labelled, flights, listed, FORM)
    assert result[LABEL].tolist() == [1, 1, 0, 1, 1]
    assert result[OVERRIDDEN].tolist() == [True, False, False, True, False]
    assert result[LABEL].dtype == "int8"
    assert summary.as_dict() == {
        "applied": 2, "changed": 2, "listed": 2, "not_labelled": 0, "outside_data": 0
    }  # fmt: skip
    unchanged = result.drop(columns=[LABEL, OVERRIDDEN])
    pd.testing.assert_frame_equal(unchanged, labelled.drop(columns=[LABEL]))


def test_an_override_that_agrees_with_the_rule_is_applied_but_changes_nothing(flights):
    labelled = delay_label(flights, DROP)
    listed = overrides(("2013", "1", "1", "UA", "1714", "LGA", "1"))
    result, summary = apply_overrides(labelled, flights, listed, FORM)
    assert (summary.applied, summary.changed) == (1, 0)
    assert result[LABEL].tolist() == labelled[LABEL].tolist()


def test_a_cancelled_flight_dropped_by_the_rule_is_counted_not_applied(flights):
    labelled = delay_label(flights, DROP)
    listed = overrides(("2013", "9", "15", "AA", "100", "JFK", "1"))  # cancelled
    result, summary = apply_overrides(labelled, flights, listed, FORM)
    assert (summary.applied, summary.not_labelled) == (0, 1)
    assert not result[OVERRIDDEN].any()


def test_a_flight_in_a_month_outside_the_data_is_skipped(flights):
    labelled = delay_label(flights, DROP)
    listed = overrides(("2013", "6", "1", "UA", "1", "EWR", "0"))  # no June in the fixture
    _, summary = apply_overrides(labelled, flights, listed, FORM)
    assert (summary.applied, summary.outside_data) == (0, 1)


def test_an_unknown_flight_in_a_month_the_data_holds_is_an_error(flights):
    labelled = delay_label(flights, DROP)
    listed = overrides(("2013", "1", "1", "UA", "9999", "EWR", "0"))
    with pytest.raises(OverrideError, match=r"no such row .*line\(s\) \[2\].*'flight': 9999"):
        apply_overrides(labelled, flights, listed, FORM)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("2013", "1", "1", "UA", "1545", "EWR", "2"), r"delayed must be 0 or 1 \(line\(s\) \[2\]"),
        (("2013", "1", "1", "UA", "15x", "EWR", "1"), r"flight must be a whole number"),
        (("2013", "1", "1.5", "UA", "1545", "EWR", "1"), r"day must be a whole number"),
        (("2013", "1", "1", " ", "1545", "EWR", "1"), r"carrier is empty"),
    ],
)
def test_malformed_rows_are_refused_naming_the_line(row, message):
    frame = pd.DataFrame([(*row, "ana", "")], columns=OVERRIDE_COLUMNS, dtype="string")
    with pytest.raises(OverrideError, match=message):
        check_overrides(frame, FORM)


def test_a_flight_listed_twice_is_refused():
    frame = pd.DataFrame(
        [("2013", "1", "1", "UA", "1545", "EWR", "1", "ana", "")] * 2,
        columns=OVERRIDE_COLUMNS, dtype="string",
    )  # fmt: skip
    with pytest.raises(OverrideError, match=r"listed twice \(line\(s\) \[2, 3\]"):
        check_overrides(frame, FORM)


def test_wrong_columns_are_named(tmp_path):
    path = tmp_path / "overrides.csv"
    path.write_text("year,month,day,carrier,flight,origin,label\n")
    with pytest.raises(OverrideError, match=r"columns must be .*found \[.*'label'\]"):
        read_overrides(path, FORM)


def test_a_missing_file_means_no_override_yet_with_the_columns_and_types_of_the_format(
    tmp_path,
):
    none = read_overrides(tmp_path / "example.csv", FORM)
    assert none.empty and list(none.columns) == FORM.columns
    assert not (tmp_path / "example.csv").exists()  # reading writes nothing


def test_the_committed_overrides_file_is_valid(repo_root):
    listed = read_overrides(repo_root / "data/labels/nycflights13.csv", FORM)
    assert list(listed.columns) == OVERRIDE_COLUMNS


def test_prepare_applies_overrides_and_the_split_summary_counts_them(flights, weather, planes):
    from flight_delay.core.splits import split_summary
    from flight_delay.datasets.preparation import prepared_splits
    from flight_delay.infra.config import OrderedSplit

    split = OrderedSplit(kind="ordered", column="month", train=[1, 2], valid=[9, 10], test=[11, 12])
    listed = overrides(("2013", "10", "7", "B6", "300", "JFK", "1"))
    tables = {"flights": flights, "weather": weather, "planes": planes}
    splits, summary = prepared_splits(tables, DATASET, split, 0, overrides=listed)
    assert summary.applied == 1
    assert splits["valid"][LABEL].tolist() == [1]
    counts = {
        name: s["label_overrides"] for name, s in split_summary(splits, LABEL, "month").items()
    }
    assert counts == {"train": 0, "valid": 1, "test": 0}
