"""Checking raw tables against their schemas: every violation as a message that names
table, column, rule and a few offending rows; plausibility checks reported as warnings.

Pure: frames and schemas in, a JSON-ready report out (the `validate` stage writes it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flight_delay.infra.sources import UNREADABLE

if TYPE_CHECKING:
    import pandera.pandas as pa

# table -> column -> (the rule, said in words; True where a value is plausible)
Plausibility = Mapping[str, Mapping[str, tuple[str, Callable[[pd.Series], pd.Series]]]]

MAX_EXAMPLES = 5


COLUMN_CHECKS = ("column_in_schema", "column_in_dataframe")  # their failure cases: names
KEY_CHECK = "multiple_fields_uniqueness"


def _examples(values: pd.Series) -> list[str]:
    return sorted({str(v) for v in values.dropna()})[:MAX_EXAMPLES]


def _row_examples(index: pd.Series) -> list[int]:
    return sorted({int(i) for i in index.dropna()})[:MAX_EXAMPLES]


def describe_failure(table: str, failure: dict[str, Any]) -> str:
    """The message of one (column, check) failure: its count, first rows and values."""
    column, check, rows = failure["column"], failure["check"], failure["rows"]
    where = f" (rows {rows})" if rows else ""
    if check == "column_in_schema":
        return f"{table}: unexpected column(s) {failure['values']}"
    if check == "column_in_dataframe":
        return f"{table}: missing column(s) {failure['values']}"
    if check.startswith("dtype("):
        return f"{table}.{column}: dtype is {failure['dtype']}, schema wants {check[6:-1]}"
    if check == "not_nullable":
        return (
            f"{table}.{column}: {failure['failures']} missing value(s) in a required column{where}"
        )
    if check == KEY_CHECK:
        return f"{table}: {failure['failures']} rows share a key ({column}){where}"
    if column == table or column is None:
        return f"{table}: {check}"
    return (f"{table}.{column}: rule {check} failed for {failure['failures']} row(s){where}, "
            f"values {failure['values']}")  # fmt: skip


def schema_failures(
    table: str, frame: pd.DataFrame, schema: pa.DataFrameSchema
) -> list[dict[str, Any]]:
    """What the schema finds wrong, per (column, check): the number of failures, the first
    rows (the frame's index) and values, the column's dtype. Mergeable over the partitions
    of a table (merge_failures) into what the whole table gives."""
    from pandera.errors import SchemaErrors

    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as err:
        cases = err.failure_cases
    else:
        return []
    cases = cases.assign(
        column=cases["column"].astype(object).where(cases["column"].notna()),
        check=cases["check"].astype(str),
    )
    is_key = cases["check"] == KEY_CHECK
    cases.loc[is_key, "column"] = ",".join(schema.unique or [])
    # A column of the wrong dtype also fails its value rules; report the dtype alone.
    wrong_dtype = set(cases.loc[cases["check"].str.startswith("dtype("), "column"])
    cases = cases[~cases["column"].isin(wrong_dtype) | cases["check"].str.startswith("dtype(")]
    if is_key.any():  # one row per key column and duplicate: count rows once
        cases = cases.drop_duplicates(["column", "check", "index"])
    failures = []
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=True):
        column = None if pd.isna(column) else str(column)
        names = check in COLUMN_CHECKS
        failures.append(
            {
                "column": column,
                "check": check,
                "failures": len(group),
                "rows": _row_examples(group["index"]),
                "values": sorted(map(str, group["failure_case"])) if names
                else _examples(group["failure_case"]),
                "dtype": str(frame[column].dtype) if column in frame else "?",
            }
        )  # fmt: skip
    return failures


def whole_column(check: str) -> bool:
    """A failure of the column itself (missing, unexpected, of the wrong dtype), not of
    some of its rows."""
    return check in COLUMN_CHECKS or check.startswith("dtype(")


def merge_failures(parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The failures of a table from those of its partitions (rows numbered across the
    table): counts added, the first rows and values of all, the first dtype found."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for failures in parts:
        for failure in failures:
            key = (failure["column"] or "", failure["check"])
            if key not in merged:
                merged[key] = dict(failure)
                continue
            into = merged[key]
            if not whole_column(failure["check"]):  # every partition says the same of those
                into["failures"] += failure["failures"]
            into["rows"] = sorted({*into["rows"], *failure["rows"]})[:MAX_EXAMPLES]
            values = sorted({*into["values"], *failure["values"]})
            into["values"] = values if failure["check"] in COLUMN_CHECKS else values[:MAX_EXAMPLES]
    return [merged[key] for key in sorted(merged)]


def failure_errors(table: str, failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's errors: each failure with its message."""
    errors = [
        {"column": f["column"], "check": f["check"], "failures": f["failures"], "rows": f["rows"],
         "message": describe_failure(table, f)}
        for f in failures
    ]  # fmt: skip
    return sorted(errors, key=lambda e: (e["column"] or "", e["check"]))


def schema_errors(
    table: str, frame: pd.DataFrame, schema: pa.DataFrameSchema
) -> list[dict[str, Any]]:
    return failure_errors(table, schema_failures(table, frame, schema))


def _warning(table: str, column: str, rule: str, failures: int, rows: list[int]) -> dict[str, Any]:
    return {
        "column": column,
        "check": rule,
        "failures": failures,
        "rows": rows,
        "message": f"{table}.{column}: {failures} value(s) not {rule} (rows {rows}); "
        "prepare sets them to missing",
    }


def plausibility_warnings(
    table: str, frame: pd.DataFrame, plausibility: Plausibility
) -> list[dict[str, Any]]:
    warnings = []
    for column, (rule, is_plausible) in sorted(plausibility.get(table, {}).items()):
        if column not in frame.columns or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        bad = frame.index[~is_plausible(frame[column])]
        if len(bad):
            warnings.append(_warning(table, column, rule, len(bad),
                                     [int(i) for i in bad[:MAX_EXAMPLES]]))  # fmt: skip
    return warnings


def merge_warnings(table: str, parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The warnings of a table from those of its partitions (rows numbered across it)."""
    merged: dict[tuple[str, str], tuple[int, list[int]]] = {}
    for warnings in parts:
        for w in warnings:
            count, rows = merged.get((w["column"], w["check"]), (0, []))
            merged[(w["column"], w["check"])] = (
                count + w["failures"], sorted({*rows, *w["rows"]})[:MAX_EXAMPLES]
            )  # fmt: skip
    return [_warning(table, column, rule, count, rows)
            for (column, rule), (count, rows) in sorted(merged.items())]  # fmt: skip


def min_rows_rule(rows: int) -> str:
    """A table's minimum row count as a rule (the schema's check, and its failure)."""
    return f"table must have at least {rows} rows"


def too_few_rows(table: str, rows: int, minimum: int) -> list[dict[str, Any]]:
    """The schema's minimum row count as a failure (checked on a whole table, not on its
    partitions), worded as the schema's own check words it."""
    if rows >= minimum:
        return []
    return [{"column": table, "check": min_rows_rule(minimum), "failures": 1, "rows": [],
             "values": ["False"], "dtype": "?"}]  # fmt: skip


def duplicated(hashes: np.ndarray) -> np.ndarray:
    """The positions whose value occurs more than once, in order."""
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    same = np.zeros(len(hashes), dtype=bool)
    if len(hashes) > 1:
        equal = ordered[1:] == ordered[:-1]
        same[1:] |= equal
        same[:-1] |= equal
    return np.sort(order[same])


def key_failure(
    table: str, key: list[str], rows: np.ndarray, failures: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rows that share a key with another row (numbered across the table) as the schema's
    uniqueness failure; none when the key's column has the wrong dtype (`failures`: the
    table's others), which hides its value rules as schema_failures does."""
    column = ",".join(key)
    hidden = any(f["column"] == column and f["check"].startswith("dtype(") for f in failures)
    if not len(rows) or hidden:
        return []
    return [{"column": column, "check": KEY_CHECK, "failures": len(rows),
             "rows": [int(r) for r in np.sort(rows)[:MAX_EXAMPLES]], "values": [],
             "dtype": "?"}]  # fmt: skip


def table_entry(
    rows: int, columns: int, errors: list[dict[str, Any]], warnings: list[dict[str, Any]]
) -> dict[str, Any]:
    return {"rows": rows, "columns": columns, "errors": errors, "warnings": warnings}


def table_error(check: str, message: str) -> dict[str, Any]:
    """An error about a whole table rather than some of its rows."""
    return {"column": None, "check": check, "failures": 1, "rows": [], "message": message}


def validate_tables(
    tables: dict[str, pd.DataFrame], schemas: Mapping[str, Callable[[], Any]],
    plausibility: Plausibility,
) -> dict[str, Any]:  # fmt: skip
    """The validation report: per table its rows, columns, errors (the schema's) and
    warnings (plausibility); `passed` when no table has an error."""
    report: dict[str, Any] = {"passed": True, "tables": {}}
    for table, frame in sorted(tables.items()):
        if UNREADABLE in frame.attrs:
            errors = [
                table_error("readable", f"{table}: source unreadable: {frame.attrs[UNREADABLE]}")
            ]
        elif table not in schemas:
            errors = [table_error("has_schema", f"{table}: no schema in the dataset's schemas")]
        else:
            errors = schema_errors(table, frame, schemas[table]())
        warnings = plausibility_warnings(table, frame, plausibility)
        report["tables"][table] = table_entry(len(frame), frame.shape[1], errors, warnings)
        report["passed"] = report["passed"] and not errors
    return report


def null_implausible(
    frame: pd.DataFrame, checks: Mapping[str, tuple[str, Callable[[pd.Series], pd.Series]]]
) -> pd.DataFrame:
    """`frame` with the values that fail its plausibility checks set to missing."""
    if not checks:
        return frame
    fixes = {
        column: frame[column].where(is_plausible(frame[column]))
        for column, (_, is_plausible) in checks.items()
    }
    return frame.assign(**fixes)
