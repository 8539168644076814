"""Stage `validate`: check every raw table against its schema (the dataset's), and the
hand-set labels (data/labels/<dataset>.csv) against the label table; stop on any violation.

Writes reports/validation.json whether or not the data passes, and exits
non-zero naming table, column, rule and a few offending rows on failure
(core/validation.py words the messages).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from flight_delay.core.label_overrides import (
    OverrideError,
    OverrideFormat,
    check_known_rows,
    read_overrides,
)
from flight_delay.core.validation import table_error, validate_tables
from flight_delay.datasets import dataset_for
from flight_delay.datasets.preparation import override_format
from flight_delay.infra.config import load_config
from flight_delay.infra.io import write_json
from flight_delay.infra.paths import RAW_DIR, VALIDATION_REPORT, label_overrides
from flight_delay.infra.progress import run_stage, say


def overrides_entry(path: Path, raw: pd.DataFrame | None, form: OverrideFormat) -> dict:
    """The overrides file as a table of the report: well formed, and naming real rows of
    the label table (checked here so that `prepare` never starts on a bad file)."""
    rows, errors = 0, []
    try:
        overrides = read_overrides(path, form)
        rows = len(overrides)
        if raw is not None and set(form.key_columns) <= set(raw.columns):
            check_known_rows(overrides, raw, form, origin=str(path))
    except OverrideError as err:
        errors = [table_error("label_overrides", f"label_overrides: {err}")]
    return {"rows": rows, "columns": len(form.columns), "errors": errors, "warnings": []}


def main() -> None:
    config = load_config()
    dataset = dataset_for(config)
    tables = {t: pd.read_parquet(RAW_DIR / f"{t}.parquet") for t in config.data.files}
    report = validate_tables(tables, dataset.raw_schemas, dataset.plausibility)
    labelled = dataset.label_table
    usable = labelled in tables and not report["tables"][labelled]["errors"]
    form = override_format(dataset)
    path = label_overrides(dataset.name)
    entry = overrides_entry(path, tables[labelled] if usable else None, form)
    report["tables"]["label_overrides"] = entry
    report["passed"] = report["passed"] and not entry["errors"]
    write_json(report, VALIDATION_REPORT)
    for table, entry in report["tables"].items():
        say("validate", f"{table}: {entry['rows']:,} rows, {len(entry['errors'])} error(s)")
        for warning in entry["warnings"]:
            say("validate", f"warning: {warning['message']}")
    if not report["passed"]:
        messages = [e["message"] for t in report["tables"].values() for e in t["errors"]]
        sys.exit(
            "validate: the input data violates its rules:\n  "
            + "\n  ".join(messages)
            + f"\n(full report: {VALIDATION_REPORT})"
        )


if __name__ == "__main__":
    run_stage("validate", main)
