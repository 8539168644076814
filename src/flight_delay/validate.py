"""Stage `validate`: check every raw table against its schema, and the hand-set labels
(data/labels/overrides.csv) against the flights; stop on any violation.

Writes reports/validation.json whether or not the data passes, and exits
non-zero naming table, column, rule and a few offending rows on failure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from flight_delay.config import load_config
from flight_delay.ingest import UNREADABLE
from flight_delay.io import write_json
from flight_delay.label_overrides import (
    FLIGHT_KEY,
    OVERRIDE_COLUMNS,
    OverrideError,
    check_known_flights,
    read_overrides,
)
from flight_delay.log import run_stage, say
from flight_delay.paths import LABEL_OVERRIDES, RAW_DIR, VALIDATION_REPORT
from flight_delay.schemas import PLAUSIBILITY, RAW_SCHEMAS

MAX_EXAMPLES = 5


def _examples(values: pd.Series) -> list[str]:
    return sorted({str(v) for v in values.dropna()})[:MAX_EXAMPLES]


def _row_examples(index: pd.Series) -> list[int]:
    return sorted({int(i) for i in index.dropna()})[:MAX_EXAMPLES]


def describe_failure(
    table: str, column: str | None, check: str, cases: pd.DataFrame, actual_dtype: str = "?"
) -> str:
    values, rows = _examples(cases["failure_case"]), _row_examples(cases["index"])
    where = f" (rows {rows})" if rows else ""
    if check == "column_in_schema":
        return f"{table}: unexpected column(s) {sorted(map(str, cases['failure_case']))}"
    if check == "column_in_dataframe":
        return f"{table}: missing column(s) {sorted(map(str, cases['failure_case']))}"
    if check.startswith("dtype("):
        return f"{table}.{column}: dtype is {actual_dtype}, schema wants {check[6:-1]}"
    if check == "not_nullable":
        return f"{table}.{column}: {len(cases)} missing value(s) in a required column{where}"
    if check == "multiple_fields_uniqueness":
        return f"{table}: {cases['index'].nunique()} rows share a key ({column}){where}"
    if column == table or column is None:
        return f"{table}: {check}"
    return f"{table}.{column}: rule {check} failed for {len(cases)} row(s){where}, values {values}"


def schema_errors(table: str, frame: pd.DataFrame, schema: pa.DataFrameSchema) -> list[dict]:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    else:
        return []
    cases = cases.assign(
        column=cases["column"].astype(object).where(cases["column"].notna()),
        check=cases["check"].astype(str),
    )
    is_key = cases["check"] == "multiple_fields_uniqueness"
    cases.loc[is_key, "column"] = ",".join(schema.unique or [])
    # A column of the wrong dtype also fails its value rules; report the dtype alone.
    wrong_dtype = set(cases.loc[cases["check"].str.startswith("dtype("), "column"])
    cases = cases[~cases["column"].isin(wrong_dtype) | cases["check"].str.startswith("dtype(")]
    if is_key.any():  # one row per key column and duplicate: count rows once
        cases = cases.drop_duplicates(["column", "check", "index"])
    errors = []
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=True):
        column = None if pd.isna(column) else str(column)
        errors.append(
            {
                "column": column,
                "check": check,
                "failures": len(group),
                "rows": _row_examples(group["index"]),
                "message": describe_failure(
                    table,
                    column,
                    check,
                    group,
                    str(frame[column].dtype) if column in frame else "?",
                ),
            }
        )
    return sorted(errors, key=lambda e: (e["column"] or "", e["check"]))


def plausibility_warnings(table: str, frame: pd.DataFrame) -> list[dict]:
    warnings = []
    for column, (rule, is_plausible) in sorted(PLAUSIBILITY.get(table, {}).items()):
        if column not in frame.columns or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        bad = frame.index[~is_plausible(frame[column])]
        if len(bad):
            rows = [int(i) for i in bad[:MAX_EXAMPLES]]
            warnings.append(
                {
                    "column": column,
                    "check": rule,
                    "failures": len(bad),
                    "rows": rows,
                    "message": f"{table}.{column}: {len(bad)} value(s) not {rule} (rows {rows}); "
                    "prepare sets them to missing",
                }
            )
    return warnings


def table_error(check: str, message: str) -> dict:
    """An error about a whole table rather than some of its rows."""
    return {"column": None, "check": check, "failures": 1, "rows": [], "message": message}


def validate_tables(tables: dict[str, pd.DataFrame]) -> dict:
    report: dict = {"passed": True, "tables": {}}
    for table, frame in sorted(tables.items()):
        if UNREADABLE in frame.attrs:
            errors = [
                table_error("readable", f"{table}: source unreadable: {frame.attrs[UNREADABLE]}")
            ]
        elif table not in RAW_SCHEMAS:
            errors = [table_error("has_schema", f"{table}: no schema in schemas.RAW_SCHEMAS")]
        else:
            errors = schema_errors(table, frame, RAW_SCHEMAS[table]())
        report["tables"][table] = {
            "rows": len(frame),
            "columns": frame.shape[1],
            "errors": errors,
            "warnings": plausibility_warnings(table, frame),
        }
        report["passed"] = report["passed"] and not errors
    return report


def overrides_entry(path: Path, flights: pd.DataFrame | None) -> dict:
    """The overrides file as a table of the report: well formed, and naming real flights
    (checked here so that `prepare` never starts on a bad file)."""
    rows, errors = 0, []
    try:
        overrides = read_overrides(path)
        rows = len(overrides)
        if flights is not None and set(FLIGHT_KEY) <= set(flights.columns):
            check_known_flights(overrides, flights, origin=str(path))
    except OverrideError as err:
        errors = [table_error("label_overrides", f"label_overrides: {err}")]
    return {"rows": rows, "columns": len(OVERRIDE_COLUMNS), "errors": errors, "warnings": []}


def main() -> None:
    config = load_config()
    tables = {t: pd.read_parquet(RAW_DIR / f"{t}.parquet") for t in config.data.files}
    report = validate_tables(tables)
    flights_ok = "flights" in tables and not report["tables"]["flights"]["errors"]
    entry = overrides_entry(LABEL_OVERRIDES, tables["flights"] if flights_ok else None)
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
