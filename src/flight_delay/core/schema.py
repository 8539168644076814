"""One schema per dataset, from which both the validation of the raw tables (pandera) and
the rules of the model's inputs (featurize, serving, batch scoring, monitoring) are
derived, so that a column's type, range and categories are written once.

A dataset's home writes it once, in `schema.yaml` (`schema_from_mapping` reads it): each
raw table's columns (`Column`), its unique key (or `row_number`: the table has none, and
`ingest` numbers its rows) and minimum size; and the columns its hook derives. A column
joined from another table becomes nullable as a model input (the join is a left join);
a plausibility bound (`plausible_high`) is a warning in validation, a value `prepare`
sets to missing, and the input's upper bound.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flight_delay.core.feature_rules import Categorical, Numeric, Rule
from flight_delay.core.validation import Plausibility, min_rows_rule

if TYPE_CHECKING:
    import pandera.pandas as pa

CustomChecks = Mapping[str, Callable[[], Any]]  # name -> a factory of a pandera Check


def _at_most(values: pd.Series, high: float) -> pd.Series:
    """True where a value is missing or at most `high` (a plausibility check)."""
    return values.isna() | (values <= high)


def _real_moments(values: pd.Series) -> pd.Series:
    """True where a value is a real date and time with its timezone (is_moment)."""
    from flight_delay.core.feature_rules import is_moment

    return values.map({v: is_moment(v) for v in values.dropna().unique()}).fillna(True).astype(bool)


# A table without a unique key declares `key: row_number`: `ingest` adds this column, the
# row's position in the source file (0, 1, ...), which then names the row everywhere.
ROW_NUMBER = "row_number"


class SchemaError(ValueError):
    """A schema declaration that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Column:
    """One column: its type, whether it may be missing, and what its values may be."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    kind: Literal["int", "float", "str"]
    nullable: bool = False
    low: int | float | None = None  # at least
    high: int | float | None = None  # at most
    above: int | float | None = None  # strictly more than
    values: tuple[str, ...] | None = None  # a closed set
    pattern: str | None = None  # a regular expression every value matches
    format: Literal["date-time"] | None = None  # a real ISO 8601 date and time with a timezone
    checks: tuple[str, ...] = ()  # named checks the dataset's hook defines (clock_hhmm)
    plausible_high: int | float | None = None  # above it: a warning, and missing after prepare
    unit: str = ""  # said after the bound in messages ("mph")

    def __post_init__(self) -> None:
        if self.format is not None and self.kind != "str":
            raise ValueError(f"format: {self.format} is for a str column (kind is {self.kind})")

    def rule(self, nullable: bool, integer: bool = False) -> Rule:
        """The rule of this column as a model input (or an identity field)."""
        if self.kind == "str":
            values = self.values
            pattern = (
                f"^({'|'.join(map(re.escape, values))})$" if values else (self.pattern or r"^.*$")
            )
            return Categorical(pattern, nullable, moment=self.format == "date-time")
        low = self.low if self.low is not None else self.above
        low = -math.inf if low is None else low
        high = self.plausible_high if self.plausible_high is not None else self.high
        return Numeric(low, math.inf if high is None else high, nullable, integer)


ROW_NUMBER_COLUMN = Column("int", low=0)


@dataclass(frozen=True)
class Table:
    columns: Mapping[str, Column]
    unique: tuple[str, ...] = ()
    min_rows: int = 1

    @property
    def numbered(self) -> bool:
        """Its rows are named by their number (`key: row_number`), added by `ingest`."""
        return self.unique == (ROW_NUMBER,)


@dataclass(frozen=True)
class DatasetSchema:
    tables: Mapping[str, Table]
    derived: Mapping[str, Column] = field(default_factory=dict)  # the hook's new columns
    checks: CustomChecks = field(default_factory=dict)

    def pandera_schema(self, table: str, min_rows: int | None = None) -> pa.DataFrameSchema:
        """The pandera schema of one raw table: exact columns, dtypes, checks, the unique
        key and a minimum row count (imported here: only `validate` builds one)."""
        import pandera.pandas as pa
        from pandera import Check

        spec = self.tables[table]
        rows = spec.min_rows if min_rows is None else min_rows
        at_least = Check(
            lambda frame: len(frame) >= rows,
            element_wise=False,
            name=f"at_least_{rows}_rows",
            error=min_rows_rule(rows),
        )
        columns = {name: self._pandera_column(column) for name, column in spec.columns.items()}
        return pa.DataFrameSchema(columns, checks=[at_least], strict=True,
                                  unique=list(spec.unique) or None, name=table)  # fmt: skip

    def _pandera_column(self, column: Column) -> pa.Column:
        import pandera.pandas as pa
        from pandera import Check

        checks = []
        if column.low is not None and column.high is not None:
            checks.append(Check.in_range(column.low, column.high))
        elif column.low is not None:
            checks.append(Check.ge(column.low))
        elif column.high is not None:
            checks.append(Check.le(column.high))
        if column.above is not None:
            checks.append(Check.gt(column.above))
        if column.values is not None:
            checks.append(Check.isin(list(column.values)))
        if column.pattern is not None:
            checks.append(Check.str_matches(column.pattern))
        if column.format == "date-time":
            checks.append(Check(_real_moments, name="real_date_time",
                                error="a real ISO 8601 date and time with a timezone"))  # fmt: skip
        checks += [self.checks[name]() for name in column.checks]
        dtype: Any = {"int": "int64", "float": "float64", "str": str}[column.kind]
        return pa.Column(dtype, checks, nullable=column.nullable)

    def schema_factories(self) -> dict[str, Callable[[], pa.DataFrameSchema]]:
        """table -> a factory of its pandera schema (what `validate` calls)."""
        return {table: partial(self.pandera_schema, table) for table in self.tables}

    def plausibility(self) -> Plausibility:
        """The warnings of `validate` (and the values `prepare` sets to missing)."""
        found: dict[str, dict[str, tuple[str, Callable[[pd.Series], pd.Series]]]] = {}
        for table, spec in self.tables.items():
            for name, column in spec.columns.items():
                high = column.plausible_high
                if high is not None:
                    said = f"at most {high:g}" + (f" {column.unit}" if column.unit else "")
                    found.setdefault(table, {})[name] = (said, partial(_at_most, high=high))
        return found

    def feature_rules(self, label_table: str, joined: tuple[str, ...]) -> dict[str, Rule]:
        """The rule of every column that may be a model input: the label table's own
        columns, those of the joined tables (nullable: a left join), the derived ones."""
        rules: dict[str, Rule] = {}
        for table in reversed((label_table, *joined)):  # the label table's win a clash
            for name, column in self.tables[table].columns.items():
                nullable = column.nullable or table != label_table
                rules[name] = column.rule(nullable, integer=column.kind == "int")
        rules |= {name: column.rule(column.nullable, integer=column.kind == "int")
                  for name, column in self.derived.items()}  # fmt: skip
        return rules

    def identity_rules(self, table: str, names: tuple[str, ...]) -> dict[str, Rule]:
        """The rules of optional request fields that name a row of `table` (never inputs)."""
        columns = self.tables[table].columns
        return {
            name: columns[name].rule(columns[name].nullable, integer=columns[name].kind == "int")
            for name in names
        }


class _TableDeclaration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: dict[str, Column] = Field(min_length=1)
    key: list[str] | Literal["row_number"] = []
    min_rows: int = Field(default=1, ge=1)


class _SchemaDeclaration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tables: dict[str, _TableDeclaration] = Field(min_length=1)
    derived: dict[str, Column] = {}
    definitions: dict[str, Any] = {}  # a place for YAML anchors the rest reuses; not read


def _table(name: str, declared: _TableDeclaration) -> Table:
    if declared.key == ROW_NUMBER:
        if ROW_NUMBER in declared.columns:
            raise SchemaError(f"tables.{name}.columns: {ROW_NUMBER!r} is the column `key: "
                              f"{ROW_NUMBER}` adds; rename yours")  # fmt: skip
        columns = {**declared.columns, ROW_NUMBER: ROW_NUMBER_COLUMN}
        return Table(columns, (ROW_NUMBER,), declared.min_rows)
    unknown = [c for c in declared.key if c not in declared.columns]
    if unknown:
        raise SchemaError(f"tables.{name}.key: {unknown} are not columns of the table")
    return Table(dict(declared.columns), tuple(declared.key), declared.min_rows)


def schema_from_mapping(raw: Any, checks: CustomChecks | None = None) -> DatasetSchema:
    """The schema a dataset's schema.yaml declares (`tables`, `derived`), with the named
    checks its hook defines; SchemaError names the first wrong key."""
    checks = dict(checks or {})
    try:
        declared = _SchemaDeclaration.model_validate(raw)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        where = ".".join(map(str, first["loc"])) or "(top level)"
        raise SchemaError(f"{where}: {first['msg']}") from None
    tables = {name: _table(name, table) for name, table in declared.tables.items()}
    clash = sorted({c for t in tables.values() for c in t.columns} & set(declared.derived))
    if clash:
        raise SchemaError(f"derived: {clash} are already columns of a table")
    named = {(f"tables.{t}.columns.{c}", check) for t, table in tables.items()
             for c, column in table.columns.items() for check in column.checks}  # fmt: skip
    named |= {(f"derived.{c}", check) for c, column in declared.derived.items()
              for check in column.checks}  # fmt: skip
    unknown = sorted(f"{where}: check {check!r}" for where, check in named if check not in checks)
    if unknown:
        raise SchemaError(f"{unknown[0]} is not defined (the hook's CHECKS defines "
                          f"{sorted(checks) or 'none'})")  # fmt: skip
    return DatasetSchema(tables, dict(declared.derived), checks)
