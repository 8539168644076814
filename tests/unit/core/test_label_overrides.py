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
from flight_delay.core.labels import apply_rule as label_with_rule
from flight_delay.datasets.preparation import override_format
from tests import parcels

DATASET = parcels.spec()
DROP = DATASET.label_rule  # lost parcels dropped
LABEL = DATASET.label
FORM = override_format(DATASET)  # the parcels' natural key, `late`, periods (year, week)
OVERRIDE_COLUMNS = FORM.columns


@pytest.fixture
def parcel_rows() -> pd.DataFrame:
    return parcels.rows()


def overrides(*rows: tuple) -> pd.DataFrame:
    """Rows of (year, week, day, depot, parcel, late), as read from CSV."""
    frame = pd.DataFrame(
        [(*r, "ana", "reviewed") for r in rows], columns=OVERRIDE_COLUMNS, dtype="string"
    )
    return check_overrides(frame, FORM)


def test_an_override_changes_exactly_the_listed_rows(parcel_rows):
    labelled = label_with_rule(parcel_rows, DROP)  # labels 0, 1, 0, 0, 1 (parcels 1545 ... 301)
    listed = overrides(("2024", "1", "1", "n", "1545", "1"),
                       ("2024", "11", "1", "n", "200", "1"))  # fmt: skip
    result, summary = apply_overrides(labelled, parcel_rows, listed, FORM)
    assert result[LABEL].tolist() == [1, 1, 0, 1, 1]
    assert result[OVERRIDDEN].tolist() == [True, False, False, True, False]
    assert result[LABEL].dtype == "int8"
    assert summary.as_dict() == {
        "applied": 2, "changed": 2, "listed": 2, "not_labelled": 0, "outside_data": 0
    }  # fmt: skip
    unchanged = result.drop(columns=[LABEL, OVERRIDDEN])
    pd.testing.assert_frame_equal(unchanged, labelled.drop(columns=[LABEL]))


def test_an_override_that_agrees_with_the_rule_is_applied_but_changes_nothing(parcel_rows):
    labelled = label_with_rule(parcel_rows, DROP)
    listed = overrides(("2024", "1", "1", "s", "1714", "1"))
    result, summary = apply_overrides(labelled, parcel_rows, listed, FORM)
    assert (summary.applied, summary.changed) == (1, 0)
    assert result[LABEL].tolist() == labelled[LABEL].tolist()


def test_a_lost_parcel_dropped_by_the_rule_is_counted_not_applied(parcel_rows):
    labelled = label_with_rule(parcel_rows, DROP)
    listed = overrides(("2024", "9", "3", "e", "100", "1"))  # lost
    result, summary = apply_overrides(labelled, parcel_rows, listed, FORM)
    assert (summary.applied, summary.not_labelled) == (0, 1)
    assert not result[OVERRIDDEN].any()


def test_a_parcel_in_a_week_outside_the_data_is_skipped(parcel_rows):
    labelled = label_with_rule(parcel_rows, DROP)
    listed = overrides(("2024", "6", "1", "n", "1", "0"))  # no week 6 in the fixture
    _, summary = apply_overrides(labelled, parcel_rows, listed, FORM)
    assert (summary.applied, summary.outside_data) == (0, 1)


def test_an_unknown_parcel_in_a_week_the_data_holds_is_an_error(parcel_rows):
    labelled = label_with_rule(parcel_rows, DROP)
    listed = overrides(("2024", "1", "1", "n", "9999", "0"))
    with pytest.raises(OverrideError, match=r"no such row .*line\(s\) \[2\].*'parcel': 9999"):
        apply_overrides(labelled, parcel_rows, listed, FORM)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("2024", "1", "1", "n", "1545", "2"), r"late must be 0 or 1 \(line\(s\) \[2\]"),
        (("2024", "1", "1", "n", "15x", "1"), r"parcel must be a whole number"),
        (("2024", "1", "1.5", "n", "1545", "1"), r"day must be a whole number"),
        (("2024", "1", "1", " ", "1545", "1"), r"depot is empty"),
    ],
)
def test_malformed_rows_are_refused_naming_the_line(row, message):
    frame = pd.DataFrame([(*row, "ana", "")], columns=OVERRIDE_COLUMNS, dtype="string")
    with pytest.raises(OverrideError, match=message):
        check_overrides(frame, FORM)


def test_a_parcel_listed_twice_is_refused():
    frame = pd.DataFrame(
        [("2024", "1", "1", "n", "1545", "1", "ana", "")] * 2,
        columns=OVERRIDE_COLUMNS, dtype="string",
    )  # fmt: skip
    with pytest.raises(OverrideError, match=r"listed twice \(line\(s\) \[2, 3\]"):
        check_overrides(frame, FORM)


def test_wrong_columns_are_named(tmp_path):
    path = tmp_path / "overrides.csv"
    path.write_text("year,week,day,depot,parcel,label\n")
    with pytest.raises(OverrideError, match=r"columns must be .*found \[.*'label'\]"):
        read_overrides(path, FORM)


def test_a_missing_file_means_no_override_yet_with_the_columns_and_types_of_the_format(
    tmp_path,
):
    none = read_overrides(tmp_path / "example.csv", FORM)
    assert none.empty and list(none.columns) == FORM.columns
    assert not (tmp_path / "example.csv").exists()  # reading writes nothing


def test_the_chosen_datasets_committed_overrides_are_valid(repo_root):
    """data/labels/<dataset>.csv of the dataset conf/config.yaml chooses, if it has one."""
    import yaml

    from flight_delay.datasets import dataset_for
    from flight_delay.infra.config import parse_config
    from flight_delay.infra.params import compose_params

    config = parse_config(yaml.safe_load(compose_params(repo_root / "conf")))
    form = override_format(dataset_for(config))
    listed = read_overrides(repo_root / f"data/labels/{config.data.dataset}.csv", form)
    assert list(listed.columns) == form.columns


def test_prepare_applies_overrides_and_the_split_summary_counts_them(parcel_rows):
    from flight_delay.core.splits import split_summary
    from flight_delay.datasets.preparation import prepared_splits
    from flight_delay.infra.config import OrderedSplit

    split = OrderedSplit(kind="ordered", column="week", train=[1, 2], valid=[9, 10], test=[11, 12])
    listed = overrides(("2024", "10", "2", "e", "300", "1"))
    splits, summary = prepared_splits({"parcels": parcel_rows}, DATASET, split, 0, overrides=listed)
    assert summary.applied == 1
    assert splits["valid"][LABEL].tolist() == [1]
    counts = {
        name: s["label_overrides"] for name, s in split_summary(splits, LABEL, "week").items()
    }
    assert counts == {"train": 0, "valid": 1, "test": 0}
