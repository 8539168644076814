"""The seam between the machinery and one dataset: what a dataset provides.

A `DatasetHome` gathers what the configuration (conf/data: the tables, the row key, the
leakage, ...), the dataset's schema (`flight_delay/datasets/<name>/schema.yaml`) and its
optional hook (`hook.py`: joins, derived columns, the drift `make simulate` plants) say;
datasets/home.py builds it. `DatasetSpec` is the home with its label rule (conf/label):
the machinery (stages, PR checks, registry, serving, monitoring, labeling) reads
columns, tables, the label and the feature rules only through it, so nothing outside a
dataset's home and configuration names one of its columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from typing import TYPE_CHECKING, Any

from flight_delay.core import labels
from flight_delay.core.schema import DatasetSchema
from flight_delay.infra.config import LabelConfig

if TYPE_CHECKING:
    import pandas as pd

    from flight_delay.core.feature_rules import Rule
    from flight_delay.core.validation import Plausibility


def _unchanged(frame: pd.DataFrame, *_: object) -> pd.DataFrame:
    return frame


@dataclass(frozen=True)
class DatasetHome:
    """What a dataset gives the machinery (see the module docstring)."""

    name: str
    label_table: str  # the raw table the label rule labels (one labelled row per row of it)
    # The schema, written once (core/schema.py): the raw tables as `validate` checks them,
    # and from the same declarations the rules of the model's inputs and identity fields.
    schema: DatasetSchema
    # Rows: their identity and the dataset card's periods (conf/data).
    key: tuple[str, ...]  # identifies a prepared row; the splits are sorted by it
    leakage: frozenset[str] = frozenset()  # known after the outcome: never an input
    period_columns: tuple[str, ...] = ()  # the dataset card counts rows per period
    context_columns: tuple[str, ...] = ()  # kept beside the features (row identity, slicing)
    review_columns: tuple[str, ...] = ()  # what a reviewer sees of a raw row
    identity: tuple[str, ...] = ()  # label-table columns a request may carry (feedback joins)
    # The hook (optional): the other raw tables joined to each labelled row, and how; the
    # derived columns (each has a rule in the schema's `derived`); the drift a buggy client
    # would cause (`make simulate`).
    joined_tables: tuple[str, ...] = ()
    join_tables: Callable[[pd.DataFrame, Mapping[str, pd.DataFrame]], pd.DataFrame] = _unchanged
    derive_features: Callable[[pd.DataFrame], pd.DataFrame] = _unchanged
    simulated_drift: Callable[[pd.DataFrame], pd.DataFrame] | None = None

    @cached_property
    def raw_schemas(self) -> dict[str, Callable[[], Any]]:
        """table -> a factory of its pandera schema."""
        return self.schema.schema_factories()

    @cached_property
    def plausibility(self) -> Plausibility:
        return self.schema.plausibility()

    @cached_property
    def feature_rules(self) -> dict[str, Rule]:
        """The rule of every column that may be a model input."""
        return self.schema.feature_rules(self.label_table, self.joined_tables)

    @cached_property
    def identity_rules(self) -> dict[str, Rule]:
        """Optional in a request, never model inputs: they let the prediction log be
        joined with the outcomes."""
        return self.schema.identity_rules(self.label_table, self.identity)

    @cached_property
    def natural_key(self) -> dict[str, str]:
        """How a person names a raw row (the label table's unique key): column -> "int" or
        "str" (the overrides file)."""
        table = self.schema.tables[self.label_table]
        return {c: "int" if table.columns[c].kind == "int" else "str" for c in table.unique}


@dataclass(frozen=True, kw_only=True)
class DatasetSpec(DatasetHome):
    """A dataset's home with its label rule (conf/label): what the machinery reads."""

    label_rule: LabelConfig

    @classmethod
    def of(cls, home: DatasetHome, label: LabelConfig) -> DatasetSpec:
        return cls(**{f.name: getattr(home, f.name) for f in fields(DatasetHome)}, label_rule=label)

    @property
    def label(self) -> str:
        """The label column of the prepared rows (`delayed`)."""
        return self.label_rule.column

    @property
    def class_names(self) -> tuple[str, str]:
        return self.label_rule.classes

    @property
    def positive_event(self) -> str:
        return self.label_rule.event

    @property
    def outcome_columns(self) -> tuple[str, ...]:
        """The columns of the label table the rule reads (the outcome, for feedback)."""
        return (self.label_rule.source,)

    def label_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The label table's rows labelled by the rule (the policy may drop some)."""
        return labels.apply_rule(frame, self.label_rule)

    def describe_label(self) -> str:
        return labels.describe_rule(self.label_rule)

    def near_boundary(self, rows: pd.DataFrame, margin: float) -> pd.Series:
        return labels.near_boundary(rows, self.label_rule, margin)

    @property
    def rate_key(self) -> str:
        """The name of the label's rate in reports and summaries (`delayed_rate`)."""
        return f"{self.label}_rate"
