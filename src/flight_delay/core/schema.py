"""One schema per dataset, from which both the validation of the raw tables (pandera) and
the rules of the model's inputs (featurize, serving, batch scoring, monitoring) are
derived, so that a column's type, range and categories are written once.

A dataset's home declares a `DatasetSchema`: each raw table's columns (`Column`), its
unique key and minimum size; the columns its hook derives; and the identity fields a
request may carry. A column joined from another table becomes nullable as a model
input (the join is a left join); a plausibility bound (`plausible_high`) is a warning
in validation, a value `prepare` sets to missing, and the input's upper bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from flight_delay.core.feature_rules import Categorical, Numeric, Rule
from flight_delay.core.validation import Plausibility

if TYPE_CHECKING:
    import pandera.pandas as pa

CustomChecks = Mapping[str, Callable[[], Any]]  # name -> a factory of a pandera Check


def _at_most(values: pd.Series, high: float) -> pd.Series:
    """True where a value is missing or at most `high` (a plausibility check)."""
    return values.isna() | (values <= high)


@dataclass(frozen=True)
class Column:
    """One column: its type, whether it may be missing, and what its values may be."""

    kind: Literal["int", "float", "str"]
    nullable: bool = False
    low: float | None = None  # at least
    high: float | None = None  # at most
    above: float | None = None  # strictly more than
    values: tuple[str, ...] | None = None  # a closed set
    pattern: str | None = None  # a regular expression every value matches
    checks: tuple[str, ...] = ()  # named checks the dataset's hook defines (clock_hhmm)
    plausible_high: float | None = None  # above it: a warning, and missing after prepare
    unit: str = ""  # said after the bound in messages ("mph")

    def rule(self, nullable: bool, integer: bool = False) -> Rule:
        """The rule of this column as a model input (or an identity field)."""
        if self.kind == "str":
            values = self.values
            pattern = f"^({'|'.join(values)})$" if values else (self.pattern or r"^.*$")
            return Categorical(pattern)
        low = self.low if self.low is not None else self.above
        low = -math.inf if low is None else low
        high = self.plausible_high if self.plausible_high is not None else self.high
        return Numeric(low, math.inf if high is None else high, nullable, integer)


@dataclass(frozen=True)
class Table:
    columns: Mapping[str, Column]
    unique: tuple[str, ...] = ()
    min_rows: int = 1


@dataclass(frozen=True)
class DatasetSchema:
    tables: Mapping[str, Table]
    derived: Mapping[str, Column] = field(default_factory=dict)  # the hook's new columns
    identity: Mapping[str, Column] = field(default_factory=dict)  # optional request fields
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
            error=f"table must have at least {rows} rows",
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
                rules[name] = column.rule(nullable)
        rules |= {name: column.rule(column.nullable) for name, column in self.derived.items()}
        return rules

    def identity_rules(self) -> dict[str, Rule]:
        return {
            name: column.rule(column.nullable, integer=column.kind == "int")
            for name, column in self.identity.items()
        }
