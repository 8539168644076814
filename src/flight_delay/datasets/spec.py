"""The seam between the machinery and one dataset: what a dataset's home provides.

A dataset's home is a package `flight_delay/datasets/<name>/` whose `DATASET` is a
`DatasetSpec`; `data.dataset` in conf/data names it. The machinery (stages, PR checks,
registry, serving, monitoring, labeling) reads columns, tables, the label rule and the
feature rules only through this object: nothing outside a dataset's home names one of
its columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from flight_delay.core.feature_rules import Rule
    from flight_delay.core.validation import Plausibility
    from flight_delay.infra.config import LabelConfig


@dataclass(frozen=True)
class DatasetSpec:
    """Everything the machinery needs to know about a dataset (see the module docstring)."""

    name: str
    # The label: a 0/1 column of the prepared rows, made by a rule from one raw table.
    label: str  # its column name
    class_names: tuple[str, str]  # how 0 and 1 are called in plots and reports
    positive_event: str  # the event label 1 stands for, as a noun ("a delay")
    label_table: str  # the raw table the rule labels (one labelled row per row of it)
    label_rows: Callable[[pd.DataFrame, LabelConfig], pd.DataFrame]  # adds `label`, may drop rows
    describe_label: Callable[[LabelConfig], str]  # the rule in words, for the dataset card
    outcome_columns: tuple[str, ...]  # columns of `label_table` the rule reads (the outcome)
    near_boundary: Callable[[pd.DataFrame, LabelConfig, float], pd.Series]  # rows worth review
    # The raw tables: pandera schemas (validate), plausibility checks (reported; `prepare`
    # sets failing values to missing), and how the labelled rows are joined with them.
    raw_schemas: Mapping[str, Callable[[], Any]]  # table -> a pandera DataFrameSchema factory
    plausibility: Plausibility
    joined_tables: tuple[str, ...]  # the other raw tables `join_tables` reads
    join_tables: Callable[[pd.DataFrame, Mapping[str, pd.DataFrame]], pd.DataFrame]
    leakage: frozenset[str]  # known only after the outcome: never a feature, never prepared
    # Rows: their identity, the column the time-ordered split reads, the card's periods.
    key: tuple[str, ...]  # identifies a prepared row; the splits are sorted by it
    natural_key: Mapping[str, str]  # column -> "int" | "str": how a person names a raw row
    split_column: str  # split.*_months and data.months are values of this column
    period_columns: tuple[str, ...]  # the dataset card counts rows per period
    # Features: derived from the prepared rows; every one has a rule.
    derive_features: Callable[[pd.DataFrame], pd.DataFrame]
    feature_rules: Mapping[str, Rule]
    identity_rules: Mapping[str, Rule]  # optional in a request, never model inputs
    context_columns: tuple[str, ...]  # kept beside the features (row identity, slicing)
    review_columns: tuple[str, ...]  # what a reviewer sees of a raw row (`make label-sample`)
    # `make simulate`: the drift a buggy client would cause (a unit change, say).
    simulated_drift: Callable[[pd.DataFrame], pd.DataFrame]

    @property
    def rate_key(self) -> str:
        """The name of the label's rate in reports and summaries (`delayed_rate`)."""
        return f"{self.label}_rate"

    @property
    def observed_fraction(self) -> str:
        """The calibration curve's column of observed label rates (`fraction_delayed`)."""
        return f"fraction_{self.label}"
