"""The validate stage's own piece: the overrides file as a table of the report."""

from __future__ import annotations

from flight_delay.datasets.preparation import override_format
from flight_delay.stages.validate import overrides_entry
from tests.flights import FLIGHTS as DATASET

FORM = override_format(DATASET)


def test_label_overrides_are_checked_against_the_flights(flights, tmp_path):
    path = tmp_path / "overrides.csv"
    header = "year,month,day,carrier,flight,origin,delayed,reviewer,reason\n"
    path.write_text(header + "2013,1,1,UA,1545,EWR,1,ana,late gate\n")
    assert overrides_entry(path, flights, FORM) == {
        "rows": 1,
        "columns": 9,
        "errors": [],
        "warnings": [],
    }
    path.write_text(header + "2013,1,1,UA,7,EWR,1,ana,typo\n")
    (error,) = overrides_entry(path, flights, FORM)["errors"]
    assert error["message"].startswith(f"label_overrides: {path}: no such row in the data")
    assert (
        overrides_entry(path, None, FORM)["errors"] == []
    )  # flights unusable: format checked only
    path.write_text(header + "2013,1,1,UA,1545,EWR,yes,ana,\n")
    (error,) = overrides_entry(path, flights, FORM)["errors"]
    assert "delayed must be 0 or 1 (line(s) [2])" in error["message"]
