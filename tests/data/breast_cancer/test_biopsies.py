"""Expectations on the bundled breast cancer data (data/source/breast_cancer.csv): it
passes its schema, has the documented size and label rate, and the stratified split
keeps that rate in every split."""

from __future__ import annotations

import pytest

from flight_delay.core.validation import validate_tables


def test_the_source_passes_its_schema(biopsy_raw, biopsy_dataset):
    report = validate_tables(biopsy_raw, biopsy_dataset.raw_schemas, biopsy_dataset.plausibility)
    problems = [e["message"] for t in report["tables"].values() for e in t["errors"]]
    assert report["passed"], problems


def test_the_source_has_the_documented_size_and_rows_are_numbered(biopsy_raw):
    biopsies = biopsy_raw["biopsies"]
    assert biopsies.shape == (569, 32)  # 30 measurements, the label, the row number
    assert biopsies["row_number"].tolist() == list(range(569))
    assert int(biopsies["malignant"].sum()) == 212  # 212 malignant, 357 benign


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_each_split_keeps_the_malignant_rate(biopsy_splits, split):
    assert abs(biopsy_splits[split]["malignant"].mean() - 212 / 569) < 0.01


def test_splits_are_disjoint_and_cover_every_row(biopsy_splits):
    rows = [set(frame["row_number"]) for frame in biopsy_splits.values()]
    assert sum(map(len, rows)) == 569 and len(set().union(*rows)) == 569
