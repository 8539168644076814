"""Checking raw tables against their schemas: every violation as a message that names
table, column, rule and a few offending rows; plausibility checks reported as warnings.

Pure: frames and schemas in, a JSON-ready report out (the `validate` stage writes it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from flight_delay.infra.sources import UNREADABLE

if TYPE_CHECKING:
    import pandera.pandas as pa

# table -> column -> (the rule, said in words; True where a value is plausible)
Plausibility = Mapping[str, Mapping[str, tuple[str, Callable[[pd.Series], pd.Series]]]]

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


def schema_errors(
    table: str, frame: pd.DataFrame, schema: pa.DataFrameSchema
) -> list[dict[str, Any]]:
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


def plausibility_warnings(
    table: str, frame: pd.DataFrame, plausibility: Plausibility
) -> list[dict[str, Any]]:
    warnings = []
    for column, (rule, is_plausible) in sorted(plausibility.get(table, {}).items()):
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
        report["tables"][table] = {
            "rows": len(frame),
            "columns": frame.shape[1],
            "errors": errors,
            "warnings": plausibility_warnings(table, frame, plausibility),
        }
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
