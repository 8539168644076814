"""Stage `validate`: check every raw table against its schema (the dataset's), and the
hand-set labels (data/labels/<dataset>.csv) against the label table; stop on any violation.

Writes reports/validation.json whether or not the data passes, and exits
non-zero naming table, column, rule and a few offending rows on failure
(core/validation.py words the messages). On the `dask` engine (conf/engine/) a table
ingested as a folder of parts is checked by one task per partition and the findings
merged, the key's uniqueness and the row count over the whole table
(datasets/partitioned.py): the same report.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd

from flight_delay.core.label_overrides import (
    OverrideError,
    OverrideFormat,
    check_known_rows,
    read_overrides,
    refuse_unknown,
)
from flight_delay.core.validation import table_entry, table_error, validate_tables
from flight_delay.datasets import dataset_for
from flight_delay.datasets.partitioned import validate_parts
from flight_delay.datasets.preparation import override_format
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import PipelineConfig, load_config
from flight_delay.infra.engine import engine_client
from flight_delay.infra.io import write_json
from flight_delay.infra.partitions import table_files, table_rows
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


def in_process(config: PipelineConfig, dataset: DatasetSpec) -> dict[str, Any]:
    tables = {t: pd.read_parquet(RAW_DIR / f"{t}.parquet") for t in config.data.files}
    report = validate_tables(tables, dataset.raw_schemas, dataset.plausibility)
    labelled = dataset.label_table
    usable = labelled in tables and not report["tables"][labelled]["errors"]
    form = override_format(dataset)
    path = label_overrides(dataset.name)
    report["tables"]["label_overrides"] = overrides_entry(
        path, tables[labelled] if usable else None, form
    )
    return report


def on_cluster(client: Any, config: PipelineConfig, dataset: DatasetSpec) -> dict[str, Any]:
    """The same report, each table ingested as parts checked by one task per partition."""
    form, path = override_format(dataset), label_overrides(dataset.name)
    try:
        overrides, problem = read_overrides(path, form), None
    except OverrideError as err:
        overrides, problem = None, err
    report: dict[str, Any] = {"passed": True, "tables": {}}
    matched = None
    for table in sorted(config.data.files):
        raw = RAW_DIR / f"{table}.parquet"
        if not raw.is_dir():  # a source ingest could not read: one file carrying the reason
            single = validate_tables({table: pd.read_parquet(raw)}, dataset.raw_schemas,
                                     dataset.plausibility)  # fmt: skip
            report["tables"][table] = single["tables"][table]
        elif table not in dataset.raw_schemas:
            import pyarrow.parquet as pq

            columns = len(pq.read_schema(table_files(raw)[0]).names)
            error = table_error("has_schema", f"{table}: no schema in the dataset's schemas")
            report["tables"][table] = table_entry(table_rows(raw), columns, [error], [])
        else:
            labelled = table == dataset.label_table
            entry, found = validate_parts(client, table, raw, config,
                                          overrides if labelled else None)  # fmt: skip
            report["tables"][table] = entry
            matched = found if labelled and not entry["errors"] else matched
    errors = []
    try:
        if problem is not None:
            raise problem
        if overrides is not None and matched is not None:
            refuse_unknown(overrides, *matched, form, origin=str(path))
    except OverrideError as err:
        errors = [table_error("label_overrides", f"label_overrides: {err}")]
    rows = 0 if overrides is None else len(overrides)
    report["tables"]["label_overrides"] = table_entry(rows, len(form.columns), errors, [])
    return report


def main() -> None:
    config = load_config()
    dataset = dataset_for(config)
    with engine_client(config.engine, "validate") as client:
        report = in_process(config, dataset) if client is None else on_cluster(client, config,
                                                                              dataset)  # fmt: skip
    report["passed"] = not any(entry["errors"] for entry in report["tables"].values())
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
