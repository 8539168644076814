"""The validate stage's own piece: the overrides file as a table of the report, on the
tests' own dataset (tests/synthetic.py: orders named by their order_id)."""

from __future__ import annotations

from flight_delay.datasets.preparation import override_format
from flight_delay.stages.validate import overrides_entry
from tests import synthetic

FORM = override_format(synthetic.spec())


def test_label_overrides_are_checked_against_the_orders(orders, tmp_path):
    path = tmp_path / "overrides.csv"
    header = "order_id,late,reviewer,reason\n"
    path.write_text(header + "2,0,ana,the courier's log\n")
    assert overrides_entry(path, orders, FORM) == {
        "rows": 1,
        "columns": 4,
        "errors": [],
        "warnings": [],
    }
    path.write_text(header + "77,1,ana,typo\n")
    (error,) = overrides_entry(path, orders, FORM)["errors"]
    assert error["message"].startswith(f"label_overrides: {path}: no such row in the data")
    assert overrides_entry(path, None, FORM)["errors"] == []  # no table: format checked only
    path.write_text(header + "2,yes,ana,\n")
    (error,) = overrides_entry(path, orders, FORM)["errors"]
    assert "late must be 0 or 1 (line(s) [2])" in error["message"]
